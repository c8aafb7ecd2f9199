# table.awk: the micro-benchmark table of a results folder, from Google Benchmark JSON files.
#
#   awk -f micro/table.awk RESULTS/micro/<variant>.json ...
#
# Prints Markdown: one row per variant (the file name without .json) with the headline figures, the
# targets, then every benchmark as measured and the reasons for the ones skipped. Reads the JSON line
# by line as Google Benchmark writes it (one "key": value per line); with --benchmark_repetitions the
# median aggregate is used.

function unquote(s) { sub(/^[ \t]*"/, "", s); sub(/",?[ \t]*$/, "", s); sub(/,[ \t]*$/, "", s); return s }
function to_ns(t, u) { return u == "ns" ? t : u == "us" ? t * 1e3 : u == "ms" ? t * 1e6 : u == "s" ? t * 1e9 : t }
function f(x, d) { return x == "" ? "–" : sprintf("%." d "f", x) }
function g(x) { return x == "" ? "–" : x >= 100 ? sprintf("%.0f", x) : x >= 10 ? sprintf("%.1f", x) : sprintf("%.2f", x) }

FNR == 1 {
    v = FILENAME; sub(/.*\//, "", v); sub(/\.json$/, "", v)
    nv++; vars[nv] = v; inb = 0
}
/"benchmarks": \[/ { inb = 1; next }
!inb { next }
/^[ \t]*\{/ { delete rec; next }
/^[ \t]*"[^"]+":/ {
    line = $0
    key = line; sub(/^[ \t]*"/, "", key); sub(/".*/, "", key)
    val = line; sub(/^[ \t]*"[^"]+":[ \t]*/, "", val); sub(/,[ \t]*$/, "", val)
    if (val ~ /^"/) val = unquote(val)
    rec[key] = val
    next
}
/^[ \t]*\}/ {
    if (!("name" in rec)) next
    name = rec["run_name"] != "" ? rec["run_name"] : rec["name"]
    sub(/\/(manual_time|real_time)$/, "", name)
    sub(/\/iterations:[0-9]+/, "", name)
    if (rec["run_type"] == "aggregate" && rec["aggregate_name"] != "median") next
    if (rec["run_type"] == "iteration" && ((v, name) in fromagg)) next
    if (rec["run_type"] == "aggregate") fromagg[v, name] = 1
    if (!((v, name) in seen)) { seen[v, name] = 1; nb[v]++; bname[v, nb[v]] = name }
    if (rec["error_occurred"] == "true") { err[v, name] = rec["error_message"]; next }
    tns[v, name] = to_ns(rec["real_time"] + 0, rec["time_unit"])
    if ("bytes_per_second" in rec) mbs[v, name] = rec["bytes_per_second"] / 1e6
    extra = ""
    for (k in rec) if (k !~ /^(error_occurred|error_message|name|run_name|run_type|family_index|per_family_instance_index|repetitions|repetition_index|threads|iterations|real_time|cpu_time|time_unit|bytes_per_second|aggregate_name|aggregate_unit|label)$/)
        extra = extra (extra == "" ? "" : ", ") k "=" sprintf("%.4g", rec[k])
    cnt[v, name] = extra
    iters[v, name] = rec["iterations"]
}

# The first benchmark of variant v whose name matches re, or "".
function find(v, re,    i) {
    for (i = 1; i <= nb[v]; i++) if (bname[v, i] ~ re) return bname[v, i]
    return ""
}
function t_of(v, re, scale,    b) { b = find(v, re); return (b != "" && ((v, b) in tns)) ? tns[v, b] / scale : "" }
function r_of(v, re,    b) { b = find(v, re); return (b != "" && ((v, b) in mbs)) ? mbs[v, b] : "" }
# the highest thread count of a family ("mark/gc_threads:", "ttsp/spinning_threads:")
function top(v, prefix,    i, b, n, best, bn) {
    best = ""; bn = -1
    for (i = 1; i <= nb[v]; i++) {
        b = bname[v, i]
        if (index(b, prefix) != 1) continue
        n = substr(b, length(prefix) + 1) + 0
        if (n > bn) { bn = n; best = b }
    }
    return best
}

END {
    print "| variant | alloc fast path 16 B (ns) | alloc amortized 16 B (ns) | barrier, marking off (ns) | barrier, marking on (ns) | barrier, old to young (ns) | plain store (ns) | mark 1 thread (MB/s) | mark all cores (MB/s) | scavenge copy (MB/s) | memcpy (MB/s) | copy / memcpy | TTSP 1 thread (µs) | TTSP most threads (µs) |"
    print "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
    for (i = 1; i <= nv; i++) {
        v = vars[i]
        mt = top(v, "mark/gc_threads:"); tt = top(v, "ttsp/spinning_threads:")
        copy = r_of(v, "^scavenge/copy$"); mem = r_of(v, "^memcpy/")
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", v,
            f(t_of(v, "^alloc_fast/16B$", 1), 2), f(t_of(v, "^alloc/16B$", 1), 2),
            f(t_of(v, "^barrier/marking_off$", 1), 2), f(t_of(v, "^barrier/marking_on$", 1), 2), f(t_of(v, "^barrier/old_to_young$", 1), 2), f(t_of(v, "^barrier/none$", 1), 2),
            g(r_of(v, "^mark/gc_threads:1$")), (mt != "" && mt != "mark/gc_threads:1") ? g(mbs[v, mt]) " (" substr(mt, 17) ")" : "–",
            g(copy), g(mem), (copy != "" && mem > 0) ? sprintf("%.2f", copy / mem) : "–",
            f(t_of(v, "^ttsp/spinning_threads:1$", 1e3), 2), (tt != "" && (v, tt) in tns) ? f(tns[v, tt] / 1e3, 2) " (" substr(tt, 23) ")" : "–"
    }
    print ""
    print "Targets: allocation fast path ≤ 2 ns, write barrier with marking off ≤ 1 ns. \"–\": not measured or skipped (reasons below)."
    print "Barrier: gc_write into one of 256 slots of a live object; marking on: in the collector's marking state (gc_test_marking);"
    print "old to young: into an object that survived four collections, of objects allocated after (a generational card mark)."
    print "Mark rate: live bytes a full collection marked over its marking time (pause records' live_bytes / mark_ns) on a 64 MiB random graph;"
    print "copy rate: bytes scavenges copied and promoted over their copying time; memcpy: bytes copied per second by one memcpy of 64 MiB;"
    print "TTSP: time to safepoint of a collection while N threads spin on gc_safepoint (thread count in parentheses; at or above the"
    print "core count the threads share CPUs with the collector). MB = 10^6 bytes."
    print ""
    print "<details><summary>Every benchmark</summary>"
    print ""
    print "| variant | benchmark | time | MB/s | iterations | counters |"
    print "|---|---|--:|--:|--:|---|"
    for (i = 1; i <= nv; i++) {
        v = vars[i]
        for (j = 1; j <= nb[v]; j++) {
            b = bname[v, j]
            if ((v, b) in err) { printf "| %s | %s | skipped | | | %s |\n", v, b, err[v, b]; continue }
            t = tns[v, b]
            ts = t >= 1e6 ? sprintf("%.3g ms", t / 1e6) : t >= 1e3 ? sprintf("%.3g µs", t / 1e3) : sprintf("%.3g ns", t)
            printf "| %s | %s | %s | %s | %s | %s |\n", v, b, ts, ((v, b) in mbs) ? g(mbs[v, b]) : "", iters[v, b], cnt[v, b]
        }
    }
    print ""
    print "</details>"
}
