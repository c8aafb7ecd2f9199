#!/bin/sh
# publish.sh SUITE [NAME]: the data of README's "Measured here" tables. Runs suites/SUITE.suite into
# results/published/NAME/ (default SUITE-<UTC date>) with harness/bench.sh, keeps its small files, and
# writes the folder's README.md with the commands. Size rule: a file of 1 MB or more is gzipped
# (pauses.csv.gz: tools/figures.sh reads it so), and dropped when still 1 MB or more (latency.csv of a
# big suite: rerun to get it); the rest (runs.csv, summary.txt, machine.txt, suite.txt, errors.log,
# mmu.csv, workers.csv) is kept as it is. A folder that already has a runs.csv is not run again, only
# sized and described. Then: point README's `<!-- figures NAME TABLE -->` markers at NAME, `make
# figures`, and `git add -f results/published/NAME` (results/ is ignored).
set -u
cd "$(dirname "$0")/.."
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
    gzip -9 -f "$f"
    if [ "$(wc -c <"$f.gz")" -ge $limit ]; then rm -f "$f.gz"; dropped="$dropped $(basename "$f")"
    else gz="$gz $(basename "$f").gz"; fi
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
    echo "$(cd "$dir" && ls | grep -v '^README.md$' | tr '\n' ' ')(suite.txt is the suite file, summary.txt"
    echo "\`harness/compare.sh\`'s table)."
    [ -n "$gz" ] && echo "Gzipped, being 1 MB or more:$gz."
    [ -n "$dropped" ] && echo "Not kept, 1 MB or more even gzipped:$dropped (rerun the command to get them)."
    echo
    echo "README's tables from this folder: \`make figures\` (tools/figures.sh); \`make test\` checks them."
} >"$dir/README.md"
echo "publish: $dir ready; point README's figures markers at $name, run make figures, then git add -f $dir"
