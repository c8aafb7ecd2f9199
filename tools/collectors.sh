#!/usr/bin/env bash
# Checks README's "Adding a collector" recipe against the tree (docs/DESIGN.md §10): every collector
# over the common heap (collector/<name>.mk other than bdw, libgc's wrapper, and the baselines malloc and libgc, no collectors)
# has its policy file defining the seam's table, its header defining its part of gc_mut, and its one
# registration line, the name in the Makefile's VARIANTS. One line per problem, exit 1 if any.
cd "$(dirname "$0")/.."
bad=0
for mk in collector/*.mk; do
    name=$(basename "$mk" .mk)
    case $name in bdw | malloc | libgc) continue ;; esac
    grep -q 'const gc_collector_ops gc_collector = {' "collector/$name.c" 2>/dev/null ||
        { echo "collector/$name.c does not define the seam's table (const gc_collector_ops gc_collector)"; bad=1; }
    { grep -q 'struct gc_mut_collector' "collector/$name.h" 2>/dev/null ||
        grep -q '#include "common/cmark_mut.h"' "collector/$name.h" 2>/dev/null; } ||
        { echo "collector/$name.h does not define struct gc_mut_collector (its part of gc_mut)"; bad=1; }
    case " $(grep -E '^VARIANTS \?=' Makefile) " in *" $name"*) ;; *)
        echo "collector $name is not in the Makefile's VARIANTS"; bad=1 ;; esac
done
exit $bad
