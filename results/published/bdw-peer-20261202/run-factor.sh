#!/bin/sh
# The heap factor: bdw and libgc (interior pointers off, both) at libgc's own default free space
# divisor (3: --heap-factor 1.6667) against gclab's default factor 2 (divisor 2), alternated round by
# round on the classic shape. Usage: run-factor.sh OUT ROUNDS (AFTER, LIBGC as in run.sh).
set -eu
out=${1:?usage: run-factor.sh OUT ROUNDS} rounds=${2:-5}
after=${AFTER:-build/bdw/gclab} libgc=${LIBGC:-build/libgc/gclab}
shape="--gc-threads 2 --stretch-depth 18 --loops 20 --quiet"
mkdir -p "$out"
i=1
while [ $i -le "$rounds" ]; do
    "$after" run gcbench $shape --first-rep $i --out "$out/bdw-f2"
    "$libgc" run gcbench $shape --first-rep $i --out "$out/libgc-f2"
    "$after" run gcbench $shape --heap-factor 1.6667 --first-rep $i --out "$out/bdw-f1.67"
    "$libgc" run gcbench $shape --heap-factor 1.6667 --first-rep $i --out "$out/libgc-f1.67"
    i=$((i + 1))
done
