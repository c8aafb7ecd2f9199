/* msgbuf: the GC latency benchmark used to compare Go, OCaml, Haskell and Java pause times (docs/DESIGN.md §5).
 *
 * Each thread keeps a window (an object of `window / threads` pointer slots) of messages, each a raw
 * byte array of --msg-size bytes, and pushes `pushes / threads` messages: push i makes a message whose
 * bytes are all (uint8_t)i, with i itself (64 bits) stamped in its first 8 bytes when it has room, and
 * stores it in slot i % window, replacing the oldest. The time of each push (allocation, fill and store)
 * is recorded into the thread's latency histogram.
 *
 * Metered mode (--rate R, pushes per second in total, split evenly across the threads): each thread
 * gives its pushes evenly spaced intended start times and waits (in a blocking region, then polling
 * safepoints) until each one is due; besides the simple latency it records the metered latency,
 * completion - intended start, into ctx->metered (util/meter.h), so a stall delays the pushes
 * scheduled behind it instead of hiding them (coordinated omission).
 *
 * Checks: before a push replaces a message, that message's stamp and first and last bytes must be those
 * of push i - window (outside the timed span); at the end, every slot must hold the message of the most
 * recent push for it, checked byte by byte, slots never pushed to must be empty, and the number of
 * filled slots and of pushes must be right.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <time.h>

#include "workload.h"
#include "wl_size.h"
#include "clock.h"
#include "meter.h"
#include "wl_ops.h"

enum { P_WINDOW, P_MSG_SIZE, P_PUSHES, P_RATE, P_COUNT };

static const wl_param params[] = {
    [P_WINDOW] = {"window", "messages kept live (in total, split across threads)", 200000, 1, (int64_t)1 << 26},
    [P_MSG_SIZE] = {"msg-size", "bytes per message", 1024, 1, 1 << 20},
    [P_PUSHES] = {"pushes", "messages created (in total, split across threads)", 1000000, 1,
                  (int64_t)1 << 40},
    [P_RATE] = {"rate", "pushes per second in total (metered latency); 0: as fast as possible", 0, 0, 1000000000},
};

typedef struct shared {
    gc_heap *heap;
    gc_type t_window, t_msg;
    size_t msg_size;
    unsigned nthreads;
    gc_hist *latency;
    wl_ops *ops;
    gc_hist *metered;
    double rate;      /* pushes per second per thread; 0: unmetered */
    atomic_int failed;
} shared;

typedef struct worker {
    shared *sh;
    unsigned index;
    pthread_t thread;
    uint64_t window;  /* slots of this thread's window */
    uint64_t pushes;  /* pushes this thread does */
    uint64_t done;    /* pushes done */
    int status;
    char err[256];
} worker;

/* Waits until `when` (CLOCK_MONOTONIC ns). A long wait sleeps inside a blocking region, so a collection
 * need not wait for this thread (the sleep ends 100 us early to absorb timer slack); the rest spins
 * polling safepoints. */
static void wait_until(gc_mut *mut, uint64_t when) {
    uint64_t now = gc_now_ns();
    if (now >= when) return;
    if (when - now > 200000) {
        uint64_t wake = when - 100000;
        struct timespec ts = {.tv_sec = (time_t)(wake / 1000000000u), .tv_nsec = (long)(wake % 1000000000u)};
        gc_block_enter(mut);
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
        gc_block_leave(mut);
    }
    while (gc_now_ns() < when) gc_safepoint(mut);
}

static void fill(uint8_t *p, size_t size, uint64_t i) {
    memset(p, (int)(uint8_t)i, size);
    if (size >= 8) memcpy(p, &i, 8);
}

/* Quick check of a message about to be dropped: size, stamp, first and last byte. */
static bool quick_ok(gc_obj *m, size_t size, uint64_t i) {
    if (!m || gc_nptrs(m) != 0 || gc_nbytes(m) < size) return false;
    const uint8_t *p = gc_raw(m);
    if (size >= 8) {
        uint64_t stamp;
        memcpy(&stamp, p, 8);
        if (stamp != i) return false;
    } else if (p[0] != (uint8_t)i) {
        return false;
    }
    return p[size - 1] == (uint8_t)i;
}

/* Full check: every byte. */
static bool full_ok(gc_obj *m, size_t size, uint64_t i) {
    if (!quick_ok(m, size, i)) return false;
    const uint8_t *p = gc_raw(m);
    for (size_t k = size >= 8 ? 8 : 0; k < size; k++)
        if (p[k] != (uint8_t)i) return false;
    return true;
}

