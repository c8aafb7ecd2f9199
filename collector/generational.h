/* generational.h: inline fast paths of COLLECTOR=generational (collector/generational.c).
 *
 * Allocation: a bump of the thread's TLAB, a piece of eden taken by one atomic fetch-and-add. The fast
 * path rounds the size, compares it with what is left (and with the young size limit: folded away
 * when the size is a constant), adds, zeroes the object and stores its header. Zeroing per object (as
 * HotSpot does) writes each line once, just before the object's own stores; zeroing a whole TLAB when
 * it is taken was 5% slower on gcbench (a 32 KiB memset sweeps L1 every 1024 nodes). Anything else (a
 * new TLAB, an object too big to be young, a scavenge) is gc_gen_alloc_slow.
 *
 * Write barrier: the store, then, when it stores a young pointer into an old object, the dirtying of
 * the slot's card: two subtract-and-compares on the thread's own cache line and a byte store. The
 * card is the slot's (not the object's), so a scavenge scans only the dirty 512-byte parts of a large
 * array. A thread that never took a slow path has zero bounds (mutator.h): the test then passes and
 * gc_gen_barrier_init fills the bounds in and remembers the store.
 */
#ifndef GCLAB_GENERATIONAL_H
#define GCLAB_GENERATIONAL_H

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

/* What the generational collector keeps in each mutator (mutator.h): the young allocation buffer and
 * what the write barrier reads. Zero until the thread's first slow path fills them in (mut_init in
 * generational.c); with the zeros the barrier's young/old test passes for every store and its slow
 * path fills them in, so a thread that stores a young pointer before it ever allocates still has the
 * store remembered. */
struct gc_mut_collector {
    char *tlab_top, *tlab_end;      /* [tlab_top, tlab_end): this thread's piece of eden */
    uintptr_t young_lo;             /* the young generation is [young_lo, young_lo + young_span) */
    uintptr_t young_span;
    uintptr_t young_span_inv;       /* ~young_span */
    uintptr_t card_bias;            /* the card of address a is the byte at card_bias + (a >> GC_CARD_SHIFT) */
};

#include "common/fastpath.h"

/* Objects (header included) larger than this are allocated in the old generation. */
#define GC_GEN_YOUNG_MAX 8192u

gc_obj *gc_gen_alloc_slow(gc_mut *mut, gc_type type, uint32_t nptrs, size_t nbytes);
void gc_gen_barrier_init(gc_mut *mut, gc_obj *obj, gc_slot *slot, gc_obj *val);

#ifdef GCLAB_GEN_OLDALLOC
/* generational_oldalloc.c compiles the block heap's slow path (common/alloc.c), which ends in the
 * free-list fast path: this variant's gc_mut, barrier and everything else, with that gc_alloc. */
#include "common/freelist_alloc.h"
#else
static inline gc_obj *gc_alloc(gc_mut *mut, gc_type type, uint32_t nptrs, size_t nbytes) {
    size_t size = (gc_object_bytes(nptrs, nbytes) + GC_GRANULE - 1) & ~(size_t)(GC_GRANULE - 1);
    char *p = mut->c.tlab_top;
    if (__builtin_expect(size <= GC_GEN_YOUNG_MAX && size <= (size_t)(mut->c.tlab_end - p), 1)) {
        mut->c.tlab_top = p + size;
        memset(p + sizeof(uint64_t), 0, size - sizeof(uint64_t));
        /* The TLAB is this thread's until the object is published by a store into a slot or a root,
         * so plain writes are enough. */
        gc_obj *obj = (gc_obj *)p;
        atomic_store_explicit(&obj->header, gc_make_header(type, nptrs, nbytes, mut->colour), memory_order_relaxed);
        return obj;
    }
    return gc_gen_alloc_slow(mut, type, nptrs, nbytes);
}
#endif

static inline void gc_write(gc_mut *mut, gc_obj *obj, size_t i, gc_obj *val) {
    gc_slot *slot = &obj->slot[i];
    atomic_store_explicit(slot, val, memory_order_release);
    uintptr_t lo = mut->c.young_lo;
    /* val young (NULL wraps around and fails) and obj old: remember the slot. */
    if (__builtin_expect((uintptr_t)val - lo < ~mut->c.young_span_inv && (uintptr_t)obj - lo >= mut->c.young_span, 0)) {
        uintptr_t bias = mut->c.card_bias;
        if (__builtin_expect(bias != 0, 1))
            atomic_store_explicit((_Atomic uint8_t *)(bias + ((uintptr_t)slot >> GC_CARD_SHIFT)), 1,
                                  memory_order_relaxed);
        else
            gc_gen_barrier_init(mut, obj, slot, val);
    }
}

#endif
