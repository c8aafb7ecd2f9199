#!/bin/sh
# plot.sh RESULTS_DIR: draws every plot a results folder has data for, as RESULTS_DIR/plots/*.png
# and *.svg (README, "Plots and report"). Data files and gnuplot parameters go to
# RESULTS_DIR/plots/data/; a plot whose data is missing is skipped with a note (also in
# RESULTS_DIR/plots/data/notes.txt). Exit status: 0 when every listed plot was drawn, 1 when gnuplot is
# missing or a plot failed, 2 for bad input.
set -u
dir=${1:?usage: plots/plot.sh RESULTS_DIR}
here=$(cd "$(dirname "$0")" && pwd)
[ -f "$dir/runs.csv" ] || { echo "plot.sh: no runs.csv in $dir" >&2; exit 2; }
command -v gnuplot >/dev/null 2>&1 || {
    echo "plot.sh: gnuplot is not installed (Debian: gnuplot-nox); no plots" >&2
    exit 1
}
out=$dir/plots
data=$out/data
rm -rf "$data"
mkdir -p "$data" || exit 2
rm -f "$out"/*.png "$out"/*.svg
: >"$data/manifest.txt"
: >"$data/notes.txt"

files=$dir/runs.csv
for f in pauses latency mmu types; do
    if [ -f "$dir/$f.csv" ]; then files="$files $dir/$f.csv"
    elif [ "$f" != mmu ] && [ "$f" != types ]; then echo "$f.csv missing" >>"$data/notes.txt"; fi
done
# shellcheck disable=SC2086
awk -v D="$data" -f "$here/lib.awk" -f "$here/prep.awk" $files || exit 2
if [ -f "$dir/stalls.csv" ]; then
    awk -v D="$data" -f "$here/lib.awk" -f "$here/stalls.awk" "$dir/runs.csv" "$dir/stalls.csv" || exit 2
fi

if gnuplot -e 'set terminal pngcairo' >/dev/null 2>&1; then png=pngcairo; else png=png; fi
tab=$(printf '\t')
drawn=0 failed=0
while IFS=$tab read -r script name; do
    for fmt in $png svg; do
        ext=$fmt
        [ "$fmt" = svg ] || ext=png
        if gnuplot -e "gpdir='$here'; fmt='$fmt'; inc='$data/$name.inc'; out='$out/$name.$ext'" \
            "$here/$script.gp" 2>>"$data/gnuplot.log" && [ -s "$out/$name.$ext" ]; then
            drawn=$((drawn + 1))
        else
            failed=$((failed + 1))
            echo "plot.sh: $name.$ext failed (see $data/gnuplot.log)" >&2
        fi
    done
done <"$data/manifest.txt"
sed 's/^/plot.sh: skipped: /' "$data/notes.txt" >&2
echo "plot.sh: $drawn files in $out ($png and svg)$([ $failed = 0 ] || echo ", $failed failed")"
[ $failed = 0 ]
