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
# The fixture took no censuses: no census plot, no heap statistics section, a note instead.
pr_check "no types.csv: no census plot" -z "$(ls $P/res/plots/census-* $P/runs-only/plots/census-* 2>/dev/null)"
pr_check "no types.csv: the census plots are noted as skipped" "$(count_of '^types.csv missing' $P/res/plots/data/notes.txt)" = 1
pr_check "no census: no heap statistics section in report.md" "$(count_of '^## Heap statistics' $P/res/report.md)" = 0
# Heap statistics (--census, --leak-check): a small weakcache run on stw, 2 repetitions; then the same
# folder with its leak verdicts rewritten to "suspected" (the detector itself has unit tests)
# and a leaks.md beside it, as harness/leakcheck.sh writes one.
echo "# census plots and the heap statistics section"
C=$P/census
check "census run: weakcache --census --leak-check report" 0 build/stw/gclab run weakcache --census --leak-check report \
    --leak-window 2 --leak-warmup 1 --repeat 2 --quiet --out $C $(small weakcache)
check "census folder: report.sh draws and reports" 0 harness/report.sh $C
pr_check "census plot drawn as PNG and SVG" -s $C/plots/census-weakcache-t1-g2-f2.png -a -s $C/plots/census-weakcache-t1-g2-f2.svg
grep_check "census plot: the types as layers" '^array lnames.*"weakcache.entry"' $C/plots/data/census-weakcache-t1-g2-f2.inc
missing=""
for h in "## Heap statistics and leak check" "### Live heap at the last census" "### Memory usage and the leak check" \
    "| weakcache | t=1 g=2 f=2 | stw | 2 | " "| no leak 2/2 |" "### Live bytes by type" "](plots/census-weakcache-t1-g2-f2.png)"; do
    grep -qF -- "$h" $C/report.md || missing="$missing '$h'"
done
pr_check "report.md has the heap statistics section${missing:+ (missing:$missing)}" -z "$missing"
grep_check "report.html shows the census plot" '<img src="plots/census-weakcache-t1-g2-f2.png"' $C/report.html
L=$P/census-leak
mkdir -p $L && cp $C/*.csv $L/
awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; print; next }
    { $c["leak_suspected"] = 1; $c["leak_top_type"] = "\"weakcache.entry\""; $c["leak_top_growth_bytes"] = 204800
                     $c["leak_first_cycle"] = 2; $c["leak_last_cycle"] = 4 } { print }' $C/runs.csv >$L/runs.csv
printf '# Leak patterns\n\n## Precision and recall\n\n```\n# not a heading\n```\n' >$L/leaks.md
check "suspected leak and leaks.md: report.sh" 0 harness/report.sh $L
grep_check "census plot: the leak window shaded" '^array lw2\[1\] = \[4\]$' $L/plots/data/census-weakcache-t1-g2-f2.inc
missing=""
for h in '| **LEAK SUSPECTED** 2/2 | `weakcache.entry` 2/2 | +200.0 |' "### Leak patterns (\`leaks.md\`)" \
    "#### Leak patterns" "##### Precision and recall" "# not a heading"; do
    grep -qF -- "$h" $L/report.md || missing="$missing '$h'"
done
pr_check "report.md: the verdict and leaks.md, its headings moved down${missing:+ (missing:$missing)}" -z "$missing"
# Micro-benchmarks: each (non-sanitizer) variant's build/<variant>/micro builds and runs quick cases,
# and micro/run.sh puts their table into the report.
for v in $VARIANTS; do
    check "$v micro builds" 0 make --no-print-directory -f build.mk VARIANT=$v micro
    check "$v micro runs alloc and barrier" 0 build/$v/micro --benchmark_filter='^(alloc/16B|barrier/marking_(on|off))$' \
        --benchmark_min_time=0.01 --benchmark_out=$P/micro-$v.json --benchmark_out_format=json
done
check "micro/run.sh writes the table into the report" 0 env RESULTS=$P/res MICRO_ARGS="--benchmark_filter=^(alloc|barrier)/ --benchmark_min_time=0.01" micro/run.sh $VARIANTS
pr_check "report.md has the micro-benchmark table" "$(count_of '^## Micro-benchmarks' $P/res/report.md)" = 1
