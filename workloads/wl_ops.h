/* wl_ops.h: a request-style workload's record of its operations (README, "Where the slowest
 * operations' time went").
 *
 * Each thread that times operations keeps one: every operation's latency goes into the thread's
 * histogram, and the slowest WL_SLOWEST operations are kept with what explains them: what the
 * thread's own gclab account (gclab.h, gc_mut_account) charged while the operation ran, and the
 * thread's schedstat figures (util/schedstat.h) on both sides of it, so that the harness can say which
 * part of each was a pause, the time to safepoint, the allocation slow path, or the machine.
 *
 * Cost. The fast path per operation is two clock reads (which the histogram needs anyway), one load
 * and compare of the account's event count, and a compare against the slowest-kept threshold. The
 * schedstat file and the thread's CPU clock are read about once every WL_SAMPLE_NS and after each
 * operation that is kept (1.6 us a read, measured: ~1.6% of the thread's time at the default period);
 * the window of a kept operation
 * is [the last read before it began, the read just after it ended], so it can begin up to
 * WL_SAMPLE_NS (plus the operations in between) before the operation: stalls.csv gives its bounds. */
#ifndef GCLAB_WL_OPS_H
#define GCLAB_WL_OPS_H

#include <stdbool.h>
#include <stdint.h>
#include "gclab.h"
#include "clock.h"
#include "histogram.h"
#include "schedstat.h"

#define WL_SLOWEST 100
#define WL_SAMPLE_NS 100000u      /* schedstat read at least this often while operations run */
#define WL_KEEP_MIN_NS 2000u      /* an operation faster than this is never worth explaining */

typedef struct wl_slow_op {
    uint64_t start_ns, dur_ns;
    unsigned thread;
    gc_mut_account charged;       /* what the thread's account charged during the operation */
    gc_sched_sample w0, w1;       /* schedstat at the window's ends (sched false: not read) */
    bool sched;
} wl_slow_op;

typedef struct wl_ops {
    gc_hist *hist;                /* the thread's latency histogram */
    const gc_mut_account *acct;
    gc_mut_account snap;          /* the account when the current operation began */
    int fd;                       /* schedstat, or -1 */
    bool sched_ok;
    gc_sched_sample last, first;  /* the latest read, and the first (for the thread's totals) */
    uint64_t next_sample_ns;
    uint64_t keep_ns;             /* the slowest kept when full (else WL_KEEP_MIN_NS) */
    unsigned thread, nslow;
    wl_slow_op slow[WL_SLOWEST];  /* unordered; the fastest is replaced */
    uint64_t run_delay_ns, off_cpu_other_ns;   /* over the thread's life, set by wl_ops_stop */
} wl_ops;

/* On the recording thread, after gc_attach. ops NULL: nothing is recorded (and every call is a no-op). */
void wl_ops_start(wl_ops *ops, gc_mut *mut, gc_hist *hist, unsigned thread);
void wl_ops_stop(wl_ops *ops);
void wl_ops_sample(wl_ops *ops);
void wl_ops_keep(wl_ops *ops, uint64_t t0, uint64_t t1);

/* An operation begins: returns its start time. */
static inline uint64_t wl_op_begin(wl_ops *ops) {
    uint64_t t0 = gc_now_ns();
    if (ops) {
        if (ops->acct->events != ops->snap.events) ops->snap = *ops->acct;
        /* A sample takes about a microsecond: the operation begins after it. */
        if (ops->sched_ok && t0 >= ops->next_sample_ns) {
            wl_ops_sample(ops);
            t0 = ops->last.wall_ns;
        }
    }
    return t0;
}

/* The operation that began at t0 ends: returns its end time, its latency recorded and, if it is among
 * the slowest so far, kept with its explanation. */
static inline uint64_t wl_op_end(wl_ops *ops, uint64_t t0) {
    uint64_t t1 = gc_now_ns();
    if (ops) {
        if (ops->hist) gc_hist_record(ops->hist, t1 - t0);
        if (t1 - t0 >= ops->keep_ns) wl_ops_keep(ops, t0, t1);
    }
    return t1;
}

#endif
