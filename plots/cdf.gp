# cdf.gp: cumulative distribution of pause times per variant (all repetitions pooled), log x.
if (!exists("inc")) exit error "run through plots/plot.sh"
load gpdir.'/common.gp'
set title ptitle
set logscale x
set format x '%g'
set xlabel 'pause time (ms, log scale)'
set ylabel 'fraction of pauses no longer than x'
set yrange [0:1.02]
set ytics 0.1
set mxtics 10
load gpdir.'/logtics.gp'
# Outside: with nine variants a key inside covers some variant's curve wherever it goes.
set key outside right top vertical Left reverse samplen 2
plot for [i = 1:nseries] datafile index (i - 1) using 1:(1) smooth cnormal with steps lt lts[i] lw 2 title titles[i]
