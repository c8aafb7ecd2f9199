/* spin.h: bounded spinning before blocking.
 *
 * Waking a thread that sleeps on a condition variable on an idle core costs about 100 us on this
 * project's VMs (0.5 ms seen for a pool worker), more than most stops last. Where a wait is usually
 * that short, a thread spins first: with a pause instruction for GC_SPIN_NS, then yielding (so a
 * thread that needs the core gets it) up to a budget, and only then blocks. */
#ifndef GCLAB_SPIN_H
#define GCLAB_SPIN_H

#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include "clock.h"

#define GC_SPIN_NS 20000u

static inline void gc_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Records the CPU the calling thread runs on (the spinners' `beside`: handshake.c). */
static inline void gc_note_cpu(_Atomic int *where) {
    atomic_store_explicit(where, sched_getcpu(), memory_order_relaxed);
}

/* Step i of a spin that began at t0; false once `budget` ns have passed and it is time to block.
 * beside: the thread waited for needs this very CPU (it is runnable here, not running elsewhere), so
 * every step yields at once: spinning GC_SPIN_NS first only delays it. */
static inline bool gc_spin_step(uint64_t t0, unsigned i, uint64_t budget, bool beside) {
    if (beside || (i & 31) == 0) {
        uint64_t t = gc_now_ns() - t0;
        if (t > budget) return false;
        if (beside || t > GC_SPIN_NS) sched_yield();
    }
    gc_cpu_relax();
    return true;
}

#endif
