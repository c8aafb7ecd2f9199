# The harness: suites, pinning, metered latency, scaling.sh, bench.sh shards and merge.
# Added by the harness work; the fixtures are in tests/suites/. Results go under build/test-harness/.
echo "# harness: suites, pinning, metered latency, merge"
H=build/test-harness
rm -rf "$H"
mkdir -p "$H"
g=build/stw/gclab
SYN="pack:2 core:8 pu:2"
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
check "failing suite: the runner's failed row keeps gc_options" 0 awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    /heap exhausted/ { n++; if ($c["gc_options"] != "\"initial-heap=8M\"") exit 1 } END { exit !n }' $H/failing/runs.csv
# Interleaved (the default): repetitions 1 and 2 of every run, each from a process of its own (the pid
# is the run id's middle part); interleave no: one process for both.
check "failing suite: interleaved, repetitions 1 and 2 of every run, one process each" 0 awk -F, \
    'NR > 1 { k = $4 $5; seen[k, $10] = 1; runs[k] = 1; split($1, id, "-"); pids[id[2]]++ }
     END { for (k in runs) if (!((k, 1) in seen) || !((k, 2) in seen)) exit 1; for (p in pids) if (pids[p] > 1) exit 1 }' \
    $H/failing/runs.csv
# Every child runs from a fresh copy of its binary in the results folder, gone when the suite ends:
# seen as the running child's /proc/PID/exe.
$g suite tests/suites/failing.suite --out $H/copies >/dev/null 2>&1 &
suite_pid=$!
seen=no
while kill -0 $suite_pid 2>/dev/null; do
    if ls -l /proc/[0-9]*/exe 2>/dev/null | grep -q "$(realpath $H)/copies/.gclab-run-"; then seen=yes; break; fi
    sleep 0.01
done
wait $suite_pid
check "suite: a child runs from a copy of its binary in the results folder" 0 test $seen = yes
check "suite: no copy is left behind" 0 sh -c "! ls -a $H/copies | grep -q gclab-run"
grep_check "suite: machine.txt says the binaries are copied" '^binaries: each process runs a fresh copy' $H/copies/machine.txt
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
    check "runs.csv: gc_options as given" 0 awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        { n++; if ($c["gc_options"] != "\"nursery=1M\"") exit 1 } END { exit !n }' $H/scaling/runs.csv
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
# Heap statistics: --census writes types.csv, a totals row per census; runs.csv counts the censuses and
# holds the leak verdict; a run without --census writes no types.csv (plots and report: 70-plots.sh).
check "census: weakcache --census --leak-check report" 0 sh -c "$g run weakcache --census --leak-check report --leak-window 2 \
    --leak-warmup 1 --repeat 2 --out $H/census $(small weakcache) >$H/census.txt"
grep_check "census: types.csv header" '^run_id,variant,workload,rep,cycle,type,objects,bytes,protected_objects,census_ns,requested$' $H/census/types.csv
check "census: runs.csv censuses = the (total) rows of types.csv, a verdict for each" 0 awk -F, \
    'FNR == 1 { delete c; for (i = 1; i <= NF; i++) c[$i] = i; f++; next }
     f == 1 { want[$c["run_id"]] = $c["censuses"]; v[$c["run_id"]] = $c["leak_suspected"] }
     f == 2 && $c["type"] == "\"(total)\"" { got[$c["run_id"]]++ }
     END { for (r in want) { n++; if (want[r] < 1 || got[r] != want[r] || v[r] == "") exit 1 } exit n != 2 }' $H/census/runs.csv $H/census/types.csv
grep_check "census: the summary's census line" '^  census (run 1) .* censuses; the last (cycle' $H/census.txt
grep_check "census: the summary's leak check" '^  leak check, run 2: ' $H/census.txt
pr_check "no --census: no types.csv" ! -e $H/metered/types.csv
check "no --census: censuses 0, no leak verdict" 0 awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    { n++; if ($c["censuses"] != "0" || $c["leak_suspected"] != "") exit 1 } END { exit n != 1 }' $H/metered/runs.csv
# bench.sh with a shard into a given folder (results/latest untouched); then merge everything.
check "bench.sh shard 1/4 of the sweep" 0 env HWLOC_SYNTHETIC="$SYN" harness/bench.sh tests/suites/sweep.suite --shard 1/4 --out $H/shard1
csv_check "shard 1/4: 5 of the 20 runs" $H/shard1 'n == 5 && ok == 5'
grep_check "shard 1/4: machine.txt says so" '^shard: 1/4' $H/shard1/machine.txt
grep_check "shard 1/4: summary.txt written" 'medians over repetitions' $H/shard1/summary.txt
check "merge three result folders" 0 $g merge $H/merged $H/failing $H/sweep $H/shard1
csv_check "merged: 8 + 20 + 5 rows" $H/merged 'n == 33 && bad == 4'
grep_check "merged: machine-3.txt kept" 'shard: 1/4' $H/merged/machine-3.txt
check_msg "merge refuses mismatched headers" 2 "header differs" $g merge $H/merge-bad tests/suites/merge-a tests/suites/merge-badheader
# Baselines beside a collector in one results folder: rows in the same configuration (params, threads,
# GC threads, factor) doing the same work (trees built), so compare.sh puts them in one group.
if [ -n "$BASELINES" ]; then
    rm -rf $H/baselines
    for v in $(case " $VARIANTS " in *" bdw "*) echo bdw ;; esac) $BASELINES; do
        check "$v gcbench rows for the baseline comparison" 0 build/$v/gclab run gcbench --gc-threads 2 --loops 2 --repeat 2 --quiet --out $H/baselines $(small gcbench)
    done
    check "baselines: one params, threads, GC threads and factor; the same trees on every row" 0 awk -F, \
        'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
         { n++; k[$c["params"] "/" $c["threads"] "/" $c["gc_threads"] "/" $c["heap_factor"]] = 1; ops[$c["ops"]] = 1
           if ($c["status"] != "ok") exit 1 }
         END { for (x in k) nk++; for (x in ops) no++; exit !(nk == 1 && no == 1 && n >= 4) }' $H/baselines/runs.csv
    case " $BASELINES " in *" libgc "*)
        check "libgc baseline: collections counted, as many pauses" 0 awk -F, \
            'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $c["variant"] == "libgc" { n++; if (!($c["collections"] > 0 && $c["pauses"] == $c["collections"] && $c["peak_heap_bytes"] > 0)) exit 1 }
             END { exit !n }' $H/baselines/runs.csv
        check "compare.sh REF=libgc" 0 sh -c "REF=libgc harness/compare.sh $H/baselines >$H/baselines/compare.txt"
        grep_check "compare.sh REF=libgc: libgc is 1.00x itself" '^gcbench .* libgc  *[0-9.]*  *1\.00 ' $H/baselines/compare.txt ;;
    esac
fi
