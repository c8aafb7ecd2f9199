#!/bin/sh
# summary-vs-census.sh TYPES_CSV SNAPSHOT: gclab's reader (gclab snapshot summary) on gclab's own
# snapshot gives, per type, the count and shallow size the census of the same cycle gave. Exit 1 with
# the first difference.
set -eu
types=$1 snap=$2 g=${GCLAB:-build/stw/gclab}
cycle=$(echo "$snap" | sed 's/.*-\([0-9]*\)\.heapsnapshot$/\1/')
$g snapshot summary "$snap" --top 100000 | awk -v cycle="$cycle" -F, '
    FNR == NR { if (FNR == 1) { for (i = 1; i <= NF; i++) c[$i] = i; next }
                t = $c["type"]; gsub(/"/, "", t)
                if ($c["cycle"] == cycle && t != "(total)") { want[t] = $c["objects"] " " $c["bytes"]; n++ }
                next }
    /^#/ { next }
    { split($0, f, " "); name = $0; sub(/^ *[0-9]+ +[0-9]+ +[0-9]+ +/, "", name); got[name] = f[1] " " f[2] }
    END { if (!n) { print "FAIL no census of cycle " cycle; exit 1 }
          for (t in want) if (got[t] != want[t]) { print "FAIL " t ": summary " got[t] ", census " want[t]; exit 1 }
          for (t in got) if (!(t in want)) { print "FAIL " t " in the summary, not in the census"; exit 1 }
          print "ok " n " types: counts and shallow sizes equal the census of cycle " cycle }' "$types" -
