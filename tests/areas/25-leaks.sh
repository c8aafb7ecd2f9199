# The leak detector against the leak patterns (workloads/leaks.c, harness/leakcheck.sh): on every
# variant, every pattern at small size with --leak-check fail. The leaky program must fail with its
# pattern's type named first; the fixed one must pass. The lrucache workload, which does not leak, must
# pass too: its live set grows while the cache fills, then stays.
echo "# leaks: every pattern flagged with its type, no fix flagged"
for v in $VARIANTS; do
    g=build/$v/gclab
    case $v in *-none) continue ;; esac   # built to lose objects
    # Read on fd 3 from a here-document: a pipe would run the loop, and its counts, in a subshell.
    while read -r num name type <&3; do
        check_msg "$v leaks $name: flagged, $type first" 1 "leak suspected: .*most grown: $type\$" \
            $g run leaks --pattern "$num" --leak-check fail --quiet $(small leaks)
        why=$(unsupported $v leaks-fixed-$name)
        if [ -n "$why" ]; then skip "$v leaks $name fixed" "$why"; continue; fi
        check "$v leaks $name fixed: not flagged" 0 $g run leaks --pattern "$num" --fixed 1 --leak-check fail --quiet $(small leaks)
    done 3<<PATTERNS
$(harness/leakcheck.sh --patterns)
PATTERNS
    check "$v lrucache: not flagged" 0 $g run lrucache --leak-check fail --quiet $(small lrucache)
done
