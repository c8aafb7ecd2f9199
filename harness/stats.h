/* stats.h: the statistics of docs/DESIGN.md §4 as pure functions over arrays (no global state), so each
 * can be tested on hand-worked examples and reused on pauses, latencies and repetitions alike.
 *
 * Percentile definition, used everywhere in gclab (here and in histogram.h): nearest rank. The p-th
 * percentile of n values is the value of rank ceil(p/100 * n) in ascending order, counting from 1,
 * with the rank at least 1 (p = 0 gives the smallest value) and at most n (p = 100 gives the largest).
 * It is always one of the recorded values, never an interpolation, so "p99 = 12 ms" means that some
 * pause really took 12 ms and at least 99% took no longer. No values gives 0.
 */
#ifndef GCLAB_STATS_H
#define GCLAB_STATS_H

#include <stddef.h>
#include <stdint.h>
#include "gclab.h"

/* The nearest-rank p-th percentile of n values sorted ascending (see above); p in [0, 100]. */
uint64_t gc_percentile_sorted(const uint64_t *sorted, size_t n, double p);

void gc_sort_u64(uint64_t *v, size_t n);   /* ascending, in place */

typedef struct gc_pause_summary {
    size_t count;
    uint64_t total_ns, p50_ns, p90_ns, p99_ns, p999_ns, max_ns;   /* of end_ns - start_ns */
    uint64_t ttsp_p99_ns, ttsp_max_ns;                           /* of ttsp_ns */
    uint64_t ttsp_p50_ns;                                        /* of ttsp_ns */
} gc_pause_summary;

/* Exact, from the full list. A pause with end_ns < start_ns counts as 0 ns. If scratch memory cannot
 * be had, everything but count is 0 (a summary with count > 0 and max_ns == 0 is that failure, or a
 * run of zero-length pauses). */
void gc_summarize_pauses(const gc_pause *p, size_t n, gc_pause_summary *out);

/* Minimum mutator utilization (Cheng & Blelloch, PLDI 2001): the minimum, over every window
 * [t, t + window_ns] inside [run_start_ns, run_end_ns], of the fraction of the window not covered by
 * any pause. Pauses may be in any order, overlap each other (the union counts, once) and stick out of
 * the run (only the part inside counts). A window at least as long as the run is the whole run.
 * An empty run (run_end_ns <= run_start_ns) gives 1.0; window_ns = 0 gives the limit of small windows:
 * 0.0 if any pause covers part of the run, else 1.0. O(n log n) time, O(n) scratch; if that memory
 * cannot be had, returns -1.0 (which no utilization is). */
double gc_mmu(const gc_pause *p, size_t n, uint64_t run_start_ns, uint64_t run_end_ns,
              uint64_t window_ns);

/* The MMU windows every run reports: 1, 2, 5, 10, 20, 50, 100, 200, 500 ms and 1 s. */
extern const uint64_t gc_mmu_windows_ns[];
extern const size_t gc_mmu_nwindows;

/* The windows of an MMU/BMU curve for a run of run_ns (for plotting): 10 per decade, 10^(k/10) ns
 * rounded, from 10 us while shorter than the run, then run_ns itself (where the MMU is the run's overall
 * utilization). Returns how many were written into out (at most max, ascending, distinct). */
size_t gc_mmu_curve_windows(uint64_t run_ns, uint64_t *out, size_t max);

/* Bounded mutator utilization (Sachindran, Moss & Berger): BMU(w) = the minimum of MMU(w') over every
 * w' >= w, so it never decreases with w and reads "in any window of w or more, the mutator got at
 * least BMU(w)". Given the MMU at n ascending windows, writes the BMU at the same windows (the minimum
 * over the listed windows >= w: with the last window the whole run, exact at the listed points up to
 * the grid). bmu may alias mmu. */
void gc_bmu(const double *mmu, size_t n, double *bmu);

/* Medians over repetitions. Both sort v in place; for even n they return the lower middle value, so
 * the median is always a measured run, like the percentiles. n = 0 gives 0. NaNs sort last. */
uint64_t gc_median_u64(uint64_t *v, size_t n);
double gc_median_double(double *v, size_t n);

/* Extremes (for "median with min and max"); n = 0 gives 0. The double versions skip NaNs (all NaN
 * gives NaN), since one failed repetition should not hide the spread of the others. */
uint64_t gc_min_u64(const uint64_t *v, size_t n);
uint64_t gc_max_u64(const uint64_t *v, size_t n);
double gc_min_double(const double *v, size_t n);
double gc_max_double(const double *v, size_t n);

#endif
