#!/bin/sh
# publish.sh SUITE [NAME]: the data of README's "Measured here" tables. Runs suites/SUITE.suite into
# results/published/NAME/ (default SUITE-<UTC date>) with harness/bench.sh, keeps its small files, and
# writes the folder's README.md with the commands. Size rule: files under 1 MB are kept as they are
# (runs.csv, summary.txt, machine.txt, suite.txt, errors.log, workers.csv, mmu.csv of a small suite);
# of the larger ones only pauses.csv (which the scaling table reads: tools/figures.sh) and stalls.csv
# (where the slowest operations' time went, which README quotes), gzipped, and
# only when that is under 1 MB; the rest (latency.csv, the pauses of an incremental collector's
# thousands of increments) is left out: rerun to get it. A folder that already has a runs.csv is not
# run again, only sized and described. Then: point README's `<!-- figures NAME TABLE -->` markers at
# NAME, `make figures`, and `git add -f results/published/NAME` (results/ is ignored).
set -u
cd "$(dirname "$0")/.." || exit 2
suite=${1:?usage: tools/publish.sh SUITE [NAME]}
name=${2:-$suite-$(date -u +%Y%m%d)}
dir=results/published/$name
limit=1000000
[ -f "suites/$suite.suite" ] || { echo "publish: no suite suites/$suite.suite" >&2; exit 2; }
if [ ! -f "$dir/runs.csv" ]; then
    harness/bench.sh "$suite" --out "$dir" || exit $?
fi
gz="" dropped=""
for f in "$dir"/*; do
    [ -f "$f" ] || continue
    case $f in *.gz | */README.md) continue ;; esac
    [ "$(wc -c <"$f")" -ge $limit ] || continue
    b=$(basename "$f")
    if { [ "$b" = pauses.csv ] || [ "$b" = stalls.csv ]; } && [ "$(gzip -9 -c "$f" | wc -c)" -lt $limit ]; then
        gzip -9 -f "$f"; gz="$gz $b.gz"
    else
        rm -f "$f"; dropped="$dropped $(basename "$f")"
    fi
done
m() { sed -n "s/^$1: //p" "$dir/machine.txt" 2>/dev/null | head -1; }
variants=$(awk '$1 == "variants" { $1 = ""; sub(/^ /, ""); print; exit }' "suites/$suite.suite")
{
    echo "# The $suite suite, $(m date_utc) (README, \"Measured here\")"
    echo
    echo "Made on $(m online_cpus) CPUs ($(m cpu_model)), host $(m host), at commit $(m git_commit),"
    echo "with the suite's variants built (\`make -f build.mk VARIANT=V -j2\` for V in: $variants), by"
    echo
    echo "    tools/publish.sh $suite $name"
    echo
    echo "which runs \`harness/bench.sh $suite --out results/published/$name\` and keeps the files under 1 MB:"
    kept=""
    for f in "$dir"/*; do [ "${f##*/}" = README.md ] || kept="$kept\`${f##*/}\` "; done
    echo "$kept(suite.txt is the suite file,"
    echo "summary.txt \`harness/compare.sh\`'s table)."
    [ -n "$gz" ] && echo "Gzipped, being 1 MB or more (pauses.csv: the scaling table reads it; stalls.csv: README quotes it):$gz."
    [ -n "$dropped" ] && echo "Not kept, 1 MB or more:$dropped (rerun the command to get them)."
    echo
    echo "README's tables from this folder: \`make figures\` (tools/figures.sh); \`make test\` checks them."
} >"$dir/README.md"
echo "publish: $dir ready; point README's figures markers at $name, run make figures, then git add -f $dir"
