/* test_stats.c: the statistics of harness/stats.c and util/histogram.c against examples worked out
 * by hand (in the comments), and against brute force where hand work would not scale.
 *
 * Prints one line per check, "ok - name" or "FAIL - name: detail", then
 * "test_stats: N checks, M failed"; exits 1 if any failed.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../util/histogram.h"
#include "../../harness/stats.h"

#include "check.h"
/* Utilizations are ratios of integers computed the same way on both sides, so 1e-12 only absorbs
 * the decimal spelling of the expected value (1/3 and the like). */
#define CHECK_DBL(name, got, want)                                                          \
    do {                                                                                    \
        double g_ = (got), w_ = (want);                                                     \
        check(g_ - w_ < 1e-12 && w_ - g_ < 1e-12, (name), "got %.15g, want %.15g", g_, w_); \
    } while (0)

#define MS 1000000ull
#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* splitmix64: a fixed, portable sequence, so a failure reproduces on any machine. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static gc_pause pause_at(uint64_t start, uint64_t end) {
    return (gc_pause){.start_ns = start, .end_ns = end, .kind = GC_PAUSE_FULL};
}

/* ---- exact percentiles ---- */

static void test_percentile_sorted(void) {
    /* The list 45 12 88 7 61 23 3 95 39 50 sorted: rank 1..10 = 3 7 12 23 39 45 50 61 88 95.
     *   p50:  ceil(0.50 * 10) = 5          -> 39
     *   p90:  ceil(0.90 * 10) = 9          -> 88
     *   p99:  ceil(0.99 * 10) = ceil(9.9) = 10 -> 95
     *   p100: rank 10                      -> 95
     *   p0:   rank 0, raised to 1          -> 3
     *   p10:  ceil(1.0) = 1 -> 3;  p11: ceil(1.1) = 2 -> 7;  p25: ceil(2.5) = 3 -> 12 */
    uint64_t v[] = {45, 12, 88, 7, 61, 23, 3, 95, 39, 50};
    gc_sort_u64(v, NELEMS(v));
    uint64_t sorted[] = {3, 7, 12, 23, 39, 45, 50, 61, 88, 95};
    CHECK(memcmp(v, sorted, sizeof v) == 0, "gc_sort_u64 sorts ascending", "order differs");
    CHECK_U64("p50 of 10 values", gc_percentile_sorted(v, 10, 50), 39);
    CHECK_U64("p90 of 10 values", gc_percentile_sorted(v, 10, 90), 88);
    CHECK_U64("p99 of 10 values", gc_percentile_sorted(v, 10, 99), 95);
    CHECK_U64("p100 of 10 values", gc_percentile_sorted(v, 10, 100), 95);
    CHECK_U64("p0 of 10 values", gc_percentile_sorted(v, 10, 0), 3);
    CHECK_U64("p10 of 10 values", gc_percentile_sorted(v, 10, 10), 3);
    CHECK_U64("p11 of 10 values", gc_percentile_sorted(v, 10, 11), 7);
    CHECK_U64("p25 of 10 values", gc_percentile_sorted(v, 10, 25), 12);
    CHECK_U64("percentile of nothing is 0", gc_percentile_sorted(NULL, 0, 50), 0);
    uint64_t one = 42;
    CHECK_U64("p0 of one value", gc_percentile_sorted(&one, 1, 0), 42);
    CHECK_U64("p100 of one value", gc_percentile_sorted(&one, 1, 100), 42);

    /* 1..1000: the p-th percentile of 1..100 is exactly p for every integer p (rank p), and at
     * p = 57 the naive 0.57 * 100 = 56.99999999999999 must not round the rank down to 56... nor
     * 99.9% of 1000 (999.0000000000001 in some spellings) up to 1000. */
    static uint64_t seq[1000];
    for (unsigned i = 0; i < 1000; i++)
        seq[i] = i + 1;
    unsigned bad = 0, first_bad = 0;
    for (unsigned p = 1; p <= 100; p++) {
        if (gc_percentile_sorted(seq, 100, p) != p && !bad++)
            first_bad = p;
    }
    CHECK(bad == 0, "integer percentiles of 1..100 are exact ranks", "%u wrong, first at p%u", bad,
          first_bad);
    CHECK_U64("p57 of 1..100", gc_percentile_sorted(seq, 100, 57), 57);
    /* Every tenth of a percent of 1..1000 is an exact rank: p = k/10 -> rank k. In doubles 16.1 *
     * 1000 / 100 is 161.00000000000003, whose plain ceil would be 162. */
    bad = 0;
    for (unsigned k = 1; k <= 1000; k++) {
        if (gc_percentile_sorted(seq, 1000, k / 10.0) != k && !bad++)
            first_bad = k;
    }
    CHECK(bad == 0, "tenth-percent percentiles of 1..1000 are exact ranks", "%u wrong, first at p%u/10",
          bad, first_bad);
    CHECK_U64("p16.1 of 1..1000", gc_percentile_sorted(seq, 1000, 16.1), 161);
    CHECK_U64("p99.9 of 1..1000", gc_percentile_sorted(seq, 1000, 99.9), 999);
    CHECK_U64("p0.1 of 1..1000", gc_percentile_sorted(seq, 1000, 0.1), 1);
    CHECK_U64("p0.15 of 1..1000 (rank ceil(1.5) = 2)", gc_percentile_sorted(seq, 1000, 0.15), 2);
    CHECK_U64("p99.95 of 1..1000 (rank ceil(999.5) = 1000)", gc_percentile_sorted(seq, 1000, 99.95),
              1000);
}

