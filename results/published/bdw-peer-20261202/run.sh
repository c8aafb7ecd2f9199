#!/bin/sh
# The classic GCBench shape (stretch tree 18, long-lived tree 16, 500,000 doubles, depths 4..16, the
# depth loop 20 times) on 2 GC threads, alternating the configurations round by round (README.md here).
#   BEFORE  bdw built at e6a1bd2 (libgc's default interior pointers)
#   AFTER   bdw built at 83984a8 or later (interior pointers off)
#   LIBGC   build/libgc/gclab (baseline/gcbench_libgc.c)
# Usage: run.sh OUT ROUNDS
set -eu
out=${1:?usage: run.sh OUT ROUNDS} rounds=${2:-5}
before=${BEFORE:?BEFORE=path to the bdw gclab built at e6a1bd2}
after=${AFTER:-build/bdw/gclab} libgc=${LIBGC:-build/libgc/gclab}
shape="--gc-threads 2 --stretch-depth 18 --loops 20 --quiet"
mkdir -p "$out"
i=1
while [ $i -le "$rounds" ]; do
    "$before" run gcbench $shape --first-rep $i --out "$out/bdw-before"
    "$after" run gcbench $shape --first-rep $i --out "$out/bdw-after"
    "$libgc" run gcbench $shape --first-rep $i --out "$out/libgc"
    # libgc as a C program gets it without configuring anything: interior pointers on (libgc reads
    # GC_ALL_INTERIOR_POINTERS at GC_INIT), free space divisor 3 (heap factor 5/3 maps to it).
    GC_ALL_INTERIOR_POINTERS=1 "$libgc" run gcbench $shape --heap-factor 1.6667 --first-rep $i --out "$out/libgc-defaults"
    # bdw the same: what its wrapper costs against libgc-defaults.
    GC_ALL_INTERIOR_POINTERS=1 "$after" run gcbench $shape --heap-factor 1.6667 --first-rep $i --out "$out/bdw-interior-f1.67"
    i=$((i + 1))
done
