/* histogram.c: the log-linear histogram of histogram.h.
 *
 * Layout. Let s = max(0, floor(log2 v) - GC_HIST_SUB_BITS). Bucket index = (s << 7) + (v >> s):
 *   - v < 256: s = 0, the index is v itself (exact; the header promises exactness only below 128,
 *     the first 128 sub-buckets of [128, 256) simply happen to have width 1 as well);
 *   - v in [2^e, 2^(e+1)), e >= 8: s = e - 7 and v >> s lies in [128, 256), so the range is split into
 *     128 sub-buckets of width 2^s, indices [(s + 1) * 128, (s + 2) * 128).
 * A value and the upper edge of its bucket differ by at most 2^s - 1 < 2^e / 128 <= v / 128, which is
 * the error bound the header states. The top bucket (s = 36) ends at 2^44 - 1 = GC_HIST_BUCKETS - 1.
 */
#include "histogram.h"

#include <string.h>

#define SUB_COUNT ((uint64_t)1 << GC_HIST_SUB_BITS)
#define LIMIT ((uint64_t)1 << GC_HIST_MAX_EXP)

_Static_assert(GC_HIST_SUB_BITS == 7, "the index arithmetic below assumes 128 sub-buckets");
_Static_assert(((GC_HIST_MAX_EXP - GC_HIST_SUB_BITS - 1) << GC_HIST_SUB_BITS) + 2 * SUB_COUNT - 1
               == GC_HIST_BUCKETS - 1, "2^MAX_EXP - 1 must land in the last bucket");

/* Branch-free: OR-ing in 255 keeps clz defined for v = 0 and makes s = 0 for every v < 256, so the
 * exact range needs no special case. The clamp compiles to a cmov. */
static inline size_t bucket_of(uint64_t v) {
    v = v < LIMIT ? v : LIMIT - 1;
    unsigned s = 56u - (unsigned)__builtin_clzll(v | 255u);
    return ((size_t)s << GC_HIST_SUB_BITS) + (size_t)(v >> s);
}

void gc_hist_init(gc_hist *h) {
    memset(h, 0, sizeof *h);
}

void gc_hist_record(gc_hist *h, uint64_t value) {
    /* min is kept 0 for an empty histogram rather than UINT64_MAX, so a printed empty histogram reads
     * 0 throughout; the count test costs a cmov, not a branch. */
    h->min = (h->count == 0 || value < h->min) ? value : h->min;
    h->max = value > h->max ? value : h->max;
    h->count++;
    h->sum += value;
    h->bucket[bucket_of(value)]++;
}

void gc_hist_merge(gc_hist *dst, const gc_hist *src) {
    if (src->count == 0)
        return;   /* an empty src has min 0, which must not lower dst's min */
    dst->min = (dst->count == 0 || src->min < dst->min) ? src->min : dst->min;
    dst->max = src->max > dst->max ? src->max : dst->max;
    dst->count += src->count;
    dst->sum += src->sum;
    for (size_t i = 0; i < GC_HIST_BUCKETS; i++)
        dst->bucket[i] += src->bucket[i];
}

uint64_t gc_hist_bucket_low(size_t i) {
    if (i >= GC_HIST_BUCKETS)
        return UINT64_MAX;
    if (i < 2 * SUB_COUNT)
        return i;
    unsigned s = (unsigned)(i >> GC_HIST_SUB_BITS) - 1;
    return ((uint64_t)(i & (SUB_COUNT - 1)) + SUB_COUNT) << s;
}

uint64_t gc_hist_bucket_high(size_t i) {
    /* Values at or above 2^44 are clamped into the last bucket, so its honest upper edge is unbounded;
     * gc_hist_percentile then clamps it to the exact max, which reports clamped values correctly. */
    if (i >= GC_HIST_BUCKETS - 1)
        return UINT64_MAX;
    return gc_hist_bucket_low(i + 1) - 1;
}

/* Nearest rank, ceil(p/100 * n) but at least 1 and at most n. p*n/100 carries a few ulps of rounding
 * error (0.57 * 100 is 56.99999999999999), which would move ceil by a whole rank at exact multiples; a
 * result within 1e-12 relative of an integer is taken as that integer. The exact percentiles
 * (stats.c) use this too, so both pick the same rank. */
uint64_t gc_nearest_rank(double p, uint64_t n) {
    if (!(p > 0.0))
        return 1;   /* also NaN */
    if (p >= 100.0)
        return n;
    double x = p * (double)n / 100.0;
    uint64_t fl = (uint64_t)x;
    uint64_t rank = (x - (double)fl <= x * 1e-12) ? fl : fl + 1;
    if (rank < 1)
        rank = 1;
    return rank > n ? n : rank;
}

uint64_t gc_hist_percentile(const gc_hist *h, double p) {
    if (h->count == 0)
        return 0;
    uint64_t rank = gc_nearest_rank(p, h->count);
    uint64_t seen = 0;
    size_t i = 0;
    for (; i < GC_HIST_BUCKETS - 1; i++) {
        seen += h->bucket[i];
        if (seen >= rank)
            break;
    }
    uint64_t v = gc_hist_bucket_high(i);
    if (v > h->max)
        v = h->max;
    if (v < h->min)
        v = h->min;
    return v;
}
