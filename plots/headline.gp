# headline.gp: p99 pause by collector (variant) and workload configuration, bars at the median over
# repetitions with min..max error bars and the median written above each bar.
if (!exists("inc")) exit error "run through plots/plot.sh"
load inc
# prep.awk sizes the plot for its bars and tic labels: at least 1000 pixels, at most 4000
width = width < 1000 ? 1000 : width > 4000 ? 4000 : width
load gpdir.'/common.gp'
set title ptitle
set ylabel 'p99 pause (ms'.(uselog ? ', log scale' : '').')'
set xlabel 'workload and configuration (t = mutator threads, g = GC threads, f = heap factor)' offset 0, -(ticlines - 1) * 1.1
set bmargin 3 + ticlines * 1.2
set style fill solid 0.85 border rgb '#333333'
set boxwidth boxw * 0.95 absolute
set grid noxtics ytics
set key outside right top vertical Left reverse samplen 2
set xtics nomirror scale 0
set ytics nomirror
if (uselog) {
    set logscale y
    set yrange [ymin / 2 : ymax * 6]
} else {
    set yrange [0 : ymax * 1.25]
}
plot for [i = 1:nseries] datafile using ($1 == lts[i] ? $2 : NaN):3 with boxes lt lts[i] title titles[i], \
     datafile using 2:4:(0):($5 - $4) with vectors heads size screen 0.006,90 lc rgb '#222222' lw 1 notitle, \
     datafile using 2:5:(sprintf(' %.3g', $3)) with labels rotate by 90 left offset 0,0.3 font ',8' notitle
