/* freelist_alloc.h: the allocation fast path of collectors that allocate from the block heap's
 * size-class free lists (stw, incremental, concurrent).
 *
 * It pops a cell from the thread's free list for the size class, zeroes the object and writes its
 * header: a table load, a pop, a short memset and a store (README shows the disassembly).
 * Everything else is gc_alloc_slow (alloc.c). */
#ifndef GCLAB_FREELIST_ALLOC_H
#define GCLAB_FREELIST_ALLOC_H

#include <stdatomic.h>
#include <string.h>
#include "layout.h"
#include "mutator.h"

gc_obj *gc_alloc_slow(gc_mut *mut, gc_type type, uint32_t nptrs, size_t nbytes);

static inline gc_obj *gc_alloc(gc_mut *mut, gc_type type, uint32_t nptrs, size_t nbytes) {
    size_t size = gc_object_bytes(nptrs, nbytes);
    if (__builtin_expect(size <= GC_SMALL_MAX, 1)) {
        unsigned cls = gc_class_of_granules[(size + GC_GRANULE - 1) >> GC_GRANULE_SHIFT];
        gc_cell *cell = mut->fl[cls];
        if (__builtin_expect(cell != NULL, 1)) {
            mut->fl[cls] = cell->next;
            /* The cell is this thread's alone until the object is published by a store into a slot or
             * a root, so plain writes are enough here. */
            memset((char *)cell + sizeof(uint64_t), 0, size - sizeof(uint64_t));
            gc_obj *obj = (gc_obj *)cell;
            atomic_store_explicit(&obj->header, gc_make_header(type, nptrs, nbytes, mut->colour),
                                  memory_order_relaxed);
            return obj;
        }
    }
    return gc_alloc_slow(mut, type, nptrs, nbytes);
}

#endif
