# Unit tests: each variant's programs from COLLECTOR_TESTS (collector/<name>.mk).
echo "# unit tests"
for v in $VARIANTS; do
    for t in $(unit_tests build/$v); do
        check "$v unit $(basename "$t")" 0 "$t"
    done
done
