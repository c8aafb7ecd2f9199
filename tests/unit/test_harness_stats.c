/* test_harness_stats.c: the statistics the harness added for issue 5, against hand-worked examples:
 * the BMU curve of a known pause list, the MMU/BMU window grid, time-to-safepoint p50, and metered
 * latency of a known schedule with a known stall (util/meter.h).
 *
 * Prints "ok - name" or "FAIL - name: detail" per check, then "test_harness_stats: N checks, M failed";
 * exits 1 if any failed.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../../util/histogram.h"
#include "../../util/meter.h"
#include "../../harness/stats.h"

#include "check.h"

#define CHECK_DBL(name, got, want)                                                          \
    do {                                                                                    \
        double g_ = (got), w_ = (want);                                                     \
        check(g_ - w_ < 1e-12 && w_ - g_ < 1e-12, (name), "got %.15g, want %.15g", g_, w_); \
    } while (0)

#define US 1000ull
#define MS 1000000ull

static gc_pause pause_at(uint64_t start, uint64_t end, uint64_t ttsp) {
    return (gc_pause){.start_ns = start, .end_ns = end, .ttsp_ns = ttsp, .kind = GC_PAUSE_FULL};
}

/* A run [0, 100 ms] with pauses [10, 20] and [30, 40] ms:
 *   MMU(10 ms)  = 0      a window inside a pause
 *   MMU(20 ms)  = 1/2    [10, 30] or [15, 35]: 10 ms paused
 *   MMU(30 ms)  = 1/3    [10, 40]: 20 ms paused of 30
 *   MMU(40 ms)  = 1/2    [5, 45]: 20 of 40 paused
 *   MMU(50 ms)  = 3/5    20 of 50 paused
 *   MMU(60 ms)  = 2/3    20 of 60 paused
 *   MMU(100 ms) = 4/5    the whole run
 * MMU is not monotonic (30 ms is worse than 20 ms); BMU(w) = min over w' >= w:
 *   BMU = 0, 1/3, 1/3, 1/2, 3/5, 2/3, 4/5. */
static void test_bmu(void) {
    gc_pause p[] = {pause_at(10 * MS, 20 * MS, 0), pause_at(30 * MS, 40 * MS, 0)};
    const uint64_t w[] = {10 * MS, 20 * MS, 30 * MS, 40 * MS, 50 * MS, 60 * MS, 100 * MS};
    const double want_mmu[] = {0, 0.5, 1.0 / 3, 0.5, 0.6, 2.0 / 3, 0.8};
    const double want_bmu[] = {0, 1.0 / 3, 1.0 / 3, 0.5, 0.6, 2.0 / 3, 0.8};
    double mmu[7], bmu[7];
    char name[80];
    for (int i = 0; i < 7; i++) {
        mmu[i] = gc_mmu(p, 2, 0, 100 * MS, w[i]);
        snprintf(name, sizeof name, "MMU(%" PRIu64 " ms) of two 10 ms pauses", (uint64_t)(w[i] / MS));
        CHECK_DBL(name, mmu[i], want_mmu[i]);
    }
    gc_bmu(mmu, 7, bmu);
    for (int i = 0; i < 7; i++) {
        snprintf(name, sizeof name, "BMU(%" PRIu64 " ms) of two 10 ms pauses", (uint64_t)(w[i] / MS));
        CHECK_DBL(name, bmu[i], want_bmu[i]);
    }
    int mono = 1;
    for (int i = 1; i < 7; i++) mono &= bmu[i] >= bmu[i - 1];
    check(mono, "BMU never decreases with the window", "it does");
    gc_bmu(mmu, 7, mmu);   /* in place */
    check(memcmp(mmu, bmu, sizeof bmu) == 0, "gc_bmu works in place", "differs");
    double none[1] = {0.25};
    gc_bmu(none, 1, none);
    CHECK_DBL("BMU of one window is its MMU", none[0], 0.25);
}

static void test_curve_windows(void) {
    uint64_t w[256];
    /* A 1 s run: 10^(k/10) ns for k = 40 (10 us) .. 89 (794 ms): 50 windows, then 1 s itself. */
    size_t n = gc_mmu_curve_windows(1000 * MS, w, 256);
    CHECK_U64("1 s run: 51 windows", n, 51);
    CHECK_U64("first window 10 us", w[0], 10 * US);
    CHECK_U64("second window 10^4.1 ns rounded", w[1], 12589);
    CHECK_U64("window 10: 100 us", w[10], 100 * US);
    CHECK_U64("last window the whole run", w[n - 1], 1000 * MS);
    int asc = 1;
    for (size_t i = 1; i < n; i++) asc &= w[i] > w[i - 1];
    check(asc, "windows strictly ascending", "not ascending");
    CHECK_U64("run shorter than 10 us: only the run", gc_mmu_curve_windows(5 * US, w, 256), 1);
    CHECK_U64("... which is the run length", w[0], 5 * US);
    CHECK_U64("empty run: no windows", gc_mmu_curve_windows(0, w, 256), 0);
    n = gc_mmu_curve_windows(1000 * MS, w, 4);
    CHECK_U64("capped at max", n, 4);
    CHECK_U64("capped list still ends at the run", w[3], 1000 * MS);
}

