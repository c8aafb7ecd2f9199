# tests/lib.sh: what every area file of make test uses (sourced by tests/run.sh, never run alone).
# Each check prints "ok   NAME" or "FAIL NAME (why)" and counts into pass and fail, which run.sh
# totals on its last line.
pass=0
fail=0
LOGS=build/test-logs
mkdir -p "$LOGS"
T=${TEST_TIMEOUT:-600}

# A variant's unit tests are the programs build.mk made beside its gclab (collector/<name>.mk's
# COLLECTOR_TESTS); the micro-benchmark binary is not one.
unit_tests() {
    local f
    for f in "$1"/*; do
        case $(basename "$f") in gclab | micro | obj) continue ;; esac
        [ -f "$f" ] && [ -x "$f" ] && echo "$f"
    done
}
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

# check_quiet NAME COMMAND...: passes when COMMAND exits 0 and prints nothing on stderr; else shows
# the first stderr lines (a check that names what differs).
check_quiet() {
    local name=$1 err
    err="$LOGS/$(echo "$1" | tr ' /' '__').err"
    shift
    if timeout "$T" "$@" >/dev/null 2>"$err" && [ ! -s "$err" ]; then pass=$((pass + 1)); echo "ok   $name"
    else fail=$((fail + 1)); echo "FAIL $name"; sed 's/^/     | /' "$err" | head -3; fi
}

# csv_check NAME DIR AWK_CONDITION: passes when awk, reading DIR/runs.csv with named columns c["..."],
# finds the END condition true (variables: n rows, ok rows, bad rows, g[gc_threads] seen).
csv_check() {
    local name=$1 dir=$2 cond=$3
    if [ -f "$dir/runs.csv" ] && awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        { n++; if ($c["status"] == "ok") ok++; else bad++; g[$c["gc_threads"]] = 1; met += $c["metered_count"] }
        END { exit !('"$cond"') }' "$dir/runs.csv"; then
        pass=$((pass + 1)); echo "ok   $name"
    else
        fail=$((fail + 1)); echo "FAIL $name ($dir/runs.csv does not satisfy: $cond)"
    fi
}
# grep_check NAME PATTERN FILE: passes when FILE has a line matching PATTERN.
grep_check() {
    if grep -q -- "$2" "$3" 2>/dev/null; then pass=$((pass + 1)); echo "ok   $1"
    else fail=$((fail + 1)); echo "FAIL $1 (no /$2/ in $3)"; fi
}
# pr_check NAME COND...: passes when the test(1) condition holds
pr_check() {
    local name=$1
    shift
    if [ "$@" ]; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name ([ $* ])"; fi
}
# count_of PATTERN FILE: lines of FILE matching PATTERN (0 when none or no file)
count_of() {
    local c
    c=$(grep -c -- "$1" "$2" 2>/dev/null)
    echo "${c:-0}"
}
# Small sizes of each workload, for the runs repeated on many variants and settings.
SMALL_gcbench="--max-depth 10 --long-lived-depth 10 --array-size 1000"
SMALL_binarytrees="--depth 10"
SMALL_msgbuf="--window 2000 --pushes 40000 --msg-size 256"
SMALL_graphchurn="--nodes 5000 --ops 100000 --check-every 20000"
SMALL_collectrace="--ops 5000 --ring 32 --spawn 20"
SMALL_ephemerons="--chains 16 --length 64 --rounds 5"
SMALL_finalizers="--objects 1500 --rounds 3"
SMALL_weakcache="--keys 1000 --requests 15000 --check-every 5000"
# leaks at this size still has what the leak detector needs: 15 censuses, each tick adding 32 KiB of
# the pattern's type (the fixed cache and ring fill in 2 ticks, inside the detector's warm-up).
SMALL_leaks="--ticks 15 --requests 200 --leaks 8 --bound 16 --request-size 256 --base 512"
SMALL_lrucache="--keys 5000 --capacity 500 --requests 50000"
WORKLOADS="gcbench binarytrees msgbuf graphchurn collectrace ephemerons finalizers weakcache leaks lrucache"
small() { eval echo "\$SMALL_$1"; }
# Workloads that run on one thread (an event loop): `thr W N` is N for the others, 1 for these.
SINGLE_THREADED="leaks"
thr() { case " $SINGLE_THREADED " in *" $1 "*) echo 1 ;; *) echo "$2" ;; esac; }
# unsupported VARIANT WORKLOAD: why VARIANT (sanitizer suffix and all) cannot run WORKLOAD, or nothing
# when it can. The workload refuses such a run itself (30-badinput.sh checks that it does).
unsupported() {
    case "$1:$2" in
    bdw:ephemerons | bdw-*:ephemerons) echo "bdw has no ephemerons: gc_has_ephemerons() is false" ;;
    bdw:leaks-fixed-map-keys | bdw-*:leaks-fixed-map-keys)
        echo "the fixed map-keys pattern needs a WeakMap; bdw has no ephemerons: gc_has_ephemerons() is false" ;;
    esac
}
# skip NAME WHY: says that a check is not run, and why (counted in neither total).
skip() { echo "skip $1 ($2)"; }

