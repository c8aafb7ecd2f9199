#!/usr/bin/env bash
# make test: unit tests, every workload on every variant under the verifier (default sizes and stress
# mode), bad-input handling, and the sanitizer builds (TSan for threaded paths, ASan+UBSan for all).
# Prints one line per check and, last, "N passed, N failed". Logs of failures go to build/test-logs/.
set -u
cd "$(dirname "$0")/.."
VARIANTS=${VARIANTS:-"stw bdw"}
SANITIZED=${SANITIZED-$(for v in $VARIANTS; do [ "$v" = bdw ] || echo "$v"; done)}
LOGS=build/test-logs
mkdir -p "$LOGS"
pass=0
fail=0
T=${TEST_TIMEOUT:-600}

# check NAME EXPECTED_STATUS COMMAND... : runs COMMAND, passes when it exits with EXPECTED_STATUS.
check() {
    local name=$1 want=$2
    shift 2
    local log="$LOGS/$(echo "$name" | tr ' /' '__').log"
    timeout "$T" "$@" >"$log" 2>&1
    local rc=$?
    if [ "$rc" = "$want" ]; then
        pass=$((pass + 1))
        echo "ok   $name"
    else
        fail=$((fail + 1))
        echo "FAIL $name (exit $rc, wanted $want; log $log)"
        tail -5 "$log" | sed 's/^/     | /'
    fi
}

# check_msg NAME EXPECTED_STATUS PATTERN COMMAND...: also wants exactly one stderr line matching PATTERN.
check_msg() {
    local name=$1 want=$2 pat=$3
    shift 3
    local err="$LOGS/$(echo "$name" | tr ' /' '__').err"
    timeout "$T" "$@" >/dev/null 2>"$err"
    local rc=$?
    local lines
    lines=$(wc -l <"$err")
    if [ "$rc" = "$want" ] && [ "$lines" = 1 ] && grep -q -- "$pat" "$err"; then
        pass=$((pass + 1))
        echo "ok   $name"
    else
        fail=$((fail + 1))
        echo "FAIL $name (exit $rc, wanted $want; $lines stderr lines; wanted /$pat/)"
        sed 's/^/     | /' "$err" | head -5
    fi
}

SMALL_gcbench="--max-depth 10 --long-lived-depth 10 --array-size 1000"
SMALL_binarytrees="--depth 10"
SMALL_msgbuf="--window 2000 --pushes 40000 --msg-size 256"
WORKLOADS="gcbench binarytrees msgbuf"
small() { eval echo "\$SMALL_$1"; }

echo "# unit tests"
for t in build/stw/test_*; do
    check "unit $(basename "$t")" 0 "$t"
done

echo "# every workload on every variant, verifier on"
for v in $VARIANTS; do
    g=build/$v/gclab
    for w in $WORKLOADS; do
        check "$v $w default --verify" 0 $g run $w --verify --quiet
        check "$v $w threads=3 --verify" 0 $g run $w --threads 3 --gc-threads 2 --verify --quiet $(small $w)
        check "$v $w stress-every=97 --verify" 0 $g run $w --threads 2 --stress-every 97 --verify --quiet $(small $w)
        check "$v $w gc-threads=1 small heap" 0 $g run $w --gc-threads 1 --heap 64M --verify --quiet $(small $w)
    done
done

echo "# bad input: one clear line, non-zero exit"
for v in $VARIANTS; do
    g=build/$v/gclab
    check_msg "$v unknown workload" 2 "unknown workload" $g run nosuch
    check_msg "$v unknown flag" 2 "unknown option --frobnicate" $g run gcbench --frobnicate 3
    check_msg "$v non-numeric threads" 2 "expects a whole number" $g run binarytrees --threads many
    check_msg "$v zero threads" 2 "out of range" $g run binarytrees --threads 0
    check_msg "$v bad heap size" 2 "expects a size" $g run gcbench --heap 12Q
    check_msg "$v heap below minimum" 2 "too small" $g run gcbench --heap 100K $(small gcbench)
    check_msg "$v heap below live set" 2 "smaller than what msgbuf keeps live" $g run msgbuf --heap 64M
    check_msg "$v heap factor" 2 "heap-factor 0.5 is out of range" $g run gcbench --heap-factor 0.5 $(small gcbench)
    check_msg "$v workload param range" 2 "out of range" $g run msgbuf --window 0
    check_msg "$v missing value" 2 "needs a value" $g run msgbuf --pushes
    check_msg "$v params that do not go together" 2 "greater than --max-depth" $g run gcbench --min-depth 9 --max-depth 5
    check_msg "$v unknown command" 2 "unknown command" $g frobnicate
    # 1048-byte messages take 1152-byte cells: the live set passes the up-front check but not the heap.
    check_msg "$v heap exhausted" 3 "heap exhausted" \
        $g run msgbuf --heap 44M --window 40000 --msg-size 1040 --pushes 100000
done

echo "# sanitizers: TSan on threaded paths, ASan+UBSan on everything"
for v in $SANITIZED; do
    for san in tsan asan; do
        g=build/$v-$san/gclab
        [ -x "$g" ] || { fail=$((fail + 1)); echo "FAIL $v-$san not built"; continue; }
        for t in build/$v-$san/test_*; do
            check "$v-$san unit $(basename "$t")" 0 "$t"
        done
        for w in $WORKLOADS; do
            check "$v-$san $w threads=3 --verify" 0 $g run $w --threads 3 --gc-threads 2 --verify --quiet $(small $w)
            check "$v-$san $w stress --verify" 0 $g run $w --threads 2 --gc-threads 3 --stress-every 211 --verify --quiet $(small $w)
        done
    done
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
