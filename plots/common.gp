# common.gp: terminal, colours and fonts shared by every plot script. plot.sh sets:
#   gpdir (this folder), fmt ('pngcairo', 'png' or 'svg'), out (the file to write), inc (the plot's
#   parameters, written by prep.awk: datafile, ptitle, nseries, titles[], lts[], ...).
# A script may set width and height before loading this file.
load inc
if (!exists("width")) width = 1000
if (!exists("height")) height = 600
if (fmt eq 'svg') {
    set terminal svg size width,height dynamic noenhanced font 'Sans,12' background rgb 'white'
} else {
    if (fmt eq 'pngcairo') {
        set terminal pngcairo size width,height noenhanced font 'Sans,10' background rgb 'white'
    } else {
        set terminal png size width,height noenhanced background rgb 'white'
    }
}
set output out
set encoding utf8
# One colour per variant, in the order variants first appear in runs.csv (the same in every plot).
set linetype 1 lc rgb '#1f77b4' lw 2 pt 7 ps 0.8
set linetype 2 lc rgb '#d62728' lw 2 pt 5 ps 0.8
set linetype 3 lc rgb '#2ca02c' lw 2 pt 9 ps 0.9
set linetype 4 lc rgb '#ff7f0e' lw 2 pt 11 ps 0.9
set linetype 5 lc rgb '#9467bd' lw 2 pt 13 ps 0.9
set linetype 6 lc rgb '#8c564b' lw 2 pt 3 ps 0.9
set linetype 7 lc rgb '#e377c2' lw 2 pt 1 ps 0.9
set linetype 8 lc rgb '#17becf' lw 2 pt 2 ps 0.9
# Nine variants and more (make bench runs nine): further distinct colours, so no two variants of one
# plot share a colour (gnuplot would otherwise cycle back to linetype 1 after the last one set).
set linetype 9 lc rgb '#bcbd22' lw 2 pt 4 ps 0.9
set linetype 10 lc rgb '#7f7f7f' lw 2 pt 6 ps 0.9
set linetype 11 lc rgb '#393b79' lw 2 pt 8 ps 0.9
set linetype 12 lc rgb '#e7969c' lw 2 pt 10 ps 0.9
set linetype cycle 12
set grid lc rgb '#dddddd' lt 1 lw 1
set border lc rgb '#444444'
set pointintervalbox 0
