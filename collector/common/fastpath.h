/* fastpath.h: the inline paths shared by gclab's own collectors (included by collector/<name>.h,
 * which adds its write barrier).
 *
 * The allocation fast path pops a cell from the thread's free list for the size class, zeroes the
 * object and writes its header: a table load, a pop, a short memset and a store (see README for the
 * disassembly). Everything else is gc_alloc_slow. */
#ifndef GCLAB_FASTPATH_H
#define GCLAB_FASTPATH_H

#include <stdatomic.h>
#include <string.h>
#include "layout.h"
#include "mutator.h"

gc_obj *gc_alloc_slow(gc_mut *mut, gc_type type, uint32_t nptrs, size_t nbytes);
_Noreturn void gc_shadow_stack_overflow(gc_mut *mut);

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

/* Slots are read with acquire and written with release (in each collector's gc_write): a thread that
 * receives an object through a slot then also sees its header and raw bytes as they were written
 * before the store. Both are plain moves on x86; on arm64 they are ldar/stlr. */
static inline gc_obj *gc_read(const gc_obj *obj, size_t i) {
    return atomic_load_explicit(&((gc_obj *)obj)->slot[i], memory_order_acquire);
}

static inline void *gc_raw(gc_obj *obj) {
    uint64_t h = atomic_load_explicit(&obj->header, memory_order_relaxed);
    return (char *)obj->slot + gc_obj_nptrs_of(obj, h) * sizeof(void *);
}

static inline uint32_t gc_nptrs(const gc_obj *obj) {
    uint64_t h = atomic_load_explicit(&((gc_obj *)obj)->header, memory_order_relaxed);
    return (uint32_t)gc_obj_nptrs_of(obj, h);
}

static inline size_t gc_nbytes(const gc_obj *obj) {
    uint64_t h = atomic_load_explicit(&((gc_obj *)obj)->header, memory_order_relaxed);
    return (size_t)gc_obj_nbytes_of(obj, h);
}

static inline gc_type gc_typeof(const gc_obj *obj) {
    return gc_hdr_type(atomic_load_explicit(&((gc_obj *)obj)->header, memory_order_relaxed));
}

void gc_safepoint_slow(gc_mut *mut);
static inline void gc_safepoint(gc_mut *mut) {
    if (__builtin_expect(atomic_load_explicit(&mut->poll, memory_order_relaxed) != 0, 0))
        gc_safepoint_slow(mut);
}

static inline size_t gc_scope_open(gc_mut *mut) { return (size_t)(mut->sp - mut->sp_base); }
static inline void gc_scope_close(gc_mut *mut, size_t scope) { mut->sp = mut->sp_base + scope; }
static inline gc_obj **gc_push(gc_mut *mut, gc_obj *obj) {
    if (__builtin_expect(mut->sp == mut->sp_limit, 0)) gc_shadow_stack_overflow(mut);
    *mut->sp = obj;
    return mut->sp++;
}

#endif