/* ttsp values 5, 1, 3 us sorted 1 3 5: p50 rank ceil(1.5) = 2 -> 3 us; p99 rank 3 -> 5 us. */
static void test_ttsp(void) {
    gc_pause p[] = {pause_at(0, 10 * US, 5 * US), pause_at(20 * US, 30 * US, 1 * US), pause_at(40 * US, 50 * US, 3 * US)};
    gc_pause_summary s;
    gc_summarize_pauses(p, 3, &s);
    CHECK_U64("ttsp p50 of 5 1 3 us", s.ttsp_p50_ns, 3 * US);
    CHECK_U64("ttsp p99 of 5 1 3 us", s.ttsp_p99_ns, 5 * US);
    CHECK_U64("ttsp max of 5 1 3 us", s.ttsp_max_ns, 5 * US);
}

static uint64_t count_at_least(const gc_hist *h, uint64_t v) {
    uint64_t n = 0;
    for (size_t b = 0; b < GC_HIST_BUCKETS; b++)
        if (gc_hist_bucket_low(b) >= v) n += h->bucket[b];
    return n;
}

/* 1000 pushes at 1000/s (intended starts 0, 1, 2, ... ms), each taking 10 us, except push 100, which
 * takes 50 ms (a stall). Push 100 starts on time and ends at 150 ms; push 100 + j (j >= 1) starts when
 * the one before ends, at 150 + 0.01 (j - 1) ms, ends 0.01 ms later, and was due at 100 + j ms: its
 * metered latency is 50 - 0.99 j ms, at least 1 ms for j <= 49, at least 25 ms for j <= 25. So the
 * metered histogram has exactly 50 pushes of 1 ms or more (100..149, from 50 ms down to 1.49 ms), the
 * simple one exactly 1 (the stall itself); push 151 (due at 151 ms, previous done at 150.5 ms) is the
 * first on time again. 50 of 1000 is 5%: metered p96 is at least 1 ms, p95 is not. */
static void test_metered(void) {
    gc_hist simple, metered;
    gc_hist_init(&simple);
    gc_hist_init(&metered);
    gc_meter m;
    gc_meter_init(&m, 0, 1000.0);
    CHECK_U64("intended start of push 0", gc_meter_intended(&m, 0), 0);
    CHECK_U64("intended start of push 7 at 1000/s", gc_meter_intended(&m, 7), 7 * MS);
    uint64_t now = 0, first_on_time = 0;
    for (uint64_t i = 0; i < 1000; i++) {
        uint64_t due = gc_meter_intended(&m, i);
        uint64_t start = now > due ? now : due;   /* wait if early, never skip if late */
        if (i > 100 && !first_on_time && start == due) first_on_time = i;
        uint64_t end = start + (i == 100 ? 50 * MS : 10 * US);
        gc_meter_record(&simple, &metered, due, start, end);
        now = end;
    }
    CHECK_U64("simple: 1000 pushes", simple.count, 1000);
    CHECK_U64("metered: 1000 pushes", metered.count, 1000);
    CHECK_U64("simple: one push of 1 ms or more", count_at_least(&simple, 1 * MS), 1);
    CHECK_U64("metered: 50 pushes of 1 ms or more", count_at_least(&metered, 1 * MS), 50);
    CHECK_U64("metered: 26 pushes of 25 ms or more", count_at_least(&metered, 25 * MS), 26);
    CHECK_U64("first push on time after the stall", first_on_time, 151);
    CHECK_U64("simple max is the stall", simple.max, 50 * MS);
    CHECK_U64("metered max is the stall (it started on time)", metered.max, 50 * MS);
    check(gc_hist_percentile(&simple, 99) < 11 * US, "simple p99 stays at the service time", "got %" PRIu64,
          gc_hist_percentile(&simple, 99));
    check(gc_hist_percentile(&metered, 96) >= 1 * MS, "metered p96 shows the stall", "got %" PRIu64,
          gc_hist_percentile(&metered, 96));
    check(gc_hist_percentile(&metered, 95) < 1 * MS, "metered p95 does not (exactly 5% stalled)", "got %" PRIu64,
          gc_hist_percentile(&metered, 95));
    /* An open-loop client that is never late records the service time in both. */
    gc_hist a, b;
    gc_hist_init(&a);
    gc_hist_init(&b);
    gc_meter_record(&a, &b, 5 * MS, 5 * MS, 5 * MS + 7 * US);
    CHECK_U64("on time: metered equals simple", b.max, a.max);
    gc_meter_record(NULL, &b, 9 * MS, 9 * MS, 8 * MS);   /* clock oddity: never negative */
    CHECK_U64("completion before the intended start counts as 0", b.min, 0);
    gc_meter r0;
    gc_meter_init(&r0, 123, 0);
    CHECK_U64("rate 0: every intended start is the start", gc_meter_intended(&r0, 1000000), 123);
}

int main(void) {
    test_bmu();
    test_curve_windows();
    test_ttsp();
    test_metered();
    printf("test_harness_stats: %u checks, %u failed\n", checks, failed);
    return failed ? 1 : 0;
}
