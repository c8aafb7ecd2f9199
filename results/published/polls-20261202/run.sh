#!/bin/sh
# Workloads that poll (binarytrees' sort outside the heap, graphchurn's check and every operation
# polling) against the tree before (589bc8c), interleaved, each run from a fresh copy of its binary.
# Usage: results/published/polls-20261202/run.sh BASE_TREE NEW_TREE OUT ROUNDS
set -eu
base=$1 new=$2 out=$3 rounds=${4:-6}
mkdir -p "$out/base" "$out/new"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
r=1
while [ "$r" -le "$rounds" ]; do
    for v in concurrent-yuasa concurrent-dijkstra; do
        for wl in binarytrees graphchurn; do
            for b in base new; do
                tree=$base; [ "$b" = new ] && tree=$new
                cp "$tree/build/$v/gclab" "$tmp/gclab"
                "$tmp/gclab" run "$wl" --gc-threads 1 --out "$out/$b" >/dev/null 2>>"$out/errors.log" ||
                    echo "round $r $b $v $wl failed" >>"$out/errors.log"
            done
        done
    done
    r=$((r + 1))
done
