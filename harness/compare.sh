#!/usr/bin/env bash
# compare.sh RESULTS_DIR: the comparison table of a results folder: per workload and configuration,
# the median over repetitions of wall time, pause p99 and max, GC CPU, peak heap, and each variant's
# wall-time and p99 ratios against the reference variant (REF, default bdw).
set -u
dir=${1:?usage: compare.sh RESULTS_DIR}
ref=${REF:-bdw}
[ -f "$dir/runs.csv" ] || { echo "gclab: no runs.csv in $dir" >&2; exit 2; }
awk -F, -v ref="$ref" '
function median(key,   n, i, j, t, a) {
    n = split(vals[key], a, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
    return n ? a[int((n + 1) / 2)] : 0
}
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
{
    # params is quoted and contains no commas, so fields stay aligned
    w = $col["workload"]; pr = $col["params"]; gsub(/"/, "", pr); hp = $col["max_heap_bytes"]
    # Configurations a suite sweeps beyond threads and factor (args lines, heaps, pinning) get their own
    # rows: the workload options and heap that differ from the first row of the workload, and the pin policy.
    go = ("gc_options" in col) ? $col["gc_options"] : ""; gsub(/"/, "", go)
    if (!(w in firstp)) { firstp[w] = pr; firsth[w] = hp }
    extra = ""
    if (pr != firstp[w]) {
        n1 = split(firstp[w], a1, " "); n2 = split(pr, a2, " ")
        for (k = 1; k <= n2; k++) { same = 0; for (j = 1; j <= n1; j++) if (a1[j] == a2[k]) same = 1; if (!same) extra = extra " " a2[k] }
    }
    if (hp != firsth[w]) extra = extra sprintf(" heap=%dM", hp / 1048576)
    if (go != "") extra = extra " " go
    if (("pin" in col) && $col["pin"] != "" && $col["pin"] != "none") extra = extra " pin=" $col["pin"]
    cfg = w " t=" $col["threads"] " g=" $col["gc_threads"] " f=" $col["heap_factor"] extra
    v = $col["variant"]
    if (!(cfg in seen)) { seen[cfg] = 1; order[++ncfg] = cfg }
    if (!((cfg, v) in has)) { has[cfg, v] = 1; vars[cfg] = vars[cfg] " " v }
    if ($col["status"] != "ok") { bad[cfg, v]++; next }
    foreach = split("wall_ns pause_p99_ns pause_max_ns gc_cpu_ns peak_heap_bytes lat_max_ns metered_max_ns", names, " ")
    for (k = 1; k <= foreach; k++) vals[cfg, v, names[k]] = vals[cfg, v, names[k]] " " ((names[k] in col) ? $col[names[k]] : 0)
}
END {
    printf "%-44s %-10s %10s %7s %10s %10s %10s %9s %10s %10s %7s\n", "workload / config", "variant", "wall ms", "x" ref, "p99 ms", "max ms", "GC CPU ms", "peak MiB", "lat max ms", "met max ms", "failed"
    for (c = 1; c <= ncfg; c++) {
        cfg = order[c]
        rw = median(cfg SUBSEP ref SUBSEP "wall_ns")
        n = split(vars[cfg], vs, " ")
        for (i = 1; i <= n; i++) {
            v = vs[i]
            w = median(cfg SUBSEP v SUBSEP "wall_ns")
            ratio = (rw > 0 && w > 0) ? sprintf("%.2f", w / rw) : "-"
            m = median(cfg SUBSEP v SUBSEP "metered_max_ns")
            met = m > 0 ? sprintf("%.3f", m / 1e6) : "-"
            printf "%-44s %-10s %10.1f %7s %10.3f %10.3f %10.1f %9.1f %10.3f %10s %7d\n", cfg, v, w / 1e6, ratio,
                median(cfg SUBSEP v SUBSEP "pause_p99_ns") / 1e6, median(cfg SUBSEP v SUBSEP "pause_max_ns") / 1e6,
                median(cfg SUBSEP v SUBSEP "gc_cpu_ns") / 1e6, median(cfg SUBSEP v SUBSEP "peak_heap_bytes") / 1048576,
                median(cfg SUBSEP v SUBSEP "lat_max_ns") / 1e6,
                met, bad[cfg, v] + 0
        }
    }
    print "medians over repetitions; lat = simple mutator latency, met = metered (msgbuf --rate); x" ref " = wall time / " ref "'"'"'s wall time in the same run of the suite"
}' "$dir/runs.csv"
