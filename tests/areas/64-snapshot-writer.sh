# gclab's own heap snapshots (collector/common/snapshot.c), checked by tests/snapshot/check-writer.js:
# V8's format, odd ids unique in a snapshot that keep naming the same type from snapshot to snapshot
# (the generational collector moves objects between them), and per type exactly the census of the same
# cycle. Every variant writes them from workloads with weak references, finalization cells, ephemerons
# (where the collector has them) and leaks.
echo "# heap snapshots: gclab's writer"
if ! command -v node >/dev/null 2>&1; then
    fail=$((fail + 1)); echo "FAIL heap snapshots: node is not installed (make deps installs it)"
else
    for v in $VARIANTS; do
        g=build/$v/gclab
        case $v in *-none) continue ;; esac   # built to lose objects
        for w in "leaks --pattern 6" "weakcache" "ephemerons"; do
            name=${w%% *}
            why=$(unsupported $v $name)
            if [ -n "$why" ]; then skip "$v $name snapshots" "$why"; continue; fi
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
# The same points of the same program on every collector (tests/unit/test_snapshot.c, run by the unit
# area, wrote them): the same graph; bdw's (conservative) may hold more, only under "(Conservative
# roots)", and is compared at the point before the ephemerons it lacks.
if command -v node >/dev/null 2>&1; then
    files="" common="" cons=""
    for v in $VARIANTS; do
        case $v in *-none) continue ;; esac
        if [ "$v" = bdw ]; then
            [ -f "$LOGS/snapshot-$v-common.heapsnapshot" ] && cons="$cons $LOGS/snapshot-$v-common.heapsnapshot"
            continue
        fi
        [ -f "$LOGS/snapshot-$v.heapsnapshot" ] && files="$files $LOGS/snapshot-$v.heapsnapshot"
        [ -f "$LOGS/snapshot-$v-common.heapsnapshot" ] && common="$common $LOGS/snapshot-$v-common.heapsnapshot"
    done
    if [ -n "$files" ]; then
        check "heap snapshots: every collector's graph at the same point is the same" 0 node tests/snapshot/compare-graphs.js $files
        check "heap snapshots: ... and before the ephemerons, bdw's too (extras under its conservative roots)" 0 \
            node tests/snapshot/compare-graphs.js $common ${cons:+--conservative $cons}
        if [ -n "$cons" ]; then
            # The check can fail: bdw's snapshot compared as a precise one differs by what libgc retains
            # conservatively, or else equals it; either way the mode that ignores nothing must not
            # accept an extra the conservative mode reports.
            extras=$(node tests/snapshot/compare-graphs.js $common --conservative $cons | sed -n 's/.*: \([0-9]*\) objects more.*/\1/p' | sort -n | tail -1)
            want=0; [ "${extras:-0}" -gt 0 ] && want=1
            check "heap snapshots: bdw's extras ($extras) fail the precise comparison" $want node tests/snapshot/compare-graphs.js $common $cons
        fi
    else
        fail=$((fail + 1)); echo "FAIL heap snapshots: no snapshot from test_snapshot (did the unit area run?)"
    fi
fi
