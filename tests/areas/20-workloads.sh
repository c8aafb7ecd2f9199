# Every workload on every variant under the heap verifier, and BARRIER=none losing objects.
echo "# every workload on every variant, verifier on"
for v in $VARIANTS; do
    g=build/$v/gclab
    # BARRIER=none builds exist to lose objects (below and in their barrier_lost_object unit test).
    case $v in *-none) continue ;; esac
    for w in $WORKLOADS; do
        why=$(unsupported $v $w)
        if [ -n "$why" ]; then skip "$v $w" "$why"; continue; fi
        check "$v $w default --verify" 0 $g run $w --verify --quiet
        check "$v $w threads=$(thr $w 3) --verify" 0 $g run $w --threads $(thr $w 3) --gc-threads 2 --verify --quiet $(small $w)
        check "$v $w stress-every=97 --verify" 0 $g run $w --threads $(thr $w 2) --stress-every 97 --verify --quiet $(small $w)
        check "$v $w gc-threads=1 small heap" 0 $g run $w --gc-threads 1 --heap 64M --verify --quiet $(small $w)
    done
done

echo "# concurrent: mutators that outrun the marker stall at the hard goal, and no cycle degenerates"
# Twice as many mutators as CPUs at heap factor 1.05: the collector thread, at nice 10, gets a sliver
# of a core, so the mutators reach the cycle's hard goal (cmark.h) and wait for the remark on their own
# (11-33 stalls a run in 16 runs; as many mutators as CPUs at 1.1 gave none once in 18).
for v in $VARIANTS; do
    case $v in concurrent-none | concurrent-*-*) continue ;; concurrent-*) ;; *) continue ;; esac
    out=build/test-logs/stall-$v
    rm -rf "$out"
    check "$v binarytrees outrunning the marker --verify" 0 build/$v/gclab run binarytrees \
        --threads "$(($(nproc) * 2))" --gc-threads 1 --heap-factor 1.05 --verify --quiet --out "$out"
    check "$v: alloc stalls recorded, no cycle degenerated" 0 awk -F, \
        'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { n++; if ($c["degenerated"] != 0) bad = 1; s += $c["alloc_stalls"] }
         END { exit !(n == 1 && !bad && s > 0) }' "$out/runs.csv"
    check "$v: each alloc stall is a pause of kind alloc-stall" 0 awk -F, \
        'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $c["kind"] == "alloc-stall" { n++ } END { exit !n }' "$out/pauses.csv"
done

echo "# without a barrier, objects are lost, and the verifier says so"
# One mutator thread: increments run at its allocation points, so the schedule, and the loss, are the
# same on every run.
if [ -x build/incremental-none/gclab ]; then
    check_msg "incremental-none loses an object in graphchurn" 3 "lost by the collector" \
        build/incremental-none/gclab run graphchurn --verify --quiet
fi

echo "# baselines: gcbench, the same work as the workload"
for b in $BASELINES; do
    g=build/$b/gclab
    check "$b gcbench default" 0 $g run gcbench --quiet
    check "$b gcbench threads=3" 0 $g run gcbench --threads 3 --gc-threads 2 --quiet $(small gcbench)
    check "$b gcbench loops=3 stretch-depth=12" 0 $g run gcbench --loops 3 --stretch-depth 12 --quiet $(small gcbench)
    check_msg "$b refuses other workloads" 2 "runs gcbench only" $g run msgbuf
done
