# report.awk: the per-workload sections of report.md (harness/report.sh).
#
#   awk [-v LEAKS=RESULTS_DIR/leaks.md] -f plots/lib.awk -f harness/report.awk PNG_LIST runs.csv [types.csv]
#
# PNG_LIST names the plots drawn (one file name a line, from RESULTS_DIR/plots/). runs.csv and
# types.csv are read by header name. Each table cell is the median over the successful repetitions of a
# configuration and variant (the heap statistics: over the repetitions that took censuses, failed ones
# too); "-" marks a column this results folder does not have. LEAKS, when it names a file, is included
# in the "Heap statistics and leak check" section.

function has(c) { return c in col }
function med(k, v, c) { return (has(c) && ((k, v, c) in vals)) ? lst_median(vals[k, v, c]) : "" }
function fmt_ms(x) { return x == "" ? "-" : num(x / 1e6) }
function fmt_us(x) { return x == "" ? "-" : num(x / 1e3) }
function fmt_mib(x) { return x == "" ? "-" : num(x / 1048576) }
function fmt_big(x) { return x >= 1e6 ? sprintf("%.2f M", x / 1e6) : x >= 1e4 ? sprintf("%.0f k", x / 1e3) : num(x) }
function fmt_frac(x) { return x == "" ? "-" : sprintf("%.3f", x) }
function plural(n, word) { return n " " word (n + 0 == 1 ? "" : "s") }

function cfg_label(k,    w, s) {
    w = cw[k]
    s = "t=" ct[k] " g=" cg[k] " f=" cf[k]
    if (nheaps[w] > 1) s = s " heap=" sprintf("%.0f", ch[k] / 1048576) "M"
    if (nparams[w] > 1) s = s " " plab[w, cp[k]]
    if (npins[w] > 1) s = s " " cpin[k]
    return s
}

function img(file, alt) {
    if (file in png) printf "![%s](plots/%s)\n\n", alt, file
}

FILENAME == ARGV[1] { png[$0] = 1; pngs[++npng] = $0; next }