static void *worker_main(void *arg) {
    worker *w = arg;
    shared *sh = w->sh;
    const size_t size = sh->msg_size;
    const uint64_t wsize = w->window, pushes = w->pushes;
    gc_hist *mhist = sh->metered ? &sh->metered[w->index] : NULL;
    gc_mut *mut = gc_attach(sh->heap);
    wl_ops *ops = sh->ops ? &sh->ops[w->index] : NULL;
    wl_ops_start(ops, mut, sh->latency ? &sh->latency[w->index] : NULL, w->index);
    size_t base = gc_scope_open(mut);
    gc_obj **win = gc_push(mut, gc_alloc(mut, sh->t_window, (uint32_t)wsize, 0));
    gc_meter meter;
    gc_meter_init(&meter, gc_now_ns(), sh->rate);

    for (uint64_t i = 0; i < pushes; i++) {
        uint64_t slot = i % wsize;
        if (i >= wsize) {
            gc_obj *old = gc_read(*win, slot);
            if (!quick_ok(old, size, i - wsize)) {
                snprintf(w->err, sizeof w->err, "push %llu: slot %llu does not hold the message of push %llu",
                         (unsigned long long)i, (unsigned long long)slot, (unsigned long long)(i - wsize));
                w->status = -1;
                break;
            }
            if ((i & 1023) == 0 && atomic_load_explicit(&sh->failed, memory_order_relaxed)) break;
        }
        uint64_t intended = 0;
        if (sh->rate > 0) {
            intended = gc_meter_intended(&meter, i);
            wait_until(mut, intended);
        }
        uint64_t t0 = wl_op_begin(ops);
        gc_obj *m = gc_alloc(mut, sh->t_msg, 0, size);
        fill(gc_raw(m), size, i);
        gc_write(mut, *win, slot, m);
        uint64_t t1 = wl_op_end(ops, t0);
        if (sh->rate > 0) gc_meter_record(NULL, mhist, intended, t0, t1);
        w->done++;
    }

    /* A thread that stopped early because another failed checks nothing more and reports nothing. */
    if (!w->status && w->done == pushes) {
        /* Slot s holds the last push i < pushes with i % wsize == s, or nothing if no push reached it. */
        uint64_t filled = 0;
        for (uint64_t s = 0; s < wsize; s++) {
            /* A long stretch without allocation polls, or a stop would wait for the whole check. */
            if ((s & 63) == 63) gc_safepoint(mut);
            gc_obj *m = gc_read(*win, s);
            if (s >= pushes) {
                if (m) {
                    snprintf(w->err, sizeof w->err, "slot %llu holds a message but was never pushed to",
                             (unsigned long long)s);
                    w->status = -1;
                    break;
                }
                continue;
            }
            uint64_t last = (pushes - 1 - s) / wsize * wsize + s;
            if (!full_ok(m, size, last)) {
                snprintf(w->err, sizeof w->err, "at the end, slot %llu does not hold the message of push %llu",
                         (unsigned long long)s, (unsigned long long)last);
                w->status = -1;
                break;
            }
            filled++;
        }
        uint64_t want = pushes < wsize ? pushes : wsize;
        if (!w->status && filled != want) {
            snprintf(w->err, sizeof w->err, "%llu slots filled, expected %llu", (unsigned long long)filled,
                     (unsigned long long)want);
            w->status = -1;
        }
    }
    if (w->status) atomic_store(&sh->failed, 1);
    wl_ops_stop(ops);
    gc_scope_close(mut, base);
    gc_detach(mut);
    return NULL;
}

static uint64_t live_bytes(const int64_t *param, unsigned threads) {
    if (!threads) threads = 1;
    uint64_t window = (uint64_t)param[P_WINDOW], pushes = (uint64_t)param[P_PUSHES], total = 0;
    uint64_t msg = wl_obj_size(0, (uint64_t)param[P_MSG_SIZE]);
    for (unsigned t = 0; t < threads; t++) {
        uint64_t w = wl_share(window, threads, t), p = wl_share(pushes, threads, t);
        total += wl_obj_size(w, 0) + (p < w ? p : w) * msg;
    }
    return total;
}

static int run(wl_ctx *ctx, char *err, size_t errlen) {
    shared sh;
    sh.heap = ctx->heap;
    sh.msg_size = (size_t)ctx->param[P_MSG_SIZE];
    sh.nthreads = ctx->threads ? ctx->threads : 1;
    sh.latency = ctx->latency;
    sh.ops = ctx->rec;
    sh.metered = ctx->metered;
    sh.rate = (double)ctx->param[P_RATE] / (double)sh.nthreads;
    atomic_init(&sh.failed, 0);
    uint64_t window = (uint64_t)ctx->param[P_WINDOW], pushes = (uint64_t)ctx->param[P_PUSHES];
    if (window < sh.nthreads) {
        snprintf(err, errlen, "--window %llu is smaller than --threads %u", (unsigned long long)window,
                 sh.nthreads);
        return WL_BAD_PARAMS;
    }
    sh.t_window = gc_register_type(ctx->heap, "msgbuf.window");
    sh.t_msg = gc_register_type(ctx->heap, "msgbuf.msg");

    worker *workers = calloc(sh.nthreads, sizeof *workers);
    if (!workers) {
        snprintf(err, errlen, "out of memory for %u workers", sh.nthreads);
        return -1;
    }
    int status = 0;
    unsigned started = 0;
    for (; started < sh.nthreads; started++) {
        worker *w = &workers[started];
        w->sh = &sh;
        w->index = started;
        w->window = wl_share(window, sh.nthreads, started);
        w->pushes = wl_share(pushes, sh.nthreads, started);
        if (pthread_create(&w->thread, NULL, worker_main, w)) {
            atomic_store(&sh.failed, 1);
            snprintf(err, errlen, "cannot create thread %u", started);
            status = -1;
            break;
        }
    }
    uint64_t done = 0;
    for (unsigned t = 0; t < started; t++) pthread_join(workers[t].thread, NULL);
    for (unsigned t = 0; t < started; t++) {
        done += workers[t].done;
        if (workers[t].status && !status) {
            snprintf(err, errlen, "thread %u: %s", t, workers[t].err);
            status = -1;
        }
    }
    if (!status && done != pushes) {
        snprintf(err, errlen, "%llu pushes done, expected %llu", (unsigned long long)done,
                 (unsigned long long)pushes);
        status = -1;
    }
    free(workers);
    ctx->ops = done;
    return status;
}

const workload wl_msgbuf = {
    .name = "msgbuf",
    .summary = "GC latency benchmark: a window of 1 KiB messages, each push replacing the oldest; per-push latency",
    .params = params,
    .nparams = P_COUNT,
    .multithreaded = true,
    .latency = true,
    .live_bytes = live_bytes,
    .run = run,
};
