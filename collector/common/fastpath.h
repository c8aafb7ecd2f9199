/* fastpath.h: the inline paths shared by gclab's own collectors: slot access, object fields,
 * safepoint poll, shadow-stack handles. A collector's header (collector/<name>.h) includes this, an
 * allocation fast path (freelist_alloc.h, or its own), and defines its write barrier. */
#ifndef GCLAB_FASTPATH_H
#define GCLAB_FASTPATH_H

#include <stdatomic.h>
#include <string.h>
#include "layout.h"
#include "mutator.h"

_Noreturn void gc_shadow_stack_overflow(gc_mut *mut);

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
