# logtics.gp: on a log x axis spanning xlo..xhi (set by the caller), labelled tics at 1, 2 and 5 times
# each power of ten when the range spans at most three decades (else gnuplot's powers of ten), and a
# margin so that end points and their error bars are not clipped.
set xrange [xlo / 1.4 : xhi * 1.4]
if (xhi / xlo <= 1000) {
    do for [e = floor(log10(xlo / 1.4)) : ceil(log10(xhi * 1.4))] {
        do for [m in "1 2 5"] {
            t = m * 10.0 ** e
            set xtics add (sprintf('%g', t) t)
        }
    }
}
