# Heap snapshots read by the real consumers (issue 13, item 4): Chrome DevTools' own snapshot worker
# (heap-snapshot-toolkit) and memlab, pinned in tools/snapshot-check and installed by tools/deps.sh
# (tools/npm-deps.sh). First on snapshots whose numbers are known: tests/data/snapshots/npm/tiny.heapsnapshot
# (worked out by hand) and snapshots Node itself writes of small programs (tests/data/snapshots/npm/
# make.mjs, written here, ~4 MB each), including memlab's find-leaks on a leak and on its fix. Then, once
# gclab writes snapshots (`--snapshot-at-end` in `gclab options`), on gclab's: every variant's loads in
# both tools, DevTools' numbers equal `gclab snapshot summary`, memlab names each leak pattern's type and
# nothing in the fixed version; `--snapshot-at-end` writes one that loads.
# Without node, npm or the installed packages the area fails, saying why; GCLAB_NO_NPM=1 skips it (offline).
echo "# snapshot-consumers: heap snapshots in DevTools' worker (heap-snapshot-toolkit) and memlab"
SC=tools/snapshot-check
SD=tests/data/snapshots/npm
SO=build/test-snapshots
sc_fail() { fail=$((fail + 1)); echo "FAIL $1 ($2)"; }
if [ "${GCLAB_NO_NPM:-0}" = 1 ]; then
    skip "snapshot consumers" "GCLAB_NO_NPM=1"
elif ! command -v node >/dev/null 2>&1; then
    sc_fail "snapshot consumers" "no node: install Node.js 20 and run tools/npm-deps.sh, or set GCLAB_NO_NPM=1"
elif [ ! -f $SC/node_modules/.package-lock.json ] || [ $SC/package-lock.json -nt $SC/node_modules/.package-lock.json ]; then
    sc_fail "snapshot consumers" "$SC/node_modules missing or older than package-lock.json: tools/npm-deps.sh says how to install it, or set GCLAB_NO_NPM=1"
