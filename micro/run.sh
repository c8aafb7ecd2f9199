#!/bin/sh
# micro/run.sh VARIANT...: runs build/<variant>/micro for each variant (make micro builds them first),
# writes Google Benchmark JSON into RESULTS/micro/<variant>.json, the table into RESULTS/micro/micro.md,
# and rebuilds RESULTS/report.md (README, "Micro-benchmarks").
# RESULTS: the RESULTS variable, else results/latest, else a new results/micro-<UTC time>/ (then also
# results/latest). MICRO_ARGS: extra Google Benchmark flags (e.g. --benchmark_min_time=0.1
# --benchmark_filter=alloc).
set -u
cd "$(dirname "$0")/.." || exit 2
[ $# -gt 0 ] || { echo "usage: micro/run.sh VARIANT..." >&2; exit 2; }
dir=${RESULTS:-}
if [ -z "$dir" ]; then
    if [ -d results/latest ]; then
        dir=results/latest
    else
        stamp=$(date -u +%Y%m%dT%H%M%SZ)
        dir=results/micro-$stamp
        mkdir -p "$dir" && ln -sfn "micro-$stamp" results/latest
    fi
fi
mkdir -p "$dir/micro" || exit 2
if [ ! -f "$dir/machine.txt" ]; then
    {
        echo "date_utc: $(date -u +%Y%m%dT%H%M%SZ)"
        echo "git_commit: $(git rev-parse HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
        echo "cpu_model: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
        echo "online_cpus: $(nproc)"
        echo "memory: $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo)"
        echo "kernel: $(uname -sr)"
        echo "compiler: $(cc --version | head -1); $(c++ --version | head -1)"
        echo "google_benchmark: $(pkg-config --modversion benchmark 2>/dev/null || echo unknown)"
    } >"$dir/machine.txt"
fi
failed=0
for v in "$@"; do
    bin=build/$v/micro
    [ -x "$bin" ] || { echo "micro: $bin is not built (make micro COLLECTOR=${v%%-*})" >&2; failed=1; continue; }
    echo "== micro-benchmarks of $v"
    # shellcheck disable=SC2086
    "$bin" --benchmark_out="$dir/micro/$v.json" --benchmark_out_format=json ${MICRO_ARGS:-} ||
        { echo "micro: $bin failed" >&2; failed=1; }
done
set -- "$dir"/micro/*.json
if [ -f "$1" ]; then
    awk -f micro/table.awk "$@" >"$dir/micro/micro.md"
    echo
    sed -n '1,/^$/p' "$dir/micro/micro.md"
    harness/report.sh "$dir" >/dev/null 2>&1 || echo "micro: harness/report.sh $dir failed" >&2
    echo "micro: $dir/micro/*.json, table in $dir/micro/micro.md and $dir/report.md"
fi
exit $failed
