# stalls.gp: where each variant's slowest operations spent their time (stalls.csv, harness/stalls.h):
# one bar per variant and GC-thread count, stacked to 100% by cause.
if (!exists("inc")) exit error "run through plots/plot.sh"
load inc
height = 600
load gpdir.'/common.gp'
set title ptitle
set ylabel 'share of the slowest operations'' time (%)'
set yrange [0:100]
set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border rgb '#333333'
set boxwidth 0.7
set key outside right top vertical Left reverse samplen 2
set xtics nomirror rotate by -30 scale 0
set grid noxtics ytics
plot for [i = 2:ncauses + 1] datafile using i:xtic(1) title columnheader(i) lt (i - 1)
