#!/bin/sh
# figures.sh: the tables of README's "Measured here", generated from the published results folders they
# quote, so that a figure cannot drift from its data (issue 14). A block in a Markdown file
#
#   <!-- figures NAME TABLE -->
#   ...
#   <!-- /figures -->
#
# holds TABLE (msgbuf, gcbench, barriers, scaling: tools/figures.awk) made from DATA/NAME/ (DATA is
# results/published unless --data says otherwise).
#
#   tools/figures.sh [--data DATA] update [FILE]    rewrites FILE's blocks (default README.md; `make figures`)
#   tools/figures.sh [--data DATA] check [FILE]     exit 1 naming the first block that differs from its data,
#                                                   and its first differing line
#   tools/figures.sh [--data DATA] table NAME TABLE prints one table
#
# The scaling table runs harness/scaling.sh on the folder; a folder may hold pauses.csv as pauses.csv.gz
# (tools/publish.sh compresses files of 1 MB or more). Errors are one line on stderr, exit status 2.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
data=$root/results/published label=results/published
die() { echo "figures: $*" >&2; exit 2; }
[ "${1:-}" = --data ] && { [ $# -ge 2 ] || die "--data needs a folder"; data=$2; label=$2; shift 2; }

# table NAME TABLE: one table on stdout
table() {
    name=$1 tab=$2 dir=$data/$1
    case $tab in msgbuf | gcbench | barriers | scaling) ;; *) die "unknown table '$tab' in block '$name $tab' (msgbuf, gcbench, barriers, scaling)" ;; esac
    [ -d "$dir" ] || die "no results folder $dir (block '$name $tab')"
    [ -f "$dir/runs.csv" ] || die "no runs.csv in $dir (block '$name $tab')"
    machine=
    [ -f "$dir/machine.txt" ] && machine=$dir/machine.txt
    if [ "$tab" = scaling ]; then
        t=$(mktemp -d) || exit 2
        for c in runs workers pauses; do
            if [ -f "$dir/$c.csv" ]; then cp "$dir/$c.csv" "$t/"
            elif [ -f "$dir/$c.csv.gz" ]; then gzip -dc "$dir/$c.csv.gz" >"$t/$c.csv"; fi
        done
        "$root/harness/scaling.sh" "$t" >"$t/scaling.txt" 2>"$t/err" || { rm -rf "$t"; die "harness/scaling.sh failed on $dir (block '$name $tab')"; }
        awk -v TABLE=scaling -v NAME="$name" -v DATA="$label" -f "$root/plots/lib.awk" -f "$here/figures.awk" "$t/scaling.txt" "${machine:-/dev/null}"
        st=$?
        rm -rf "$t"
        return $st
    fi
    awk -v TABLE="$tab" -v NAME="$name" -v DATA="$label" -f "$root/plots/lib.awk" -f "$here/figures.awk" "$dir/runs.csv" "${machine:-/dev/null}"
}

# regenerate FILE OUT: FILE with every block's body replaced by its table
regenerate() {
    file=$1 out=$2
    [ -f "$file" ] || die "no file $file"
    blocks=$out.blocks
    # the blocks, as "LINE NAME TABLE", checked for a marker without its end or an end without a marker
    awk -v F="$file" '
        /^<!-- figures / { if (open) { print F ":" NR ": a figures block opens inside the one of line " open > "/dev/stderr"; exit 2 }
                           if (NF != 5 || $5 != "-->") { print F ":" NR ": a marker is <!-- figures NAME TABLE -->" > "/dev/stderr"; exit 2 }
                           open = NR; print NR, $3, $4; next }
        /^<!-- \/figures -->/ { if (!open) { print F ":" NR ": <!-- /figures --> without its <!-- figures NAME TABLE -->" > "/dev/stderr"; exit 2 }
                                open = 0 }
        END { if (open) { print F ":" open ": the figures block has no <!-- /figures -->" > "/dev/stderr"; exit 2 } }' "$file" >"$blocks" || exit 2
    i=0
    while read -r _ name tab; do
        i=$((i + 1))
        table "$name" "$tab" >"$out.$i" || exit 2
    done <"$blocks"
    awk -v OUT="$out" '
        /^<!-- figures / { print; i++; f = OUT "." i; while ((getline l < f) > 0) print l; close(f); skip = 1; next }
        /^<!-- \/figures -->/ { skip = 0 }
        !skip' "$file" >"$out" || exit 2
    j=0
    while [ $j -lt $i ]; do j=$((j + 1)); rm -f "$out.$j"; done
    rm -f "$blocks"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
table)
    [ $# = 2 ] || die "usage: tools/figures.sh [--data DIR] table NAME TABLE"
    table "$1" "$2" ;;
update | check)
    [ $# -le 1 ] || die "usage: tools/figures.sh [--data DIR] $cmd [FILE]"
    file=${1:-$root/README.md}
    tmp=$(mktemp) || exit 2
    regenerate "$file" "$tmp"
    if [ "$cmd" = update ]; then
        if cmp -s "$tmp" "$file"; then echo "figures: $file is up to date"; else cat "$tmp" >"$file"; echo "figures: rewrote the blocks of $file"; fi
        rm -f "$tmp"
        exit 0
    fi
    # check: the bodies are the only lines that may differ; name the first difference and its block
    awk -v F="$file" '
        NR == FNR { new[FNR] = $0; nnew = FNR; next }
        /^<!-- figures / { block = $3 " " $4; bline = FNR }
        { old[FNR] = $0; nold = FNR; blk[FNR] = block; bl[FNR] = bline }
        END {
            n = nold > nnew ? nold : nnew
            for (i = 1; i <= n; i++) if (old[i] != new[i]) {
                j = i <= nold ? i : nold
                printf "%s:%d: the block \"%s\" (line %d) differs from its data: the file has \"%s\", the data gives \"%s\" (make figures rewrites it)\n",
                    F, i, blk[j], bl[j], i <= nold ? old[i] : "(end of file)", i <= nnew ? new[i] : "(end of file)" > "/dev/stderr"
                exit 1
            }
        }' "$tmp" "$file"
    st=$?
    rm -f "$tmp"
    exit $st ;;
*) die "usage: tools/figures.sh [--data DIR] update|check [FILE] | table NAME TABLE" ;;
esac
