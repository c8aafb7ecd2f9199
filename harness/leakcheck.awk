# leakcheck.awk: the scoring of harness/leakcheck.sh (which documents it): reads the pattern table
# (number, name, type a line) and runs.csv, writes leaks.md on stdout.
#
#   awk -f plots/lib.awk -f harness/leakcheck.awk -v order="VARIANTS" -v skipfile=F -v cmd=C PATTERNS runs.csv
NR == FNR { pname[$1] = $2; ptype[$1] = $3; np = $1 > np ? $1 : np; next }
FNR == 1 { csv_header($0, col); next }
{
    csv_split($0, f)
    if (f[col["workload"]] != "leaks") next
    p = f[col["params"]]
    pat = p; sub(/.*pattern=/, "", pat); sub(/ .*/, "", pat)
    fx = p; sub(/.*fixed=/, "", fx); sub(/ .*/, "", fx)
    v = f[col["variant"]]
    k = v SUBSEP pat SUBSEP fx
    runs[k]++
    if (f[col["status"]] != "ok") { failed[k]++; vfailed[v]++; next }
    if (f[col["leak_suspected"]] + 0 == 1) {
        flagged[k]++
        t = f[col["leak_top_type"]]
        if (t == ptype[pat]) right[k]++
        else if (!((k, t) in wrongseen)) { wrongseen[k, t] = 1; wrong[k] = wrong[k] (wrong[k] == "" ? "" : ", ") t }
    }
    if (fx == 0) {
        if (f[col["leak_suspected"]] + 0 == 1) { if (f[col["leak_top_type"]] == ptype[pat]) tp[v]++; else mis[v]++ }
        else fn[v]++
    } else {
        if (f[col["leak_suspected"]] + 0 == 1) fp[v]++; else tn[v]++
    }
}
function cell(v, pat, fx,    k, ok, s) {
    k = v SUBSEP pat SUBSEP fx
    if (!(k in runs)) return "refused"
    ok = runs[k] - failed[k]
    if (fx == 0) s = (right[k] + 0) "/" ok
    else s = (flagged[k] + 0) "/" ok
    if (wrong[k] != "") s = s " (" (flagged[k] - right[k]) " as " wrong[k] ")"
    if (failed[k]) s = s ", " failed[k] " failed"
    return s
}
function ratio(a, b) { return b ? sprintf("%.2f", a / b) : "-" }
END {
    n = split(order, vs, " ")
    print "# Leak detector against ground truth"
    print ""
    print "The `leaks` workload (workloads/leaks.c) on every variant built, each pattern leaky and fixed, with"
    print "`--leak-check report` (the detector's defaults unless LEAKS_ARGS says otherwise). Made by:"
    print ""
    print "    " cmd
    print ""
    print "Leaky rows: runs flagged with the pattern's own type first, of the runs that passed their own"
    print "check. Fixed rows: runs flagged at all (any flag is a false positive). \"as T\": flagged with type T"
    print "first instead. \"refused\": the workload cannot run there (see below)."
    print ""
    hdr = "| pattern | type |"; sep = "|---|---|"
    for (i = 1; i <= n; i++) { hdr = hdr " " vs[i] " |"; sep = sep "---|" }
    print hdr; print sep
    for (pat = 1; pat <= np; pat++)
        for (fx = 0; fx <= 1; fx++) {
            line = "| " pname[pat] (fx ? " (fixed)" : "") " | " (fx ? "none" : ptype[pat]) " |"
            for (i = 1; i <= n; i++) line = line " " cell(vs[i], pat, fx) " |"
            print line
        }
    print ""
    print "Per variant: TP leaky runs flagged with the right type, FN leaky runs not flagged, MIS leaky runs"
    print "flagged with another type first, FP fixed runs flagged, TN fixed runs not flagged; precision ="
    print "TP / (TP + MIS + FP), recall = TP / (TP + MIS + FN)."
    print ""
    print "| variant | TP | FN | MIS | FP | TN | failed | precision | recall |"
    print "|---|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= n; i++) {
        v = vs[i]
        printf "| %s | %d | %d | %d | %d | %d | %d | %s | %s |\n", v, tp[v], fn[v], mis[v], fp[v], tn[v], vfailed[v],
            ratio(tp[v], tp[v] + mis[v] + fp[v]), ratio(tp[v], tp[v] + mis[v] + fn[v])
    }
    print ""
    print "Skipped:"
    print ""
    none = 1
    while ((getline l < skipfile) > 0) { print "- " l; none = 0 }
    if (none) print "- nothing"
}