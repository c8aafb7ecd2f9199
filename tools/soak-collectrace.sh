#!/usr/bin/env bash
# Soak test for the collector role (docs/DESIGN.md §9): collectrace, explicit collections from several
# threads racing allocation, thread churn and blocking regions, RUNS times in a row (default 20) on
# every variant at --stress-every 100, 1000 and 10000 with the heap verifier on. Not part of make test
# (it takes about half an hour on 2 cores); prints a line per variant and setting and, last,
# "N passed, N failed". Usage: tools/soak-collectrace.sh [RUNS] [VARIANT...]   (after make)
cd "$(dirname "$0")/.."
runs=${1:-20}
shift 2>/dev/null
variants=${*:-"stw bdw incremental-dijkstra incremental-steele incremental-yuasa concurrent-dijkstra concurrent-steele concurrent-yuasa generational"}
pass=0
fail=0
for v in $variants; do
    g=build/$v/gclab
    [ -x "$g" ] || { echo "FAIL $v: $g not built (run make)"; fail=$((fail + 1)); continue; }
    for every in 100 1000 10000; do
        ok=0
        for i in $(seq 1 "$runs"); do
            if timeout 300 "$g" run collectrace --threads 2 --collectors 2 --ops 20000 --ring 64 --spawn 50 \
                --verify --stress-every "$every" --quiet; then
                ok=$((ok + 1))
            else
                echo "FAIL $v --stress-every $every: run $i exited $?"
            fi
        done
        echo "$v --stress-every $every: $ok of $runs in a row passed"
        if [ "$ok" = "$runs" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
    done
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