else
    rm -rf $SO && mkdir -p $SO/node
    # The hand-worked snapshot: every number, retained sizes included, in both tools.
    check "tiny snapshot loads in DevTools and memlab, the two agree" 0 \
        sh -c "node $SC/check.mjs $SD/tiny.heapsnapshot --json >$SO/tiny.json"
    check "tiny snapshot: both tools' numbers are the hand-worked ones" 0 \
        node $SC/expect.mjs exact $SO/tiny.json $SD/expected-tiny.json
    check "a damaged snapshot: check.mjs fails with one line" 1 \
        sh -c "head -c 3000 $SD/tiny.heapsnapshot >$SO/cut.heapsnapshot; node $SC/check.mjs $SO/cut.heapsnapshot 2>&1 >/dev/null | wc -l | grep -qx 1 && exit 1"
    # Node's own snapshots. The two tools' dominator trees differ on V8's internals (check.mjs says
    # why), so retained sizes are compared for the programs' own classes only.
    check "Node writes the test snapshots ($SD/make.mjs)" 0 node $SD/make.mjs $SO/node
    for f in structure leak-baseline leak-target leak-final fixed-baseline fixed-target fixed-final; do
        check "node $f: loads in DevTools and memlab, the two agree" 0 \
            sh -c "node $SC/check.mjs $SO/node/$f.heapsnapshot --json --retained=TreeNode,Leaf,Entry,LeakedThing,SessionThing >$SO/node/$f.json"
        check "node $f: the program's objects counted" 0 node $SC/expect.mjs counts $SO/node/$f.json $SD/expected.json $f.heapsnapshot
    done
    for k in leak fixed; do
        check "node $k: memlab find-leaks runs" 0 \
            sh -c "node $SC/leaks.mjs $SO/node/$k-baseline.heapsnapshot $SO/node/$k-target.heapsnapshot $SO/node/$k-final.heapsnapshot --trace-all-objects --json >$SO/node/$k-leaks.json"
    done
    check "node leak: memlab names LeakedThing" 0 node $SC/expect.mjs leak $SO/node/leak-leaks.json LeakedThing
    check "node fixed: memlab finds no leak" 0 node $SC/expect.mjs noleak $SO/node/fixed-leaks.json
    # memlab's own command line, as a developer would type it, agrees. Started with node: its bin's
    # "#!/usr/bin/env node --expose-gc ..." line needs the "env -S" that memlab's install script writes in,
    # and npm-deps.sh runs no install scripts (without it, the command hangs instead of starting).
    check "memlab find-leaks (command line) on the node leak: 1 leak, through LeakedThing" 0 \
        sh -c "node --expose-gc $SC/node_modules/@memlab/cli/bin/memlab.js find-leaks --baseline $SO/node/leak-baseline.heapsnapshot --target $SO/node/leak-target.heapsnapshot --final $SO/node/leak-final.heapsnapshot --trace-all-objects=selected-js-objects --work-dir $SO/memlab >$SO/node/leak-cli.txt 2>&1 && grep -aq 'MemLab found 1 leak' $SO/node/leak-cli.txt && grep -aq '\[LeakedThing\] (object)' $SO/node/leak-cli.txt"

    # gclab's own snapshots (--snapshot-every, and --snapshot-at-end), from every collector, bdw's with
    # its "(Conservative roots)".
    for v in $VARIANTS; do
            case $v in *-none) continue ;; esac   # none: built to lose objects
            g=build/$v/gclab
            d=$SO/$v
            rm -rf $d
            check "$v: weakcache --snapshot-every" 0 $g run weakcache $(small weakcache) --snapshot-every 3 --out $d --quiet
            f=$(find $d -name '*.heapsnapshot' | sort -V | tail -1)
            if [ -z "$f" ]; then sc_fail "$v: weakcache snapshot" "no .heapsnapshot under $d"; continue; fi
            check "$v: weakcache snapshot loads in DevTools and memlab, the two agree" 0 \
                sh -c "node $SC/check.mjs $f --json >$d/check.json"
            check "$v: gclab snapshot summary" 0 sh -c "$g snapshot summary $f --top 100000 >$d/summary.txt"
            check "$v: DevTools' Summary equals gclab snapshot summary" 0 node $SC/expect.mjs summary $d/check.json $d/summary.txt
            check "$v: weakcache --snapshot-at-end" 0 $g run weakcache $(small weakcache) --snapshot-at-end --out $d/end --quiet
            f=$(find $d/end -name '*-end.heapsnapshot')
            check "$v: the snapshot at the end loads in DevTools and memlab, the two agree" 0 \
                sh -c "test -n '$f' && node $SC/check.mjs $f --json >$d/end.json"
            # Each leak pattern: three snapshots (first, middle, last of --snapshot-every) as memlab's
            # baseline, target and final. memlab's default keeps only detached objects (the detached
            # pattern's); the leaked objects of the others are plain objects, as a JavaScript leak's
            # are, so memlab is asked to trace them all (--trace-all-objects), as for Node's snapshots.
            while read -r num name type <&3; do
                for fixed in 0 1; do
                    why=""
                    [ $fixed = 1 ] && why=$(unsupported $v leaks-fixed-$name)
                    if [ -n "$why" ]; then skip "$v leaks $name fixed: memlab" "$why"; continue; fi
                    ld=$d/leaks-$name-$fixed
                    check "$v leaks $name${fixed#0}: --snapshot-every" 0 \
                        $g run leaks --pattern "$num" --fixed $fixed --snapshot-every 5 --out $ld --quiet $(small leaks)
                    set -- $(find $ld -name '*.heapsnapshot' | sort -V)
                    if [ $# -lt 3 ]; then sc_fail "$v leaks $name fixed=$fixed: snapshots" "$# snapshots under $ld, wanted 3 or more"; continue; fi
                    eval "mid=\${$((($# + 1) / 2))}" && eval "last=\${$#}"
                    check "$v leaks $name fixed=$fixed: memlab find-leaks runs" 0 sh -c "node $SC/leaks.mjs $1 $mid $last --trace-all-objects --json >$ld/leaks.json"
                    if [ $fixed = 0 ]; then
                        check "$v leaks $name: memlab names $type" 0 node $SC/expect.mjs leak $ld/leaks.json "$type"
                    else
                        check "$v leaks $name fixed: memlab finds no leak" 0 node $SC/expect.mjs noleak $ld/leaks.json
                    fi
                done
            done 3<<PATTERNS
$(harness/leakcheck.sh --patterns)
PATTERNS
    done
fi
