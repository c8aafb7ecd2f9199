/* histogram.h: a log-linear histogram of nanosecond values (the HdrHistogram idea).
 *
 * Values below 2^GC_HIST_SUB_BITS are exact; above, each power-of-two range is split into
 * 2^GC_HIST_SUB_BITS equal sub-buckets, so a reported percentile is within 1/128 (0.8%) of the true
 * value, while recording is a few instructions and the memory is fixed. min, max, count and sum are
 * exact.
 */
#ifndef GCLAB_HISTOGRAM_H
#define GCLAB_HISTOGRAM_H

#include <stdint.h>
#include <stddef.h>

#define GC_HIST_SUB_BITS 7
#define GC_HIST_MAX_EXP 44   /* values up to 2^44 ns (about 4.9 hours); larger ones clamp */
#define GC_HIST_BUCKETS ((GC_HIST_MAX_EXP - GC_HIST_SUB_BITS + 1) << GC_HIST_SUB_BITS)

typedef struct gc_hist {
    uint64_t count, sum, min, max;
    uint64_t bucket[GC_HIST_BUCKETS];
} gc_hist;

void gc_hist_init(gc_hist *h);
void gc_hist_record(gc_hist *h, uint64_t value);
void gc_hist_merge(gc_hist *dst, const gc_hist *src);
/* The smallest recorded value v such that at least p% of the values are <= v (nearest rank), as
 * the upper edge of its bucket clamped to max; 0 when empty. p in [0, 100]. */
uint64_t gc_hist_percentile(const gc_hist *h, double p);
/* The nearest rank of percentile p among n values: ceil(p/100 x n), at least 1, at most n; the one
 * definition behind every percentile gclab reports. */
uint64_t gc_nearest_rank(double p, uint64_t n);
/* Iterates the non-empty buckets: bucket i covers [gc_hist_bucket_low(i), gc_hist_bucket_high(i)]. */
uint64_t gc_hist_bucket_low(size_t i);
uint64_t gc_hist_bucket_high(size_t i);

#endif
