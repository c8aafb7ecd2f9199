#!/usr/bin/env bash
# make test: unit tests, every workload on every variant under the verifier (default sizes and stress
# mode), bad-input handling, the sanitizer builds (TSan for threaded paths, ASan+UBSan for all), the
# harness, plots and micro-benchmarks, and heap snapshots read by DevTools' worker code and memlab
# (66-snapshot-consumers: needs tools/snapshot-check's npm packages, which tools/deps.sh installs; fails
# without them unless GCLAB_NO_NPM=1, which skips it). Prints one line per check and, last, "N passed,
# N failed".
# Logs of failures go to build/test-logs/.
#
# Each area of checks is a file tests/areas/NN-NAME.sh, sourced in file-name order (so NN fixes where
# an area runs; a new area is a new file, nothing to list here). An area uses the helpers of
# tests/lib.sh (check, check_msg, check_quiet, csv_check, grep_check, pr_check, count_of, small) and the
# variables below, and echoes a "# heading" line first. TEST_AREAS="harness plots" runs only the
# areas so named (NAME, without NN- and .sh).
set -u
cd "$(dirname "$0")/.."
VARIANTS=${VARIANTS:-"stw bdw"}
# Baselines (collector/<name>.mk including baseline/baseline.mk: malloc, libgc) run gcbench only: the
# areas test them apart (20-workloads, 30-badinput, 60-harness). One named in VARIANTS counts as one.
BASELINES=${BASELINES-}
all_baselines=$(grep -l '^include baseline/baseline.mk' collector/*.mk | sed 's|collector/||; s|\.mk$||')
v_only=
for v in $VARIANTS; do
    case " $(echo $all_baselines) " in
    *" $v "*) case " $BASELINES " in *" $v "*) ;; *) BASELINES="$BASELINES $v" ;; esac ;;
    *) v_only="$v_only $v" ;;
    esac
done
VARIANTS=${v_only# }
TSAN_VARIANTS=${TSAN_VARIANTS-stw}
ASAN_VARIANTS=${ASAN_VARIANTS-stw}
. tests/lib.sh

for area in tests/areas/[0-9]*.sh; do
    name=$(basename "$area" .sh)
    name=${name#*-}
    if [ -n "${TEST_AREAS:-}" ]; then
        case " $TEST_AREAS " in *" $name "*) ;; *) continue ;; esac
    fi
    . "$area"
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
