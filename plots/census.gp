# census.gp: live bytes after each full-heap collection (--census), stacked by type, one panel per
# variant (the repetition prep.awk's census() picked) on shared axes; a dot per census at its total and,
# where the leak check suspected a leak, its window shaded.
if (!exists("inc")) exit error "run through plots/plot.sh"
load inc
height = 150 + 240 * nseries
load gpdir.'/common.gp'
# Layer colours (types, not variants: linetypes 101..), grey for "other".
set linetype 101 lc rgb '#4e79a7'
set linetype 102 lc rgb '#f28e2b'
set linetype 103 lc rgb '#59a14f'
set linetype 104 lc rgb '#e15759'
set linetype 105 lc rgb '#76b7b2'
set linetype 106 lc rgb '#edc948'
set linetype 107 lc rgb '#b07aa1'
set linetype 108 lc rgb '#ff9da7'
set linetype 109 lc rgb '#bab0ac'
layer(j) = (hasother && j == nlayers) ? 109 : 101 + (j - 1) % 8
set multiplot layout nseries, 1 title ptitle
set lmargin at screen 0.07
set rmargin at screen 0.72
set xrange [xmin : xmax]
set yrange [0 : ymax * 1.12 + 1e-9]
set xtics xstep
set xlabel 'full-heap collection (cycle)'
set ylabel 'live after the collection (MiB)'
set style fill solid 0.85 noborder
do for [i = 1:nseries] {
    set title titles[i]
    if (lw2[i] > 0) {
        set object 1 rect from first lw1[i], graph 0 to first lw2[i], graph 1 behind fc rgb '#f6d5d5' fs solid 1.0 noborder
    } else {
        unset object 1
    }
    if (i == 1) {
        set key at screen 0.735, screen 1 - 100.0 / height top left Left reverse samplen 2 noenhanced
    } else {
        unset key
    }
    plot for [j = nlayers:1:-1] datafile index (i - 1) using 1:(j == 1 ? 0 : column(j)):(column(j + 1)) \
             with filledcurves lt layer(j) title (i == 1 ? lnames[j] : ''), \
         datafile index (i - 1) using 1:(column(nlayers + 2)) with points pt 7 ps 0.5 lc rgb '#000000' title (i == 1 ? 'census (total)' : '')
}
unset multiplot
