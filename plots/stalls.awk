# stalls.awk: the data of the "where the slowest operations' time went" bars and the report's table,
# from runs.csv then stalls.csv (harness/stalls.h); needs lib.awk. With -v D=DIR (plot.sh) it writes
# DIR/stalls-<workload>.dat and .inc and appends to DIR/manifest.txt; with -v MD=1 (report.sh) it
# prints the Markdown table instead. A configuration is a workload, its params, mutator and GC threads;
# the floor (variant "floor") of the same configuration is the machine's largest gap over the same time.
FNR == 1 { file++; delete col; ncol = csv_header($0, col); if (file == 2) for (c in col) hdr[col[c]] = c; next }
file == 1 {
    csv_split($0, f)
    if (f[col["status"]] != "ok") next
    id = f[col["run_id"]]; v = f[col["variant"]]; w = f[col["workload"]]
    cfg = w " t" f[col["threads"]] " g" f[col["gc_threads"]] " " f[col["params"]]
    if (v == "floor") { floor_gap[cfg] = floor_gap[cfg] " " f[col["lat_max_ns"]]; next }
    runcfg[id] = cfg; runvar[id] = v
    key = cfg SUBSEP v
    if (!(cfg in cfgno)) { cfgno[cfg] = ++ncfg_of[w] }
    if (!(key in seen)) { seen[key] = 1; order[++nkeys] = key; label[key] = v " t" f[col["threads"]] " g" f[col["gc_threads"]]; wl[key] = w; kcfg[key] = cfg }
    worst[key] = worst[key] " " f[col["lat_max_ns"]]
    if (("stall_total_ns" in col) && f[col["stall_total_ns"]] + 0 > 0) {
        st_total[key] += f[col["stall_total_ns"]]; st_attr[key] += f[col["stall_attributed_ns"]]
    }
    next
}
file == 2 {
    csv_split($0, f)
    id = f[col["run_id"]]
    if (!(id in runcfg)) next
    key = runcfg[id] SUBSEP runvar[id]
    for (c = col["duration_ns"] + 1; c < col["window_lead_ns"]; c++) {
        name = hdr[c]
        if (!(name in causeidx)) { causeidx[name] = ++ncause; cause[ncause] = name }
        by[key, name] += f[c]; used[name] += f[c]
    }
    sum[key] += f[col["duration_ns"]]
}
function pct(a, b) { return b > 0 ? 100 * a / b : 0 }
function ms(ns) { return sprintf("%.3f", ns / 1e6) }
END {
    if (MD) {
        print "| workload, configuration | variant | worst operation | floor: largest gap | worst / floor | slowest 100: time | attributed | largest causes |"
        print "|---|---|--:|--:|--:|--:|--:|---|"
        for (k = 1; k <= nkeys; k++) {
            key = order[k]; split(key, kk, SUBSEP); cfg = kk[1]
            fl = (cfg in floor_gap) ? lst_median(floor_gap[cfg]) : 0
            wo = lst_median(worst[key])
            top = ""
            for (r = 1; r <= 3; r++) {
                best = ""; bv = 0
                for (c = 1; c <= ncause; c++) if (!((key, cause[c]) in taken) && by[key, cause[c]] > bv) { bv = by[key, cause[c]]; best = cause[c] }
                if (best == "") break
                taken[key, best] = 1
                sub(/_ns$/, "", best)
                top = top (top == "" ? "" : ", ") sprintf("%s %.0f%%", best, pct(bv, sum[key]))
            }
            printf "| %s | %s | %s ms | %s | %s | %s | %s | %s |\n", cfg, label[key], ms(wo), fl ? ms(fl) " ms" : "–",
                fl ? sprintf("%.2f", wo / fl) : "–", sum[key] ? ms(sum[key]) " ms" : "–",
                st_total[key] ? sprintf("%.1f%%", pct(st_attr[key], st_total[key])) : "–", top
        }
        exit
    }
    # One bar chart per workload: each variant's slowest operations, 100% stacked by cause.
    for (k = 1; k <= nkeys; k++) {
        key = order[k]
        if (!sum[key]) continue
        w = wl[key]
        if (!(w in wfile)) { wfile[w] = D "/stalls-" slugify(w) ".dat"; wnames[++nw] = w
            printf "label" > wfile[w]
            for (c = 1; c <= ncause; c++) if (used[cause[c]] > 0) { n = cause[c]; sub(/_ns$/, "", n); printf "\t%s", n > wfile[w] }
            printf "\n" > wfile[w] }
        # Several option sets of one workload: "c2" names the second, as the report's table lists them.
        printf "\"%s\"", label[key] (ncfg_of[w] > 1 ? " c" cfgno[kcfg[key]] : "") > wfile[w]
        for (c = 1; c <= ncause; c++) if (used[cause[c]] > 0) printf "\t%.2f", pct(by[key, cause[c]], sum[key]) > wfile[w]
        printf "\n" > wfile[w]
        nbars[w]++
    }
    nc = 0; for (c = 1; c <= ncause; c++) if (used[cause[c]] > 0) nc++
    for (i = 1; i <= nw; i++) {
        w = wnames[i]; close(wfile[w])
        inc = D "/stalls-" slugify(w) ".inc"
        print "datafile = " gpq(wfile[w]) > inc
        print "ptitle = " gpq("Where the slowest operations' time went: " w " (share of their time by cause)") > inc
        print "ncauses = " nc > inc
        print "width = " (600 + 60 * nbars[w]) > inc
        close(inc)
        print "stalls\tstalls-" slugify(w) >> (D "/manifest.txt")
    }
}
