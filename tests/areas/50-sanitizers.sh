# The TSan and ASan+UBSan builds: their unit tests and small workloads under the verifier.
echo "# sanitizers: TSan where collection runs beside mutators, ASan+UBSan for the rest"
for vs in $(for v in $TSAN_VARIANTS; do echo $v-tsan; done) $(for v in $ASAN_VARIANTS; do echo $v-asan; done); do
        g=build/$vs/gclab
        [ -x "$g" ] || { fail=$((fail + 1)); echo "FAIL $vs not built"; continue; }
        for t in $(unit_tests build/$vs); do
            check "$vs unit $(basename "$t")" 0 "$t"
        done
        case $vs in *-none-*) continue ;; esac   # built to lose objects: their unit tests above say so
        for w in $WORKLOADS; do
            why=$(unsupported $vs $w)
            if [ -n "$why" ]; then skip "$vs $w" "$why"; continue; fi
            check "$vs $w threads=$(thr $w 3) --verify" 0 $g run $w --threads $(thr $w 3) --gc-threads 2 --verify --quiet $(small $w)
            check "$vs $w stress --verify" 0 $g run $w --threads $(thr $w 2) --gc-threads 3 --stress-every 211 --verify --quiet $(small $w)
        done
done
