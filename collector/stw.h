/* stw.h: inline fast paths of COLLECTOR=stw. Marking happens only with the world stopped, so the
 * write barrier is the store itself. */
#ifndef GCLAB_STW_H
#define GCLAB_STW_H

/* stw keeps nothing of its own per thread. */
struct gc_mut_collector {
    char unused;
};

#include "common/fastpath.h"
#include "common/freelist_alloc.h"

static inline void gc_write(gc_mut *mut, gc_obj *obj, size_t i, gc_obj *val) {
    (void)mut;
    atomic_store_explicit(&obj->slot[i], val, memory_order_release);
}

#endif