FNR == 1 { file = FILENAME; sub(/.*\//, "", file) }

FNR == 1 && file == "types.csv" {
    csv_header($0, tcol)
    have_types = ("run_id" in tcol) && ("rep" in tcol) && ("cycle" in tcol) && ("type" in tcol) && ("objects" in tcol) && ("bytes" in tcol)
    next
}

# types.csv: per repetition that took censuses, its last census's totals and what counting cost
file == "types.csv" {
    if (!have_types) next
    csv_split($0, f)
    if (f[tcol["type"]] != "(total)") next
    rk = f[tcol["run_id"]] SUBSEP f[tcol["rep"]]
    if (!(rk in crk_k)) next
    cyc = f[tcol["cycle"]] + 0
    if (!(rk in t_n) || cyc >= t_cyc[rk]) {
        t_cyc[rk] = cyc; t_obj[rk] = f[tcol["objects"]] + 0; t_bytes[rk] = f[tcol["bytes"]] + 0
        t_prot[rk] = ("protected_objects" in tcol) ? f[tcol["protected_objects"]] + 0 : ""
    }
    t_n[rk]++
    t_sumobj[rk] += f[tcol["objects"]]
    if ("census_ns" in tcol) { t_ns[rk] += f[tcol["census_ns"]]; t_hasns[rk] = 1 }
    next
}

FNR == 1 {
    csv_header($0, col)
    for (c in col) if (c ~ /^mmu_[0-9.]+(us|ms|s)$/) {
        w = c; sub(/^mmu_/, "", w); u = w; sub(/^[0-9.]+/, "", u); sub(/[a-z]+$/, "", w)
        nm++; mname[nm] = c; mwin[nm] = w * (u == "us" ? 0.001 : u == "s" ? 1000 : 1); mlabel[nm] = w " " u
    }
    for (i = 2; i <= nm; i++) for (j = i; j > 1 && mwin[j - 1] > mwin[j]; j--) {
        t = mwin[j]; mwin[j] = mwin[j - 1]; mwin[j - 1] = t
        t = mname[j]; mname[j] = mname[j - 1]; mname[j - 1] = t
        t = mlabel[j]; mlabel[j] = mlabel[j - 1]; mlabel[j - 1] = t
    }
    nstat = split("wall_ns cpu_ns gc_cpu_ns pauses pause_total_ns pause_p50_ns pause_p90_ns pause_p99_ns pause_p999_ns pause_max_ns ttsp_p50_ns ttsp_p99_ns ttsp_max_ns alloc_rate_mb_s peak_heap_bytes peak_rss_bytes live_bytes ops lat_count lat_p50_ns lat_p90_ns lat_p99_ns lat_p999_ns lat_max_ns metered_count metered_p50_ns metered_p90_ns metered_p99_ns metered_p999_ns metered_max_ns", stat, " ")
    next
}

{
    n = csv_split($0, f)
    if (n < 2) next
    w = f[col["workload"]]; v = f[col["variant"]]
    pin = has("pin") ? f[col["pin"]] : ""
    k = w SUBSEP f[col["params"]] SUBSEP f[col["threads"]] SUBSEP f[col["gc_threads"]] SUBSEP f[col["heap_factor"]] SUBSEP f[col["max_heap_bytes"]] SUBSEP pin
    if (!(k in cw)) {
        ncfg++; cfgs[ncfg] = k
        cw[k] = w; cp[k] = f[col["params"]]; ct[k] = f[col["threads"]]; cg[k] = f[col["gc_threads"]]
        cf[k] = f[col["heap_factor"]]; ch[k] = f[col["max_heap_bytes"]]; cpin[k] = pin
        if (!(w in nheaps)) { nwl++; wls[nwl] = w; nheaps[w] = 0; nparams[w] = 0; npins[w] = 0 }
        if (!((w, "pin", pin) in seen)) { seen[w, "pin", pin] = 1; npins[w]++; pins[w] = pin }
        if (!((w, "h", ch[k]) in seen)) { seen[w, "h", ch[k]] = 1; nheaps[w]++ }
        if (!((w, "p", cp[k]) in seen)) { seen[w, "p", cp[k]] = 1; nparams[w]++; pidx[w, cp[k]] = nparams[w]; plist[w, nparams[w]] = cp[k] }
    }
    if (!(v in vseen)) { vseen[v] = 1; nvar++; vars[nvar] = v }
    nruns[k, v]++
    # repetitions that took censuses (--census, --leak-check), failed ones too (--leak-check fail)
    if (has("censuses") && f[col["censuses"]] + 0 > 0) {
        rk = f[col["run_id"]] SUBSEP f[col["rep"]]
        nhs++
        i = ++ncr[k, v]; cr_rk[k, v, i] = rk
        crk_k[rk] = k; crk_ok[rk] = f[col["status"]] == "ok"; crk_rep[rk] = f[col["rep"]]; crk_n[rk] = f[col["censuses"]] + 0
        if (!crk_ok[rk]) ncr_failed[k, v]++
        split("censuses rss_bytes heap_total_bytes heap_used_bytes external_bytes leak_suspected leak_top_type leak_top_growth_bytes leak_top_slope_bytes leak_first_cycle leak_last_cycle", hcols, " ")
        for (i = 1; i in hcols; i++) crk[rk, hcols[i]] = has(hcols[i]) ? f[col[hcols[i]]] : ""
    }
    if (f[col["status"]] != "ok") {
        if (has("error") && f[col["error"]] != "") lasterr[k, v] = f[col["error"]]
        next
    }
    nok[k, v]++
    for (i = 1; i <= nstat; i++) if (has(stat[i])) vals[k, v, stat[i]] = vals[k, v, stat[i]] " " f[col[stat[i]]]
    for (i = 1; i <= nm; i++) vals[k, v, mname[i]] = vals[k, v, mname[i]] " " f[col[mname[i]]]
    if (f[col["wall_ns"]] > 0 && has("ops")) vals[k, v, "ops_s"] = vals[k, v, "ops_s"] " " f[col["ops"]] * 1e9 / f[col["wall_ns"]]
    if (has("cpu_ns") && has("gc_cpu_ns") && f[col["cpu_ns"]] > 0)
        vals[k, v, "gc_share"] = vals[k, v, "gc_share"] " " f[col["gc_cpu_ns"]] / f[col["cpu_ns"]]
}

function rows_of(w, fn,    c, k, vi, v) {
    for (c = 1; c <= ncfg; c++) {
        k = cfgs[c]
        if (cw[k] != w) continue
        for (vi = 1; vi <= nvar; vi++) {
            v = vars[vi]
            if (!nruns[k, v]) continue
            if (!nok[k, v]) {
                printf "| %s | %s | all %d failed%s |\n", cfg_label(k), v, nruns[k, v], ((k, v) in lasterr) ? ": " lasterr[k, v] : ""
                continue
            }
            row(fn, k, v)
        }
    }
    print ""
}

function row(fn, k, v,    s, i, wmin, lo, hi, p) {
    s = "| " cfg_label(k) " | " v
    if (fn == "pauses") {
        p = med(k, v, "pause_p99_ns")
        lo = lst_min(vals[k, v, "pause_p99_ns"]); hi = lst_max(vals[k, v, "pause_p99_ns"])
        s = s " | " nok[k, v] "/" nruns[k, v] " | " med(k, v, "pauses") " | " fmt_ms(med(k, v, "pause_p50_ns")) " | " fmt_ms(med(k, v, "pause_p90_ns")) \
            " | **" fmt_ms(p) "** (" fmt_ms(lo) "–" fmt_ms(hi) ") | " fmt_ms(med(k, v, "pause_p999_ns")) " | " fmt_ms(med(k, v, "pause_max_ns")) \
            " | " fmt_ms(med(k, v, "pause_total_ns")) " | " fmt_us(med(k, v, "ttsp_p50_ns")) " | " fmt_us(med(k, v, "ttsp_p99_ns")) " | " fmt_us(med(k, v, "ttsp_max_ns")) " |"
    } else if (fn == "mmu") {
        wmin = lst_min(vals[k, v, "wall_ns"]) / 1e6
        for (i = 1; i <= nm; i++) if (mshow[cw[k], i]) s = s " | " (mwin[i] > wmin ? "" : fmt_frac(lst_median(vals[k, v, mname[i]])))
        s = s " |"
    } else if (fn == "throughput") {
        s = s " | " fmt_ms(med(k, v, "wall_ns")) " | " (wl_ops[cw[k]] ? fmt_big(lst_median(vals[k, v, "ops_s"])) : "-") " | " fmt_ms(med(k, v, "cpu_ns")) " | " fmt_ms(med(k, v, "gc_cpu_ns")) \
            " | " ((k, v, "gc_share") in vals ? sprintf("%.0f%%", 100 * lst_median(vals[k, v, "gc_share"])) : "-") " | " (has("alloc_rate_mb_s") ? num(med(k, v, "alloc_rate_mb_s")) : "-") \
            " | " fmt_mib(med(k, v, "peak_heap_bytes")) " | " fmt_mib(med(k, v, "peak_rss_bytes")) " | " fmt_mib(med(k, v, "live_bytes")) " |"
    } else if (fn == "latency") {
        if (med(k, v, "lat_count") + 0 > 0)
            s = s " | simple | " med(k, v, "lat_count") " | " fmt_us(med(k, v, "lat_p50_ns")) " | " fmt_us(med(k, v, "lat_p90_ns")) " | " fmt_us(med(k, v, "lat_p99_ns")) \
                " | " fmt_us(med(k, v, "lat_p999_ns")) " | " fmt_us(med(k, v, "lat_max_ns")) " |"
        else s = ""
        if (med(k, v, "metered_count") + 0 > 0)
            s = (s != "" ? s "\n" : "") "| " cfg_label(k) " | " v " | metered | " med(k, v, "metered_count") " | " fmt_us(med(k, v, "metered_p50_ns")) " | " fmt_us(med(k, v, "metered_p90_ns")) \
                " | " fmt_us(med(k, v, "metered_p99_ns")) " | " fmt_us(med(k, v, "metered_p999_ns")) " | " fmt_us(med(k, v, "metered_max_ns")) " |"
        if (s == "") return
    }
    print s
}

END {
    for (wi = 1; wi <= nwl; wi++) {
        w = wls[wi]
        for (i = 1; i <= nparams[w]; i++) pl[i] = plist[w, i]
        param_labels(nparams[w], pl, lb)
        for (i = 1; i <= nparams[w]; i++) plab[w, plist[w, i]] = lb[i]
    }
    for (c = 1; c <= ncfg; c++) {
        k = cfgs[c]
        for (vi = 1; vi <= nvar; vi++) {
            v = vars[vi]
            if (med(k, v, "ops") + 0 > 0) wl_ops[cw[k]] = 1
            if (med(k, v, "lat_count") + 0 > 0 || med(k, v, "metered_count") + 0 > 0) wl_lat[cw[k]] = 1
            # an MMU column is shown when some repetition set of the workload is at least that long
            if (nok[k, v]) for (i = 1; i <= nm; i++) if (mwin[i] <= lst_min(vals[k, v, "wall_ns"]) / 1e6) mshow[cw[k], i] = 1
        }
    }
    for (wi = 1; wi <= nwl; wi++) {
        w = wls[wi]
        printf "## Workload: %s\n\n", w
        if (npins[w] == 1 && pins[w] != "") printf "Thread pinning: %s.\n\n", pins[w]
        if (nparams[w] == 1) printf "Options: `%s`.\n\n", plist[w, 1]
        else {
            print "Option sets (configurations name them by the options that differ):\n"
            for (i = 1; i <= nparams[w]; i++) printf "- `%s`\n", plist[w, i]
        }
        if (nparams[w] > 1) print ""

        print "### Pauses\n"
        print "Pause times in ms; time to safepoint (TTSP) in µs. p99 in bold with its min–max over repetitions.\n"
        print "| config | variant | runs ok | pauses | p50 | p90 | p99 | p99.9 | max | total | TTSP p50 | TTSP p99 | TTSP max |"
        print "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
        rows_of(w, "pauses")

        nshow = 0
        for (i = 1; i <= nm; i++) nshow += mshow[w, i]
        if (nshow) {
            print "### Minimum mutator utilization\n"
            print "Fraction of each window left to the mutators in the worst window of that length; blank where the window is longer than the shortest repetition; windows longer than every repetition are left out.\n"
            s = "| config | variant"; sep = "|---|---"
            for (i = 1; i <= nm; i++) if (mshow[w, i]) { s = s " | " mlabel[i]; sep = sep "|--:" }
            print s " |"; print sep "|"
            rows_of(w, "mmu")
        }

        print "### Throughput and memory\n"
        print "Wall, CPU (process) and GC CPU (all GC threads) in ms; operations/s are the workload's operations over wall time; sizes in MiB; live is after the last collection.\n"
        print "| config | variant | wall | ops/s | CPU | GC CPU | GC share of CPU | alloc MB/s | peak heap | peak RSS | live |"
        print "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
        rows_of(w, "throughput")

        if (wl_lat[w]) {
            print "### Mutator latency\n"
            print "Per operation, in µs: simple (as measured) and, where recorded, metered (from the operation's intended start on an evenly spaced schedule).\n"
            print "| config | variant | kind | operations | p50 | p90 | p99 | p99.9 | max |"
            print "|---|---|---|--:|--:|--:|--:|--:|--:|"
            rows_of(w, "latency")
        }

        # scaling plots: scaling-{gc,mutator}-threads-<workload>[-<option set>].png
        nsc = 0
        for (i = 1; i <= npng; i++)
            if (index(pngs[i], "scaling-gc-threads-" w) == 1 || index(pngs[i], "scaling-mutator-threads-" w) == 1) {
                rest = pngs[i]; sub(/^scaling-(gc|mutator)-threads-/, "", rest)
                if (rest == w ".png" || index(rest, w "-") == 1) sc[++nsc] = pngs[i]
            }
        nimg = nsc
        for (c = 1; c <= ncfg; c++) if (cw[cfgs[c]] == w) {
            sl = cfgs_slug(cfgs[c])
            nimg += (("cdf-" sl ".png") in png) + (("mmu-" sl ".png") in png) + (("heap-" sl ".png") in png) + (("latency-" sl ".png") in png)
        }
        if (nimg) {
            print "### Plots\n"
            for (i = 1; i <= nsc; i++)
                img(sc[i], w ": p99 pause and throughput against " (index(sc[i], "scaling-gc") == 1 ? "GC" : "mutator") " threads")
            for (c = 1; c <= ncfg; c++) {
                k = cfgs[c]
                if (cw[k] != w) continue
                sl = cfgs_slug(k)
                printf "#### %s\n\n", cfg_label(k)
                img("cdf-" sl ".png", "pause CDF " cfg_label(k))
                img("mmu-" sl ".png", "MMU " cfg_label(k))
                img("latency-" sl ".png", "latency " cfg_label(k))
                img("heap-" sl ".png", "heap over time " cfg_label(k))
            }
        }
    }
    if (nhs || LEAKS != "") heap_section()
}

# Medians over the repetitions of (k, v) that took censuses: name a figure of crk[] or a per-run value
# computed from types.csv.
function hmed(k, v, what,    i, rk, l, x, n) {
    l = ""; n = 0
    for (i = 1; i <= ncr[k, v]; i++) {
        rk = cr_rk[k, v, i]
        if (what == "objects") { if (!(rk in t_n)) continue; x = t_obj[rk] }
        else if (what == "bytes") { if (!(rk in t_n)) continue; x = t_bytes[rk] }
        else if (what == "protected") { if (!(rk in t_n) || t_prot[rk] == "") continue; x = t_prot[rk] }
        else if (what == "census_ns") { if (!(rk in t_n) || !t_hasns[rk]) continue; x = t_ns[rk] / t_n[rk] }
        else if (what == "ns_per_object") { if (!(rk in t_n) || !t_hasns[rk] || t_sumobj[rk] <= 0) continue; x = t_ns[rk] / t_sumobj[rk] }
        else { if (crk[rk, what] == "") continue; x = crk[rk, what] }
        l = l " " x; n++
    }
    return n ? lst_median(l) : ""
}

function fmt_kib(x) { return x == "" ? "-" : sprintf("%+.1f", x / 1024) }

# The leak check's verdicts over the repetitions of (k, v), and the type that grew most: of the
# suspected repetitions when there are any, else of the ranked last window (growth that was not a leak).
function leak_cells(k, v,    i, rk, s1, s0, sm, off, n, cell, grp, cnt, best, top, gl, sl, wins, nw, seen, w) {
    n = ncr[k, v]; s1 = s0 = sm = off = 0
    for (i = 1; i <= n; i++) {
        rk = cr_rk[k, v, i]
        if (crk[rk, "leak_suspected"] == "1") s1++
        else if (crk[rk, "leak_suspected"] == "0") s0++
        else if (crk[rk, "leak_suspected"] == "-1") sm++
        else off++
    }
    cell = ""
    if (s1) cell = "**LEAK SUSPECTED** " s1 "/" n
    if (s0) cell = cell (cell == "" ? "" : ", ") "no leak " s0 "/" n
    if (sm) cell = cell (cell == "" ? "" : ", ") "no verdict (too few censuses) " sm "/" n
    if (off) cell = cell (cell == "" ? "" : ", ") "off " off "/" n
    grp = s1 ? "1" : "0"
    best = 0; top = ""
    for (i = 1; i <= n; i++) {
        rk = cr_rk[k, v, i]
        if (crk[rk, "leak_suspected"] != grp || crk[rk, "leak_top_type"] == "") continue
        if (++cnt[crk[rk, "leak_top_type"]] > best) { best = cnt[crk[rk, "leak_top_type"]]; top = crk[rk, "leak_top_type"] }
    }
    if (top == "") return cell " | - | - | - | -"
    gl = ""; sl = ""; wins = ""; nw = 0
    for (i = 1; i <= n; i++) {
        rk = cr_rk[k, v, i]
        if (crk[rk, "leak_suspected"] != grp || crk[rk, "leak_top_type"] != top) continue
        gl = gl " " crk[rk, "leak_top_growth_bytes"]; sl = sl " " crk[rk, "leak_top_slope_bytes"]
        w = crk[rk, "leak_first_cycle"] ".." crk[rk, "leak_last_cycle"]
        if (!(w in seen)) { seen[w] = 1; if (++nw <= 3) wins = wins (nw > 1 ? ", " : "") w }
    }
    if (nw > 3) wins = wins ", ..."
    return cell " | " (grp == "1" ? "`" top "`" : "(`" top "`)") " " best "/" (grp == "1" ? s1 : s0) " | " fmt_kib(lst_median(gl)) " | " fmt_kib(lst_median(sl)) " | " wins
}

# "Heap statistics and leak check": the census after full collections (--census), memoryUsage at the
# end of each run, the leak check's verdicts, LEAKS (leaks.md) and the census plots.
function heap_section(    i, k, v, sl, anyimg, c, nconc, nbdw, runs, wi, vi, n) {
    print "## Heap statistics and leak check\n"
    # (configuration, variant) pairs with censuses, in workload, configuration and variant order
    n = 0
    for (wi = 1; wi <= nwl; wi++) for (c = 1; c <= ncfg; c++) if (cw[cfgs[c]] == wls[wi])
        for (vi = 1; vi <= nvar; vi++) if (((cfgs[c], vars[vi]) in ncr)) { n++; hs_k[n] = cfgs[c]; hs_v[n] = vars[vi] }
    nhs = n
    if (nhs) {
        for (i = 1; i <= nvar; i++) {
            if (vars[i] ~ /^(incremental|concurrent)/) nconc++
            if (vars[i] ~ /^bdw/) nbdw++
        }
        print "From the repetitions run with `--census` or `--leak-check` (README, \"Heap statistics and leaks\"), failed ones included; medians over them."
        printf "A census counts the objects live after a full-heap collection by type: exactly the reachable heap after a stop-the-world cycle%s%s.\n\n", \
            nconc ? "; after an incremental or concurrent cycle it includes that cycle's floating garbage (objects that died while it marked)" : "", \
            nbdw ? "; on bdw it includes what libgc's conservative scan retains" : ""
        print "### Live heap at the last census\n"
        print "Live objects and MiB and protected objects (reached directly from handles and global roots) at each repetition's last census; what a census took inside its pause, per census and per million live objects counted.\n"
        print "| workload | config | variant | runs | censuses | live objects | live MiB | protected | ms per census | ms per million objects |"
        print "|---|---|---|--:|--:|--:|--:|--:|--:|--:|"
        for (i = 1; i <= nhs; i++) {
            k = hs_k[i]; v = hs_v[i]
            runs = ncr[k, v] (ncr_failed[k, v] ? " (" ncr_failed[k, v] " failed)" : "")
            printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", cw[k], cfg_label(k), v, runs, hmed(k, v, "censuses"), \
                hmed(k, v, "objects") == "" ? "-" : fmt_big(hmed(k, v, "objects")), fmt_mib(hmed(k, v, "bytes")), \
                hmed(k, v, "protected") == "" ? "-" : hmed(k, v, "protected"), fmt_ms(hmed(k, v, "census_ns")), \
                hmed(k, v, "ns_per_object") == "" ? "-" : num(hmed(k, v, "ns_per_object"))
        }
        print ""
        print "### Memory usage and the leak check\n"
        print "`memoryUsage` at the end of each repetition, in MiB: the process's resident set, the heap's footprint, the bytes in objects, external memory (`gc_external_add`)."
        print "Leak check: repetitions by verdict; the type that grew most over the leak window in the suspected repetitions (in parentheses, where none was suspected: over the last window, growth that was not a leak), in how many of them it came first, its growth (median, KiB) and least-squares slope (KiB per collection), and the windows (cycles).\n"
        print "| workload | config | variant | RSS | heapTotal | heapUsed | external | leak check | most grown type | growth KiB | KiB per collection | window |"
        print "|---|---|---|--:|--:|--:|--:|---|---|--:|--:|---|"
        for (i = 1; i <= nhs; i++) {
            k = hs_k[i]; v = hs_v[i]
            printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", cw[k], cfg_label(k), v, fmt_mib(hmed(k, v, "rss_bytes")), \
                fmt_mib(hmed(k, v, "heap_total_bytes")), fmt_mib(hmed(k, v, "heap_used_bytes")), fmt_mib(hmed(k, v, "external_bytes")), leak_cells(k, v)
        }
        print ""
        if (!have_types) print "_No types.csv in this folder: no census figures or census plots._\n"
    }
    if (LEAKS != "") {
        print "### Leak patterns (`leaks.md`)\n"
        if (!md_include(LEAKS, 4)) print "_leaks.md is empty._"
        print ""
    }
    for (c = 1; c <= ncfg; c++) if (("census-" cfgs_slug(cfgs[c]) ".png") in png) anyimg = 1
    if (anyimg) {
        print "### Live bytes by type\n"
        for (c = 1; c <= ncfg; c++) {
            k = cfgs[c]; sl = cfgs_slug(k)
            if (!(("census-" sl ".png") in png)) continue
            printf "#### %s: %s\n\n", cw[k], cfg_label(k)
            img("census-" sl ".png", "live bytes by type " cw[k] " " cfg_label(k))
        }
    }
}

# The file-name slug plots/prep.awk gives a configuration (without its collision suffix, which only a
# merged folder with two identical-looking configurations needs).
function cfgs_slug(k,    w, s) {
    w = cw[k]
    s = w "-t" ct[k] "-g" cg[k] "-f" cf[k]
    if (nheaps[w] > 1) s = s "-h" sprintf("%.0f", ch[k] / 1048576)
    if (npins[w] > 1) s = s "-" cpin[k]
    if (nparams[w] > 1) s = s "-" plab[w, cp[k]]
    return slugify(s)
}