/* ---- pause summary ---- */

static void test_summary(void) {
    /* Five pauses, out of order:
     *   [300, 350] 50 ns, ttsp 5     [100, 130] 30 ns, ttsp 3     [500, 540] 40 ns, ttsp 4
     *   [200, 210] 10 ns, ttsp 1     [400, 420] 20 ns, ttsp 2
     * durations sorted 10 20 30 40 50, total 150;
     *   p50: ceil(2.5) = 3 -> 30;  p90: ceil(4.5) = 5 -> 50;  p99: ceil(4.95) = 5 -> 50;
     *   p99.9: ceil(4.995) = 5 -> 50;  max 50.
     * ttsp sorted 1 2 3 4 5: p99 -> rank 5 -> 5, max 5. */
    gc_pause p[5] = {pause_at(300, 350), pause_at(100, 130), pause_at(500, 540), pause_at(200, 210),
                     pause_at(400, 420)};
    p[0].ttsp_ns = 5, p[1].ttsp_ns = 3, p[2].ttsp_ns = 4, p[3].ttsp_ns = 1, p[4].ttsp_ns = 2;
    gc_pause_summary s;
    gc_summarize_pauses(p, 5, &s);
    CHECK_U64("summary count", s.count, 5);
    CHECK_U64("summary total", s.total_ns, 150);
    CHECK_U64("summary p50", s.p50_ns, 30);
    CHECK_U64("summary p90", s.p90_ns, 50);
    CHECK_U64("summary p99", s.p99_ns, 50);
    CHECK_U64("summary p99.9", s.p999_ns, 50);
    CHECK_U64("summary max", s.max_ns, 50);
    CHECK_U64("summary ttsp p99", s.ttsp_p99_ns, 5);
    CHECK_U64("summary ttsp max", s.ttsp_max_ns, 5);

    /* The input is const and must come back unchanged (the pause log is the collector's). */
    CHECK(p[0].start_ns == 300 && p[1].start_ns == 100, "summary leaves the pauses alone",
          "input reordered");

    gc_summarize_pauses(NULL, 0, &s);
    CHECK(s.count == 0 && s.total_ns == 0 && s.max_ns == 0 && s.p50_ns == 0,
          "summary of no pauses is all zero", "count %zu total %" PRIu64, s.count, s.total_ns);

    /* A record whose end precedes its start counts as 0 ns rather than wrapping to ~2^64:
     * durations 0 and 7, total 7, p50 rank 1 -> 0, max 7. */
    gc_pause q[2] = {pause_at(100, 90), pause_at(10, 17)};
    gc_summarize_pauses(q, 2, &s);
    CHECK(s.total_ns == 7 && s.max_ns == 7 && s.p50_ns == 0, "backwards pause counts as zero",
          "total %" PRIu64 " max %" PRIu64 " p50 %" PRIu64, s.total_ns, s.max_ns, s.p50_ns);
}

