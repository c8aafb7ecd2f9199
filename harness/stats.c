/* stats.c: see stats.h. */
#include "stats.h"
#include "histogram.h"

#include <math.h>
#include <stdlib.h>

const uint64_t gc_mmu_windows_ns[] = {
    1000000u, 2000000u, 5000000u, 10000000u, 20000000u,
    50000000u, 100000000u, 200000000u, 500000000u, 1000000000u,
};
const size_t gc_mmu_nwindows = sizeof gc_mmu_windows_ns / sizeof gc_mmu_windows_ns[0];

uint64_t gc_percentile_sorted(const uint64_t *sorted, size_t n, double p) {
    if (n == 0)
        return 0;
    return sorted[gc_nearest_rank(p, n) - 1];
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

void gc_sort_u64(uint64_t *v, size_t n) {
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_u64);
}

void gc_summarize_pauses(const gc_pause *p, size_t n, gc_pause_summary *out) {
    *out = (gc_pause_summary){.count = n};
    if (n == 0)
        return;
    uint64_t *dur = n <= SIZE_MAX / (2 * sizeof *dur) ? malloc(2 * n * sizeof *dur) : NULL;
    if (!dur)
        return;
    uint64_t *ttsp = dur + n;
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        /* A clock that went backwards (or a half-filled record) must not turn into a 584-year pause
         * that swamps every percentile. */
        dur[i] = p[i].end_ns > p[i].start_ns ? p[i].end_ns - p[i].start_ns : 0;
        ttsp[i] = p[i].ttsp_ns;
        total += dur[i];
    }
    gc_sort_u64(dur, n);
    gc_sort_u64(ttsp, n);
    out->total_ns = total;
    out->p50_ns = gc_percentile_sorted(dur, n, 50.0);
    out->p90_ns = gc_percentile_sorted(dur, n, 90.0);
    out->p99_ns = gc_percentile_sorted(dur, n, 99.0);
    out->p999_ns = gc_percentile_sorted(dur, n, 99.9);
    out->max_ns = dur[n - 1];
    out->ttsp_p99_ns = gc_percentile_sorted(ttsp, n, 99.0);
    out->ttsp_max_ns = ttsp[n - 1];
    out->ttsp_p50_ns = gc_percentile_sorted(ttsp, n, 50.0);
    free(dur);
}

/* ---- MMU ----
 *
 * Let f(t) be the pause time inside [t, t + w]. f is piecewise linear with slope
 * [t + w inside a pause] - [t inside a pause], so its maximum over [run_start, run_end - w] (which is
 * the minimum utilization) is where the slope turns negative or at an end of that range: where t
 * enters a pause (t = a pause start) or t + w leaves one (t + w = a pause end). Clamping those
 * candidates into the range covers its ends: if f is maximal at run_start, a pause covers run_start
 * (its clipped start is run_start) or f is flat up to the next candidate. Either family alone in fact
 * suffices (following a flat stretch back from a pause end reaches a pause start at least as bad);
 * evaluating both, as Cheng & Blelloch state it, costs only O(m) more. So 2m windows (m merged
 * pauses) are evaluated exactly, each in O(1) amortized with the cursors below. */

typedef struct ival {
    uint64_t s, e;       /* [s, e), clipped to the run, disjoint and sorted once merged */
    uint64_t before;     /* total length of the intervals before this one */
} ival;

static int cmp_ival(const void *a, const void *b) {
    const ival *x = a, *y = b;
    if (x->s != y->s)
        return (x->s > y->s) - (x->s < y->s);
    return (x->e > y->e) - (x->e < y->e);
}

/* Pause time in [run_start, x] for a nondecreasing sequence of x: k only moves forward, so a sweep of
 * all candidates costs O(m) in total instead of a binary search each. */
typedef struct cursor {
    size_t k;            /* intervals [0, k) end at or before the last x */
} cursor;

static uint64_t covered(cursor *c, const ival *iv, size_t m, uint64_t total, uint64_t x) {
    while (c->k < m && iv[c->k].e <= x)
        c->k++;
    if (c->k == m)
        return total;
    const ival *cur = &iv[c->k];
    return cur->before + (cur->s < x ? x - cur->s : 0);
}

