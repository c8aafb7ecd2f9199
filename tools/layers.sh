#!/usr/bin/env bash
# tools/layers.sh: fails when an #include points up a layer or sideways where that is not allowed, so
# a collector can be swapped, a workload run on any of them and the harness changed without the
# others noticing. Prints one line per violation (file:line: what it includes, and why not); exits 1
# if there is any, 0 otherwise.
#
# The rule, by the folder of the including file (a folder may always include its own files):
#   include/    only the selected collector's fast-path header (collector/<name>.h)
#   util/       nothing of the project (util/ itself only)
#   collector/  include/, util/, collector/
#   workloads/  include/, util/, workloads/
#   baseline/   like workloads: include/, util/, baseline/
#   harness/    include/, util/, workloads/ (the registry), harness/
#   micro/, tests/  anything: micro measures collector internals from outside them, and unit tests
#                   test the internals (neither is linked into gclab)
# An include is resolved as the compiler does (build.mk): beside the including file, then include/,
# then util/. One that resolves to no project file (a system header) is not a layer's business.
set -u
cd "$(dirname "$0")/.."

allowed() {   # allowed FROM_LAYER TO_PATH
    local from=$1 to=$2 layer=${2%%/*}
    case $from in
    include) [[ $to =~ ^collector/[a-z_]+\.h$ ]] ;;
    util) [ "$layer" = util ] ;;
    collector) [[ $layer =~ ^(include|util|collector)$ ]] ;;
    workloads) [[ $layer =~ ^(include|util|workloads)$ ]] ;;
    baseline) [[ $layer =~ ^(include|util|baseline)$ ]] ;;
    harness) [[ $layer =~ ^(include|util|workloads|harness)$ ]] ;;
    *) true ;;
    esac
}

resolve() {   # resolve FILE INCLUDED: the project path it names, or nothing
    local dir cand
    dir=$(dirname "$1")
    for cand in "$dir/$2" "include/$2" "util/$2"; do
        if [ -f "$cand" ]; then
            realpath -m --relative-to=. "$cand"
            return
        fi
    done
}

bad=0
while IFS= read -r file; do
    from=${file%%/*}
    while IFS=: read -r line inc; do
        to=$(resolve "$file" "$inc")
        [ -n "$to" ] || continue
        if ! allowed "$from" "$to"; then
            if [ "$from" = include ]; then
                echo "$file:$line: includes $to (include/ may include only a collector's fast-path header)"
            else
                echo "$file:$line: includes $to ($from/ may not include ${to%%/*}/)"
            fi
            bad=1
        fi
    done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]' "$file" |
             sed -E 's/^([0-9]+):[^"<]*["<]([^">]*)[">].*/\1:\2/')
done < <(find include util collector workloads baseline harness -type f \( -name '*.c' -o -name '*.h' -o -name '*.cc' \) | sort)
exit $bad