/* ---- MMU ---- */

static void test_mmu_hand(void) {
    /* Run [0, 100] ms, pauses A = [10, 15] and B = [20, 30] ms (15 ms in all).
     *   w = 1, 5 or 10 ms: a window inside B is all pause -> 0.
     *   w = 15 ms (longer than the 5 ms gap between A and B): a window [t, t+15] with t in [10, 15]
     *     loses (15 - t) of A and (t + 15 - 20) = t - 5 of B, 10 ms in all; starting at 15 or 20 it
     *     loses B's 10 ms; no 15 ms window holds more than 10 ms, since the gap eats 5 -> (15-10)/15 = 1/3.
     *   w = 20 ms: [10, 30] holds all of A and B, 15 ms -> (20-15)/20 = 0.25.
     *   w = 50 ms: any window holding both -> (50-15)/50 = 0.7.
     *   w = 100 ms (the run) and 200 ms (longer: the whole run) -> 85/100 = 0.85. */
    gc_pause p[2] = {pause_at(20 * MS, 30 * MS), pause_at(10 * MS, 15 * MS)};   /* unsorted */
    CHECK_DBL("mmu 1ms, two pauses", gc_mmu(p, 2, 0, 100 * MS, 1 * MS), 0.0);
    CHECK_DBL("mmu 5ms, two pauses", gc_mmu(p, 2, 0, 100 * MS, 5 * MS), 0.0);
    CHECK_DBL("mmu 10ms, two pauses", gc_mmu(p, 2, 0, 100 * MS, 10 * MS), 0.0);
    CHECK_DBL("mmu 15ms, window longer than the gap", gc_mmu(p, 2, 0, 100 * MS, 15 * MS), 1.0 / 3.0);
    CHECK_DBL("mmu 20ms, two pauses", gc_mmu(p, 2, 0, 100 * MS, 20 * MS), 0.25);
    CHECK_DBL("mmu 50ms, two pauses", gc_mmu(p, 2, 0, 100 * MS, 50 * MS), 0.7);
    CHECK_DBL("mmu window equal to the run", gc_mmu(p, 2, 0, 100 * MS, 100 * MS), 0.85);
    CHECK_DBL("mmu window longer than the run", gc_mmu(p, 2, 0, 100 * MS, 200 * MS), 0.85);
    /* w = 11 ms: [19, 30] or [20, 31] lose 10 -> 1/11. A window that starts or ends at a pause is
     * enough here even though B is shorter than the window. */
    CHECK_DBL("mmu 11ms, window just longer than a pause", gc_mmu(p, 2, 0, 100 * MS, 11 * MS),
              1.0 / 11.0);

    /* Overlapping pauses (two threads' pauses, reported separately): [10, 30], [20, 40] and [35, 38]
     * inside the second are one interval [10, 40], 30 ms. Summing them would give 20+20+3 = 43.
     *   w = 30: [10, 40] is all pause -> 0.     w = 50: (50 - 30)/50 = 0.4.
     *   w = 100 (the run): 70/100 = 0.7. */
    gc_pause o[3] = {pause_at(20 * MS, 40 * MS), pause_at(35 * MS, 38 * MS), pause_at(10 * MS, 30 * MS)};
    CHECK_DBL("mmu overlapping pauses, 30ms", gc_mmu(o, 3, 0, 100 * MS, 30 * MS), 0.0);
    CHECK_DBL("mmu overlapping pauses, 50ms", gc_mmu(o, 3, 0, 100 * MS, 50 * MS), 0.4);
    CHECK_DBL("mmu overlapping pauses, whole run", gc_mmu(o, 3, 0, 100 * MS, 100 * MS), 0.7);

    /* Run [10, 110] ms; a pause [0, 20] straddles the start (only [10, 20] is in the run, 10 ms),
     * another is [60, 65], a third [200, 300] lies after the run.
     *   w = 20: windows start at 10 at the earliest; [10, 30] loses 10 -> 0.5 (a window [0, 20]
     *     outside the run would claim 0).
     *   w = 60: [10, 70] loses 10 + 5 -> 45/60 = 0.75.
     *   w = 100 (the run): 85/100 = 0.85.   w = 10: [10, 20] -> 0. */
    gc_pause s[3] = {pause_at(200 * MS, 300 * MS), pause_at(60 * MS, 65 * MS), pause_at(0, 20 * MS)};
    CHECK_DBL("mmu pause straddling run start, 20ms", gc_mmu(s, 3, 10 * MS, 110 * MS, 20 * MS), 0.5);
    CHECK_DBL("mmu pause straddling run start, 60ms", gc_mmu(s, 3, 10 * MS, 110 * MS, 60 * MS), 0.75);
    CHECK_DBL("mmu pause straddling run start, whole run", gc_mmu(s, 3, 10 * MS, 110 * MS, 100 * MS),
              0.85);
    CHECK_DBL("mmu pause straddling run start, 10ms", gc_mmu(s, 3, 10 * MS, 110 * MS, 10 * MS), 0.0);

    /* Run [0, 100]; a pause [95, 150] straddles the end (5 ms inside). w = 20: [80, 100] loses 5 ->
     * 0.75. w = 100: 0.95. */
    gc_pause e[1] = {pause_at(95 * MS, 150 * MS)};
    CHECK_DBL("mmu pause straddling run end, 20ms", gc_mmu(e, 1, 0, 100 * MS, 20 * MS), 0.75);
    CHECK_DBL("mmu pause straddling run end, whole run", gc_mmu(e, 1, 0, 100 * MS, 100 * MS), 0.95);

    /* A pause covering the whole run and beyond: no mutator time at all. */
    gc_pause all[1] = {pause_at(0, 500 * MS)};
    CHECK_DBL("mmu pause covering the run", gc_mmu(all, 1, 10 * MS, 110 * MS, 20 * MS), 0.0);

    CHECK_DBL("mmu without pauses", gc_mmu(NULL, 0, 0, 100 * MS, 10 * MS), 1.0);
    CHECK_DBL("mmu with pauses only outside the run", gc_mmu(s, 1, 10 * MS, 110 * MS, 10 * MS), 1.0);
    CHECK_DBL("mmu of an empty run", gc_mmu(p, 2, 50 * MS, 50 * MS, 10 * MS), 1.0);
    CHECK_DBL("mmu at window 0 with a pause", gc_mmu(p, 2, 0, 100 * MS, 0), 0.0);

    CHECK(gc_mmu_nwindows == 10 && gc_mmu_windows_ns[0] == 1 * MS && gc_mmu_windows_ns[3] == 10 * MS &&
              gc_mmu_windows_ns[8] == 500 * MS && gc_mmu_windows_ns[9] == 1000 * MS,
          "mmu windows are 1 ms .. 1 s", "nwindows %zu", gc_mmu_nwindows);
}

