# prep.awk: turns a results folder's CSV files into gnuplot data and parameter files (plots/plot.sh).
#
#   awk -v D=OUTDIR -f plots/lib.awk -f plots/prep.awk runs.csv [pauses.csv] [latency.csv] [mmu.csv] [types.csv]
#
# runs.csv must come first (it maps each run to its configuration and variant). Writes into D:
#   <plot>.inc      gnuplot statements (data file, titles, series, ranges) that a plots/<script>.gp loads
#   <plot>.dat      the data, one gnuplot index block per series
#   manifest.txt    "script<TAB>plot name" per plot to draw
#   notes.txt       one line per plot skipped and why
# A configuration is a workload with its params, mutator threads, GC threads, heap factor and max heap;
# a series is a variant (collector build). Only runs with status "ok" are plotted.

function note(s) { print s >> (D "/notes.txt"); nnotes++ }

BEGIN { CENSUS_TOP = 6 }

function add_plot(script, name) { print script "\t" name > (D "/manifest.txt"); nplots++ }

# gnuplot double-quoted string: backslashes and quotes escaped, "\n" kept as a line break.
function gpdq(s) {
    gsub(/\\/, "\\\\", s)
    gsub(/"/, "\\\"", s)
    gsub(/\n/, "\\n", s)
    return "\"" s "\""
}

function plural(n, word) { return n " " word (n + 0 == 1 ? "" : "s") }

function mib(b) { return b / 1048576 }

# Long description of a configuration, for titles.
function cfg_title(k,    s) {
    s = cw[k] ": " plural(ct[k], "mutator thread") ", " plural(cg[k], "GC thread") ", heap factor " cf[k]
    if (nheaps[cw[k]] > 1) s = s ", heap " sprintf("%.0f", mib(ch[k])) " MiB"
    if (cpin[k] != "" && (npins[cw[k]] > 1 || cpin[k] != "none")) s = s ", pinning " cpin[k]
    if (cp[k] != "") s = s "\n" cp[k]
    return s
}

# Short label: the workload and only the dimensions that vary among its configurations.
function cfg_short(k, sep,    s, w) {
    w = cw[k]; s = w
    if (nthr[w] > 1) s = s sep "t=" ct[k]
    if (ngct[w] > 1) s = s sep "g=" cg[k]
    if (nfac[w] > 1) s = s sep "f=" cf[k]
    if (nheaps[w] > 1) s = s sep sprintf("%.0fM", mib(ch[k]))
    if (npins[w] > 1) s = s sep cpin[k]
    if (nparams[w] > 1) s = s sep plab[w, cp[k]]
    return s
}

# Writes the arrays titles[] and lts[] for the series list "v1 SUBSEP v2 ..." (variants).
function write_series(f, n, title_arr, lt_arr,    i, s, l) {
    s = "array titles[" n "] = ["; l = "array lts[" n "] = ["
    for (i = 1; i <= n; i++) {
        s = s (i > 1 ? ", " : "") gpdq(title_arr[i])
        l = l (i > 1 ? ", " : "") lt_arr[i]
    }
    print "nseries = " n > f
    print s "]" > f
    print l "]" > f
    print "array dts[" n "]" > f
    for (i = 1; i <= n; i++) print "dts[" i "] = 1" > f
}

