#!/bin/sh
# leakcheck.sh [OUT]: the leak detector against ground truth (issue 12, README "Leak detector: ground
# truth"). Runs the `leaks` workload for every pattern, leaky and fixed, on every variant built, REPEAT
# times each, with --leak-check report --out OUT, then scores the detector from OUT/runs.csv and writes
# OUT/leaks.md: per pattern and variant how often it was flagged (with which type first), and
# per variant the true positives (a leaky run flagged with its pattern's type first), the false
# negatives (a leaky run not flagged), the misattributed (a leaky run flagged with another type first:
# counted against both precision and recall) and the false positives (a fixed run flagged), with
# precision and recall.
#
#   OUT        default results/leakcheck-<UTC time>
#   VARIANTS   default as the Makefile's (stw bdw incremental-* concurrent-* generational); a variant
#              not built (no build/V/gclab) is skipped and said so; BARRIER=none builds lose objects
#              by design and are never run
#   REPEAT     repetitions of each run (default 5)
#   LEAKS_ARGS more options for every run (e.g. smaller sizes, or --leak-window 4)
#   harness/leakcheck.sh --patterns   prints the pattern table (number, name, leaked type) and exits
#
# A run the workload refuses (exit status 2: the fixed map-keys pattern on a collector without
# ephemerons) is skipped with its reason; a run whose own check fails (exit 1) stays in runs.csv as
# failed and is counted apart, never as a verdict.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

# The patterns of workloads/leaks.c: number, name, the type each leaks (what the detector must name).
PATTERNS="1 listeners Listener
2 cache RequestRecord
3 closure ClosureScope
4 timers TimerRecord
5 detached DetachedNode
6 map-keys MapValue
7 global GlobalEntry"

if [ "${1:-}" = --patterns ]; then
    echo "$PATTERNS"
    exit 0
fi
case "${1:-}" in -*) echo "usage: harness/leakcheck.sh [OUT] | --patterns" >&2; exit 2 ;; esac

BARRIERS="dijkstra steele yuasa"
all="stw bdw"
for b in $BARRIERS; do all="$all incremental-$b"; done
for b in $BARRIERS; do all="$all concurrent-$b"; done
all="$all generational"
VARIANTS=${VARIANTS:-$all}
REPEAT=${REPEAT:-5}
LEAKS_ARGS=${LEAKS_ARGS:-}
out=${1:-$root/results/leakcheck-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out" || exit 2
skipped=$out/skipped.txt
: >"$skipped"

cd "$root" || exit 2
ran=""
for v in $VARIANTS; do
    case $v in *-none) echo "$v: not run (a build without a barrier loses objects by design)" >>"$skipped"; continue ;; esac
    g=build/$v/gclab
    if [ ! -x "$g" ]; then
        echo "$v: not built ($g missing; make -f build.mk VARIANT=$v)" >>"$skipped"
        continue
    fi
    ran="$ran $v"
    echo "$PATTERNS" | while read -r num name type; do
        for fixed in 0 1; do
            what="$v $name $([ $fixed = 1 ] && echo fixed || echo leaky)"
            # shellcheck disable=SC2086
            $g run leaks --pattern "$num" --fixed "$fixed" --leak-check report --repeat "$REPEAT" --quiet \
                --out "$out" $LEAKS_ARGS 2>"$out/.stderr"
            rc=$?
            case $rc in
            0) echo "ok   $what" ;;
            1) echo "fail $what (a repetition failed its own check: $(head -1 "$out/.stderr"))" ;;
            2) echo "$what: refused: $(head -1 "$out/.stderr")" >>"$skipped"; echo "skip $what (refused)" ;;
            *) echo "fail $what (exit $rc: $(head -1 "$out/.stderr"))" ;;
            esac
        done
    done
done
rm -f "$out/.stderr"
[ -f "$out/runs.csv" ] || { echo "leakcheck.sh: no run produced results (variants built: none of $VARIANTS)" >&2; exit 1; }

# The scoring: rows of workload leaks, by params' pattern= and fixed=.
echo "$PATTERNS" >"$out/.patterns"
awk -f plots/lib.awk -f harness/leakcheck.awk -v order="$ran" -v skipfile="$skipped" -v cmd="REPEAT=$REPEAT VARIANTS=\"$(echo $ran)\" LEAKS_ARGS=\"$LEAKS_ARGS\" harness/leakcheck.sh $out" \
    "$out/.patterns" "$out/runs.csv" >"$out/leaks.md"
rc=$?
rm -f "$out/.patterns"
[ $rc = 0 ] || { echo "leakcheck.sh: scoring failed" >&2; exit 1; }
echo "wrote $out/leaks.md"
