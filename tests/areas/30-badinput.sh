# Bad input to gclab run: one clear stderr line and the documented exit status.
echo "# bad input: one clear line, non-zero exit"
for v in $VARIANTS; do
    g=build/$v/gclab
    check_msg "$v unknown workload" 2 "unknown workload" $g run nosuch
    check_msg "$v unknown flag" 2 "unknown option --frobnicate" $g run gcbench --frobnicate 3
    check_msg "$v non-numeric threads" 2 "expects a whole number" $g run binarytrees --threads many
    check_msg "$v --snapshot-at-end with --dry-pin" 2 "snapshot-at-end: --dry-pin runs nothing" $g run weakcache --snapshot-at-end --dry-pin
    check_msg "$v --snapshot-at-end takes no value" 2 "snapshot-at-end" $g run weakcache --snapshot-at-end=3
    check_msg "$v zero threads" 2 "out of range" $g run binarytrees --threads 0
    check_msg "$v bad heap size" 2 "expects a size" $g run gcbench --heap 12Q
    check_msg "$v heap below minimum" 2 "too small" $g run gcbench --heap 100K $(small gcbench)
    check_msg "$v heap below live set" 2 "smaller than what msgbuf keeps live" $g run msgbuf --heap 64M
    check_msg "$v heap factor" 2 "heap-factor 0.5 is out of range" $g run gcbench --heap-factor 0.5 $(small gcbench)
    check_msg "$v workload param range" 2 "out of range" $g run msgbuf --window 0
    check_msg "$v missing value" 2 "needs a value" $g run msgbuf --pushes
    check_msg "$v params that do not go together" 2 "greater than --max-depth" $g run gcbench --min-depth 9 --max-depth 5
    check_msg "$v stretch tree shallower than the deepest" 2 "stretch-depth 4 is less than --max-depth 5" $g run gcbench --max-depth 5 --stretch-depth 4
    check_msg "$v unknown command" 2 "unknown command" $g frobnicate
    check_msg "$v finalizers percentages over 100" 2 "more than 100" $g run finalizers --drop-percent 60 --unregister-percent 50
    if [ -n "$(unsupported $v ephemerons)" ]; then
        check_msg "$v refuses ephemerons" 2 "has no ephemerons" $g run ephemerons $(small ephemerons)
    fi
    check_msg "$v leaks: more leaks than requests" 2 "more than --requests" $g run leaks --requests 4 --leaks 5
    check_msg "$v leaks: no pattern 8" 2 "pattern 8 is out of range" $g run leaks --pattern 8
    check_msg "$v leaks: one thread only" 2 "runs on one thread" $g run leaks --threads 2
    if [ -n "$(unsupported $v leaks-fixed-map-keys)" ]; then
        check_msg "$v refuses the fixed map-keys leak" 2 "has no ephemerons" $g run leaks --pattern 6 --fixed 1 $(small leaks)
    fi
    check_msg "$v bad promote age" 2 "promote-age 16 is out of range" $g run msgbuf --promote-age 16
    check_msg "$v bad leak-check mode" 2 "leak-check" $g run gcbench --leak-check sometimes
    check_msg "$v leak window too short" 2 "leak-window 1 is out of range" $g run gcbench --leak-window 1
    check_msg "$v bad leak growth" 2 "expects a size" $g run gcbench --leak-min-growth lots
    # 1048-byte messages take 1152-byte cells: the live set passes the up-front check but not the heap.
    check_msg "$v heap exhausted" 3 "heap exhausted" \
        $g run msgbuf --heap 44M --window 40000 --msg-size 1040 --pushes 100000
done

echo "# bad input to the baselines: the same lines and exit statuses"
for b in $BASELINES; do
    g=build/$b/gclab
    check_msg "$b unknown workload" 2 "unknown workload" $g run nosuch
    check_msg "$b unknown flag" 2 "unknown option --frobnicate" $g run gcbench --frobnicate 3
    check_msg "$b bad heap size" 2 "expects a size" $g run gcbench --heap 12Q
    check_msg "$b heap below minimum" 2 "too small" $g run gcbench --heap 100K
    check_msg "$b heap factor" 2 "heap-factor 0.5 is out of range" $g run gcbench --heap-factor 0.5
    check_msg "$b workload param range" 2 "out of range" $g run gcbench --loops 0
    check_msg "$b missing value" 2 "needs a value" $g run gcbench --max-depth
    check_msg "$b params that do not go together" 2 "greater than --max-depth" $g run gcbench --min-depth 9 --max-depth 5
    check_msg "$b stretch tree shallower than the deepest" 2 "stretch-depth 4 is less than --max-depth 5" $g run gcbench --max-depth 5 --stretch-depth 4
    check_msg "$b unknown command" 2 "unknown command" $g frobnicate
done
