#!/bin/sh
# tools/ab.sh A_GCLAB B_GCLAB OUT ROUNDS -- RUN_ARGS...: the same `gclab run RUN_ARGS` with two builds,
# alternating A, B, A, B... for ROUNDS rounds (so a machine that slows down for a while slows both), each
# repetition appending to OUT/a/runs.csv or OUT/b/runs.csv, then prints the median wall time and GC CPU
# time of each and the ratio B/A. For "did this change cost anything": A a worktree's build at the base
# commit, B the current one (e.g. /work/base/build/stw/gclab build/stw/gclab).
set -eu
[ $# -ge 5 ] && [ "$5" = "--" ] || { echo "usage: tools/ab.sh A_GCLAB B_GCLAB OUT ROUNDS -- RUN_ARGS..." >&2; exit 2; }
a=$1 b=$2 out=$3 rounds=$4
shift 5
for g in "$a" "$b"; do [ -x "$g" ] || { echo "ab.sh: $g is not an executable" >&2; exit 2; }; done
mkdir -p "$out/a" "$out/b"
{ echo "a: $a ($(cd "$(dirname "$a")" && git rev-parse --short HEAD 2>/dev/null || echo '?'))"
  echo "b: $b ($(cd "$(dirname "$b")" && git rev-parse --short HEAD 2>/dev/null || echo '?'))"
  echo "rounds: $rounds; run: $*"; } >>"$out/ab.txt"
i=0
while [ $i -lt "$rounds" ]; do
    "$a" run "$@" --quiet --out "$out/a"
    "$b" run "$@" --quiet --out "$out/b"
    i=$((i + 1))
done
# Median of a runs.csv column (by name) over the rows of one file.
median() {
    awk -F, -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next } { print $c }' "$1" |
        sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
for col in wall_ns gc_cpu_ns; do
    ma=$(median "$out/a/runs.csv" $col) mb=$(median "$out/b/runs.csv" $col)
    awk -v c=$col -v a="$ma" -v b="$mb" 'BEGIN { printf "%-10s median a %.2f ms, b %.2f ms, b/a %.3f\n", c, a / 1e6, b / 1e6, (a > 0 ? b / a : 0) }'
done | tee -a "$out/ab.txt"
