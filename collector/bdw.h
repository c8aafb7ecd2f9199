/* bdw.h: the inline fast paths of COLLECTOR=bdw, Boehm-Demers-Weiser libgc as a peer (docs/DESIGN.md §3).
 *
 * Included by gclab.h when GCLAB_COLLECTOR_BDW is defined; everything slow lives in collector/bdw.c.
 *
 * Object layout (the same as gclab's own collectors): a header word, then nptrs pointer slots, then
 * nbytes raw bytes. Objects with pointer slots come from GC_malloc (scanned conservatively, zeroed by
 * libgc), objects without from GC_malloc_atomic (never scanned; we zero the raw bytes ourselves).
 *
 * Header word (64 bits):
 *     bits 63..48  type id (>= 1)
 *     bits 47..24  nptrs   (24 bits)
 *     bits 23..0   nbytes  (24 bits)
 * Because the type id is never 0, every header is >= 2^48, above any user-space address, so the
 * conservative scan of a composite object never mistakes its header for a pointer. When nptrs or
 * nbytes does not fit in 24 bits (>= 16 Mi slots or >= 16 MiB raw), both fields hold GC_BDW_ESC and
 * the true counts live in the last two words of the libgc allocation (found with GC_size), each
 * tagged with GC_BDW_TAG so that they do not look like pointers either; such objects are at least
 * 16 MiB, so the extra out-of-line lookup is noise next to touching them.
 */
#ifndef GCLAB_COLLECTOR_BDW_H
#define GCLAB_COLLECTOR_BDW_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "common/account.h"

/* libgc's allocation entry points (declared here rather than by including <gc/gc.h>, so that a
 * workload including gclab.h does not get libgc's pthread_create redirections or its macros). */
extern void *GC_malloc(size_t);
extern void *GC_malloc_atomic(size_t);

#define GC_BDW_LIKELY(x) __builtin_expect(!!(x), 1)
#define GC_BDW_UNLIKELY(x) __builtin_expect(!!(x), 0)

#define GC_BDW_ESC 0xFFFFFFu                    /* field value: counts are in the tail words */
#define GC_BDW_TAG ((uint64_t)0xFFFF << 48)     /* marks the tail words as non-pointers */
#define GC_BDW_HDR(type, np, nb) \
    (((uint64_t)(type) << 48) | ((uint64_t)(np) << 24) | (uint64_t)(nb))

struct gc_obj {
    uint64_t hdr;
    _Atomic(struct gc_obj *) slot[];
};

/* One per attached thread. The first fields are the fast paths'; the rest belong to bdw.c. */
struct gc_mut {
    gc_obj **roots;          /* the shadow stack: roots[0, sp) are roots (pushed by bdw.c's hook) */
    size_t sp, cap;
    uint32_t countdown;      /* allocations until the next gc_bdw_alloc_slow */
    uint32_t period;         /* countdown reload value */
    struct gc_heap *heap;
    /* bdw.c only */
    struct gc_mut *next, *prev;   /* the heap's list of mutators (under libgc's allocation lock) */
    uint64_t seen_epoch;          /* heap collection epoch last handled by this thread */
    uint64_t stress_left;         /* allocations until the next stress collection */
    int registered;               /* this attach registered the thread with libgc */
    gc_acct acct;                 /* what libgc's events show of this thread's time (bdw_events.c) */
};

/* bdw.c */
void gc_bdw_alloc_slow(gc_mut *mut);
gc_obj *gc_bdw_alloc_big(gc_mut *mut, gc_type type, uint32_t nptrs, size_t nbytes);
_Noreturn void gc_bdw_oom(gc_mut *mut, size_t bytes);
_Noreturn void gc_bdw_root_overflow(gc_mut *mut);
uint32_t gc_bdw_big_nptrs(const gc_obj *obj);
size_t gc_bdw_big_nbytes(const gc_obj *obj);

static inline size_t gc_scope_open(gc_mut *mut) { return mut->sp; }

static inline void gc_scope_close(gc_mut *mut, size_t scope) { mut->sp = scope; }

static inline gc_obj **gc_push(gc_mut *mut, gc_obj *obj) {
    size_t sp = mut->sp;
    if (GC_BDW_UNLIKELY(sp >= mut->cap)) gc_bdw_root_overflow(mut);
    gc_obj **slot = &mut->roots[sp];
    *slot = obj;
    /* Compiler-only barrier: the slot is written before sp covers it, so a collection or the verifier
     * stopping this thread in between never sees a stale handle below sp. */
    atomic_signal_fence(memory_order_seq_cst);
    mut->sp = sp + 1;
    return slot;
}

static inline gc_obj *gc_alloc(gc_mut *mut, gc_type type, uint32_t nptrs, size_t nbytes) {
    if (GC_BDW_UNLIKELY(--mut->countdown == 0)) gc_bdw_alloc_slow(mut);
    if (GC_BDW_UNLIKELY(nptrs >= GC_BDW_ESC || nbytes >= GC_BDW_ESC))
        return gc_bdw_alloc_big(mut, type, nptrs, nbytes);
    size_t size = sizeof(uint64_t) + (size_t)nptrs * sizeof(gc_obj *) + nbytes;
    gc_obj *obj;
    if (nptrs) {
        obj = (gc_obj *)GC_malloc(size);               /* zeroed by libgc */
        if (GC_BDW_UNLIKELY(!obj)) gc_bdw_oom(mut, size);
    } else {
        obj = (gc_obj *)GC_malloc_atomic(size);        /* not zeroed */
        if (GC_BDW_UNLIKELY(!obj)) gc_bdw_oom(mut, size);
        memset((char *)obj + sizeof(uint64_t), 0, nbytes);
    }
    obj->hdr = GC_BDW_HDR(type, nptrs, nbytes);
    return obj;
}

/* libgc needs no barrier. Slots are C11 atomics, read with acquire and written with release as in
 * every gclab collector: a thread receiving an object through a slot sees its contents. */
static inline gc_obj *gc_read(const gc_obj *obj, size_t i) {
    return atomic_load_explicit(&((gc_obj *)obj)->slot[i], memory_order_acquire);
}

static inline void gc_write(gc_mut *mut, gc_obj *obj, size_t i, gc_obj *val) {
    (void)mut;
    atomic_store_explicit(&obj->slot[i], val, memory_order_release);
}

static inline uint32_t gc_nptrs(const gc_obj *obj) {
    uint32_t f = (uint32_t)(obj->hdr >> 24) & GC_BDW_ESC;
    return GC_BDW_LIKELY(f != GC_BDW_ESC) ? f : gc_bdw_big_nptrs(obj);
}

static inline size_t gc_nbytes(const gc_obj *obj) {
    uint32_t f = (uint32_t)obj->hdr & GC_BDW_ESC;
    return GC_BDW_LIKELY(f != GC_BDW_ESC) ? f : gc_bdw_big_nbytes(obj);
}

static inline gc_type gc_typeof(const gc_obj *obj) { return (gc_type)(obj->hdr >> 48); }

static inline void *gc_raw(gc_obj *obj) {
    return (char *)obj + sizeof(uint64_t) + (size_t)gc_nptrs(obj) * sizeof(gc_obj *);
}

/* libgc stops threads with signals wherever they are: there is nothing to poll. */
static inline void gc_safepoint(gc_mut *mut) { (void)mut; }

#endif
