#!/bin/sh
# The classic GCBench shape (stretch tree 18, long-lived tree 16, 500,000 doubles, depths 4..16, the
# depth loop 20 times) on 2 GC threads, alternating the configurations round by round (README.md here).
#   BEFORE  bdw built at e6a1bd2 (libgc's default interior pointers; main only)
#   AFTER   bdw built at 83984a8 or later (interior pointers off)
#   LIBGC   build/libgc/gclab (baseline/gcbench_libgc.c)
# Usage: run.sh OUT ROUNDS [main|factor]
#   main    bdw before and after, libgc, and both with libgc's defaults (interior pointers on, read by
#           libgc at GC_INIT from GC_ALL_INTERIOR_POINTERS; free space divisor 3, heap factor 5/3)
#   factor  bdw and libgc (interior pointers off) at heap factor 2 (divisor 2) and 1.6667 (divisor 3)
set -eu
out=${1:?usage: run.sh OUT ROUNDS [main|factor]} rounds=${2:-5} set=${3:-main}
after=${AFTER:-build/bdw/gclab} libgc=${LIBGC:-build/libgc/gclab}
shape="--gc-threads 2 --stretch-depth 18 --loops 20 --quiet"
# one CONFIG ENV GCLAB [OPTIONS]: repetition $i of a configuration into $out/CONFIG; ENV is VAR=VALUE
# for its environment, or - for none.
one() {
    name=$1 envv=$2 gclab=$3
    shift 3
    if [ "$envv" = - ]; then "$gclab" run gcbench $shape "$@" --first-rep $i --out "$out/$name"
    else env "$envv" "$gclab" run gcbench $shape "$@" --first-rep $i --out "$out/$name"; fi
}
case $set in
main) before=${BEFORE:?BEFORE=path to the bdw gclab built at e6a1bd2} ;;
factor) ;;
*) echo "run.sh: the set is main or factor, not '$set'" >&2; exit 2 ;;
esac
mkdir -p "$out"
i=1
while [ $i -le "$rounds" ]; do
    if [ "$set" = main ]; then
        one bdw-before - "$before"
        one bdw-after - "$after"
        one libgc - "$libgc"
        one libgc-defaults GC_ALL_INTERIOR_POINTERS=1 "$libgc" --heap-factor 1.6667
        one bdw-interior-f1.67 GC_ALL_INTERIOR_POINTERS=1 "$after" --heap-factor 1.6667
    else
        one bdw-f2 - "$after"
        one libgc-f2 - "$libgc"
        one bdw-f1.67 - "$after" --heap-factor 1.6667
        one libgc-f1.67 - "$libgc" --heap-factor 1.6667
    fi
    i=$((i + 1))
done
