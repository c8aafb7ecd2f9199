# The machine's noise floor (harness/floor.h) and where the slowest operations' time went
# (harness/stalls.h, stalls.csv): gclab run --floor, floor runs in suites, the split's invariants on
# real runs, the report's table. Results go under build/test-floor/.
echo "# noise floor and stall attribution"
F=build/test-floor
rm -rf "$F"
mkdir -p "$F"
g=build/stw/gclab
check_msg "run --floor 0: out of range" 2 "--floor 0 is out of range" $g run msgbuf --floor 0
check_msg "run --floor x: not a number" 2 "--floor expects a whole number, not 'x'" $g run msgbuf --floor x
check_msg "suite: floor takes yes or no" 2 "floor takes yes or no" $g suite tests/suites/bad-floor.suite --check
check "run --floor 100, twice" 0 sh -c "$g run msgbuf --floor 100 --repeat 2 --gc-threads 1 --out $F/probe >$F/probe.txt"
grep_check "floor summary: the largest gap" 'largest gap' $F/probe.txt
check "floor rows: variant floor, collector none, 100 ms, gaps recorded, no collection" 0 awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    { n++; if ($c["variant"] != "floor" || $c["collector"] != "none" || $c["wall_ns"] != 100000000 ||
               $c["lat_max_ns"] <= 0 || $c["lat_count"] != $c["ops"] || $c["collections"] != 0) exit 1 }
    END { exit n != 2 }' $F/probe/runs.csv
# A suite: floor runs after the variants of each configuration, as long as the longest of them.
v2=$(for v in $VARIANTS; do [ "$v" != stw ] && echo "$v" && break; done)
v2=${v2:-stw}
if [ "$v2" = stw ]; then sed 's/ VARIANT2//' tests/suites/floor.suite >$F/floor.suite
else sed "s/VARIANT2/$v2/" tests/suites/floor.suite >$F/floor.suite; fi
nv=$(awk '$1 == "variants" { print NF - 1 }' $F/floor.suite)
check "suite with floor runs" 0 sh -c "$g suite $F/floor.suite --out $F/suite >$F/suite.txt"
csv_check "suite: every run and a floor per configuration and round ok" $F/suite "n == ($nv + 1) * 4 && ok == n"
check "suite: each floor ran at least as long as the runs of its configuration and round" 0 awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    { k = $c["gc_threads"] SUBSEP $c["rep"]
      if ($c["variant"] == "floor") fl[k] = $c["wall_ns"]; else if ($c["wall_ns"] > run[k]) run[k] = $c["wall_ns"] }
    END { for (k in run) { if (!(k in fl) || fl[k] < run[k]) exit 1; m++ } exit m != 4 }' $F/suite/runs.csv
check "suite --list: the floor follows the variants" 0 sh -c "$g suite $F/floor.suite --list | awk 'NR == 2 * $nv + 1 && / on floor:/ { ok = 1 } END { exit !ok }'"
# stalls.csv: the slowest operations of each run, slowest first, every split adding up to its operation,
# and runs.csv's stall columns the sums of the run's rows.
check "stalls.csv: ranks, order, causes adding up to each operation" 0 awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    { id = $1; if ($c["rank"] != ++rank[id]) exit 1
      if (rank[id] > 1 && $c["duration_ns"] > last[id]) exit 1; last[id] = $c["duration_ns"]
      s = 0; for (i = c["duration_ns"] + 1; i < c["window_lead_ns"]; i++) s += $i
      if (s != $c["duration_ns"]) exit 1; rows++ }
    END { exit !rows }' $F/suite/stalls.csv
check "runs.csv: stall_ops and stall_total_ns are stalls.csv's rows and their sum" 0 awk -F, '
    FNR == 1 { file++; delete c; for (i = 1; i <= NF; i++) c[$i] = i; next }
    file == 1 { n[$1]++; t[$1] += $c["duration_ns"]; u[$1] += $c["unattributed_ns"]; next }
    $c["variant"] != "floor" { runs++; if (n[$1] != $c["stall_ops"] || t[$1] != $c["stall_total_ns"] ||
                                            t[$1] - u[$1] != $c["stall_attributed_ns"] || !n[$1]) exit 1 }
    END { exit !runs }' $F/suite/stalls.csv $F/suite/runs.csv
check "stw with a collection every 20000 allocations: pauses among the slowest operations" 0 \
    sh -c "$g run msgbuf --window 20000 --pushes 100000 --stress-every 20000 --quiet --out $F/stress &&
           awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[\$i] = i; next } { p += \$c[\"full_ns\"] } END { exit !(p > 0) }' $F/stress/stalls.csv"
check "report: the floor and where the time went" 0 env NOPLOTS=1 harness/report.sh $F/suite
grep_check "report: the table of worst operation against the floor" '| workload, configuration | variant | worst operation | floor: largest gap' $F/suite/report.md
check_msg "run --floor with --census: refused" 2 "--floor measures the machine, not a heap" $g run msgbuf --floor 10 --census
# With gnuplot: the stall bars drawn beside every other plot (none of them lost to the other's manifest).
if command -v gnuplot >/dev/null 2>&1; then
    check "plots of a folder with floor rows and stalls.csv" 0 sh -c "plots/plot.sh $F/suite >/dev/null 2>&1"
    pr_check "plots: the stall bars" -f $F/suite/plots/stalls-msgbuf.png
    pr_check "plots: the headline and latency plots too" -f $F/suite/plots/headline.png -a -f $F/suite/plots/latency-msgbuf-t1-g1-f2.png
    grep_check "latency plot: the floor's line says what it is" 'floor: this machine, no GC' $F/suite/plots/data/latency-msgbuf-t1-g1-f2.inc
fi
