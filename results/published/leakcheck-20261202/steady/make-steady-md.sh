#!/bin/bash
# Makes steady.md from runs.csv and types.csv.gz in this folder: bash make-steady-md.sh > steady.md
cd "$(dirname "$0")"
echo "| variant | workload | runs | suspected | no verdict | censuses per run | live MiB, mean of censuses | max |"
echo "|---|---|--:|--:|--:|--:|--:|--:|"
awk -F, 'FILENAME ~ /runs.csv/ { if (FNR == 1) { for (i = 1; i <= NF; i++) c[$i] = i; next }
         k = $c["variant"] " " $c["workload"]; n[k]++; s[k] += ($c["leak_suspected"] == 1);
         nv[k] += ($c["leak_suspected"] == -1); cen[k] += $c["censuses"]; next }
     FNR == 1 { for (i = 1; i <= NF; i++) t[$i] = i; next }
     $t["type"] == "\"(total)\"" { k = $t["variant"] " " $t["workload"]; cn[k]++; cs[k] += $t["bytes"]; if ($t["bytes"] > mx[k]) mx[k] = $t["bytes"] }
     END { for (k in n) { split(k, a, " ");
             printf "| %s | %s | %d | %d | %d | %.0f | %.1f | %.1f |\n", a[1], a[2], n[k], s[k], nv[k], cen[k] / n[k],
                    cs[k] / cn[k] / 1048576, mx[k] / 1048576 } }' runs.csv <(zcat types.csv.gz) | sort -t'|' -k3,3 -k2,2
