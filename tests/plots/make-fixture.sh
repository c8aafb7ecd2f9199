#!/bin/sh
# tests/plots/make-fixture.sh [STW_GCLAB BDW_GCLAB]: regenerates tests/plots/fixture, the small results
# folder that tests/run.sh draws plots and a report from. Tiny workloads on stw and bdw: gcbench over
# mutator threads 1, 2 and GC threads 1, 2 (both core-count plots), msgbuf as fast as possible and
# metered (latency plots), 2 repetitions each; latency.csv is then coarsened to quarter-octave buckets
# to keep the folder small (the plots only need its shape).
set -eu
cd "$(dirname "$0")/../.."
stw=${1:-build/stw/gclab}
bdw=${2:-build/bdw/gclab}
out=tests/plots/fixture
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for g in "$stw" "$bdw"; do
    for t in 1 2; do
        for gt in 1 2; do
            "$g" run gcbench --threads $t --gc-threads $gt --repeat 2 --quiet --out "$tmp" \
                --max-depth 13 --long-lived-depth 12 --array-size 10000
        done
    done
    "$g" run msgbuf --gc-threads 2 --repeat 2 --quiet --out "$tmp" --window 5000 --pushes 60000 --msg-size 256
    "$g" run msgbuf --gc-threads 2 --repeat 2 --quiet --out "$tmp" --window 5000 --pushes 60000 --msg-size 256 --rate 400000
done
rm -rf "$out"
mkdir -p "$out"
cp "$tmp/runs.csv" "$tmp/pauses.csv" "$tmp/workers.csv" "$out/"
[ -f "$tmp/mmu.csv" ] && cp "$tmp/mmu.csv" "$out/"
# latency.csv: merge buckets into quarter octaves (4 per power of two), by header name
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; print; next }
{
    b = int(log($c["high_ns"] > 0 ? $c["high_ns"] : 1) / log(2) * 4)
    key = $c["run_id"] FS $c["variant"] FS $c["workload"] FS $c["rep"] FS ("kind" in c ? $c["kind"] : "") FS b
    if (!(key in n)) { order[++k] = key; lo[key] = $c["low_ns"]; row[key] = $0 }
    n[key] += $c["count"]; hi[key] = $c["high_ns"]
}
END {
    for (i = 1; i <= k; i++) {
        key = order[i]; split(row[key], f, FS)
        f[c["low_ns"]] = lo[key]; f[c["high_ns"]] = hi[key]; f[c["count"]] = n[key]
        s = f[1]; for (j = 2; j in f; j++) s = s FS f[j]
        print s
    }
}' "$tmp/latency.csv" >"$out/latency.csv"
{
    echo "date_utc: $(date -u +%Y%m%dT%H%M%SZ)"
    echo "suite: fixture (tests/plots/make-fixture.sh)"
    echo "git_commit: $(git rev-parse HEAD 2>/dev/null || echo unknown)"
    echo "cpu_model: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
    echo "online_cpus: $(nproc)"
    echo "kernel: $(uname -sr)"
    echo "compiler: $(cc --version | head -1)"
} >"$out/machine.txt"
wc -c "$out"/*