FNR == 1 {
    file = FILENAME; sub(/.*\//, "", file)
    delete col
    csv_header($0, col)
    if (file == "runs.csv") {
        for (c in col) if (c ~ /^mmu_[0-9.]+(us|ms|s)$/) {
            w = c; sub(/^mmu_/, "", w)
            u = w; sub(/^[0-9.]+/, "", u); sub(/[a-z]+$/, "", w)
            nmmucol++; mmuname[nmmucol] = c; mmuwin[nmmucol] = w * (u == "us" ? 0.001 : u == "s" ? 1000 : 1)
        }
        # windows in increasing order
        for (i = 2; i <= nmmucol; i++)
            for (j = i; j > 1 && mmuwin[j - 1] > mmuwin[j]; j--) {
                t = mmuwin[j]; mmuwin[j] = mmuwin[j - 1]; mmuwin[j - 1] = t
                t = mmuname[j]; mmuname[j] = mmuname[j - 1]; mmuname[j - 1] = t
            }
        split("run_id variant workload params threads gc_threads heap_factor max_heap_bytes rep status wall_ns pause_p99_ns ops", need_runs, " ")
        for (i = 1; i in need_runs; i++) if (!(need_runs[i] in col)) {
            print "plot.sh: runs.csv lacks the column " need_runs[i] > "/dev/stderr"; bad_input = 1; exit 2
        }
    } else if (file == "pauses.csv") {
        choose_runs()
        have_pauses = ("run_id" in col) && ("rep" in col) && ("duration_ns" in col) && ("start_ns" in col)
        if (!have_pauses) note("pauses.csv lacks run_id/rep/start_ns/duration_ns: no pause CDF or heap plots")
    } else if (file == "latency.csv") {
        have_lat = ("run_id" in col) && ("rep" in col) && ("high_ns" in col) && ("count" in col)
    } else if (file == "mmu.csv") {
        wcol = ""; wmul = 0
        if ("window_ns" in col) { wcol = "window_ns"; wmul = 1e-6 }
        else if ("window_us" in col) { wcol = "window_us"; wmul = 1e-3 }
        else if ("window_ms" in col) { wcol = "window_ms"; wmul = 1 }
        ucol = ("mmu" in col) ? "mmu" : ("utilization" in col) ? "utilization" : ""
        bcol = ("bmu" in col) ? "bmu" : ""
        have_mmufile = wcol != "" && ucol != "" && ("run_id" in col) && ("rep" in col)
        if (!have_mmufile) note("mmu.csv has no run_id/rep/window_*/mmu columns: MMU curves from runs.csv")
    } else if (file == "types.csv") {
        choose_runs(); choose_census()
        have_types = 1
        split("run_id rep cycle type bytes", need_types, " ")
        for (i = 1; i in need_types; i++) if (!(need_types[i] in col)) have_types = 0
        if (!have_types) note("types.csv lacks run_id/rep/cycle/type/bytes: no census plots")
        else types_read = 1
    }
    next
}

file == "runs.csv" {
    n = csv_split($0, f)
    if (n < 2) next
    # the configuration: every column that a suite varies (pin is newer: absent in older folders)
    pin = ("pin" in col) ? f[col["pin"]] : ""
    k = f[col["workload"]] SUBSEP f[col["params"]] SUBSEP f[col["threads"]] SUBSEP f[col["gc_threads"]] SUBSEP f[col["heap_factor"]] SUBSEP f[col["max_heap_bytes"]] SUBSEP pin
    v = f[col["variant"]]
    w = f[col["workload"]]
    if (!(k in cw)) {
        ncfg++; cfgs[ncfg] = k
        cw[k] = w; cp[k] = f[col["params"]]; ct[k] = f[col["threads"]]; cg[k] = f[col["gc_threads"]]
        cf[k] = f[col["heap_factor"]]; ch[k] = f[col["max_heap_bytes"]]; cpin[k] = pin
        if (!(w in nthr)) { nwl++; wls[nwl] = w; nthr[w] = 0; ngct[w] = 0; nfac[w] = 0; nheaps[w] = 0; nparams[w] = 0; npins[w] = 0 }
        if (!((w, "pin", pin) in seendim)) { seendim[w, "pin", pin] = 1; npins[w]++ }
        if (!((w, "t", ct[k]) in seendim)) { seendim[w, "t", ct[k]] = 1; nthr[w]++ }
        if (!((w, "g", cg[k]) in seendim)) { seendim[w, "g", cg[k]] = 1; ngct[w]++ }
        if (!((w, "f", cf[k]) in seendim)) { seendim[w, "f", cf[k]] = 1; nfac[w]++ }
        if (!((w, "h", ch[k]) in seendim)) { seendim[w, "h", ch[k]] = 1; nheaps[w]++ }
        if (!((w, "p", cp[k]) in seendim)) { seendim[w, "p", cp[k]] = 1; nparams[w]++; pidx[w, cp[k]] = nparams[w]; plist[w, nparams[w]] = cp[k] }
    }
    if (!(v in vidx)) { nvar++; vars[nvar] = v; vidx[v] = nvar }
    nruns[k, v]++
    rk = f[col["run_id"]] SUBSEP f[col["rep"]]
    # runs that took censuses (--census, --leak-check), failed ones too: --leak-check fail fails a
    # leaking run, whose census series is then the one worth seeing
    if (("censuses" in col) && f[col["censuses"]] + 0 > 0) {
        ncensus_runs++
        i = ++ncr[k, v]; cr_rk[k, v, i] = rk
        crk_ok[rk] = f[col["status"]] == "ok"; crk_rep[rk] = f[col["rep"]]; crk_n[rk] = f[col["censuses"]] + 0
        crk_k[rk] = k
        crk_leak[rk] = ("leak_suspected" in col) ? f[col["leak_suspected"]] : ""
        crk_top[rk] = ("leak_top_type" in col) ? f[col["leak_top_type"]] : ""
        crk_growth[rk] = ("leak_top_growth_bytes" in col) ? f[col["leak_top_growth_bytes"]] + 0 : 0
        crk_first[rk] = ("leak_first_cycle" in col) ? f[col["leak_first_cycle"]] + 0 : 0
        crk_last[rk] = ("leak_last_cycle" in col) ? f[col["leak_last_cycle"]] + 0 : 0
    }
    if (f[col["status"]] != "ok") { nfailed[k, v]++; next }
    nok[k, v]++
    run_cfg[rk] = k; run_var[rk] = v
    i = nok[k, v]; ok_rk[k, v, i] = rk; ok_wall[k, v, i] = f[col["wall_ns"]] + 0; ok_rep[k, v, i] = f[col["rep"]]
    wall_l[k, v] = wall_l[k, v] " " f[col["wall_ns"]] / 1e6
    p99_l[k, v] = p99_l[k, v] " " f[col["pause_p99_ns"]] / 1e6
    ops = f[col["ops"]] + 0
    if (ops > 0) wl_has_ops[w] = 1
    thr_l[k, v] = thr_l[k, v] " " (f[col["wall_ns"]] > 0 ? ops * 1e9 / f[col["wall_ns"]] : 0)
    for (i = 1; i <= nmmucol; i++) mmu_l[k, v, i] = mmu_l[k, v, i] " " f[col[mmuname[i]]]
    next
}

# The repetition with the median wall time of each (configuration, variant): the run whose heap is drawn.
function choose_runs(    c, k, vi, v, n, i, l, m) {
    if (chosen_done) return
    chosen_done = 1
    for (c = 1; c <= ncfg; c++) for (vi = 1; vi <= nvar; vi++) {
        k = cfgs[c]; v = vars[vi]; n = nok[k, v] + 0
        if (!n) continue
        m = lst_median(wall_l[k, v]) * 1e6
        for (i = 1; i <= n; i++) if (ok_wall[k, v, i] == m || i == n) { chosen[ok_rk[k, v, i]] = 1; chosen_rk[k, v] = ok_rk[k, v, i]; chosen_rep[k, v] = ok_rep[k, v, i]; chosen_wall[k, v] = ok_wall[k, v, i]; break }
    }
}

# The repetition whose census series is drawn, per (configuration, variant): the one the heap plot
# draws (median wall time) when it took censuses, else the first successful one that did, else the
# first that did (a run that --leak-check fail failed).
function choose_census(    c, vi, k, v, i, rk, pick) {
    if (census_done) return
    census_done = 1
    for (c = 1; c <= ncfg; c++) for (vi = 1; vi <= nvar; vi++) {
        k = cfgs[c]; v = vars[vi]
        if (!ncr[k, v]) continue
        pick = ""
        for (i = 1; i <= ncr[k, v]; i++) if (cr_rk[k, v, i] == chosen_rk[k, v]) pick = cr_rk[k, v, i]
        for (i = 1; pick == "" && i <= ncr[k, v]; i++) if (crk_ok[cr_rk[k, v, i]]) pick = cr_rk[k, v, i]
        if (pick == "") pick = cr_rk[k, v, 1]
        census_rk[k, v] = pick; census_sel[pick] = 1
    }
}

file == "pauses.csv" && have_pauses {
    csv_split($0, f)
    rk = f[col["run_id"]] SUBSEP f[col["rep"]]
    if (!(rk in run_cfg)) next
    k = run_cfg[rk]; v = run_var[rk]
    d = f[col["duration_ns"]] / 1e6
    np[k, v]++; pdur[k, v, np[k, v]] = d
    if (rk in chosen) {
        i = ++hn[k, v]
        hs[k, v, i] = f[col["start_ns"]] / 1e6
        he[k, v, i] = ("end_ns" in col) ? f[col["end_ns"]] / 1e6 : hs[k, v, i] + d
        hb[k, v, i] = ("heap_before_bytes" in col) ? mib(f[col["heap_before_bytes"]]) : -1
        ha[k, v, i] = ("heap_after_bytes" in col) ? mib(f[col["heap_after_bytes"]]) : -1
        hl[k, v, i] = ("live_bytes" in col) ? mib(f[col["live_bytes"]]) : 0
    }
    next
}

file == "latency.csv" && have_lat {
    csv_split($0, f)
    rk = f[col["run_id"]] SUBSEP f[col["rep"]]
    if (!(rk in run_cfg)) next
    k = run_cfg[rk]; v = run_var[rk]
    b = f[col["high_ns"]] + 0
    lk = ("kind" in col) ? f[col["kind"]] : "simple"
    if (!(lk in latkind)) { latkind[lk] = ++nlk; latkinds[nlk] = lk }
    if (!((k, v, lk, b) in lat)) { nlb[k, v, lk]++; latb[k, v, lk, nlb[k, v, lk]] = b }
    lat[k, v, lk, b] += f[col["count"]]
    if (!((k, v, rk) in latruns)) { latruns[k, v, rk] = 1; nlr[k, v]++ }
    next
}

file == "mmu.csv" && have_mmufile {
    csv_split($0, f)
    rk = f[col["run_id"]] SUBSEP f[col["rep"]]
    if (!(rk in run_cfg)) next
    k = run_cfg[rk]; v = run_var[rk]
    w = f[col[wcol]] * wmul
    if (w <= 0) next
    if (!((k, v, w) in fmmu)) { nfw[k, v]++; fwin[k, v, nfw[k, v]] = w }
    fmmu[k, v, w] = fmmu[k, v, w] " " f[col[ucol]]
    if (bcol != "") fbmu[k, v, w] = fbmu[k, v, w] " " f[col[bcol]]
    next
}

# types.csv: keeps the census series of the repetitions choose_census() picked. Each census is its
# totals row (type "(total)") and a row per type with live objects.
file == "types.csv" && have_types {
    csv_split($0, f)
    rk = f[col["run_id"]] SUBSEP f[col["rep"]]
    if (!(rk in census_sel)) next
    cyc = f[col["cycle"]] + 0; t = f[col["type"]]
    if (!((rk, cyc) in cseen)) { cseen[rk, cyc] = 1; ncs[rk]++; cs_cyc[rk, ncs[rk]] = cyc }
    if (t == "(total)") { ctot[rk, cyc] = f[col["bytes"]] + 0; next }
    ctb[rk, cyc, t] += f[col["bytes"]] + 0
    k = crk_k[rk]
    if (!((k, t) in ktype)) { ktype[k, t] = 1; nkt[k]++; kt[k, nkt[k]] = t }
    next
}

END {
    if (bad_input) exit 2
    if (!ncfg) { note("runs.csv has no runs: no plots"); exit 0 }
    choose_runs()
    # workloads run with several option sets: label each by the options that differ
    for (wi = 1; wi <= nwl; wi++) {
        w = wls[wi]
        for (i = 1; i <= nparams[w]; i++) pl[i] = plist[w, i]
        param_labels(nparams[w], pl, lb)
        for (i = 1; i <= nparams[w]; i++) plab[w, plist[w, i]] = lb[i]
    }

    # Variants: the same colour (gnuplot linetype) in every plot.
    for (i = 1; i <= nvar; i++) print vars[i] > (D "/variants.txt")

    # Configurations in workload order, each with a unique slug for file names.
    nord = 0
    for (wi = 1; wi <= nwl; wi++) for (c = 1; c <= ncfg; c++) if (cw[cfgs[c]] == wls[wi]) ord[++nord] = cfgs[c]
    for (c = 1; c <= nord; c++) {
        k = ord[c]; w = cw[k]
        s = w "-t" ct[k] "-g" cg[k] "-f" cf[k]
        if (nheaps[w] > 1) s = s "-h" sprintf("%.0f", mib(ch[k]))
        if (npins[w] > 1) s = s "-" cpin[k]
        if (nparams[w] > 1) s = s "-" plab[w, cp[k]]
        s = slugify(s); base = s
        for (j = 2; s in slugused; j++) s = base "-" j
        slugused[s] = 1; slug[k] = s
    }

    headline()
    for (c = 1; c <= nord; c++) {
        k = ord[c]
        cdf(k); mmu(k); heap(k); latency(k)
    }
    if (!types_read) {
        if (ncensus_runs) note("types.csv missing although " plural(ncensus_runs, "run") " took censuses: no census plots")
        else if (!have_types) note("types.csv missing (no run used --census or --leak-check): no census plots")
    } else for (c = 1; c <= nord; c++) census(ord[c])
    for (wi = 1; wi <= nwl; wi++) { scaling(wls[wi], "g"); scaling(wls[wi], "t") }
    if (!nplots) note("nothing to plot")
}

function reps_desc(    c, vi, k, lo, hi, n) {
    lo = 0; hi = 0
    for (c = 1; c <= nord; c++) for (vi = 1; vi <= nvar; vi++) {
        n = nok[ord[c], vars[vi]] + 0
        if (!n) continue
        if (!lo || n < lo) lo = n
        if (n > hi) hi = n
    }
    return (lo == hi ? lo : lo "-" hi) " repetitions"
}

# (a) p99 pause by variant and configuration: bars at the median over repetitions, error bars min..max.
function headline(    f, d, c, k, vi, v, nb, x, lo, hi, med, ymin, ymax, mmin, mmax, bw, tics, nmiss, lbl, nl, maxnl, tmp, maxch, nlines, lines, i, cpx) {
    f = D "/headline.inc"; d = D "/headline.dat"
    bw = 0.8 / nvar; nb = 0; ymin = 0; ymax = 0
    for (c = 1; c <= nord; c++) {
        k = ord[c]
        for (vi = 1; vi <= nvar; vi++) {
            v = vars[vi]
            if (!nok[k, v]) { if (nruns[k, v]) nmiss++; continue }
            med = lst_median(p99_l[k, v]); lo = lst_min(p99_l[k, v]); hi = lst_max(p99_l[k, v])
            x = (c - 1) + (vi - (nvar + 1) / 2) * bw
            printf "%d %.6f %.6g %.6g %.6g %d\n", vi, x, med, lo, hi, nok[k, v] > d
            nb++
            if (lo > 0 && (ymin == 0 || lo < ymin)) ymin = lo
            if (hi > ymax) ymax = hi
            if (med > 0 && (mmin == 0 || med < mmin)) mmin = med
            if (med > mmax) mmax = med
        }
    }
    close(d)
    if (!nb) { note("headline: no successful run has pauses"); return }
    tics = ""
    maxnl = 1; maxch = 0
    for (c = 1; c <= nord; c++) {
        lbl = cfg_short(ord[c], "\n"); tmp = lbl
        nl = gsub(/\n/, "", tmp) + 1
        if (nl > maxnl) maxnl = nl
        nlines = split(lbl, lines, "\n")
        for (i = 1; i <= nlines; i++) if (length(lines[i]) > maxch) maxch = length(lines[i])
        tics = tics (c > 1 ? ", " : "") gpdq(lbl) " " (c - 1)
    }
    # each cluster as wide as its bars and its widest tic label line (about 7 pixels a character)
    cpx = nvar * 26 + 16
    if (maxch * 7 + 14 > cpx) cpx = maxch * 7 + 14
    print "width = " int(220 + nord * cpx) > f
    print "datafile = " gpq(d) > f
    print "ptitle = " gpdq("p99 pause by collector and workload\nbars and labels: median over " reps_desc() "; error bars: min..max" (nmiss ? "; " nmiss " failed configuration(s) not shown" : "")) > f
    print "set xtics (" tics ")" > f
    print "set xrange [-0.6:" (nord - 0.4) "]" > f
    print "nvar = " nvar > f
    print "boxw = " bw > f
    # log scale when the medians span more than a decade and a half
    print "uselog = " ((mmin > 0 && mmax / mmin > 30) ? 1 : 0) > f
    print "ticlines = " maxnl > f
    print "nbars = " nb > f
    print "ymax = " ymax > f
    print "ymin = " ymin > f
    for (vi = 1; vi <= nvar; vi++) { tt[vi] = vars[vi]; ll[vi] = vi }
    write_series(f, nvar, tt, ll)
    close(f)
    add_plot("headline", "headline")
}

# (b) pause CDF per variant, all repetitions pooled.
function cdf(k,    f, d, vi, v, i, n, tt, ll, name, xlo, xhi) {
    name = "cdf-" slug[k]
    f = D "/" name ".inc"; d = D "/" name ".dat"; n = 0
    for (vi = 1; vi <= nvar; vi++) {
        v = vars[vi]
        if (!np[k, v]) continue
        if (n) printf "\n\n" > d
        for (i = 1; i <= np[k, v]; i++) if (pdur[k, v, i] > 0) {
            print pdur[k, v, i] > d
            if (xlo == 0 || pdur[k, v, i] < xlo) xlo = pdur[k, v, i]
            if (pdur[k, v, i] > xhi) xhi = pdur[k, v, i]
        }
        n++; tt[n] = v " (" plural(np[k, v], "pause") ", " plural(nok[k, v], "run") ")"; ll[n] = vi
    }
    if (!n) { note(name ": no pauses recorded for " cfg_short(k, " ")); return }
    close(d)
    print "datafile = " gpq(d) > f
    print "ptitle = " gpdq("Pause time CDF: " cfg_title(k)) > f
    print "xlo = " xlo "; xhi = " xhi > f
    write_series(f, n, tt, ll)
    close(f)
    add_plot("cdf", name)
}

# (c) MMU: median over repetitions at each window, error bars min..max.
function mmu(k,    f, d, vi, v, i, n, tt, ll, name, src, nw, a, ws, t, j, wmax, xlo, xhi, cut, hasbmu) {
    name = "mmu-" slug[k]
    f = D "/" name ".inc"; d = D "/" name ".dat"; n = 0; src = ""
    for (vi = 1; vi <= nvar; vi++) {
        v = vars[vi]
        if (!nok[k, v]) continue
        if (nfw[k, v]) {
            # finer curve from mmu.csv, windows sorted
            nw = nfw[k, v]
            for (i = 1; i <= nw; i++) ws[i] = fwin[k, v, i]
            for (i = 2; i <= nw; i++) for (j = i; j > 1 && ws[j - 1] > ws[j]; j--) { t = ws[j]; ws[j] = ws[j - 1]; ws[j - 1] = t }
            # only windows every repetition has (each run's curve ends at its own wall time)
            if (n) printf "\n\n" > d
            for (i = 1; i <= nw; i++) {
                if (lst_count(fmmu[k, v, ws[i]]) < nok[k, v]) { cut++; continue }
                printf "%.6g %.6g %.6g %.6g %s\n", ws[i], lst_median(fmmu[k, v, ws[i]]), lst_min(fmmu[k, v, ws[i]]), lst_max(fmmu[k, v, ws[i]]), \
                    ((k, v, ws[i]) in fbmu) ? sprintf("%.6g", lst_median(fbmu[k, v, ws[i]])) : "NaN" > d
                if (xlo == 0 || ws[i] < xlo) xlo = ws[i]
                if (ws[i] > xhi) xhi = ws[i]
                if ((k, v, ws[i]) in fbmu) hasbmu = 1
            }
            src = "mmu.csv"
        } else if (nmmucol) {
            # a window longer than the run has no meaning: drop windows above the shortest repetition
            wmax = lst_min(wall_l[k, v])
            if (mmuwin[1] > wmax) { cut++; continue }
            if (n) printf "\n\n" > d
            for (i = 1; i <= nmmucol; i++) {
                if (mmuwin[i] > wmax) { cut++; continue }
                printf "%.6g %.6g %.6g %.6g NaN\n", mmuwin[i], lst_median(mmu_l[k, v, i]), lst_min(mmu_l[k, v, i]), lst_max(mmu_l[k, v, i]) > d
                if (xlo == 0 || mmuwin[i] < xlo) xlo = mmuwin[i]
                if (mmuwin[i] > xhi) xhi = mmuwin[i]
            }
            if (src == "") src = "runs.csv"
        } else continue
        n++; tt[n] = v; ll[n] = vi
    }
    if (!n) { note(name ": no MMU data (no mmu_* columns in runs.csv, no mmu.csv, or runs shorter than every window)"); return }
    close(d)
    print "datafile = " gpq(d) > f
    print "ptitle = " gpdq("Minimum mutator utilization: " cfg_title(k)) > f
    print "psub = " gpdq("lines: median over repetitions; shaded or bars: min..max (from " src ")" ((cut || hasbmu) ? "\n" : "") (hasbmu ? "dashed: BMU, the lowest MMU at this window or any longer one" : "") ((cut && hasbmu) ? "; " : "") (cut ? "windows longer than the shortest repetition not shown" : "")) > f
    print "xlo = " xlo "; xhi = " xhi > f
    print "hasbmu = " (hasbmu ? 1 : 0) > f
    write_series(f, n, tt, ll)
    close(f)
    add_plot("mmu", name)
}

# (e) heap footprint over time, pauses marked, for the median-wall-time repetition of each variant.
function heap(k,    f, d, vi, v, i, n, tt, ll, name, xmax, ymax, sub_t) {
    name = "heap-" slug[k]
    f = D "/" name ".inc"; d = D "/" name ".dat"; n = 0; xmax = 0; ymax = 0
    for (vi = 1; vi <= nvar; vi++) {
        v = vars[vi]
        if (!hn[k, v] || hb[k, v, 1] < 0) continue
        if (n) printf "\n\n" > d
        # block 2n: footprint at each pause's start and end; block 2n+1: pauses
        for (i = 1; i <= hn[k, v]; i++) {
            printf "%.6f %.6f\n%.6f %.6f\n", hs[k, v, i], hb[k, v, i], he[k, v, i], ha[k, v, i] > d
            if (hb[k, v, i] > ymax) ymax = hb[k, v, i]
            if (ha[k, v, i] > ymax) ymax = ha[k, v, i]
            if (he[k, v, i] > xmax) xmax = he[k, v, i]
        }
        printf "\n\n" > d
        for (i = 1; i <= hn[k, v]; i++)
            printf "%.6f %.6f %.6f\n", hs[k, v, i], he[k, v, i], hl[k, v, i] > d
        if (chosen_wall[k, v] / 1e6 > xmax) xmax = chosen_wall[k, v] / 1e6
        n++; ll[n] = vi
        tt[n] = v ": repetition " chosen_rep[k, v] " (median wall time " num(lst_median(wall_l[k, v])) " ms), " plural(hn[k, v], "pause")
    }
    if (!n) { note(name ": no pauses with heap sizes for " cfg_short(k, " ")); return }
    close(d)
    print "datafile = " gpq(d) > f
    print "ptitle = " gpdq("Heap footprint over time, pauses marked: " cfg_title(k)) > f
    print "xmax = " xmax > f
    print "ymax = " ymax > f
    write_series(f, n, tt, ll)
    close(f)
    add_plot("heap", name)
}

# Mutator latency percentile spectrum (HdrHistogram style) for request-style workloads: per variant,
# each latency kind in latency.csv ("simple": per operation; "metered": against the intended schedule,
# dashed), all repetitions pooled.
function latency(k,    f, d, vi, v, i, n, tt, ll, dt, name, tmp, cmd, line, a, tot, cum, b, last, maxtot, ki, lk) {
    name = "latency-" slug[k]
    f = D "/" name ".inc"; d = D "/" name ".dat"; n = 0
    for (vi = 1; vi <= nvar; vi++) for (ki = 1; ki <= nlk; ki++) {
        v = vars[vi]; lk = latkinds[ki]
        if (!nlb[k, v, lk]) continue
        tot = 0
        tmp = D "/" name "." vi "." ki ".tmp"
        cmd = "sort -g > '" tmp "'"
        for (i = 1; i <= nlb[k, v, lk]; i++) { b = latb[k, v, lk, i]; print b, lat[k, v, lk, b] | cmd; tot += lat[k, v, lk, b] }
        close(cmd)
        if (tot <= 0) continue
        if (n) printf "\n\n" > d
        # x: 1/(1-q) where q is the fraction of operations faster than this bucket; y: bucket top in us
        cum = 0
        while ((getline line < tmp) > 0) {
            split(line, a, " ")
            if (a[2] + 0 <= 0) continue
            printf "%.6g %.6g\n", 1 / (1 - cum / tot), a[1] / 1000 > d
            cum += a[2]; last = a[1]
        }
        close(tmp)
        printf "%.6g %.6g\n", tot, last / 1000 > d
        system("rm -f '" tmp "'")
        n++; ll[n] = vi; dt[n] = (lk == "simple" ? 1 : 2)
        # The floor's "operations" are the gaps between its clock reads (harness/floor.h): the machine alone.
        tt[n] = v == "floor" ? "floor: this machine, no GC (" tot " gaps between clock reads, " plural(nlr[k, v], "run") ")" \
                             : v (nlk > 1 ? " " lk : "") " (" tot " operations, " plural(nlr[k, v], "run") ")"
        if (tot > maxtot) maxtot = tot
    }
    if (!n) return   # not a request-style workload: nothing to say
    close(d)
    print "datafile = " gpq(d) > f
    print "ptitle = " gpdq("Mutator latency by percentile: " cfg_title(k) (nlk > 1 ? "\nsolid: per operation as measured (simple); dashed: from each operation's intended start (metered)" : "")) > f
    print "xmax = " maxtot > f
    write_series(f, n, tt, ll)
    for (i = 1; i <= n; i++) print "dts[" i "] = " dt[i] > f
    close(f)
    add_plot("latency", name)
}

# (d) p99 pause and throughput against core count: x = GC threads (dim "g") or mutator threads ("t").
# One plot per workload and option set (options, heap factor, max heap: a metered run's throughput is
# its rate, not comparable with an unmetered one), one series per variant and remaining configuration
# (the other thread count, pinning).
function scaling(w, dim,    c, k, g, ng, grp, gl, i) {
    ng = 0
    delete grp
    for (c = 1; c <= nord; c++) {
        k = ord[c]
        if (cw[k] != w) continue
        g = cp[k] SUBSEP cf[k] SUBSEP ch[k]
        if (!(g in grp)) { grp[g] = ++ng; gl[ng] = g; gk[ng] = k }
    }
    for (i = 1; i <= ng; i++) scaling_group(w, dim, gl[i], ng > 1 ? group_label(gk[i]) : "")
}

# The options that tell a workload's option sets apart: e.g. "rate=400000", "f=3", "heap=512M".
function group_label(k,    w, s) {
    w = cw[k]; s = ""
    if (nparams[w] > 1) s = plab[w, cp[k]]
    if (nfac[w] > 1) s = s (s == "" ? "" : " ") "f=" cf[k]
    if (nheaps[w] > 1) s = s (s == "" ? "" : " ") "heap=" sprintf("%.0f", mib(ch[k])) "M"
    return s
}

function scaling_group(w, dim, g, glabel,    c, k, s, x, key, ns, sk, sx, nx, i, j, t, n, f, d, name, vi, tt, ll, lbl, any, other, xmin, xmax, ys, ymax, pt, py, npt, a, unit, uname, dd, occ, v) {
    ns = 0; any = 0
    for (c = 1; c <= nord; c++) {
        k = ord[c]
        if (cw[k] != w || cp[k] SUBSEP cf[k] SUBSEP ch[k] != g) continue
        x = (dim == "g") ? cg[k] : ct[k]
        other = cpin[k] SUBSEP ((dim == "g") ? ct[k] : cg[k])
        for (vi = 1; vi <= nvar; vi++) {
            if (!nok[k, vars[vi]]) continue
            key = vi SUBSEP other
            if (!(key in sk)) { ns++; sk[key] = ns; skv[ns] = vi; sko[ns] = k; nx[ns] = 0 }
            s = sk[key]
            nx[s]++; sx[s, nx[s]] = x + 0; sxk[s, nx[s]] = k
            if (nx[s] > 1) any = 1
        }
    }
    name = "scaling-" (dim == "g" ? "gc" : "mutator") "-threads-" slugify(w (glabel != "" ? "-" glabel : ""))
    if (!any) {
        note(name ": one " (dim == "g" ? "GC" : "mutator") " thread count per configuration of " w (glabel != "" ? " " glabel : "") \
            " (sweep " (dim == "g" ? "gc-threads" : "threads") " in the suite)")
        return
    }
    f = D "/" name ".inc"; d = D "/" name ".dat"; n = 0; xmin = 0; xmax = 0
    for (s = 1; s <= ns; s++) {
        if (nx[s] < 2) continue
        # sort the points by x
        for (i = 2; i <= nx[s]; i++) for (j = i; j > 1 && sx[s, j - 1] > sx[s, j]; j--) {
            t = sx[s, j]; sx[s, j] = sx[s, j - 1]; sx[s, j - 1] = t
            t = sxk[s, j]; sxk[s, j] = sxk[s, j - 1]; sxk[s, j - 1] = t
        }
        if (n) pt[++npt] = "\n"
        v = vars[skv[s]]
        for (i = 1; i <= nx[s]; i++) {
            k = sxk[s, i]
            if (wl_has_ops[w]) { ys = thr_l[k, v] } else { ys = wall_l[k, v] }
            if (lst_max(ys) > ymax) ymax = lst_max(ys)
            pt[++npt] = sprintf("%s %.6g %.6g %.6g", sx[s, i], lst_median(p99_l[k, v]), lst_min(p99_l[k, v]), lst_max(p99_l[k, v]))
            py[npt] = lst_median(ys) " " lst_min(ys) " " lst_max(ys)
            if (xmin == 0 || sx[s, i] < xmin) xmin = sx[s, i]
            if (sx[s, i] > xmax) xmax = sx[s, i]
        }
        k = sko[s]
        lbl = v
        if (dim == "g" && nthr[w] > 1) lbl = lbl ", " plural(ct[k], "mutator thread")
        if (dim == "t" && ngct[w] > 1) lbl = lbl ", " plural(cg[k], "GC thread")
        if (npins[w] > 1) lbl = lbl ", pin " cpin[k]
        n++; tt[n] = lbl; ll[n] = skv[s]; dd[n] = ++occ[skv[s]]
    }
    # throughput in operations/s, thousands or millions of them
    unit = 1; uname = "operations/s"
    if (ymax >= 1e7) { unit = 1e6; uname = "million operations/s" } else if (ymax >= 1e4) { unit = 1e3; uname = "thousand operations/s" }
    if (!wl_has_ops[w]) { unit = 1; uname = "ms" }
    for (i = 1; i <= npt; i++) {
        if (pt[i] == "\n") { printf "\n\n" > d; continue }
        split(py[i], a, " ")
        printf "%s %.6g %.6g %.6g\n", pt[i], a[1] / unit, a[2] / unit, a[3] / unit > d
    }
    close(d)
    print "datafile = " gpq(d) > f
    print "ptitle = " gpdq(w (glabel != "" ? " (" glabel ")" : "") ": p99 pause and " (wl_has_ops[w] ? "throughput" : "wall time") " against " (dim == "g" ? "GC threads" : "mutator threads") \
        "\nmedians over repetitions, error bars min..max; series side by side around each thread count") > f
    print "xlabel = " gpdq(dim == "g" ? "GC threads (--gc-threads)" : "mutator threads (--threads)") > f
    print "y2label = " gpdq(wl_has_ops[w] ? "throughput (" uname ", higher is better)" : "wall time (ms, lower is better)") > f
    print "xmin = " xmin > f
    print "xmax = " xmax > f
    write_series(f, n, tt, ll)
    for (i = 1; i <= n; i++) print "dts[" i "] = " dd[i] > f
    close(f)
    add_plot("scaling", name)
}

# Live bytes after each full-heap collection, stacked by type (--census): one panel per variant, the
# repetition choose_census() picked. The layers are the CENSUS_TOP types with the most bytes at the last
# census (summed over the panels, so every panel has the same layers in the same colours; a type a
# suspected leak names takes the last of those places if it is not among them) and "other" for the
# rest; with at most CENSUS_TOP + 1 types, each has its layer. A suspected leak's window (runs.csv
# leak_first_cycle..leak_last_cycle) is shaded.
function census(k,    name, f, d, n, vi, v, rk, p, prk, pvi, j, t, i, last, score, ord_t, nt, ntop, nl, lnames, \
                      cyc, cum, tot, sum, other, xmin, xmax, ymax, pad, step, tt, ll, lw1, lw2, anyleak, verdict, any, s, pinned) {
    name = "census-" slug[k]
    n = 0; any = 0
    for (vi = 1; vi <= nvar; vi++) {
        v = vars[vi]
        if (!((k, v) in census_rk)) continue
        any = 1; rk = census_rk[k, v]
        if (!ncs[rk]) continue
        n++; prk[n] = rk; pvi[n] = vi
    }
    if (!n) {
        if (any) note(name ": types.csv has no census rows for the runs of " cfg_short(k, " "))
        return
    }
    # rank the types by their bytes at each panel's last census
    nt = nkt[k]
    for (j = 1; j <= nt; j++) { t = kt[k, j]; ord_t[j] = t; score[t] = 0 }
    for (p = 1; p <= n; p++) {
        rk = prk[p]; last = cs_cyc[rk, ncs[rk]]
        for (j = 1; j <= nt; j++) score[ord_t[j]] += ctb[rk, last, ord_t[j]]
    }
    for (i = 2; i <= nt; i++)
        for (j = i; j > 1 && (score[ord_t[j - 1]] < score[ord_t[j]] || (score[ord_t[j - 1]] == score[ord_t[j]] && ord_t[j - 1] > ord_t[j])); j--) {
            t = ord_t[j]; ord_t[j] = ord_t[j - 1]; ord_t[j - 1] = t
        }
    ntop = nt <= CENSUS_TOP + 1 ? nt : CENSUS_TOP
    # the type a suspected leak names gets a layer of its own even if little of it is left at the end:
    # it takes the last named place
    for (p = 1; p <= n; p++) {
        rk = prk[p]
        if (crk_leak[rk] != "1" || crk_top[rk] == "") continue
        for (j = 1; j <= nt && ord_t[j] != crk_top[rk]; j++) ;
        if (j > ntop && j <= nt && ntop > 0) {
            for (i = ntop; i <= nt && ord_t[i] in pinned; i--) ;
            if (i >= 1 && i <= ntop) { t = ord_t[j]; for (; j > i; j--) ord_t[j] = ord_t[j - 1]; ord_t[i] = t; pinned[t] = 1 }
        } else if (j <= nt) pinned[ord_t[j]] = 1
    }
    nl = ntop + (nt > ntop ? 1 : 0)
    if (nl == 0) nl = 1   # totals only: one layer, "other"
    for (j = 1; j <= ntop; j++) lnames[j] = ord_t[j]
    if (nl > ntop) lnames[nl] = ntop ? "other (" plural(nt - ntop, "type") ")" : "all types"
    f = D "/" name ".inc"; d = D "/" name ".dat"
    xmin = ""; xmax = ""; ymax = 0
    for (p = 1; p <= n; p++) {
        rk = prk[p]
        for (i = 1; i <= ncs[rk]; i++) {
            cyc = cs_cyc[rk, i]
            if (xmin == "" || cyc < xmin) xmin = cyc
            if (xmax == "" || cyc > xmax) xmax = cyc
        }
    }
    # a lone census is drawn as a narrow band around its cycle
    pad = (xmax - xmin) * 0.01; if (pad < 0.3) pad = 0.3
    for (p = 1; p <= n; p++) {
        rk = prk[p]
        if (p > 1) printf "\n\n" > d
        for (i = 1; i <= ncs[rk]; i++) {
            cyc = cs_cyc[rk, i]
            sum = 0; cum = ""
            for (j = 1; j <= ntop; j++) { sum += ctb[rk, cyc, lnames[j]]; cum = cum " " sprintf("%.6f", mib(sum)) }
            tot = ((rk, cyc) in ctot) ? ctot[rk, cyc] : 0
            if (nl > ntop) {
                other = tot - sum
                if (!((rk, cyc) in ctot)) for (j = ntop + 1; j <= nt; j++) other += ctb[rk, cyc, ord_t[j]]
                if (other < 0) other = 0
                sum += other; cum = cum " " sprintf("%.6f", mib(sum))
            }
            if (!((rk, cyc) in ctot)) tot = sum
            if (mib(tot) > ymax) ymax = mib(tot)
            if (sum > tot && mib(sum) > ymax) ymax = mib(sum)
            if (ncs[rk] == 1) printf "%.3f%s NaN\n", cyc - pad, cum > d
            printf "%s%s %.6f\n", cyc, cum, mib(tot) > d
            if (ncs[rk] == 1) printf "%.3f%s NaN\n", cyc + pad, cum > d
        }
        v = vars[pvi[p]]
        verdict = crk_leak[rk]
        tt[p] = v ": repetition " crk_rep[rk] (rk == chosen_rk[k, v] ? (nok[k, v] > 1 ? " (median wall time)" : "") : crk_ok[rk] ? "" : " (failed)") \
            ", " (ncs[rk] == 1 ? "1 census" : ncs[rk] " censuses") ", last " num(mib(ctot[rk, cs_cyc[rk, ncs[rk]]])) " MiB" \
            (verdict == "1" ? "\nleak check: LEAK SUSPECTED over cycles " crk_first[rk] ".." crk_last[rk] (crk_top[rk] != "" ? ", most grown " crk_top[rk] " " sprintf("%+.1f", crk_growth[rk] / 1024) " KiB" : "") : \
             verdict == "0" ? "; leak check: no leak" : verdict == "-1" ? "; leak check: too few censuses for a verdict" : "")
        ll[p] = pvi[p]
        lw1[p] = 0; lw2[p] = 0
        if (verdict == "1" && crk_last[rk] > crk_first[rk]) { lw1[p] = crk_first[rk]; lw2[p] = crk_last[rk]; anyleak = 1 }
    }
    close(d)
    step = 1
    while ((xmax - xmin) / step > 12) step = (step == 1 || step ~ /^10*$/) ? step * 2 : (step ~ /^20*$/) ? step * 2.5 : step * 2
    print "datafile = " gpq(d) > f
    print "ptitle = " gpdq("Live bytes after each full-heap collection, by type: " cfg_title(k) \
        "\nstacked: the " (nl > ntop ? plural(ntop, "type") " with the most bytes at the last census, then the rest" : "types") \
        "; dots: each census's total" (anyleak ? "; shaded: the window of a suspected leak" : "")) > f
    print "xmin = " (xmin - 2 * pad) "; xmax = " (xmax + 2 * pad) "; xstep = " step > f
    print "ymax = " ymax > f
    print "nlayers = " nl > f
    print "hasother = " (nl > ntop ? 1 : 0) > f
    s = "array lnames[" nl "] = ["
    for (j = 1; j <= nl; j++) s = s (j > 1 ? ", " : "") gpdq(lnames[j])
    print s "]" > f
    s = "array lw1[" n "] = ["; t = "array lw2[" n "] = ["
    for (p = 1; p <= n; p++) { s = s (p > 1 ? ", " : "") lw1[p]; t = t (p > 1 ? ", " : "") lw2[p] }
    print s "]" > f
    print t "]" > f
    write_series(f, n, tt, ll)
    close(f)
    add_plot("census", name)
}
