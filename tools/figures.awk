# figures.awk: one Markdown table of README's "Measured here" from a published results folder
# (tools/figures.sh, which README's `<!-- figures NAME TABLE -->` blocks and `make figures` use).
#
#   awk -v TABLE=msgbuf|gcbench|barriers -v NAME=FOLDER -f plots/lib.awk -f tools/figures.awk DIR/runs.csv [DIR/machine.txt]
#   harness/scaling.sh DIR | awk -v TABLE=scaling -v NAME=FOLDER -f plots/lib.awk -f tools/figures.awk - [DIR/machine.txt]
#
# runs.csv is read by header name (plots/lib.awk); every cell is a median over the successful
# repetitions of a configuration (lib.awk's lst_median: the lower middle value), as harness/compare.sh
# and the report compute them; times in ms (time to safepoint in µs), lib.awk's num() for the digits. A configuration is a
# workload with its options, mutator threads, GC threads, heap factor, heap, pinning and collector options.
#   msgbuf    the latency suite: per variant and GC thread count pause p99 and max, the worst push
#             (lat_max_ns), time to safepoint p99, degenerated cycles and, when runs.csv has the
#             column, alloc stalls (each summed over the repetitions) and wall time; with rows of the pseudo-variant `floor` (no collector: a thread that only reads
#             the clock), the median of their lat_max_ns (the largest gap it saw) for the same workload,
#             options, threads and GC threads, in a column beside the worst push.
#   gcbench   the baseline suite: per variant wall time (median and range) and collections, and the
#             wall-time ratio to `malloc` and, when the folder has it, `libgc` (`floor` rows left out).
#   barriers  the barriers suite (graphchurn): the same as gcbench, against stw.
#   scaling   harness/scaling.sh's output of a scavenge-suite folder: per configuration, 1 against 2 GC
#             threads (p50 pause, the speedups of p50 and total, MB copied per ms, load balance).
# Errors are one line on stderr and exit status 2.

function die(msg) { print "figures: " msg > "/dev/stderr"; failed = 1; exit 2 }
function ms(ns) { return fix(ns / 1e6) }
# three significant digits as lib.awk's num() gives them, below 1 with three decimals ("0.020": a
# column of small figures aligns)
function fix(x) { return x >= 1 || x == 0 ? num(x) : sprintf(x >= 0.001 ? "%.3f" : "%.2g", x) }
function need(list,    a, n, i) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) if (!(a[i] in col)) die(NAME "/runs.csv lacks the column " a[i] " (table " TABLE ")")
}
function get(c) { return (c in col) ? f[col[c]] : "" }

BEGIN {
    if (TABLE == "msgbuf") { WORKLOAD = "msgbuf" }
    else if (TABLE == "gcbench") { WORKLOAD = "gcbench"; nrefs = split("malloc libgc", refs, " ") }
    else if (TABLE == "barriers") { WORKLOAD = "graphchurn"; nrefs = split("stw", refs, " ") }
    else if (TABLE != "scaling") die("unknown table '" TABLE "' (msgbuf, gcbench, barriers, scaling)")
}

# machine.txt (last argument, optional): when and where the data was made, for the caption
FILENAME ~ /machine\.txt$/ {
    if (sub(/^date_utc: /, "")) made = $0
    else if (sub(/^git_commit: /, "")) commit = substr($0, 1, 7) ($0 ~ /uncommitted/ ? "+" : "")
    else if (sub(/^cpu_model: /, "")) cpu = $0
    else if (sub(/^online_cpus: /, "")) cpus = $0
    next
}

