# README's "Measured here" tables against their data (tools/figures.sh): every block regenerated from
# results/published/ into a temporary copy must equal README; the generator on a fixture of known
# medians (tests/data/figures/); drift and bad input caught with one line.
echo "# README's figures from results/published (tools/figures.sh)"
F=build/test-figures
D=tests/data/figures
rm -rf $F && mkdir -p $F
check_quiet "README's figures blocks equal their data (make figures rewrites them)" tools/figures.sh check README.md
pr_check "README has the msgbuf, gcbench and scaling blocks" "$(grep -cE '^<!-- figures [^ ]+ (msgbuf|gcbench|scaling) -->$' README.md)" -ge 3
# Every folder a block names is committed, not only present here (results/ is ignored).
missing=""
for n in $(sed -n 's/^<!-- figures \([^ ]*\) [^ ]* -->$/\1/p' README.md | sort -u); do
    git ls-files --error-unmatch "results/published/$n/runs.csv" >/dev/null 2>&1 || missing="$missing $n"
done
pr_check "the folders of README's blocks are committed${missing:+ (not:$missing)}" -z "$missing"

# The fixture: medians worked out by hand (lower middle of 2 and of 4 repetitions, a failed one left
# out, floor rows beside the variant rows, one configuration without them, another workload's rows
# ignored; the scaling table from a gzipped pauses.csv).
check_quiet "fixture: doc.md's blocks equal the fixture's data" tools/figures.sh --data $D check $D/doc.md
tools/figures.sh --data $D table lat msgbuf >$F/lat.md 2>&1
tools/figures.sh --data $D table base gcbench >$F/base.md 2>&1
tools/figures.sh --data $D table scav scaling >$F/scav.md 2>&1
grep_check "fixture msgbuf: stw g=1, medians of 3 and the floor's" '^| stw | 1 | 2.00 | 2.50 | 3.00 | 0.500 | 60.0 | 0 | 200 | 3/3 |$' $F/lat.md
grep_check "fixture msgbuf: stw g=2, lower middle of 4, no floor rows" '^| stw | 2 | 2.00 | 2.50 | 2.00 | – | 60.0 | 0 | 200 | 4/4 |$' $F/lat.md
grep_check "fixture msgbuf: a failed repetition left out, degenerated summed" '^| concurrent-yuasa | 1 | 0.030 | 0.130 | 0.400 | 0.500 | 10.0 | 3 | 250 | 2/3 |$' $F/lat.md
pr_check "fixture msgbuf: no floor or graphchurn row" "$(grep -c '^| \(floor\|stw | 1 | 9\)' $F/lat.md)" = 0
grep_check "fixture gcbench: ratios to malloc and libgc" '^| stw | 110 | 100 - 120 | 6 | 0.52 | 0.73 | 3/3 |$' $F/base.md
grep_check "fixture gcbench: the caption from machine.txt" '(2 CPUs, Test CPU; made 20261202T000000Z at 0123456)' $F/base.md
grep_check "fixture scaling: p50 and total speedups from pauses.csv.gz" '^| msgbuf (nursery 16M) | compact | 1.50 | 0.750 | 2.00x | 2.00x | 1.00 / 2.00 | - |$' $F/scav.md
# Without floor or libgc rows, no such column.
grep -v ',floor,' $D/lat/runs.csv >$F/nofloor.csv && mkdir -p $F/data/nofloor && mv $F/nofloor.csv $F/data/nofloor/runs.csv
tools/figures.sh --data $F/data table nofloor msgbuf >$F/nofloor.md 2>&1
pr_check "fixture msgbuf without floor rows: no floor column, said so" "$(count_of 'floor: largest' $F/nofloor.md)$(count_of 'no `floor` rows' $F/nofloor.md)" = 01

# Drift: a figure changed by hand, a line added, a block cut short: named with the block and line.
cp $D/doc.md $F/drift.md && sed -i 's/^| stw | 110 |/| stw | 109 |/' $F/drift.md
check_msg "drift: a changed figure is named with its block" 1 'drift.md:[0-9]*: the block "base gcbench" (line [0-9]*) differs from its data: the file has "| stw | 109 |' \
    tools/figures.sh --data $D check $F/drift.md
awk '{ print } /^\| stw \| 2 \|/ { print "| hand | 2 |" }' $D/doc.md >$F/added.md
check_msg "drift: an added row is named" 1 'the block "lat msgbuf".*the file has "| hand | 2 |"' tools/figures.sh --data $D check $F/added.md
cp $D/doc.md $F/update.md && sed -i 's/^| stw | 110 |/| stw | 109 |/' $F/update.md
check "update rewrites the drifted block" 0 tools/figures.sh --data $D update $F/update.md
check "update: the file equals the fixture again" 0 cmp $F/update.md $D/doc.md

# Bad input: one line, status 2.
printf '<!-- figures nosuch msgbuf -->\n<!-- /figures -->\n' >$F/nofolder.md
check_msg "bad input: a missing folder" 2 "no results folder .*nosuch" tools/figures.sh --data $D check $F/nofolder.md
printf '<!-- figures lat histogram -->\n<!-- /figures -->\n' >$F/badtable.md
check_msg "bad input: an unknown table" 2 "unknown table 'histogram'" tools/figures.sh --data $D check $F/badtable.md
printf '<!-- figures nocol msgbuf -->\n<!-- /figures -->\n' >$F/nocol.md
check_msg "bad input: a missing column" 2 "nocol/runs.csv lacks the column lat_max_ns" tools/figures.sh --data $D check $F/nocol.md
printf '<!-- figures lat msgbuf -->\n| a |\n' >$F/open.md
check_msg "bad input: a block without its end" 2 "open.md:1: the figures block has no" tools/figures.sh --data $D check $F/open.md
check_msg "bad input: a folder without the table's workload" 2 "base/runs.csv has no graphchurn rows" tools/figures.sh --data $D table base barriers
