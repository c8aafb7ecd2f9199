/* phase.h: one worker's loop in a parallel work-stealing phase, written once for marking (mark.c)
 * and for the scavenger's copying phase (scavenge.c).
 *
 * A worker drains the entries it holds, then takes more work from elsewhere (a shared batch, another
 * worker's deque, a pool), and the phase ends for everyone once nobody holds or can create work.
 * What an entry is, how it is processed and where more work comes from are the phase's: a
 * gc_phase_ops of static inline functions, a static const object, so that with gc_phase_drive always
 * inlined every call through it is direct and inlined (no indirect call per entry).
 *
 * Termination: a worker counts itself out of `active` only with nothing in hand, and only an active
 * worker can create work, so active == 0 means every deque is empty for good. An idle worker that
 * sees work counts itself back in before taking it. Work arriving from outside the workers (marking's
 * grey pool, which running mutators feed) is not covered: the phase may end with some left, and its
 * caller knows what that means (gc_mark_drain). */
#ifndef GCLAB_PHASE_H
#define GCLAB_PHASE_H

#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "clock.h"
#include "deque.h"

typedef struct gc_phase_ops {
    /* An entry the worker holds itself, or GC_DEQUE_EMPTY. Required. */
    uintptr_t (*next)(void *ctx);
    /* Does the work of one entry (and may push more). Required. */
    void (*process)(void *ctx, uintptr_t e);
    /* Called after the k-th entry of each run of the worker's own entries (k from 0): sharing work,
     * reporting progress. Returning true ends the phase for this worker at once, and it must have
     * given away everything it holds first (the termination argument). NULL: nothing to do. */
    bool (*pace)(void *ctx, unsigned k);
    /* Puts more work on the worker's own stack without stealing (a batch from a shared array);
     * false when there was none. Tried before stealing. NULL: no such source. */
    bool (*refill)(void *ctx);
    /* An entry taken from another worker (or a shared pool), or GC_DEQUE_EMPTY. Required. */
    uintptr_t (*steal)(void *ctx);
    /* A cheap look whether refill or steal could find something now. Required. */
    bool (*any_work)(void *ctx);
    /* An idle worker leaves the phase when this says so, even with work left (abort). NULL: never. */
    bool (*quit)(void *ctx);
} gc_phase_ops;

/* Runs one worker's part of the phase; `active` starts at the number of workers. Returns the time
 * this worker spent idle (looking for work or waiting for the end); the rest was busy. */
static inline __attribute__((always_inline)) uint64_t gc_phase_drive(_Atomic unsigned *active,
                                                                     const gc_phase_ops *ops, void *ctx) {
    uint64_t idle = 0;
    for (;;) {
        uintptr_t e;
        for (unsigned k = 0; (e = ops->next(ctx)) != GC_DEQUE_EMPTY; k++) {
            ops->process(ctx, e);
            if (ops->pace && ops->pace(ctx, k)) {
                atomic_fetch_sub_explicit(active, 1, memory_order_seq_cst);
                return idle;
            }
        }
        if (ops->refill && ops->refill(ctx)) continue;
        uint64_t t_idle = gc_now_ns();
        e = ops->steal(ctx);
        if (e == GC_DEQUE_EMPTY) {
            atomic_fetch_sub_explicit(active, 1, memory_order_seq_cst);
            for (unsigned spins = 0;; spins++) {
                if (atomic_load_explicit(active, memory_order_seq_cst) == 0 || (ops->quit && ops->quit(ctx)))
                    return idle + (gc_now_ns() - t_idle);
                if (ops->any_work(ctx)) {
                    atomic_fetch_add_explicit(active, 1, memory_order_seq_cst);
                    if (ops->refill && ops->refill(ctx)) {
                        e = ops->next(ctx);
                        break;
                    }
                    e = ops->steal(ctx);
                    if (e != GC_DEQUE_EMPTY) break;
                    atomic_fetch_sub_explicit(active, 1, memory_order_seq_cst);
                }
                /* More workers than cores is a supported set-up: yield rather than burn the core
                 * that the worker holding the work needs. */
                if (spins > 16) sched_yield();
            }
        }
        idle += gc_now_ns() - t_idle;
        ops->process(ctx, e);
    }
}

#endif