# harness/scaling.sh's output: a configuration line, then a row per GC thread count:
# "g pauses p50 p99 max total MB/ms balance steals [p50 Xx total Yx (against g=N)]"
TABLE == "scaling" && /^[^ ]/ {
    scfg = $0; ns++; scfgs[ns] = scfg
    pin = scfg; sub(/.* pin=/, "", pin); sub(/ .*/, "", pin)
    lab = $2; nur = scfg
    if (sub(/.*\(nursery /, "", nur)) { sub(/,.*/, "", nur); lab = lab " (nursery " nur ")" }
    slab[ns] = lab; spin[ns] = pin
    next
}
TABLE == "scaling" {
    if (NF >= 9 && $1 ~ /^[0-9]+$/) { sp50[ns, $1] = $3; srate[ns, $1] = $7; sbal[ns, $1] = $8 }
    # the speedups as scaling.sh computed them, from its unrounded figures
    if (NF >= 14 && $10 == "p50" && $NF == "g=1)") { sup50[ns, $1] = $11; suptot[ns, $1] = $13 }
    next
}

FNR == 1 {
    csv_header($0, col)
    need("variant workload params threads gc_threads heap_factor max_heap_bytes status wall_ns")
    if (TABLE == "msgbuf") need("pause_p99_ns pause_max_ns lat_max_ns ttsp_p99_ns degenerated")
    else need("collections")
    next
}

{
    if (csv_split($0, f) < 2 || get("workload") != WORKLOAD) next
    v = get("variant")
    # the configuration but GC threads, and its full key
    rest = get("params") " t=" get("threads") " f=" get("heap_factor") " heap=" sprintf("%.0fM", get("max_heap_bytes") / 1048576) \
        (get("pin") != "" && get("pin") != "none" ? " pin=" get("pin") : "") (get("gc_options") != "" ? " " get("gc_options") : "")
    g = get("gc_threads") + 0
    if (v == "floor") {   # the machine's floor, not a collector: a column of the msgbuf table only
        fk = get("params") SUBSEP get("threads") SUBSEP g
        if (TABLE == "msgbuf" && get("status") == "ok") floor_l[fk] = floor_l[fk] " " get("lat_max_ns")
        next
    }
    if (!(rest in rest_i)) { rest_i[rest] = ++nrest; rests[nrest] = rest }
    if (!(v in var_i)) { var_i[v] = ++nvar; vars[nvar] = v }
    k = rest SUBSEP g
    if (!(g in gseen)) { gseen[g] = 1; ngs++ }
    if (!((k, v) in runs)) { row[++nrow] = k SUBSEP v; row_k[nrow] = k; row_v[nrow] = v; row_g[nrow] = g; row_r[nrow] = rest_i[rest]
        row_floor[nrow] = get("params") SUBSEP get("threads") SUBSEP g }
    runs[k, v]++
    if (get("status") != "ok") { bad[k, v]++; next }
    ok[k, v]++
    wall[k, v] = wall[k, v] " " get("wall_ns")
    if (TABLE == "msgbuf") {
        p99[k, v] = p99[k, v] " " get("pause_p99_ns"); pmax[k, v] = pmax[k, v] " " get("pause_max_ns")
        push[k, v] = push[k, v] " " get("lat_max_ns"); ttsp[k, v] = ttsp[k, v] " " get("ttsp_p99_ns")
        degen[k, v] += get("degenerated"); stalls[k, v] += get("alloc_stalls")
    } else colls[k, v] = colls[k, v] " " get("collections")
}

function caption(what,    where) {
    where = (cpu != "" ? cpus " CPUs, " cpu : "") (made != "" ? (cpu != "" ? "; " : "") "made " made : "") (commit != "" ? " at " commit : "")
    printf "Data: `%s/%s/`%s: %s\n\n", DATA, NAME, where != "" ? " (" where ")" : "", what
}

function scaling_table(    i, j, k, dup, g1, g2, any) {
    for (i = 1; i <= ns; i++) { k = slab[i] SUBSEP spin[i]; dup[k]++ }
    caption("generational scavenge pauses, p50 over every pause of the successful repetitions, speedups of 2 GC threads against 1 (`harness/scaling.sh`).")
    print "| workload (nursery) | pinning | 1 GC thread p50 (ms) | 2 GC threads p50 (ms) | speedup p50 | speedup total | MB copied per ms, 1 / 2 | balance, 2 |"
    print "|---|---|--:|--:|--:|--:|--:|--:|"
    for (i = 1; i <= ns; i++) {
        if (!((i, 1) in sp50) || !((i, 2) in sup50)) continue
        any = 1
        printf "| %s | %s | %s | %s | %s | %s | %s / %s | %s |\n", (dup[slab[i], spin[i]] > 1 ? scfgs[i] : slab[i]), spin[i],
            fix(sp50[i, 1]), fix(sp50[i, 2]), sup50[i, 2], suptot[i, 2], srate[i, 1], srate[i, 2], sbal[i, 2]
    }
    if (!any) die(NAME ": harness/scaling.sh gave no configuration with both 1 and 2 GC threads")
}

function msgbuf_table(    i, k, v, fl, anyfloor, fcell, hdr, al, cfgcol, st, scell) {
    for (i = 1; i <= nrow; i++) if (row_floor[i] in floor_l) anyfloor = 1
    cfgcol = nrest > 1
    st = "alloc_stalls" in col   # data from before the soft goals has no such column
    caption("medians over the successful repetitions (degenerated: cycles finished stop-the-world" \
        (st ? "; alloc stalls: waits of a mutator past a cycle's hard goal" : "") ", summed over them)" \
        (anyfloor ? "; floor: the largest gap a thread that only reads the clock saw in a run of the same length (the `floor` rows, no collector)." : \
         "; this folder has no `floor` rows (the machine's own stalls), so no floor column."))
    hdr = "| " (cfgcol ? "configuration | " : "") "variant | GC threads | pause p99 (ms) | pause max (ms) | worst push (ms) |" \
        (anyfloor ? " floor: largest gap (ms) |" : "") " TTSP p99 (µs) | degenerated |" (st ? " alloc stalls |" : "") " wall (ms) | runs |"
    al = "|" (cfgcol ? "---|" : "") "---|--:|--:|--:|--:|" (anyfloor ? "--:|" : "") "--:|--:|" (st ? "--:|" : "") "--:|--:|"
    print hdr; print al
    sort_rows()
    for (i = 1; i <= nrow; i++) {
        k = row_k[ord[i]]; v = row_v[ord[i]]
        fcell = ""
        if (anyfloor) fcell = " " ((row_floor[ord[i]] in floor_l) ? ms(lst_median(floor_l[row_floor[ord[i]]])) : "–") " |"
        if (!ok[k, v]) { printf "| %s%s | %d |%s%s\n", cfgcol ? plab[row_r[ord[i]]] " | " : "", v, row_g[ord[i]],
            " – | – | – |" fcell, " – | – |" (st ? " – |" : "") " – | 0/" runs[k, v] " |"; continue }
        scell = st ? " " stalls[k, v] " |" : ""
        printf "| %s%s | %d | %s | %s | %s |%s %s | %d |%s %s | %s |\n", cfgcol ? plab[row_r[ord[i]]] " | " : "", v, row_g[ord[i]],
            ms(lst_median(p99[k, v])), ms(lst_median(pmax[k, v])), ms(lst_median(push[k, v])), fcell,
            fix(lst_median(ttsp[k, v]) / 1e3), degen[k, v], scell, ms(lst_median(wall[k, v])), ok[k, v] "/" runs[k, v]
    }
}

function cfg_cell(i) {
    return (nrest > 1 ? plab[row_r[i]] : "") (nrest > 1 && ngs > 1 ? " " : "") (ngs > 1 ? "g=" row_g[i] : "")
}

function wall_table(    i, j, k, v, r, rk, cfgcol, hdr, al, cell) {
    cfgcol = nrest > 1 || ngs > 1
    caption("per variant the median wall time over the successful repetitions, its range (fastest - slowest), the median collections, and the ratio of the median wall times.")
    hdr = "| " (cfgcol ? "configuration | " : "") "variant | wall (ms) | range (ms) | collections |"
    al = "|" (cfgcol ? "---|" : "") "---|--:|--:|--:|"
    for (j = 1; j <= nrefs; j++) if (refs[j] in var_i) { hdr = hdr " x " refs[j] " |"; al = al "--:|" }
    print hdr " runs |"; print al "--:|"
    sort_rows()
    for (i = 1; i <= nrow; i++) {
        k = row_k[ord[i]]; v = row_v[ord[i]]
        printf "| %s%s |", cfgcol ? cfg_cell(ord[i]) " | " : "", v
        if (ok[k, v]) printf " %s | %s - %s | %d |", ms(lst_median(wall[k, v])), ms(lst_min(wall[k, v])), ms(lst_max(wall[k, v])),
            lst_median(colls[k, v])
        else printf " – | – | – |"
        for (j = 1; j <= nrefs; j++) {
            r = refs[j]
            if (!(r in var_i)) continue
            cell = (ok[k, v] && ok[k, r]) ? sprintf("%.2f", lst_median(wall[k, v]) / lst_median(wall[k, r])) : "–"
            printf " %s |", cell
        }
        printf " %s |\n", (ok[k, v] + 0) "/" runs[k, v]
    }
}

# Rows: by configuration (first seen), then variant (first seen), then GC threads.
function sort_rows(    i, j, t) {
    for (i = 1; i <= nrow; i++) ord[i] = i
    for (i = 2; i <= nrow; i++)
        for (j = i; j > 1 && row_before(ord[j], ord[j - 1]); j--) { t = ord[j]; ord[j] = ord[j - 1]; ord[j - 1] = t }
}
function row_before(a, b) {
    if (row_r[a] != row_r[b]) return row_r[a] < row_r[b]
    if (var_i[row_v[a]] != var_i[row_v[b]]) return var_i[row_v[a]] < var_i[row_v[b]]
    return row_g[a] < row_g[b]
}

END {
    if (failed) exit 2
    if (TABLE == "scaling") {
        if (!ns) die(NAME ": harness/scaling.sh gave no configuration")
        scaling_table()
        exit 0
    }
    if (!nrow) die(NAME "/runs.csv has no " WORKLOAD " rows (table " TABLE ")")
    # the options that tell the configurations apart (lib.awk)
    param_labels(nrest, rests, plab)
    if (TABLE == "msgbuf") msgbuf_table(); else wall_table()
    for (i = 1; i <= nrow; i++) if (bad[row_k[i], row_v[i]]) nbad += bad[row_k[i], row_v[i]]
    if (nbad) printf "\n%d failed repetition%s (`runs` column: successful / all; their reasons in errors.log).\n", nbad, nbad == 1 ? "" : "s"
}
