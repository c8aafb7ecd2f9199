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
