#!/usr/bin/env bash
# make bench [SUITE=name]: runs suites/<name>.suite into results/<name>-<UTC time>/, points
# results/latest at it, and prints the comparison table (harness/compare.sh).
set -u
cd "$(dirname "$0")/.."
suite=${1:-default}
file=suites/$suite.suite
[ -f "$file" ] || { echo "gclab: no suite '$suite' (suites/*.suite)" >&2; exit 2; }

declare -A args
variants="" workloads="" threads="1" gcthreads="cores" factors="2.0" repeat=5 heap=""
lineno=0
while IFS= read -r line || [ -n "$line" ]; do
    lineno=$((lineno + 1))
    line=${line%%#*}
    set -- $line
    [ $# = 0 ] && continue
    key=$1
    shift
    [ $# = 0 ] && { echo "gclab: $file:$lineno: '$key' has no value" >&2; exit 2; }
    case $key in
    variants) variants="$*" ;;
    workloads) workloads="$*" ;;
    threads) threads="$*" ;;
    gc-threads) gcthreads="$*" ;;
    heap-factor) factors="$*" ;;
    repeat) repeat=$1 ;;
    heap) heap=$1 ;;
    args) w=$1; shift; args[$w]="$*" ;;
    *) echo "gclab: $file:$lineno: unknown key '$key'" >&2; exit 2 ;;
    esac
done <"$file"
[ -n "$variants" ] && [ -n "$workloads" ] || { echo "gclab: $file: needs variants and workloads" >&2; exit 2; }
for v in $variants; do
    [ -x build/$v/gclab ] || { echo "gclab: $file: variant '$v' is not built (make COLLECTOR=${v%%-*})" >&2; exit 2; }
done
cores=$(build/${variants%% *}/gclab --help | sed -n 's/.*one per core, \([0-9]*\) here.*/\1/p')

stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=results/$suite-$stamp
mkdir -p "$out"
ln -sfn "$suite-$stamp" results/latest
cp "$file" "$out/suite.txt"
{
    echo "date_utc: $stamp"
    echo "suite: $suite"
    echo "git_commit: $(git rev-parse HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "cpu_model: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
    echo "online_cpus: $(nproc)"
    echo "cores: $cores"
    echo "memory: $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo)"
    echo "kernel: $(uname -sr)"
    echo "compiler: $(cc --version | head -1)"
    echo "cflags: -std=c11 -O2 -g -Wall -Wextra -Werror -pthread -fno-omit-frame-pointer"
    echo "libgc: $(pkg-config --modversion bdw-gc 2>/dev/null || echo unknown)"
    echo "pinning: none (the OS schedules threads)"
    echo "topology:"
    if command -v hwloc-ls >/dev/null; then hwloc-ls --of console --no-io 2>/dev/null | sed 's/^/  /'; else echo "  (hwloc-ls not installed)"; fi
} >"$out/machine.txt"

total=0
for v in $variants; do for w in $workloads; do for t in $threads; do for g in $gcthreads; do for f in $factors; do
    total=$((total + 1))
done; done; done; done; done
n=0 failed=0 t0=$(date +%s)
for w in $workloads; do for v in $variants; do for t in $threads; do for g in $gcthreads; do for f in $factors; do
    n=$((n + 1))
    [ "$g" = cores ] && g=$cores
    elapsed=$(($(date +%s) - t0))
    eta=""
    [ $n -gt 1 ] && eta=", about $((elapsed * (total - n + 1) / (n - 1)))s left"
    printf '[%d/%d] %s on %s, %s thread(s), %s GC thread(s), factor %s (%ds elapsed%s)\n' \
        $n $total $w $v $t $g $f $elapsed "$eta"
    build/$v/gclab run $w --threads $t --gc-threads $g --heap-factor $f --repeat $repeat \
        ${heap:+--heap $heap} --quiet --out "$out" ${args[$w]:-} 2>>"$out/errors.log" ||
        { failed=$((failed + 1)); echo "  FAILED: see $out/errors.log"; }
done; done; done; done; done
echo
harness/compare.sh "$out" | tee "$out/summary.txt"
echo
echo "results: $out ($failed failed run sets)"
