# Heap snapshots read back: `gclab snapshot summary|diff|retainers` on the Node snapshots committed in
# tests/data/snapshots/ (made by make-snapshots.sh from programs.js, whose classes have known counts),
# against the numbers DevTools' own code computed on the same files (*.devtools.txt, recorded by
# make-snapshots.sh with heap-snapshot-toolkit; no npm needed here), and bad input. The reader does not
# depend on the collector: the first variant's gclab does it all.
echo "# snapshots: summary, diff and retainers against DevTools' numbers, bad input"
g=build/${VARIANTS%% *}/gclab
D=tests/data/snapshots
S=build/test-snapshots
mkdir -p "$S"
for f in classes before after; do
    check "snapshot summary $f" 0 sh -c "$g snapshot summary $D/$f.heapsnapshot >$S/$f.txt"
    # Every row (count, shallow size, retained size, class) as DevTools has it, in DevTools' order.
    check "snapshot summary $f: every class's count, shallow and retained size equal DevTools'" 0 \
        bash -c "grep -v '^#' $S/$f.txt | diff - <(grep -v '^#' $D/$f.devtools.txt)"
done
# programs.js's classes, by count: exact.
while read -r count cls; do
    check "snapshot summary: $count $cls" 0 awk -v c="$count" -v n="$cls" '!/^#/ && $4 == n && NF == 4 { found = ($1 == c) } END { exit !found }' $S/classes.txt
done <<EOF
100 Holder
1 CycleA
1 CycleB
10 WmKey
10 WmValue
1 WeakTarget
1 TargetOwner
EOF
check "snapshot summary: LonelyTarget (only a WeakRef held it) is gone" 1 grep -q LonelyTarget $S/classes.txt
# Retained sizes that follow from the structure: a Holder is 40 bytes and its array 112; a key retains
# its WeakMap value (DevTools' ephemeron rule: 10 x (32 + 208)); the owner retains the WeakRef's target.
grep_check "snapshot summary: Holder 100 x 40 bytes, retaining 100 x 152" '^ *100 *4000 *15200  Holder$' $S/classes.txt
grep_check "snapshot summary: WmKey retains its WeakMap values" '^ *10 *320 *2400  WmKey$' $S/classes.txt
grep_check "snapshot summary: TargetOwner retains the WeakRef's target" '^ *1 *96 *712  TargetOwner$' $S/classes.txt
check "snapshot summary from stdin" 0 bash -c "cat $D/classes.heapsnapshot | $g snapshot summary - | grep -v '^#' | diff - <(grep -v '^#' $S/classes.txt)"
check "snapshot summary --top 3: three rows" 0 bash -c "[ \$($g snapshot summary $D/classes.heapsnapshot --top 3 | grep -vc '^#') = 3 ]"

check "snapshot diff before after" 0 sh -c "$g snapshot diff $D/before.heapsnapshot $D/after.heapsnapshot >$S/diff.txt"
check "snapshot diff: every row equals DevTools' Comparison" 0 bash -c "grep -v '^#' $S/diff.txt | diff - $D/diff.devtools.txt"
grep_check "snapshot diff: Holder 50 new, 30 deleted" '^ *50 *30 *+20 *2000 *1200 *+800  Holder$' $S/diff.txt

# Retainer paths (ids of programs.js's objects in classes.heapsnapshot).
check "snapshot retainers of a Holder" 0 sh -c "$g snapshot retainers $D/classes.heapsnapshot 74535 >$S/holder.txt"
grep_check "snapshot retainers: Holder through global.holders[93]" '^1: root -(.2)-> global @6047 -(.holders)-> Array @50667 -(\[93\])-> Holder @74535$' $S/holder.txt
grep_check "snapshot retainers: Holder's retained size (itself and its array)" 'retained size 152;' $S/holder.txt
check "snapshot retainers of a WeakMap value" 0 sh -c "$g snapshot retainers $D/classes.heapsnapshot 74553 >$S/wmvalue.txt"
grep_check "snapshot retainers: the value through its key first" '^1: .*-(.keys)-> Array @50717 -(\[1\])-> WmKey @74561 -({3 / part of key' $S/wmvalue.txt
grep_check "snapshot retainers: ... then through the WeakMap's table" '^2: .*-(.wm)-> WeakMap @50647 -({table})-> (array) @75891' $S/wmvalue.txt
check "snapshot retainers of a cycle's member" 0 sh -c "$g snapshot retainers $D/classes.heapsnapshot 75885 >$S/cycle.txt"
grep_check "snapshot retainers: CycleB through CycleA.peer" '^1: root -(.2)-> global @6047 -(.cycle)-> CycleA @50773 -(.peer)-> CycleB @75885$' $S/cycle.txt
check "snapshot retainers of a WeakRef's target" 0 sh -c "$g snapshot retainers $D/classes.heapsnapshot 75289 >$S/weakref.txt"
grep_check "snapshot retainers: WeakTarget through its owner, the WeakRef left out" '1 retaining edges (weak ones left out), 1 paths' $S/weakref.txt
grep_check "snapshot retainers: ... owner.target" '^1: .*-(.owner)-> TargetOwner @[0-9]* -(.target)-> WeakTarget @75289$' $S/weakref.txt

# Bad input: one line on stderr, exit status 2.
head -c 20000 $D/classes.heapsnapshot >$S/truncated.heapsnapshot
sed 's/"nodes":\[/"nodes":[[/' $D/classes.heapsnapshot >$S/malformed.heapsnapshot
printf '{"snapshot":{"meta":{},"node_count":1,"edge_count":0}}' >$S/nometa.heapsnapshot
check_msg "snapshot: missing file" 2 "cannot open $S/nosuch.heapsnapshot" $g snapshot summary $S/nosuch.heapsnapshot
check_msg "snapshot: truncated file" 2 "truncated.heapsnapshot: byte 20000: the file ends inside a number (truncated?)" \
    $g snapshot summary $S/truncated.heapsnapshot
check_msg "snapshot: malformed JSON" 2 "malformed.heapsnapshot: byte [0-9]*: expected a number, found '\['" \
    $g snapshot summary $S/malformed.heapsnapshot
check_msg "snapshot: meta without fields" 2 "node_fields has no \"type\"" $g snapshot summary $S/nometa.heapsnapshot
check_msg "snapshot: not a snapshot" 2 "expected '{' to open the snapshot, found '#'" $g snapshot summary README.md
check_msg "snapshot: unknown id" 2 "no node has id 12345678" $g snapshot retainers $D/classes.heapsnapshot 12345678
check_msg "snapshot: id not a number" 2 "ID expects a whole number, not 'x7'" $g snapshot retainers $D/classes.heapsnapshot x7
check_msg "snapshot: retainers without an id" 2 "retainers is missing an argument" $g snapshot retainers $D/classes.heapsnapshot
check_msg "snapshot: diff with one file" 2 "diff is missing an argument" $g snapshot diff $D/before.heapsnapshot
check_msg "snapshot: diff with a missing second file" 2 "cannot open nosuch" $g snapshot diff $D/before.heapsnapshot nosuch
check_msg "snapshot: bad --top" 2 "--top expects a whole number" $g snapshot summary $D/classes.heapsnapshot --top many
check_msg "snapshot: unknown option" 2 "unknown option --frob" $g snapshot summary $D/classes.heapsnapshot --frob
check_msg "snapshot: unknown subcommand" 2 "unknown subcommand 'sumary'" $g snapshot sumary $D/classes.heapsnapshot
check_msg "snapshot: no subcommand" 2 "needs a subcommand" $g snapshot
