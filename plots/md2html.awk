# md2html.awk: report.md -> a self-contained report.html (the plots stay files next to it, under
# plots/). Handles only the Markdown harness/report.sh writes: headings, fenced code, pipe tables,
# images on their own line, "- " lists, paragraphs, and inline `code`, **bold**, [text](link).

function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); return s }

function inline(s,    out, i, j, c) {
    s = esc(s)
    # `code`
    out = ""
    while ((i = index(s, "`")) > 0) {
        j = index(substr(s, i + 1), "`")
        if (!j) break
        out = out substr(s, 1, i - 1) "<code>" substr(s, i + 1, j - 1) "</code>"
        s = substr(s, i + j + 1)
    }
    s = out s
    while (match(s, /\*\*[^*]+\*\*/)) s = substr(s, 1, RSTART - 1) "<b>" substr(s, RSTART + 2, RLENGTH - 4) "</b>" substr(s, RSTART + RLENGTH)
    while (match(s, /(^|[ (])_[^_]+_([ .,;:)]|$)/)) {
        c = substr(s, RSTART, RLENGTH)
        i = index(c, "_"); j = i + index(substr(c, i + 1), "_")
        s = substr(s, 1, RSTART - 1) substr(c, 1, i - 1) "<i>" substr(c, i + 1, j - i - 1) "</i>" substr(c, j + 1) substr(s, RSTART + RLENGTH)
    }
    while (match(s, /\[[^]]*\]\([^)]*\)/)) {
        c = substr(s, RSTART, RLENGTH); i = index(c, "](")
        s = substr(s, 1, RSTART - 1) "<a href=\"" substr(c, i + 2, length(c) - i - 2) "\">" substr(c, 2, i - 2) "</a>" substr(s, RSTART + RLENGTH)
    }
    return s
}

function close_blocks() {
    if (inpara) { print "</p>"; inpara = 0 }
    if (inlist) { print "</ul>"; inlist = 0 }
    if (intable) { print "</tbody></table>"; intable = 0 }
}

function cells(line, a,    n, i) {
    sub(/^[ \t]*\|/, "", line); sub(/\|[ \t]*$/, "", line)
    n = split(line, a, "|")
    for (i = 1; i <= n; i++) { sub(/^[ \t]+/, "", a[i]); sub(/[ \t]+$/, "", a[i]) }
    return n
}

BEGIN {
    print "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    print "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    print "<style>"
    print "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1320px;margin:1.5em auto;padding:0 1em;color:#222;line-height:1.45}"
    print "pre{background:#f6f6f6;border:1px solid #ddd;padding:.6em;overflow-x:auto;font-size:12px;line-height:1.3}"
    print "code{background:#f3f3f3;padding:0 .2em}pre code{background:none;padding:0}"
    print "table{border-collapse:collapse;margin:.5em 0 1.2em;font-size:13px}th,td{border:1px solid #ccc;padding:.2em .5em}"
    print "th{background:#eef2f7}tr:nth-child(even) td{background:#fafafa}td.r,th.r{text-align:right}"
    print "img{max-width:100%;border:1px solid #e3e3e3;margin:.3em 0 1em}h2{border-bottom:2px solid #dde;padding-bottom:.2em;margin-top:2em}"
    print "</style>"
}

/^```/ {
    if (incode) { print "</code></pre>"; incode = 0 } else { close_blocks(); printf "<pre><code>"; incode = 1 }
    next
}
incode { print esc($0); next }

/^<\/?details/ { close_blocks(); print; next }

/^#+ / {
    close_blocks()
    match($0, /^#+/); lvl = RLENGTH; text = substr($0, lvl + 2)
    if (lvl == 1 && !title) { title = text; print "<title>" esc(text) "</title></head><body>" }
    id = tolower(text); gsub(/[^a-z0-9]+/, "-", id)
    if (lvl == 2) h2id = id
    else if (lvl > 2 && h2id != "") id = h2id "--" id
    if (id in ids) id = id "-" (++ids[id]); else ids[id] = 1
    printf "<h%d id=\"%s\">%s</h%d>\n", lvl, id, inline(text), lvl
    next
}

/^!\[[^]]*\]\([^)]*\)[ \t]*$/ {
    close_blocks()
    alt = $0; sub(/^!\[/, "", alt); sub(/\].*/, "", alt)
    src = $0; sub(/^[^(]*\(/, "", src); sub(/\)[ \t]*$/, "", src)
    printf "<p><a href=\"%s\"><img src=\"%s\" alt=\"%s\" loading=\"lazy\"></a></p>\n", src, src, esc(alt)
    next
}

/^[ \t]*\|/ {
    if (!intable) {
        close_blocks()
        n = cells($0, hdr)
        if ((getline nxt) > 0 && nxt ~ /^[ \t]*\|[-:| \t]+\|[ \t]*$/) {
            cells(nxt, al)
            print "<table><thead><tr>"
            for (i = 1; i <= n; i++) { right[i] = (al[i] ~ /:$/); printf "<th%s>%s</th>", right[i] ? " class=\"r\"" : "", inline(hdr[i]) }
            print "</tr></thead><tbody>"
            intable = 1
            next
        }
        # not a table after all: a paragraph
        print "<p>" inline($0) "<br>" inline(nxt) "</p>"
        next
    }
    n = cells($0, c)
    printf "<tr>"
    for (i = 1; i <= n; i++) printf "<td%s>%s</td>", right[i] ? " class=\"r\"" : "", inline(c[i])
    print "</tr>"
    next
}

/^- / {
    if (!inlist) { close_blocks(); print "<ul>"; inlist = 1 }
    print "<li>" inline(substr($0, 3)) "</li>"
    next
}

/^[ \t]*$/ { close_blocks(); next }

{
    if (intable || inlist) close_blocks()
    if (!inpara) { printf "<p>"; inpara = 1 } else printf "\n"
    printf "%s", inline($0)
}

END {
    if (incode) print "</code></pre>"
    close_blocks()
    if (!title) print "<title>gclab report</title></head><body>"
    print "</body></html>"
}
