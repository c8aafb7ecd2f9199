# scaling.gp: p99 pause (left) and throughput or wall time (right) against a thread count, one line per
# variant and remaining configuration (dashes tell the configurations of one variant apart); medians
# with min..max error bars, the series set side by side around each x; one legend under both panels.
if (!exists("inc")) exit error "run through plots/plot.sh"
load inc
keyrows = int((nseries + 1) / 2)
width = 1300
height = 560 + 18 * keyrows
load gpdir.'/common.gp'
set multiplot title ptitle
bottom = (60.0 + 18 * keyrows) / height
set bmargin at screen bottom
set tmargin at screen 1 - 95.0 / height
set xlabel xlabel
logx = (xmax / xmin >= 4)
xoff(x, i) = logx ? x * (1 + 0.025 * (i - (nseries + 1) / 2.0)) : x + 0.025 * (xmax - xmin + 1) * (i - (nseries + 1) / 2.0)
if (logx) {
    set logscale x 2
    set xrange [xmin / 1.3 : xmax * 1.3]
} else {
    set xrange [xmin - 0.35 : xmax + 0.35]
    set xtics 1
}
set format x '%g'
set yrange [0:*]
set key at screen 0.5, screen 0.01 center bottom horizontal maxrows keyrows Left reverse samplen 3 width 2
set lmargin at screen 0.07
set rmargin at screen 0.47
set ylabel 'p99 pause (ms)'
set title 'p99 pause'
plot for [i = 1:nseries] datafile index (i - 1) using (xoff($1, i)):2:3:4 with yerrorlines lt lts[i] dt dts[i] lw 2 title titles[i]
unset key
set lmargin at screen 0.57
set rmargin at screen 0.97
set ylabel y2label
set title (y2label[1:10] eq 'throughput' ? 'throughput' : 'wall time')
plot for [i = 1:nseries] datafile index (i - 1) using (xoff($1, i)):5:6:7 with yerrorlines lt lts[i] dt dts[i] lw 2 notitle
unset multiplot
