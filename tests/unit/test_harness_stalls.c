/* test_harness_stalls.c: keeping the slowest operations (workloads/wl_ops.c) and splitting them into
 * causes (harness/stalls.c), on synthetic operations whose split is known.
 * Prints one line per check, then "test_harness_stalls: N checks, M failed"; exits 1 if any failed. */
#include <string.h>

#include "../../harness/stalls.h"
#include "check.h"

static wl_slow_op op(uint64_t dur, uint64_t wall, uint64_t cpu, uint64_t delay) {
    wl_slow_op o = {.start_ns = 1000, .dur_ns = dur, .sched = wall > 0};
    o.w0 = (gc_sched_sample){.wall_ns = 900, .cpu_ns = 10, .run_delay_ns = 20};
    o.w1 = (gc_sched_sample){.wall_ns = 900 + wall, .cpu_ns = 10 + cpu, .run_delay_ns = 20 + delay};
    return o;
}

static const stall_row *row_of(const stall_summary *s, uint64_t dur) {
    for (unsigned i = 0; i < s->n; i++)
        if (s->rows[i].op.dur_ns == dur) return &s->rows[i];
    return NULL;
}

static bool adds_up(const stall_row *r) {
    uint64_t sum = 0;
    for (unsigned c = 0; c < STALL_NCOLS; c++) sum += r->ns[c];
    return sum == r->op.dur_ns;
}

static void split(void) {
    wl_ops ops[2];
    memset(ops, 0, sizeof ops);
    /* A: a full pause of 600 and 100 ns waiting for the stop; the window was off the CPU 900 ns, of
     * which the 700 stopped may have been: the machine gets only 200 (os first), 100 stays unexplained. */
    ops[0].slow[0] = op(1000, 1100, 200, 500);
    ops[0].slow[0].charged.pause_ns[GC_PAUSE_FULL] = 600;
    ops[0].slow[0].charged.stall_ns[GC_STALL_TTSP] = 100;
    /* B: nothing of gclab's; 1500 ns of run delay and 400 neither running nor runnable. */
    ops[0].slow[1] = op(1900, 2000, 100, 1500);
    /* C: more charged than the operation lasted (a window edge): clamped to the operation. */
    ops[1].slow[0] = op(700, 0, 0, 0);
    ops[1].slow[0].charged.stall_ns[GC_STALL_SWEEP] = 5000;
    ops[0].nslow = 2, ops[1].nslow = 1;
    stall_summary s;
    int rc = stalls_attribute(ops, 2, &s);
    CHECK(rc == 0 && s.n == 3, "three operations kept", "rc %d n %u", rc, s.n);
    const stall_row *a = row_of(&s, 1000), *b = row_of(&s, 1900), *c = row_of(&s, 700);
    CHECK(s.n == 3 && s.rows[0].op.dur_ns == 1900 && s.rows[2].op.dur_ns == 700, "slowest first", "%llu %llu",
          (unsigned long long)s.rows[0].op.dur_ns, (unsigned long long)s.rows[2].op.dur_ns);
    CHECK(a && a->ns[GC_PAUSE_FULL] == 600 && a->ns[GC_PAUSE_NKINDS + GC_STALL_TTSP] == 100 && a->ns[STALL_OS] == 200 &&
              a->ns[STALL_VM] == 0 && a->ns[STALL_NONE] == 100 && adds_up(a),
          "pause, ttsp, the machine's share after what the stops may have spent off the CPU", "os %llu vm %llu none %llu",
          a ? (unsigned long long)a->ns[STALL_OS] : 0ull, a ? (unsigned long long)a->ns[STALL_VM] : 0ull,
          a ? (unsigned long long)a->ns[STALL_NONE] : 0ull);
    CHECK(b && b->ns[STALL_OS] == 1500 && b->ns[STALL_VM] == 400 && b->ns[STALL_NONE] == 0 && adds_up(b),
          "run delay to os, the rest off the CPU to vm", "os %llu vm %llu none %llu", b ? (unsigned long long)b->ns[STALL_OS] : 0ull,
          b ? (unsigned long long)b->ns[STALL_VM] : 0ull, b ? (unsigned long long)b->ns[STALL_NONE] : 0ull);
    CHECK(c && c->ns[GC_PAUSE_NKINDS + GC_STALL_SWEEP] == 700 && adds_up(c), "charges clamped to the operation",
          "sweep %llu", c ? (unsigned long long)c->ns[GC_PAUSE_NKINDS + GC_STALL_SWEEP] : 0ull);
    CHECK(s.total_ns == 3600 && s.attributed_ns == 3500, "totals", "total %llu attributed %llu",
          (unsigned long long)s.total_ns, (unsigned long long)s.attributed_ns);
    stalls_free(&s);
}

/* wl_ops_keep keeps the WL_SLOWEST slowest of many, and its threshold rises to the slowest kept. */
static void keep(void) {
    static wl_ops ops;
    gc_mut_account acct = {0};
    memset(&ops, 0, sizeof ops);
    ops.acct = &acct;
    ops.fd = -1;
    ops.keep_ns = WL_KEEP_MIN_NS;
    uint64_t t = 1000000;
    for (uint64_t i = 0; i < 1000; i++) {
        uint64_t d = WL_KEEP_MIN_NS + (i * 7919) % 1000 * 10;   /* a permutation of 1000 durations */
        if (d >= ops.keep_ns) wl_ops_keep(&ops, t, t + d);
        t += d + 1;
    }
    uint64_t lo = UINT64_MAX;
    for (unsigned i = 0; i < ops.nslow; i++)
        if (ops.slow[i].dur_ns < lo) lo = ops.slow[i].dur_ns;
    CHECK(ops.nslow == WL_SLOWEST && lo == WL_KEEP_MIN_NS + 900 * 10 && ops.keep_ns == lo + 1,
          "the 100 slowest of 1000 kept", "kept %u, fastest kept %llu, threshold %llu", ops.nslow,
          (unsigned long long)lo, (unsigned long long)ops.keep_ns);
}

int main(void) {
    split();
    keep();
    printf("test_harness_stalls: %u checks, %u failed\n", checks, failed);
    return failed ? 1 : 0;
}
