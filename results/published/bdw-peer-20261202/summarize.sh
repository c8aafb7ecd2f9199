#!/bin/sh
# summarize.sh DIR: per configuration (DIR/<config>/runs.csv), the repetitions, the median (lower
# middle) and range of wall time, collections and peak heap, and the median process CPU.
set -eu
dir=${1:?usage: summarize.sh DIR}
printf "%-20s %4s %22s %20s %9s %9s\n" config runs "wall s: median (range)" "collections (range)" "peak MiB" "CPU s"
for f in "$dir"/*/runs.csv; do
    awk -F, -v name="$(basename "$(dirname "$f")")" '
    function med(a, n,   i, j, t) {
        for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
        return a[int((n + 1) / 2)]
    }
    NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    $c["status"] == "ok" { n++; w[n] = $c["wall_ns"] / 1e9; k[n] = $c["collections"] + 0; h[n] = $c["peak_heap_bytes"] / 1048576; u[n] = $c["cpu_ns"] / 1e9 }
    END {
        if (!n) { printf "%-20s    0\n", name; exit }
        mw = med(w, n); mk = med(k, n); mh = med(h, n); mu = med(u, n)
        printf "%-20s %4d %8.2f (%5.2f-%5.2f) %8d (%4d-%4d) %9.1f %9.2f\n", name, n, mw, w[1], w[n], mk, k[1], k[n], mh, mu
    }' "$f"
done
