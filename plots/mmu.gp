# mmu.gp: minimum mutator utilization against window length per variant, log x.
if (!exists("inc")) exit error "run through plots/plot.sh"
load gpdir.'/common.gp'
set title ptitle."\n".psub
set logscale x
set format x '%g'
set xlabel 'window (ms, log scale)'
set ylabel 'minimum mutator utilization (fraction of the window)'
set yrange [0:1.05]
set ytics 0.1
set mxtics 10
load gpdir.'/logtics.gp'
# Outside: the curves that matter most (concurrent collectors at sub-millisecond windows) rise in
# the upper left, where a key inside would hide them.
set key outside right top vertical Left reverse samplen 2
# many windows (mmu.csv): the min..max range as a band; the ten windows of runs.csv: error bars
nwin = 0
stats datafile index 0 using 1 nooutput
nwin = STATS_records
if (nwin > 12) {
    set style fill transparent solid 0.15 noborder
    plot for [i = 1:nseries] datafile index (i - 1) using 1:3:4 with filledcurves lt lts[i] notitle, \
         for [i = 1:nseries] datafile index (i - 1) using 1:2 with lines lt lts[i] lw 2 title titles[i], \
         for [i = 1:nseries * hasbmu] datafile index (i - 1) using 1:5 with lines lt lts[i] lw 1.5 dt 2 title titles[i]." BMU"
    exit
}
plot for [i = 1:nseries] datafile index (i - 1) using 1:2:3:4 with yerrorlines lt lts[i] lw 2 title titles[i], \
     for [i = 1:nseries * hasbmu] datafile index (i - 1) using 1:5 with lines lt lts[i] lw 1.5 dt 2 title titles[i]." BMU"
