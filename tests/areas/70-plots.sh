# Plots and report from tests/plots/fixture (plots/, harness/report.sh), and the micro-benchmarks.
echo "# plots and report from tests/plots/fixture; micro-benchmarks"
P=build/test-plots
rm -rf $P && mkdir -p $P && cp -r tests/plots/fixture $P/res
check "plot.sh draws the fixture" 0 plots/plot.sh $P/res
missing=""
for p in headline scaling-gc-threads-gcbench scaling-mutator-threads-gcbench \
    $(for t in 1 2; do for g in 1 2; do for k in cdf mmu heap; do echo $k-gcbench-t$t-g$g-f2; done; done; done) \
    $(for r in rate0 rate400000; do for k in cdf mmu heap latency; do echo $k-msgbuf-t1-g2-f2-$r; done; done); do
    for ext in png svg; do [ -s $P/res/plots/$p.$ext ] || missing="$missing $p.$ext"; done
done
pr_check "plot.sh: all 23 plots as PNG and SVG${missing:+ (missing:$missing)}" -z "$missing"
check "report.sh writes report.md and report.html" 0 env NOPLOTS=1 harness/report.sh $P/res
missing=""
for h in "## Machine" "## Comparison" "## Headline: p99 pause" "## Workload: gcbench" "## Workload: msgbuf" \
    "### Pauses" "### Minimum mutator utilization" "### Throughput and memory" "### Mutator latency" "### Plots" \
    "](plots/headline.png)" "](plots/latency-msgbuf-t1-g2-f2-rate400000.png)" "| t=2 g=2 f=2 | bdw | 2/2 |"; do
    grep -qF -- "$h" $P/res/report.md || missing="$missing '$h'"
done
pr_check "report.md has every section${missing:+ (missing:$missing)}" -z "$missing"
pr_check "report.html embeds the plots" "$(count_of '<img src="plots/' $P/res/report.html)" -ge 23
# Degrades: a folder with runs.csv only still gets the headline, and notes for the rest.
mkdir -p $P/runs-only && cp tests/plots/fixture/runs.csv $P/runs-only/
check "plot.sh with runs.csv only" 0 plots/plot.sh $P/runs-only
pr_check "runs.csv only: headline drawn, no pause CDF" -s $P/runs-only/plots/headline.png -a ! -e $P/runs-only/plots/cdf-gcbench-t1-g1-f2.png
pr_check "runs.csv only: the skipped plots are noted" "$(count_of 'pauses.csv' $P/runs-only/plots/data/notes.txt)" -ge 1
mkdir -p $P/empty
check_msg "plot.sh: no runs.csv" 2 "no runs.csv" plots/plot.sh $P/empty
# Micro-benchmarks: each (non-sanitizer) variant's build/<variant>/micro builds and runs quick cases,
# and micro/run.sh puts their table into the report.
for v in $VARIANTS; do
    check "$v micro builds" 0 make --no-print-directory -f build.mk VARIANT=$v micro
    check "$v micro runs alloc and barrier" 0 build/$v/micro --benchmark_filter='^(alloc/16B|barrier/marking_(on|off))$' \
        --benchmark_min_time=0.01 --benchmark_out=$P/micro-$v.json --benchmark_out_format=json
done
check "micro/run.sh writes the table into the report" 0 env RESULTS=$P/res MICRO_ARGS="--benchmark_filter=^(alloc|barrier)/ --benchmark_min_time=0.01" micro/run.sh $VARIANTS
pr_check "report.md has the micro-benchmark table" "$(count_of '^## Micro-benchmarks' $P/res/report.md)" = 1
