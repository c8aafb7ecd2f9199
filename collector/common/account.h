/* account.h: each mutator's own account of where its time went inside gclab (gclab.h,
 * gc_mut_account; README, "Where the slowest operations' time went").
 *
 * The rule that makes the figures add up: time is charged to the innermost cause. A thread enters a
 * cause (gc_acct_push) where it begins and leaves it (gc_acct_pop) where it ends; entering a nested
 * one first charges the outer cause up to now, and leaving charges the inner one and resumes the
 * outer. So an allocation slow path that sweeps, then parks for a stop, is charged alloc-slow, sweep,
 * alloc-slow, ttsp, the pause's kind and alloc-slow again, each interval once.
 *
 * Only the thread itself touches its account (through the thread-local pointer set by gc_attach), so
 * there is nothing to synchronise; GC workers and the concurrent collector's thread have none, and
 * every call is then one thread-local load. Each push and pop reads the clock once: they sit on slow
 * paths (a free-list refill every 16 KiB of allocation, a stop, a wait), never on the fast path. */
#ifndef GCLAB_ACCOUNT_H
#define GCLAB_ACCOUNT_H

#include "gclab.h"
#include "clock.h"

/* A cause: a pause kind, or GC_ACCT_STALL(a gc_stall_cause). */
#define GC_ACCT_STALL(c) (GC_PAUSE_NKINDS + (unsigned)(c))
#define GC_ACCT_DEPTH 8

typedef struct gc_acct {
    gc_mut_account a;
    uint64_t since;                     /* when the innermost cause began or resumed */
    unsigned depth;                     /* causes entered and not left (deeper ones are not tracked) */
    uint8_t stack[GC_ACCT_DEPTH];
} gc_acct;

extern _Thread_local gc_acct *gc_acct_self;

static inline uint64_t *gc_acct_slot(gc_acct *t, unsigned cause) {
    return cause < GC_PAUSE_NKINDS ? &t->a.pause_ns[cause] : &t->a.stall_ns[cause - GC_PAUSE_NKINDS];
}

/* Charges the innermost cause up to `now`. */
static inline void gc_acct_charge(gc_acct *t, uint64_t now) {
    if (t->depth && t->depth <= GC_ACCT_DEPTH && now > t->since) *gc_acct_slot(t, t->stack[t->depth - 1]) += now - t->since;
    if (now > t->since) t->since = now;
}

static inline void gc_acct_push(unsigned cause) {
    gc_acct *t = gc_acct_self;
    if (!t) return;
    gc_acct_charge(t, gc_now_ns());
    if (t->depth < GC_ACCT_DEPTH) t->stack[t->depth] = (uint8_t)cause;
    t->depth++;
    t->a.events++;
}

static inline void gc_acct_pop(void) {
    gc_acct *t = gc_acct_self;
    if (!t || !t->depth) return;
    gc_acct_charge(t, gc_now_ns());
    t->depth--;
}

/* The innermost cause becomes `cause` from `at` on (a wait for the world to stop turns into the pause
 * once it has stopped); `at` before the cause began changes it from the start. */
static inline void gc_acct_switch(unsigned cause, uint64_t at) {
    gc_acct *t = gc_acct_self;
    if (!t || !t->depth) return;
    gc_acct_charge(t, at);
    if (t->depth <= GC_ACCT_DEPTH) t->stack[t->depth - 1] = (uint8_t)cause;
}

#endif
