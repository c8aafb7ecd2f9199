#!/bin/sh
# scaling.sh RESULTS_DIR [KIND]: how the pauses of one kind (default scavenge) scale with GC threads.
# For every configuration (variant, workload and its options, mutator threads, heap, pinning) and GC
# thread count: the pauses of that kind over all successful repetitions (count per repetition, p50,
# p99 and max, nearest rank), the median over repetitions of their total, the bytes they copied and
# promoted per ms of pause, the load balance (the least busy worker's bytes over the mean, from
# workers.csv, median over repetitions; workers.csv counts every parallel phase of the run, so a
# generational run's full-cycle marking is in it too), steals per pause, and the speedup of p50 and of
# the total against the same configuration's fewest GC threads. A suite that sweeps gc-threads (suites/scavenge.suite, suites/cores.suite) gives
# the rows; README, "Measured here", quotes them.
set -u
dir=${1:?usage: harness/scaling.sh RESULTS_DIR [KIND]}
kind=${2:-scavenge}
[ -f "$dir/runs.csv" ] && [ -f "$dir/pauses.csv" ] || { echo "scaling.sh: no runs.csv and pauses.csv in $dir" >&2; exit 2; }

# Pass 1 (awk): one line per pause of the kind, "config<TAB>gc_threads<TAB>run_id:rep<TAB>duration<TAB>bytes
# <TAB>balance<TAB>steals", the configuration taken from runs.csv (only repetitions whose status is ok),
# the balance and steals of the repetition from workers.csv (-1 without one). sort puts each
# configuration's thread counts in order and each one's durations ascending for the percentiles.
awk -F, -v kind="$kind" '
FNR == 1 { delete col; for (i = 1; i <= NF; i++) col[$i] = i; file++; next }
file == 1 {
    if ($col["status"] != "ok") next
    pr = $col["params"]; gsub(/"/, "", pr)
    pin = ("pin" in col) ? $col["pin"] : "none"
    go = ("gc_options" in col) ? $col["gc_options"] : ""; gsub(/"/, "", go)
    young = ("nursery_bytes" in col) && $col["nursery_bytes"] > 0 ? sprintf(" (nursery %dM, promote age %d)",
        $col["nursery_bytes"] / 1048576, $col["promote_age"]) : ""
    cfg[$col["run_id"] ":" $col["rep"]] = sprintf("%s %s %s%s t=%s heap=%dM f=%s pin=%s%s", $col["variant"], $col["workload"],
        pr, go != "" ? " " go : "", $col["threads"], $col["max_heap_bytes"] / 1048576, $col["heap_factor"], pin, young)
    gcthreads[$col["run_id"] ":" $col["rep"]] = $col["gc_threads"]
    next
}
FILENAME ~ /workers\.csv$/ {
    id = $col["run_id"] ":" $col["rep"]
    b = $col["bytes"] + 0
    if (!(id in wn) || b < wmin[id]) wmin[id] = b
    wn[id]++; wsum[id] += b; wsteals[id] += $col["steals"]
    next
}
$col["kind"] == kind {
    id = $col["run_id"] ":" $col["rep"]
    if (!(id in cfg)) next
    bal = (id in wn) && wsum[id] > 0 ? wmin[id] / (wsum[id] / wn[id]) : -1
    printf "%s\t%d\t%s\t%s\t%.0f\t%.4f\t%d\n", cfg[id], gcthreads[id], id, $col["duration_ns"],
        $col["copied_bytes"] + $col["promoted_bytes"], bal, (id in wn) ? wsteals[id] : -1
}' "$dir/runs.csv" $([ -f "$dir/workers.csv" ] && echo "$dir/workers.csv") "$dir/pauses.csv" |
sort -t "$(printf '\t')" -k1,1 -k2,2n -k4,4n |
awk -F '\t' -v kind="$kind" '
function nearest(p,   r) { r = int(p * n + 0.999999); if (r < 1) r = 1; return d[r] }
function median_total(   m, i, j, t, a, k) {
    m = 0
    for (k in tot) a[++m] = tot[k]
    for (i = 2; i <= m; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
    return m ? a[int((m + 1) / 2)] : 0
}
function median_balance(   m, i, j, t, a, k) {
    m = 0
    for (k in bal) if (bal[k] >= 0) a[++m] = bal[k]
    for (i = 2; i <= m; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
    return m ? a[int((m + 1) / 2)] : -1
}
function flush(   p50, total, reps, k, b, st) {
    if (!n) return
    reps = 0; st = 0; for (k in tot) { reps++; st += steals[k] }
    p50 = nearest(0.5); total = median_total(); b = median_balance()
    if (curcfg != basecfg) { basecfg = curcfg; basep50 = p50; basetotal = total; baseg = curg
        printf "\n%s\n", curcfg
        printf "  %4s %7s %8s %8s %8s %9s %7s %7s %7s  %s\n", "g", "pauses", "p50 ms", "p99 ms", "max ms", "total ms", "MB/ms",
            "balance", "steals", "speedup"
    }
    printf "  %4d %7.1f %8.3f %8.3f %8.3f %9.2f", curg, n / reps, p50 / 1e6, nearest(0.99) / 1e6, d[n] / 1e6, total / 1e6
    if (bytes > 0) printf " %7.2f", bytes / 1e6 / (sum / 1e6); else printf " %7s", "-"   # only scavenges copy
    if (b >= 0) printf " %7.2f %7.1f", b, st / n; else printf " %7s %7s", "-", "-"
    if (curg != baseg) printf "   p50 %.2fx total %.2fx (against g=%d)", basep50 / p50, basetotal / total, baseg
    printf "\n"
    n = 0; sum = 0; bytes = 0; delete tot; delete bal; delete steals
}
{
    if ($1 != curcfg || $2 != curg) { flush(); curcfg = $1; curg = $2 }
    d[++n] = $4; sum += $4; bytes += $5; tot[$3] += $4; bal[$3] = $6; steals[$3] = $7
}
END {
    flush()
    if (!basecfg) { print "scaling.sh: no " kind " pauses in the successful runs" > "/dev/stderr"; exit 1 }
}'