double gc_mmu(const gc_pause *p, size_t n, uint64_t run_start_ns, uint64_t run_end_ns,
              uint64_t window_ns) {
    if (run_end_ns <= run_start_ns || n == 0)
        return 1.0;
    const uint64_t rs = run_start_ns, re = run_end_ns, len = re - rs;
    ival *iv = n <= SIZE_MAX / sizeof *iv ? malloc(n * sizeof *iv) : NULL;
    if (!iv)
        return -1.0;

    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t s = p[i].start_ns > rs ? p[i].start_ns : rs;
        uint64_t e = p[i].end_ns < re ? p[i].end_ns : re;
        if (e > s)   /* outside the run, empty, or end before start: no mutator time lost in the run */
            iv[m++] = (ival){s, e, 0};
    }
    if (m == 0) {
        free(iv);
        return 1.0;
    }
    qsort(iv, m, sizeof *iv, cmp_ival);
    /* Two threads paused at once cost the mutator the same wall time as one, so overlapping (and
     * touching) pauses become one interval; otherwise a window could lose more time than it has. */
    size_t k = 0;
    for (size_t i = 1; i < m; i++) {
        if (iv[i].s <= iv[k].e) {
            if (iv[i].e > iv[k].e)
                iv[k].e = iv[i].e;
        } else {
            iv[++k] = iv[i];
        }
    }
    m = k + 1;
    uint64_t total = 0;
    for (size_t i = 0; i < m; i++) {
        iv[i].before = total;
        total += iv[i].e - iv[i].s;
    }

    double mmu;
    if (window_ns == 0) {
        mmu = 0.0;   /* m > 0: some instant of the run is inside a pause */
    } else if (window_ns >= len) {
        mmu = (double)(len - total) / (double)len;
    } else {
        const uint64_t w = window_ns, last = re - w;   /* windows start in [rs, last] */
        cursor a = {0}, b = {0}, c = {0}, d = {0};
        uint64_t worst = 0;
        for (size_t i = 0; i < m && worst < w; i++) {
            uint64_t t = iv[i].s < last ? iv[i].s : last;             /* window starting at a pause */
            uint64_t lost = covered(&b, iv, m, total, t + w) - covered(&a, iv, m, total, t);
            if (lost > worst)
                worst = lost;
            t = iv[i].e - rs > w ? iv[i].e - w : rs;                  /* window ending at a pause end */
            if (t > last)
                t = last;   /* cannot happen (e <= re), kept so t + w never passes the run */
            lost = covered(&d, iv, m, total, t + w) - covered(&c, iv, m, total, t);
            if (lost > worst)
                worst = lost;
        }
        mmu = (double)(w - worst) / (double)w;
    }
    free(iv);
    return mmu;
}

/* ---- MMU and BMU curves ---- */

size_t gc_mmu_curve_windows(uint64_t run_ns, uint64_t *out, size_t max) {
    size_t n = 0;
    if (max == 0)
        return 0;
    /* 10^(k/10) for k = 40 (10 us) on; a double holds these exactly enough to round to ns. */
    for (int k = 40; n < max; k++) {
        uint64_t w = (uint64_t)(pow(10.0, k / 10.0) + 0.5);
        if (w >= run_ns || k > 190)
            break;
        if (n == 0 || w > out[n - 1])
            out[n++] = w;
    }
    if (run_ns > 0) {
        if (n == max)
            n--;
        out[n++] = run_ns;
    }
    return n;
}

void gc_bmu(const double *mmu, size_t n, double *bmu) {
    double lo = 1.0;
    for (size_t i = n; i-- > 0;) {
        if (mmu[i] < lo)
            lo = mmu[i];
        bmu[i] = lo;
    }
}

/* ---- repetitions ---- */

uint64_t gc_median_u64(uint64_t *v, size_t n) {
    if (n == 0)
        return 0;
    gc_sort_u64(v, n);
    return v[(n - 1) / 2];
}

/* NaN compares false with everything, which would make qsort's order inconsistent (undefined
 * behaviour); putting NaNs last gives a total order. */
static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    int xn = x != x, yn = y != y;
    if (xn || yn)
        return xn - yn;
    return (x > y) - (x < y);
}

double gc_median_double(double *v, size_t n) {
    if (n == 0)
        return 0.0;
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_double);
    return v[(n - 1) / 2];
}

uint64_t gc_min_u64(const uint64_t *v, size_t n) {
    uint64_t r = n ? v[0] : 0;
    for (size_t i = 1; i < n; i++)
        r = v[i] < r ? v[i] : r;
    return r;
}

uint64_t gc_max_u64(const uint64_t *v, size_t n) {
    uint64_t r = n ? v[0] : 0;
    for (size_t i = 1; i < n; i++)
        r = v[i] > r ? v[i] : r;
    return r;
}

static double extreme_double(const double *v, size_t n, int want_max) {
    if (n == 0)
        return 0.0;
    double r = v[0];   /* stays NaN only if every value is */
    for (size_t i = 1; i < n; i++) {
        if (v[i] != v[i])
            continue;
        if (r != r || (want_max ? v[i] > r : v[i] < r))
            r = v[i];
    }
    return r;
}

double gc_min_double(const double *v, size_t n) {
    return extreme_double(v, n, 0);
}

double gc_max_double(const double *v, size_t n) {
    return extreme_double(v, n, 1);
}
