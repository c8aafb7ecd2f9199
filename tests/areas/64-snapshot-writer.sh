# gclab's own heap snapshots (collector/common/snapshot.c), checked by tests/snapshot/check-writer.js:
# V8's format, odd ids unique in a snapshot that keep naming the same type from snapshot to snapshot
# (the generational collector moves objects between them), and per type exactly the census of the same
# cycle. Every variant writes them from workloads with weak references, finalization cells, ephemerons
# and leaks; bdw refuses with its reason.
echo "# heap snapshots: gclab's writer"
if ! command -v node >/dev/null 2>&1; then
    fail=$((fail + 1)); echo "FAIL heap snapshots: node is not installed (make deps installs it)"
else
    for v in $VARIANTS; do
        g=build/$v/gclab
        case $v in *-none) continue ;; esac   # built to lose objects
        if [ "$v" = bdw ]; then
            check_msg "bdw refuses --snapshot-every" 2 "not implemented for the bdw collector" $g run leaks --snapshot-every 5
            continue
        fi
        for w in "leaks --pattern 6" "weakcache" "ephemerons"; do
            name=${w%% *}
            d=$LOGS/snapshots-$v-$name
            rm -rf "$d"
            check "$v $name writes snapshots" 0 $g run $w --census --snapshot-every 4 --quiet --out "$d" $(small $name)
            check "$v $name snapshots: format, ids, counts equal the census" 0 \
                sh -c "node tests/snapshot/check-writer.js $d/types.csv $d/snapshots/*.heapsnapshot"
            last=$(ls "$d"/snapshots/*.heapsnapshot 2>/dev/null | sort -t- -k6 -n | tail -1)
            check "$v $name: gclab snapshot summary of it equals the census" 0 \
                env GCLAB=$g tests/snapshot/summary-vs-census.sh "$d/types.csv" "$last"
        done
    done
fi
# The same point of the same program on every precise collector (tests/unit/test_snapshot.c, run by the
# unit area, wrote them): the same graph.
if command -v node >/dev/null 2>&1; then
    files=""
    for v in $VARIANTS; do
        case $v in bdw|*-none) continue ;; esac
        [ -f "$LOGS/snapshot-$v.heapsnapshot" ] && files="$files $LOGS/snapshot-$v.heapsnapshot"
    done
    if [ -n "$files" ]; then
        check "heap snapshots: every collector's graph at the same point is the same" 0 node tests/snapshot/compare-graphs.js $files
    else
        fail=$((fail + 1)); echo "FAIL heap snapshots: no snapshot from test_snapshot (did the unit area run?)"
    fi
fi
