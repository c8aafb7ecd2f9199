/* barrier.h: the inline write barrier of the incremental and concurrent collectors.
 *
 * With marking off the fast path is one load of the thread's own barrier_on word and a predictable
 * branch around a release store. While marking runs, gc_barrier_slow (cmark.c) does the work of the
 * barrier this variant was built with (BARRIER=dijkstra|steele|yuasa) and the store itself: Dijkstra
 * must shade before storing, Yuasa must read the old value first, Steele must fence between the store
 * and its colour check. BARRIER=none stores without a check (tests only). */
#ifndef GCLAB_BARRIER_H
#define GCLAB_BARRIER_H

#include "fastpath.h"

void gc_barrier_slow(gc_mut *mut, gc_obj *obj, size_t i, gc_obj *val);

static inline void gc_write(gc_mut *mut, gc_obj *obj, size_t i, gc_obj *val) {
#if !defined(GCLAB_BARRIER_NONE)
    if (__builtin_expect(mut->barrier_on != 0, 0)) {
        gc_barrier_slow(mut, obj, i, val);
        return;
    }
#else
    (void)mut;
#endif
    atomic_store_explicit(&obj->slot[i], val, memory_order_release);
}

#endif
