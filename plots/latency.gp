# latency.gp: mutator latency per operation against percentile (HdrHistogram style): x is 1/(1-q) on
# a log scale so the tail gets room; all repetitions pooled.
if (!exists("inc")) exit error "run through plots/plot.sh"
load gpdir.'/common.gp'
set title ptitle
set logscale xy
set format y '%g'
set xtics ('0%%' 1, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 1e4, '99.999%%' 1e5, '99.9999%%' 1e6, '99.99999%%' 1e7)
set xrange [1 : xmax * 1.5]
set xlabel 'percentile of operations (log scale of 1/(1 - percentile))'
set ylabel 'latency per operation (µs, log scale)'
# Outside: with nine variants a key inside covers some variant's curve wherever it goes.
set key outside right top vertical Left reverse samplen 2
plot for [i = 1:nseries] datafile index (i - 1) using 1:2 with steps lt lts[i] dt dts[i] lw 2 title titles[i]
