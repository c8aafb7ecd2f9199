# lib.awk: helpers shared by plots/prep.awk and harness/report.sh (POSIX awk; mawk is enough).
#
# CSV files of a results folder are read by header name, never by position (columns are appended over
# time): csv_header() maps names to indices, csv_split() splits a line, honouring double quotes (the
# params and error columns of runs.csv are quoted and may hold commas or doubled quotes).

# Splits `line` into f[1..n]; returns n.
function csv_split(line, f,    n, i, c, q, field, len) {
    sub(/\r$/, "", line)
    if (index(line, "\"") == 0) return split(line, f, ",")
    n = 0; field = ""; q = 0; len = length(line)
    for (i = 1; i <= len; i++) {
        c = substr(line, i, 1)
        if (q) {
            if (c == "\"") {
                if (substr(line, i + 1, 1) == "\"") { field = field "\""; i++ } else q = 0
            } else field = field c
        } else if (c == "\"") q = 1
        else if (c == ",") { f[++n] = field; field = "" }
        else field = field c
    }
    f[++n] = field
    return n
}

# Fills col[name] = index from a header line; returns the number of columns.
function csv_header(line, col,    h, n, i) {
    n = csv_split(line, h)
    for (i = 1; i <= n; i++) col[h[i]] = i
    return n
}

# Space-separated numeric list helpers. The median is the lower middle value (README: a median over
# repetitions is always a measured run).
function lst_sort(list, a,    n, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n
}
function lst_median(list,    a, n) { n = lst_sort(list, a); return n ? a[int((n + 1) / 2)] + 0 : 0 }
function lst_min(list,    a, n) { n = lst_sort(list, a); return n ? a[1] + 0 : 0 }
function lst_max(list,    a, n) { n = lst_sort(list, a); return n ? a[n] + 0 : 0 }
function lst_count(list,    a) { return split(list, a, " ") }

# A name safe in file names: letters, digits, dot, dash.
function slugify(s) {
    gsub(/[^A-Za-z0-9.=-]+/, "_", s)
    gsub(/=/, "", s)
    return s
}

# A string safe inside gnuplot single quotes (doubled quote) and free of newlines.
function gpq(s) {
    gsub(/\n/, " ", s)
    gsub(/'/, "''", s)
    return "'" s "'"
}

# Human units: "1.5", "12", "0.034"
function num(x) {
    if (x == 0) return "0"
    if (x >= 100 || x <= -100) return sprintf("%.0f", x)
    if (x >= 10 || x <= -10) return sprintf("%.1f", x)
    if (x >= 1 || x <= -1) return sprintf("%.2f", x)
    return sprintf("%.3g", x)
}

# Short labels for n option strings p[1..n] ("name=value" separated by spaces): the options that are
# not the same in all of them (lab[i]), e.g. "rate=400000" and "rate=0"; "p<i>" if none differ.
function param_labels(n, p, lab,    i, j, m, t, cnt, s) {
    delete cnt
    for (i = 1; i <= n; i++) {
        m = split(p[i], t, " ")
        for (j = 1; j <= m; j++) cnt[t[j]]++
    }
    for (i = 1; i <= n; i++) {
        m = split(p[i], t, " "); s = ""
        for (j = 1; j <= m; j++) if (cnt[t[j]] < n) s = s (s == "" ? "" : " ") t[j]
        lab[i] = s == "" ? "p" i : s
    }
}

# Prints the Markdown file `path` (another script's page, included in a report) with its headings moved
# down so that its highest becomes level `top` (at most 6; fenced code left alone). Returns the number
# of lines printed, 0 when the file is missing or empty.
function md_include(path, top,    line, lines, n, i, j, h, lo, shift, fence) {
    n = 0; lo = 0; fence = 0
    while ((getline line < path) > 0) {
        lines[++n] = line
        if (line ~ /^(```|~~~)/) fence = !fence
        else if (!fence && match(line, /^#+[ \t]/)) { h = RLENGTH - 1; if (!lo || h < lo) lo = h }
    }
    close(path)
    shift = lo ? top - lo : 0
    fence = 0
    for (i = 1; i <= n; i++) {
        line = lines[i]
        if (line ~ /^(```|~~~)/) fence = !fence
        else if (!fence && shift > 0 && match(line, /^#+[ \t]/))
            for (j = 0; j < shift && RLENGTH - 1 + j < 6; j++) line = "#" line
        print line
    }
    return n
}
