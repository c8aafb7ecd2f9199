# heap.gp: heap footprint over time for one repetition per variant (the one with the median wall time),
# one panel per variant on a shared time axis (the longest wall time), each pause shaded (at least a
# line), and the live bytes its marking found as dots.
if (!exists("inc")) exit error "run through plots/plot.sh"
load inc
height = 130 + 240 * nseries
load gpdir.'/common.gp'
set multiplot layout nseries, 1 title ptitle
set lmargin at screen 0.07
set rmargin at screen 0.76
set xrange [0 : xmax * 1.01]
set yrange [0 : ymax * 1.15]
set xlabel 'time since the repetition started (ms)'
set ylabel 'heap (MiB)'
set label 1 "footprint sampled at\neach pause's start and end" at screen 0.775, screen 1 - 150.0 / height left font ',8' tc rgb '#555555'
set style fill transparent solid 0.35 border
do for [i = 1:nseries] {
    set title titles[i]
    if (i == 1) {
        set key at screen 0.775, screen 1 - 90.0 / height top left Left reverse samplen 2
    } else {
        unset key
    }
    plot datafile index (2 * i - 1) using (($1 + $2) / 2):(0):1:2:(0):(ymax * 1.15) with boxxyerror lc rgb '#909090' title 'pause', \
         datafile index (2 * i - 2) using 1:2 with lines lt lts[i] lw 1.5 title 'footprint', \
         datafile index (2 * i - 1) using 2:($3 > 0 ? $3 : NaN) with points pt 7 ps 0.5 lc rgb '#000000' title 'live after marking'
}
unset multiplot
