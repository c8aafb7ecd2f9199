#!/usr/bin/env bash
# make bench [SUITE=name] [SHARD=i/n]: runs suites/<name>.suite into results/<name>-<UTC time>/ (with
# -shard-<i>of<n> for a shard), points results/latest at it, and prints the comparison table
# (harness/compare.sh). The suite itself is run by `gclab suite` (harness/suite.c): parsing, the
# progress line, pinning, failed rows for crashed or timed-out runs.
#
#   harness/bench.sh [SUITE|FILE.suite] [--shard I/N] [--out DIR]
set -u
cd "$(dirname "$0")/.."
suite=default shard=${SHARD:-} out=""
[ $# -gt 0 ] && [ "${1#-}" = "$1" ] && { suite=$1; shift; }
while [ $# -gt 0 ]; do
    case $1 in
    --shard) [ $# -ge 2 ] || { echo "gclab: --shard needs I/N" >&2; exit 2; }; shard=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || { echo "gclab: --out needs a folder" >&2; exit 2; }; out=$2; shift 2 ;;
    *) echo "gclab: bench.sh: unexpected argument '$1' (bench.sh [SUITE] [--shard I/N] [--out DIR])" >&2; exit 2 ;;
    esac
done
case $suite in
*/* | *.suite) file=$suite; suite=$(basename "$suite" .suite) ;;
*) file=suites/$suite.suite ;;
esac
[ -f "$file" ] || { echo "gclab: no suite '$suite' ($file; suites/*.suite lists them)" >&2; exit 2; }

# Any built variant's binary runs the suite (the harness is the same in each); it starts the others.
runner=""
for g in build/stw/gclab build/*/gclab; do
    case $g in *-tsan/* | *-asan/*) continue ;; esac
    [ -x "$g" ] && { runner=$g; break; }
done
[ -n "$runner" ] || { echo "gclab: no gclab binary is built (run make)" >&2; exit 2; }
"$runner" suite "$file" --check ${shard:+--shard "$shard"} >/dev/null || exit 2

stamp=$(date -u +%Y%m%dT%H%M%SZ)
if [ -z "$out" ]; then
    tag=""
    [ -n "$shard" ] && tag="-shard-${shard%/*}of${shard#*/}"
    out=results/$suite-$stamp$tag
    mkdir -p "$out"
    ln -sfn "$suite-$stamp$tag" results/latest
else
    mkdir -p "$out"
fi
cp "$file" "$out/suite.txt"
{
    echo "date_utc: $stamp"
    echo "suite: $suite"
    echo "host: $(uname -n)"
    echo "git_commit: $(git rev-parse HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "cpu_model: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
    echo "online_cpus: $(nproc)"
    echo "memory: $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo)"
    echo "kernel: $(uname -sr)"
    echo "compiler: $(cc --version | head -1)"
    echo "cflags: -std=c11 -O2 -g -Wall -Wextra -Werror -pthread -fno-omit-frame-pointer"
    echo "libgc: $(pkg-config --modversion bdw-gc 2>/dev/null || echo unknown)"
    echo "hwloc: $(pkg-config --modversion hwloc 2>/dev/null || echo 'not installed: topology from sysconf')"
    [ -n "${HWLOC_SYNTHETIC:-}" ] && echo "HWLOC_SYNTHETIC: $HWLOC_SYNTHETIC (a made-up topology, not this machine)"
    [ -n "${HWLOC_XMLFILE:-}" ] && echo "HWLOC_XMLFILE: $HWLOC_XMLFILE"
    echo "hwloc-ls:"
    if command -v hwloc-ls >/dev/null; then hwloc-ls --of console --no-io 2>/dev/null | sed 's/^/  /'; else echo "  (hwloc-ls not installed)"; fi
} >"$out/machine.txt"

"$runner" suite "$file" --out "$out" ${shard:+--shard "$shard"}
echo
harness/compare.sh "$out" | tee "$out/summary.txt"
echo
echo "results: $out"
