#!/bin/sh
# paired.sh DIR A B: round by round (the rep column: A and B ran next to each other), the ratio of A's
# wall time, process CPU and collections to B's; the median (lower middle) and range over the rounds.
set -eu
dir=${1:?usage: paired.sh DIR A B} a=${2:?} b=${3:?}
awk -F, -v a="$a" -v b="$b" '
function med(x, n,   i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && x[j-1] > x[j]; j--) { t = x[j]; x[j] = x[j-1]; x[j-1] = t }
    return x[int((n + 1) / 2)]
}
FNR == 1 { f++; delete c; for (i = 1; i <= NF; i++) c[$i] = i; next }
$c["status"] == "ok" { r = $c["rep"]; w[f, r] = $c["wall_ns"]; u[f, r] = $c["cpu_ns"]; k[f, r] = $c["collections"]; reps[r] = 1 }
END {
    for (r in reps) if (((1, r) in w) && ((2, r) in w)) { n++; rw[n] = w[1, r] / w[2, r]; ru[n] = u[1, r] / u[2, r]; rk[n] = k[1, r] / k[2, r] }
    if (!n) { print "no paired rounds"; exit 1 }
    mw = med(rw, n); mu = med(ru, n); mk = med(rk, n)
    printf "%s / %s over %d rounds: wall %.3f (%.3f-%.3f), CPU %.3f (%.3f-%.3f), collections %.3f\n", a, b, n, mw, rw[1], rw[n], mu, ru[1], ru[n], mk
}' "$dir/$a/runs.csv" "$dir/$b/runs.csv"