/* The utilization of every integer window start, from a per-nanosecond map: with integer pause ends
 * the worst window starts at an integer, so this is exact. */
static double mmu_brute(const gc_pause *p, size_t n, uint64_t rs, uint64_t re, uint64_t w) {
    if (re <= rs)
        return 1.0;
    uint64_t len = re - rs;
    unsigned char *cov = calloc(len, 1);
    uint64_t *pre = calloc(len + 1, sizeof *pre);
    if (!cov || !pre)
        abort();
    for (size_t i = 0; i < n; i++)
        for (uint64_t u = p[i].start_ns; u < p[i].end_ns; u++)
            if (u >= rs && u < re)
                cov[u - rs] = 1;
    for (uint64_t u = 0; u < len; u++)
        pre[u + 1] = pre[u] + cov[u];
    double r;
    if (w == 0) {
        r = pre[len] ? 0.0 : 1.0;
    } else if (w >= len) {
        r = (double)(len - pre[len]) / (double)len;
    } else {
        uint64_t worst = 0;
        for (uint64_t t = 0; t + w <= len; t++)
            if (pre[t + w] - pre[t] > worst)
                worst = pre[t + w] - pre[t];
        r = (double)(w - worst) / (double)w;
    }
    free(cov);
    free(pre);
    return r;
}

