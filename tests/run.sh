#!/usr/bin/env bash
# make test: unit tests, every workload on every variant under the verifier (default sizes and stress
# mode), bad-input handling, and the sanitizer builds (TSan for threaded paths, ASan+UBSan for all).
# Prints one line per check and, last, "N passed, N failed". Logs of failures go to build/test-logs/.
set -u
cd "$(dirname "$0")/.."
VARIANTS=${VARIANTS:-"stw bdw"}
TSAN_VARIANTS=${TSAN_VARIANTS-stw}
ASAN_VARIANTS=${ASAN_VARIANTS-stw}

# A variant's unit tests are the programs build.mk made beside its gclab (collector/<name>.mk's
# COLLECTOR_TESTS); the micro-benchmark binary is not one.
unit_tests() {
    local f
    for f in "$1"/*; do
        case $(basename "$f") in gclab | micro | obj) continue ;; esac
        [ -f "$f" ] && [ -x "$f" ] && echo "$f"
    done
}
LOGS=build/test-logs
mkdir -p "$LOGS"
pass=0
fail=0
T=${TEST_TIMEOUT:-600}

# check NAME EXPECTED_STATUS COMMAND... : runs COMMAND, passes when it exits with EXPECTED_STATUS.
check() {
    local name=$1 want=$2
    shift 2
    local log="$LOGS/$(echo "$name" | tr ' /' '__').log"
    timeout "$T" "$@" >"$log" 2>&1
    local rc=$?
    if [ "$rc" = "$want" ]; then
        pass=$((pass + 1))
        echo "ok   $name"
    else
        fail=$((fail + 1))
        echo "FAIL $name (exit $rc, wanted $want; log $log)"
        tail -5 "$log" | sed 's/^/     | /'
    fi
}

# check_msg NAME EXPECTED_STATUS PATTERN COMMAND...: also wants exactly one stderr line matching PATTERN.
check_msg() {
    local name=$1 want=$2 pat=$3
    shift 3
    local err="$LOGS/$(echo "$name" | tr ' /' '__').err"
    timeout "$T" "$@" >/dev/null 2>"$err"
    local rc=$?
    local lines
    lines=$(wc -l <"$err")
    if [ "$rc" = "$want" ] && [ "$lines" = 1 ] && grep -q -- "$pat" "$err"; then
        pass=$((pass + 1))
        echo "ok   $name"
    else
        fail=$((fail + 1))
        echo "FAIL $name (exit $rc, wanted $want; $lines stderr lines; wanted /$pat/)"
        sed 's/^/     | /' "$err" | head -5
    fi
}

SMALL_gcbench="--max-depth 10 --long-lived-depth 10 --array-size 1000"
SMALL_binarytrees="--depth 10"
SMALL_msgbuf="--window 2000 --pushes 40000 --msg-size 256"
SMALL_graphchurn="--nodes 5000 --ops 100000 --check-every 20000"
WORKLOADS="gcbench binarytrees msgbuf graphchurn"
small() { eval echo "\$SMALL_$1"; }

echo "# unit tests"
for v in $VARIANTS; do
    for t in $(unit_tests build/$v); do
        check "$v unit $(basename "$t")" 0 "$t"
    done
done

echo "# every workload on every variant, verifier on"
for v in $VARIANTS; do
    g=build/$v/gclab
    # BARRIER=none builds exist to lose objects (below and in their barrier_lost_object unit test).
    case $v in *-none) continue ;; esac
    for w in $WORKLOADS; do
        check "$v $w default --verify" 0 $g run $w --verify --quiet
        check "$v $w threads=3 --verify" 0 $g run $w --threads 3 --gc-threads 2 --verify --quiet $(small $w)
        check "$v $w stress-every=97 --verify" 0 $g run $w --threads 2 --stress-every 97 --verify --quiet $(small $w)
        check "$v $w gc-threads=1 small heap" 0 $g run $w --gc-threads 1 --heap 64M --verify --quiet $(small $w)
    done
done

echo "# without a barrier, objects are lost, and the verifier says so"
# One mutator thread: increments run at its allocation points, so the schedule, and the loss, are the
# same on every run.
if [ -x build/incremental-none/gclab ]; then
    check_msg "incremental-none loses an object in graphchurn" 3 "lost by the collector" \
        build/incremental-none/gclab run graphchurn --verify --quiet
fi

echo "# bad input: one clear line, non-zero exit"
for v in $VARIANTS; do
    g=build/$v/gclab
    check_msg "$v unknown workload" 2 "unknown workload" $g run nosuch
    check_msg "$v unknown flag" 2 "unknown option --frobnicate" $g run gcbench --frobnicate 3
    check_msg "$v non-numeric threads" 2 "expects a whole number" $g run binarytrees --threads many
    check_msg "$v zero threads" 2 "out of range" $g run binarytrees --threads 0
    check_msg "$v bad heap size" 2 "expects a size" $g run gcbench --heap 12Q
    check_msg "$v heap below minimum" 2 "too small" $g run gcbench --heap 100K $(small gcbench)
    check_msg "$v heap below live set" 2 "smaller than what msgbuf keeps live" $g run msgbuf --heap 64M
    check_msg "$v heap factor" 2 "heap-factor 0.5 is out of range" $g run gcbench --heap-factor 0.5 $(small gcbench)
    check_msg "$v workload param range" 2 "out of range" $g run msgbuf --window 0
    check_msg "$v missing value" 2 "needs a value" $g run msgbuf --pushes
    check_msg "$v params that do not go together" 2 "greater than --max-depth" $g run gcbench --min-depth 9 --max-depth 5
    check_msg "$v unknown command" 2 "unknown command" $g frobnicate
    check_msg "$v bad promote age" 2 "promote-age 16 is out of range" $g run msgbuf --promote-age 16
    # 1048-byte messages take 1152-byte cells: the live set passes the up-front check but not the heap.
    check_msg "$v heap exhausted" 3 "heap exhausted" \
        $g run msgbuf --heap 44M --window 40000 --msg-size 1040 --pushes 100000
done

echo "# README's option table is harness/options.c's"
v1=${VARIANTS%% *}
sed -n '/^<!-- options: generated/,/^<!-- end of options -->/p' README.md | sed '1d;$d' >"$LOGS/readme-options.md"
build/$v1/gclab options --markdown >"$LOGS/gclab-options.md" 2>&1
check "README's option table equals gclab options --markdown" 0 diff "$LOGS/readme-options.md" "$LOGS/gclab-options.md"

echo "# sanitizers: TSan where collection runs beside mutators, ASan+UBSan for the rest"
for vs in $(for v in $TSAN_VARIANTS; do echo $v-tsan; done) $(for v in $ASAN_VARIANTS; do echo $v-asan; done); do
        g=build/$vs/gclab
        [ -x "$g" ] || { fail=$((fail + 1)); echo "FAIL $vs not built"; continue; }
        for t in $(unit_tests build/$vs); do
            check "$vs unit $(basename "$t")" 0 "$t"
        done
        case $vs in *-none-*) continue ;; esac   # built to lose objects: their unit tests above say so
        for w in $WORKLOADS; do
            check "$vs $w threads=3 --verify" 0 $g run $w --threads 3 --gc-threads 2 --verify --quiet $(small $w)
            check "$vs $w stress --verify" 0 $g run $w --threads 2 --gc-threads 3 --stress-every 211 --verify --quiet $(small $w)
        done
done

# ---- harness: suites, pinning, metered latency, merge (issue 5) -------------------------------------
# Added by the harness work; the fixtures are in tests/suites/. Results go under build/test-harness/.
echo "# harness: suites, pinning, metered latency, merge"
H=build/test-harness
rm -rf "$H"
mkdir -p "$H"
g=build/stw/gclab
SYN="pack:2 core:8 pu:2"
# csv_check NAME DIR AWK_CONDITION: passes when awk, reading DIR/runs.csv with named columns c["..."],
# finds the END condition true (variables: n rows, ok rows, bad rows, g[gc_threads] seen).
csv_check() {
    local name=$1 dir=$2 cond=$3
    if [ -f "$dir/runs.csv" ] && awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        { n++; if ($c["status"] == "ok") ok++; else bad++; g[$c["gc_threads"]] = 1; met += $c["metered_count"] }
        END { exit !('"$cond"') }' "$dir/runs.csv"; then
        pass=$((pass + 1)); echo "ok   $name"
    else
        fail=$((fail + 1)); echo "FAIL $name ($dir/runs.csv does not satisfy: $cond)"
    fi
}
# grep_check NAME PATTERN FILE: passes when FILE has a line matching PATTERN.
grep_check() {
    if grep -q -- "$2" "$3" 2>/dev/null; then pass=$((pass + 1)); echo "ok   $1"
    else fail=$((fail + 1)); echo "FAIL $1 (no /$2/ in $3)"; fi
}
for f in tests/suites/bad-*.suite; do
    check_msg "suite $(basename "$f" .suite): one line with file:line" 2 "$(basename "$f"):" $g suite "$f" --check
done
check_msg "suite: bad shard spec" 2 "--shard expects I/N" $g suite tests/suites/good.suite --check --shard 4/4
check_msg "bench.sh: unknown suite" 2 "no suite 'nosuchsuite'" harness/bench.sh nosuchsuite
check_msg "bench.sh: bad shard spec" 2 "--shard expects I/N" harness/bench.sh tests/suites/sweep.suite --shard 1/0
check_msg "run: bad --pin" 2 "--pin expects compact, scatter or none" $g run msgbuf --pin sideways
# Failure handling: heap exhausted (exit 3) and timed out runs leave failed rows; the suite goes on.
check "suite with failing runs completes" 0 $g suite tests/suites/failing.suite --out $H/failing
csv_check "failing suite: 8 rows, 4 ok, 4 failed" $H/failing 'n == 8 && ok == 4 && bad == 4'
grep_check "failing suite: heap exhaustion recorded" ',"exit status 3: gclab: msgbuf on stw: heap exhausted' $H/failing/runs.csv
grep_check "failing suite: timeout recorded" ',"timed out after 2 s' $H/failing/runs.csv
grep_check "failing suite: the runner's failed row keeps gc_options, last" 'heap exhausted.*,"initial-heap=8M"$' $H/failing/runs.csv
# Interleaved (the default): repetitions 1 and 2 of every run, each from a process of its own (the pid
# is the run id's middle part); interleave no: one process for both.
check "failing suite: interleaved, repetitions 1 and 2 of every run, one process each" 0 awk -F, \
    'NR > 1 { k = $4 $5; seen[k, $10] = 1; runs[k] = 1; split($1, id, "-"); pids[id[2]]++ }
     END { for (k in runs) if (!((k, 1) in seen) || !((k, 2) in seen)) exit 1; for (p in pids) if (pids[p] > 1) exit 1 }' \
    $H/failing/runs.csv
check "suite with interleave no" 0 $g suite tests/suites/oneproc.suite --out $H/oneproc
check "interleave no: both repetitions from one process" 0 awk -F, \
    'NR > 1 { split($1, id, "-"); pids[id[2]]++; n++ } END { for (p in pids) k++; exit !(n == 2 && k == 1) }' $H/oneproc/runs.csv
# A core sweep on a synthetic 16-core topology: 1..cores expands to 1 2 4 8 16; bindings to CPUs this
# machine lacks fail, are reported, and every run still verifies.
check "sweep on synthetic pack:2 core:8 pu:2" 0 env HWLOC_SYNTHETIC="$SYN" $g suite tests/suites/sweep.suite --out $H/sweep
csv_check "sweep: 20 runs ok, gc-threads 1 2 4 8 16" $H/sweep 'n == 20 && ok == 20 && g[1] && g[2] && g[4] && g[8] && g[16]'
grep_check "sweep: machine.txt has the synthetic topology" 'synthetic "pack:2 core:8 pu:2"' $H/sweep/machine.txt
grep_check "sweep: machine.txt has the scatter order" 'scatter order (OS CPU numbers): 0 16 2 18' $H/sweep/machine.txt
grep_check "sweep: failed bindings listed in machine.txt" 'gc 15 -> PU 15 (package 0, core 7) FAILED' $H/sweep/machine.txt
grep_check "sweep: binding failure reported in errors.log" 'warning: cannot bind' $H/sweep/errors.log
env HWLOC_SYNTHETIC="$SYN" $g run msgbuf --dry-pin --pin scatter --threads 2 --gc-threads 16 >$H/dry-pin.txt 2>&1
grep_check "dry-pin: scatter plan for 16 GC threads" 'gc 15 -> PU 30 (package 1, core 15)' $H/dry-pin.txt
# Pinning for real on this machine (stw through the hook, bdw's markers found by name).
for v in $VARIANTS; do
    check "$v pinned compact run" 0 build/$v/gclab run msgbuf --pin compact --threads 2 --gc-threads 2 --quiet --out $H/pin-$v $(small msgbuf)
    grep_check "$v pinned: bindings in machine.txt" 'pin=compact.*mutator 0 -> PU' $H/pin-$v/machine.txt
done
case " $VARIANTS " in *" bdw "*) grep_check "bdw pinned: its marker bound as gc 1" 'gc 1 -> PU' $H/pin-bdw/machine.txt ;; esac
# gcbench attaches its main thread, then its one worker: with --threads 1 both take mutator position 0,
# so GC worker 1 keeps a PU of its own.
check "gcbench pinned compact, main thread and one worker" 0 $g run gcbench --pin compact --threads 1 --gc-threads 2 --quiet --out $H/pin-coord $(small gcbench)
grep_check "pinned gcbench: mutator 0 and gc 1 bound" 'mutator 0 -> PU.*gc 1 -> PU' $H/pin-coord/machine.txt
check "pinned gcbench: no mutator position 1 with --threads 1" 1 grep -q 'mutator 1 ->' $H/pin-coord/machine.txt
# scaling.sh: scavenge pauses by GC threads, with the speedup against one.
case " $VARIANTS " in *" generational "*)
    for n in 1 2; do
        check "scaling.sh input: generational msgbuf, $n GC threads" 0 build/generational/gclab run msgbuf --gc-threads $n --nursery 1M --quiet --out $H/scaling $(small msgbuf)
    done
    check "scaling.sh prints the scavenge table" 0 sh -c "harness/scaling.sh $H/scaling >$H/scaling.txt"
    grep_check "runs.csv: gc_options as given" ',"nursery=1M"$' $H/scaling/runs.csv
    grep_check "scaling.sh: 2 GC threads against 1" '^ *2 .*p50 [0-9.]*x total [0-9.]*x (against g=1)$' $H/scaling.txt
    check_msg "scaling.sh: a kind without pauses" 1 "no remark pauses" harness/scaling.sh $H/scaling remark
    check_msg "scaling.sh: no results" 2 "no runs.csv and pauses.csv" harness/scaling.sh $H/nosuchdir ;;
esac
# Metered latency: simple and metered histograms, metered columns in runs.csv.
check "msgbuf --rate (metered)" 0 $g run msgbuf --rate 50000 --window 1000 --pushes 5000 --msg-size 256 --quiet --out $H/metered
csv_check "metered: 5000 metered pushes recorded" $H/metered 'n == 1 && ok == 1 && met == 5000'
grep_check "metered: latency.csv has kind metered" ',metered$' $H/metered/latency.csv
grep_check "metered: latency.csv has kind simple" ',simple$' $H/metered/latency.csv
grep_check "mmu.csv written with bmu" '^run_id,variant,workload,rep,window_ns,mmu,bmu$' $H/metered/mmu.csv
# bench.sh with a shard into a given folder (results/latest untouched); then merge everything.
check "bench.sh shard 1/4 of the sweep" 0 env HWLOC_SYNTHETIC="$SYN" harness/bench.sh tests/suites/sweep.suite --shard 1/4 --out $H/shard1
csv_check "shard 1/4: 5 of the 20 runs" $H/shard1 'n == 5 && ok == 5'
grep_check "shard 1/4: machine.txt says so" '^shard: 1/4' $H/shard1/machine.txt
grep_check "shard 1/4: summary.txt written" 'medians over repetitions' $H/shard1/summary.txt
check "merge three result folders" 0 $g merge $H/merged $H/failing $H/sweep $H/shard1
csv_check "merged: 8 + 20 + 5 rows" $H/merged 'n == 33 && bad == 4'
grep_check "merged: machine-3.txt kept" 'shard: 1/4' $H/merged/machine-3.txt
check_msg "merge refuses mismatched headers" 2 "header differs" $g merge $H/merge-bad tests/suites/merge-a tests/suites/merge-badheader
# ---- end of the harness section ----------------------------------------------------------------------

# ---- plots, report and micro-benchmarks (issue 5: plots/, harness/report.sh, micro/) -----------------
echo "# plots and report from tests/plots/fixture; micro-benchmarks"
P=build/test-plots
rm -rf $P && mkdir -p $P && cp -r tests/plots/fixture $P/res
# pr_check NAME COND...: passes when the test(1) condition holds
pr_check() {
    local name=$1
    shift
    if [ "$@" ]; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name ([ $* ])"; fi
}
# count_of PATTERN FILE: lines of FILE matching PATTERN (0 when none or no file)
count_of() {
    local c
    c=$(grep -c -- "$1" "$2" 2>/dev/null)
    echo "${c:-0}"
}
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
# ---- end of the plots, report and micro-benchmarks section -------------------------------------------

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
