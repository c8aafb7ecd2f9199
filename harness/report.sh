#!/bin/sh
# report.sh RESULTS_DIR: writes RESULTS_DIR/report.md and report.html (README, "Plots and report"):
# the machine, the comparison table (harness/compare.sh), per-workload tables (pause percentiles, MMU,
# mutator latency, throughput and memory), the heap statistics and leak check when runs took censuses
# (types.csv; with RESULTS_DIR/leaks.md from harness/leakcheck.sh when present), every plot (drawn first
# by plots/plot.sh unless NOPLOTS=1), and the micro-benchmark table when `make micro` left one
# (RESULTS_DIR/micro/micro.md).
# Tables hold medians over the successful repetitions of each configuration and variant.
set -u
dir=${1:?usage: harness/report.sh RESULTS_DIR}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
[ -d "$dir" ] || { echo "report.sh: no folder $dir" >&2; exit 2; }
dir=$(cd "$dir" && pwd -P)
md=$dir/report.md
tmp=$dir/.report.tmp
plots_status=0

if [ -f "$dir/runs.csv" ] && [ "${NOPLOTS:-0}" != 1 ]; then
    "$root/plots/plot.sh" "$dir" || plots_status=$?
fi

{
    name=$(basename "$dir")
    echo "# gclab results: $name"
    echo
    echo "Folder \`$dir\`; report written $(date -u +%Y-%m-%dT%H:%M:%SZ) by \`harness/report.sh\` (\`make report RESULTS=$dir\` rebuilds it)."
    echo "Times are medians over the successful repetitions of each configuration unless stated;"
    echo "percentiles are nearest-rank; t = mutator threads, g = GC threads, f = heap factor."
    echo

    echo "## Machine"
    echo
    if [ -f "$dir/machine.txt" ]; then
        echo '```'
        cat "$dir/machine.txt"
        echo '```'
    else
        echo "_No machine.txt in this folder._"
    fi
    [ -f "$dir/suite.txt" ] && { echo; echo "Suite:"; echo; echo '```'; grep -v '^[[:space:]]*#' "$dir/suite.txt" | grep -v '^[[:space:]]*$'; echo '```'; }
    echo

    if [ -f "$dir/runs.csv" ]; then
        echo "## Comparison"
        echo
        echo '```'
        "$here/compare.sh" "$dir" 2>&1
        echo '```'
        echo
        if [ -s "$dir/errors.log" ]; then
            echo "**Some runs failed**; the first lines of \`errors.log\`:"
            echo
            echo '```'
            head -10 "$dir/errors.log"
            echo '```'
            echo
        fi
        if [ -f "$dir/stalls.csv" ] || grep -q '^[^,]*,floor,' "$dir/runs.csv"; then
            echo "## The noise floor and where the slowest operations' time went"
            echo
            echo "The floor is this machine's largest gap over the same time with no collector (a thread per CPU the run uses,"
            echo "only reading the clock: README, \"The noise floor\"); the slowest 100 operations of each run are split into"
            echo "causes (\`stalls.csv\`, README, \"Where the slowest operations' time went\"), summed over the repetitions."
            echo
            if [ -f "$dir/stalls.csv" ]; then
                awk -v MD=1 -f "$root/plots/lib.awk" -f "$root/plots/stalls.awk" "$dir/runs.csv" "$dir/stalls.csv"
            else
                awk -v MD=1 -f "$root/plots/lib.awk" -f "$root/plots/stalls.awk" "$dir/runs.csv" /dev/null
            fi
            echo
            for p in "$dir"/plots/stalls-*.png; do [ -f "$p" ] && { echo "![where the time went]($(basename "$(dirname "$p")")/$(basename "$p"))"; echo; }; done
        fi
        echo "## Headline: p99 pause by collector and workload"
        echo
        if [ -f "$dir/plots/headline.png" ]; then
            echo "![p99 pause by collector and workload](plots/headline.png)"
        else
            echo "_No headline plot (see the plot notes at the end)._"
        fi
        echo
        : >"$tmp"
        for p in "$dir"/plots/*.png; do [ -f "$p" ] && basename "$p" >>"$tmp"; done
        types=
        [ -f "$dir/types.csv" ] && types=$dir/types.csv
        leaks=
        [ -f "$dir/leaks.md" ] && leaks=$dir/leaks.md
        # shellcheck disable=SC2086
        awk -v LEAKS="$leaks" -f "$root/plots/lib.awk" -f "$here/report.awk" "$tmp" "$dir/runs.csv" $types
        rm -f "$tmp"
    else
        echo "_No runs.csv in this folder: no run tables or plots._"
        echo
        if [ -f "$dir/leaks.md" ]; then
            echo "## Heap statistics and leak check"
            echo
            echo "### Leak patterns (\`leaks.md\`)"
            echo
            echo 'BEGIN { if (!md_include(F, 4)) print "_leaks.md is empty._"; print "" }' >"$tmp.awk"
            awk -v F="$dir/leaks.md" -f "$root/plots/lib.awk" -f "$tmp.awk"
            rm -f "$tmp.awk"
        fi
    fi

    if [ -f "$dir/micro/micro.md" ]; then
        echo "## Micro-benchmarks"
        echo
        cat "$dir/micro/micro.md"
        echo
    fi

    if [ -f "$dir/plots/data/notes.txt" ] && [ -s "$dir/plots/data/notes.txt" ]; then
        echo "## Plot notes"
        echo
        sed 's/^/- /' "$dir/plots/data/notes.txt"
        echo
    fi
    [ "$plots_status" = 0 ] || { echo "_plots/plot.sh exited with status $plots_status; some plots may be missing._"; echo; }
} >"$md.new" && mv "$md.new" "$md"

awk -f "$root/plots/md2html.awk" "$md" >"$dir/report.html.new" && mv "$dir/report.html.new" "$dir/report.html"
echo "report: $md and $dir/report.html"