static void test_mmu_brute(void) {
    unsigned cases = 0, bad = 0;
    char detail[200] = "";
    for (unsigned c = 0; c < 3000; c++) {
        gc_pause p[10];
        size_t n = rng() % 11;
        for (size_t i = 0; i < n; i++) {
            uint64_t s = rng() % 240, len = rng() % 35;
            p[i] = pause_at(s, rng() % 16 == 0 ? s - (s > 0) : s + len);   /* now and then backwards */
        }
        uint64_t rs = rng() % 30, re = rs + rng() % 200;
        for (uint64_t w = 0; w <= re - rs + 3; w++) {
            cases++;
            double got = gc_mmu(p, n, rs, re, w), want = mmu_brute(p, n, rs, re, w);
            if (got != want && !bad++)
                snprintf(detail, sizeof detail,
                         "case %u: run [%" PRIu64 ", %" PRIu64 "] w %" PRIu64 " n %zu: got %.17g want %.17g",
                         c, rs, re, w, n, got, want);
        }
    }
    CHECK(bad == 0, "mmu equals brute force on random pause lists", "%u of %u wrong; first %s", bad,
          cases, detail);
}

static void test_mmu_large(void) {
    /* 10^6 pauses of 1 us, one every 10 us, run [0, 10 s]. A 1 ms window starting at a pause holds
     * that pause and the next 99 (100 us), the 101st starting exactly at its end -> 0.9; a 10 us
     * window holds one pause -> 0.9; a 500 ns window inside a pause -> 0. An O(n^2) evaluation would
     * not finish, so this also stands for the complexity. */
    size_t n = 1000000;
    gc_pause *p = malloc(n * sizeof *p);
    if (!p)
        abort();
    for (size_t i = 0; i < n; i++)
        p[n - 1 - i] = pause_at(i * 10000, i * 10000 + 1000);   /* reversed: the sort has work */
    CHECK_DBL("mmu of 10^6 periodic pauses, 1ms", gc_mmu(p, n, 0, 10000 * MS, 1 * MS), 0.9);
    CHECK_DBL("mmu of 10^6 periodic pauses, 10us", gc_mmu(p, n, 0, 10000 * MS, 10000), 0.9);
    CHECK_DBL("mmu of 10^6 periodic pauses, 500ns", gc_mmu(p, n, 0, 10000 * MS, 500), 0.0);
    CHECK_DBL("mmu of 10^6 periodic pauses, 1s", gc_mmu(p, n, 0, 10000 * MS, 1000 * MS), 0.9);
    free(p);
}

/* ---- medians and extremes ---- */

static void test_medians(void) {
    uint64_t a[] = {5, 1, 4, 2, 3};   /* sorted 1 2 3 4 5: middle 3 */
    CHECK_U64("median of 5", gc_median_u64(a, 5), 3);
    uint64_t b[] = {40, 10, 30, 20};  /* sorted 10 20 30 40: lower middle 20 */
    CHECK_U64("median of 4 is the lower middle", gc_median_u64(b, 4), 20);
    uint64_t c[] = {7};
    CHECK_U64("median of 1", gc_median_u64(c, 1), 7);
    CHECK_U64("median of 0", gc_median_u64(NULL, 0), 0);
    double d[] = {2.5, 0.5, 3.5, 1.5};  /* sorted 0.5 1.5 2.5 3.5: lower middle 1.5 */
    CHECK_DBL("median of 4 doubles", gc_median_double(d, 4), 1.5);
    double e[] = {3.0, NAN, 1.0, 2.0, NAN};  /* 1 2 3 NaN NaN: middle (index 2) is 3 */
    CHECK_DBL("median with NaNs sorted last", gc_median_double(e, 5), 3.0);
    uint64_t f[] = {9, 3, 12, 6};
    CHECK_U64("min u64", gc_min_u64(f, 4), 3);
    CHECK_U64("max u64", gc_max_u64(f, 4), 12);
    double g[] = {NAN, 2.0, -1.0, NAN, 5.0};
    CHECK_DBL("min double skips NaN", gc_min_double(g, 5), -1.0);
    CHECK_DBL("max double skips NaN", gc_max_double(g, 5), 5.0);
}

