# Per build, variant and workload: runs, initial-mark and remark stops, those over 0.1 and 1 ms to
# reach the safepoint, the largest, the median of the runs' time-to-safepoint p99 and max pause, and
# the median wall time. Usage: awk -f summarize.awk OUT/base/runs.csv OUT/base/pauses.csv OUT/new/...
# (a pauses file after its build's runs.csv, whatever its name).
function med(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
BEGIN { FS = "," }
FNR == 1 { delete c; for (i = 1; i <= NF; i++) c[$i] = i; runs = FILENAME ~ /runs\.csv$/
           if (runs) b = FILENAME ~ /base\// ? "base" : "new"; next }
runs { k = b " " $c["variant"] " " $c["workload"]; keys[k] = 1; n[k]++
       p99[k, n[k]] = $c["ttsp_p99_ns"] / 1e3; mp[k, n[k]] = $c["pause_max_ns"] / 1e3; wl[k, n[k]] = $c["wall_ns"] / 1e6; next }
$c["kind"] == "initial-mark" || $c["kind"] == "remark" {
    k = b " " $c["variant"] " " $c["workload"]; t = $c["ttsp_ns"] / 1e3
    s[k]++; if (t > 100) a1[k]++; if (t > 1000) a2[k]++; if (t > big[k]) big[k] = t
}
END {
    printf "%-38s %4s %6s %7s %6s %10s %9s %10s %8s\n", "build variant workload", "runs", "stops", ">0.1ms", ">1ms",
        "largest", "p99 med", "maxpause", "wall ms"
    nk = 0; for (k in keys) sorted[++nk] = k
    for (i = 2; i <= nk; i++) { t = sorted[i]; for (j = i - 1; j >= 1 && sorted[j] > t; j--) sorted[j + 1] = sorted[j]; sorted[j + 1] = t }
    for (i = 1; i <= nk; i++) {
        k = sorted[i]; m = n[k]
        for (j = 1; j <= m; j++) x[j] = p99[k, j]; q = med(x, m)
        for (j = 1; j <= m; j++) x[j] = mp[k, j]; q2 = med(x, m)
        for (j = 1; j <= m; j++) x[j] = wl[k, j]; q3 = med(x, m)
        printf "%-38s %4d %6d %7d %6d %8.0fus %7.0fus %8.0fus %8.0f\n", k, m, s[k], a1[k], a2[k], big[k], q, q2, q3
    }
}