/* ---- histogram ---- */

/* The bucket holding v, found through the public edges only (bucket_low is increasing). */
static size_t bucket_of(uint64_t v) {
    size_t lo = 0, hi = GC_HIST_BUCKETS - 1;
    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        if (gc_hist_bucket_low(mid) <= v)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

static gc_hist h1, h2, h3;   /* ~39 KB each: static, not on the stack */

static void test_hist_layout(void) {
    /* Buckets tile [0, 2^64) without gaps: low(0) = 0, high(i) + 1 = low(i + 1), and the last one
     * (where values of 2^44 and more are clamped) reaches UINT64_MAX. */
    unsigned bad = 0;
    size_t first = 0;
    for (size_t i = 0; i + 1 < GC_HIST_BUCKETS; i++)
        if (gc_hist_bucket_high(i) + 1 != gc_hist_bucket_low(i + 1) && !bad++)
            first = i;
    CHECK(bad == 0 && gc_hist_bucket_low(0) == 0 &&
              gc_hist_bucket_high(GC_HIST_BUCKETS - 1) == UINT64_MAX,
          "histogram buckets tile the range", "%u gaps, first after bucket %zu", bad, first);
    CHECK_U64("last bucket starts at 2^44 - 2^36", gc_hist_bucket_low(GC_HIST_BUCKETS - 1),
              (1ull << 44) - (1ull << 36));
    CHECK_U64("bucket 256 is [256, 257]: width 2 from 2^8", gc_hist_bucket_high(256), 257);

    /* Recording each bucket's two edges must put exactly 2 into every bucket: the record path and
     * the edge functions agree on the layout. */
    gc_hist_init(&h1);
    for (size_t i = 0; i < GC_HIST_BUCKETS; i++) {
        gc_hist_record(&h1, gc_hist_bucket_low(i));
        gc_hist_record(&h1, gc_hist_bucket_high(i));
    }
    bad = 0;
    for (size_t i = 0; i < GC_HIST_BUCKETS; i++)
        if (h1.bucket[i] != 2 && !bad++)
            first = i;
    CHECK(bad == 0, "recording a bucket's edges lands in that bucket", "%u buckets wrong, first %zu",
          bad, first);
}

static void test_hist_exact_small(void) {
    /* Below 128 every value has its own bucket: each value alone, and all together where rank k
     * (p = k/128 * 100 exactly representable or not) must give the value k - 1. */
    unsigned bad = 0;
    uint64_t first = 0;
    for (uint64_t v = 0; v < 128; v++) {
        if (gc_hist_bucket_low(bucket_of(v)) != v || gc_hist_bucket_high(bucket_of(v)) != v) {
            if (!bad++)
                first = v;
        }
    }
    CHECK(bad == 0, "histogram buckets below 128 are single values", "%u wrong, first %" PRIu64, bad,
          first);
    gc_hist_init(&h1);
    for (uint64_t v = 0; v < 128; v++)
        gc_hist_record(&h1, v);
    bad = 0;
    for (uint64_t k = 1; k <= 128; k++) {
        double p = (double)k * 100.0 / 128.0;
        if (gc_hist_percentile(&h1, p) != k - 1 && !bad++)
            first = k;
    }
    CHECK(bad == 0, "histogram percentiles below 128 are exact", "%u wrong, first rank %" PRIu64, bad,
          first);
    /* 1..10 as in the exact test: p50 -> 5, p90 -> 9, p91 -> ceil(9.1) = 10, p0 -> 1. */
    gc_hist_init(&h1);
    for (uint64_t v = 10; v >= 1; v--)
        gc_hist_record(&h1, v);
    CHECK_U64("histogram p50 of 1..10", gc_hist_percentile(&h1, 50), 5);
    CHECK_U64("histogram p90 of 1..10", gc_hist_percentile(&h1, 90), 9);
    CHECK_U64("histogram p91 of 1..10", gc_hist_percentile(&h1, 91), 10);
    CHECK_U64("histogram p0 of 1..10", gc_hist_percentile(&h1, 0), 1);
    CHECK(h1.count == 10 && h1.sum == 55 && h1.min == 1 && h1.max == 10,
          "histogram count, sum, min, max of 1..10", "count %" PRIu64 " sum %" PRIu64 " min %" PRIu64
          " max %" PRIu64, h1.count, h1.sum, h1.min, h1.max);
    /* The histogram shares the rank rule: p16.1 of 1..1000 is rank 161, value 161, which (below 256)
     * has a bucket of its own -> 161, not 162. */
    gc_hist_init(&h1);
    for (uint64_t v = 1; v <= 1000; v++)
        gc_hist_record(&h1, v);
    CHECK_U64("histogram p16.1 of 1..1000", gc_hist_percentile(&h1, 16.1), 161);
    gc_hist_init(&h1);
    CHECK_U64("histogram percentile when empty", gc_hist_percentile(&h1, 50), 0);
    CHECK(h1.min == 0 && h1.max == 0, "empty histogram min and max are 0", "min %" PRIu64, h1.min);
}

static void test_hist_relative_error(void) {
    /* Above 128 the upper edge of v's bucket exceeds v by less than v/128. Checked on every bucket
     * edge +-1 and on random values of every magnitude; with a second, larger value recorded, p50 is
     * that upper edge (not clamped by max). */
    unsigned bad = 0, n = 0;
    char detail[160] = "";
    for (unsigned c = 0; c < 200000; c++) {
        uint64_t v;
        if (c < 3 * GC_HIST_BUCKETS) {
            size_t i = c / 3;
            v = gc_hist_bucket_low(i) + (c % 3) - 1;
            if (i == 0 && c % 3 == 0)
                continue;
        } else {
            v = rng() >> (20 + rng() % 44);   /* log-uniform-ish below 2^44 */
        }
        if (v < 128 || v >= (1ull << 44) - (1ull << 36))
            continue;   /* exact below; the last bucket is unbounded above by design */
        n++;
        size_t b = bucket_of(v);
        uint64_t hi = gc_hist_bucket_high(b), lo = gc_hist_bucket_low(b);
        if (!(lo <= v && v <= hi && (hi - v) * 128 < v && (hi - lo + 1) * 128 <= lo)) {
            if (!bad++)
                snprintf(detail, sizeof detail, "v %" PRIu64 " bucket [%" PRIu64 ", %" PRIu64 "]", v, lo, hi);
        }
    }
    CHECK(bad == 0 && n > 100000, "histogram bucket width < 1/128 of its values", "%u of %u wrong: %s",
          bad, n, detail);

    gc_hist_init(&h1);
    gc_hist_record(&h1, 1000000);
    gc_hist_record(&h1, 5000000);
    /* 1e6 lies in [2^19, 2^20): sub-bucket width 2^12 = 4096; 1e6 / 4096 = 244.14, so the bucket is
     * [244 * 4096, 245 * 4096 - 1] = [999424, 1003519]. p50 (rank 1) reports 1003519: +0.35%. */
    CHECK_U64("histogram p50 is the bucket's upper edge", gc_hist_percentile(&h1, 50), 1003519);
    CHECK_U64("histogram p100 is clamped to the exact max", gc_hist_percentile(&h1, 100), 5000000);

    /* Beyond 2^44 values clamp into the last bucket; min, max and sum stay exact. The bucket's upper
     * edge is unbounded, so every percentile landing there reports the exact max: like any upper
     * edge, an upper bound, never a bucket edge below the true value. */
    gc_hist_init(&h1);
    gc_hist_record(&h1, 1ull << 50);
    gc_hist_record(&h1, UINT64_MAX / 2);
    CHECK(h1.bucket[GC_HIST_BUCKETS - 1] == 2 && h1.max == UINT64_MAX / 2 && h1.min == 1ull << 50,
          "histogram clamps huge values into the last bucket", "last bucket %" PRIu64,
          h1.bucket[GC_HIST_BUCKETS - 1]);
    CHECK_U64("histogram p0 of clamped values is max", gc_hist_percentile(&h1, 0), UINT64_MAX / 2);
    CHECK_U64("histogram p100 of clamped values is max", gc_hist_percentile(&h1, 100), UINT64_MAX / 2);
}

static void test_hist_vs_exact(void) {
    /* 100000 values spanning 1 ns .. 2^40 ns, plus a small exact cluster. For each p the histogram
     * picks the same rank as the exact percentile, so it must report exactly the upper edge of the
     * exact value's bucket, clamped to [min, max]. */
    enum { N = 100000 };
    static uint64_t v[N];
    rng_state = 12345;
    gc_hist_init(&h1);
    gc_hist_init(&h2);
    gc_hist_init(&h3);
    uint64_t sum = 0;
    for (size_t i = 0; i < N; i++) {
        v[i] = i % 10 == 0 ? rng() % 100 : 1 + (rng() >> (24 + rng() % 40));
        sum += v[i];
        gc_hist_record(&h1, v[i]);
        gc_hist_record(i % 2 ? &h2 : &h3, v[i]);   /* halves, for the merge test */
    }
    gc_sort_u64(v, N);
    CHECK(h1.count == N && h1.sum == sum && h1.min == v[0] && h1.max == v[N - 1],
          "histogram count, sum, min, max exact on 100000 values", "count %" PRIu64, h1.count);

    static const double ps[] = {0, 0.1, 1, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 99.999, 100};
    for (size_t k = 0; k < NELEMS(ps); k++) {
        uint64_t exact = gc_percentile_sorted(v, N, ps[k]);
        uint64_t got = gc_hist_percentile(&h1, ps[k]);
        uint64_t want = gc_hist_bucket_high(bucket_of(exact));
        want = want > h1.max ? h1.max : want;
        want = want < h1.min ? h1.min : want;
        char name[80];
        snprintf(name, sizeof name, "histogram p%g against exact", ps[k]);
        CHECK(got == want && got >= exact && (got - exact) * 128 <= exact, name,
              "got %" PRIu64 ", exact %" PRIu64 ", bucket edge %" PRIu64, got, exact, want);
    }

    /* Merging the two halves must give the whole, bucket for bucket. */
    gc_hist_merge(&h2, &h3);
    CHECK(memcmp(&h1, &h2, sizeof h1) == 0, "histogram merge of two halves equals the whole",
          "count %" PRIu64 " vs %" PRIu64 ", min %" PRIu64 " vs %" PRIu64, h2.count, h1.count, h2.min,
          h1.min);
    /* An empty histogram is neutral on either side (its min of 0 must not leak in). */
    gc_hist_init(&h3);
    gc_hist_merge(&h2, &h3);
    CHECK(memcmp(&h1, &h2, sizeof h1) == 0, "histogram merge of an empty one changes nothing",
          "min %" PRIu64, h2.min);
    gc_hist_merge(&h3, &h1);
    CHECK(memcmp(&h1, &h3, sizeof h1) == 0, "histogram merge into an empty one copies",
          "min %" PRIu64 " vs %" PRIu64, h3.min, h1.min);
}

int main(void) {
    test_percentile_sorted();
    test_summary();
    test_mmu_hand();
    test_mmu_brute();
    test_mmu_large();
    test_medians();
    test_hist_layout();
    test_hist_exact_small();
    test_hist_relative_error();
    test_hist_vs_exact();
    printf("test_stats: %u checks, %u failed\n", checks, failed);
    return failed ? 1 : 0;
}
