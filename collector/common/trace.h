/* trace.h: which slots of an object a tracer looks at, decided in one place for every walk of the
 * object graph: marking (mark.c), the scavenger's scan of copies and of dirty cards (scavenge.c) and
 * the heap verifier (verify.c). A walk supplies a gc_tracer, the functions that receive the slots.
 *
 * Cost. The gc_trace_* functions are always inlined and a walk's gc_tracer is a static const object
 * of static inline functions, so after inlining every call through it is direct and inlined too: the
 * walk's own loop over [lo, hi) is what runs, with no indirect call per slot or per object. Slots are
 * handed over as ranges, not one by one, because the loops prefetch ahead along the range and each
 * walk loads its slots with its own memory order.
 *
 * Long arrays. A large object with more than GC_TRACE_CHUNK slots is split when the tracer has a
 * `defer` function: every chunk after the first is deferred (a parallel walk queues it where other
 * workers can steal it, so one big array does not serialize a phase) and traced later by
 * gc_trace_chunk; only the first chunk is traced at once. Only large objects are split: a small one
 * is bounded work, and a deferred chunk must let the walk find its object again (mark.c does it
 * through the block table, which knows large runs only).
 *
 * Weak slots. Objects with the header's GC_HDR_WEAK bit (weak references, ephemerons, finalization
 * cells: gclab.h, types.h) have slots that are not strong, and these functions are the only code that
 * knows which: a weak reference's slot 0 and a cell's slots 0 (target) and 1 (token) go to `weak`, an
 * ephemeron's key and value (slots 0 and 1) to `ephemeron`, every other slot to `slots`. A tracer
 * that leaves `weak` NULL (designated initializers make that the default) gets every slot through
 * `slots` as a strong one: right for walks that must see every pointer and need no weak semantics;
 * the test of the header bit then folds away, so such a walk pays nothing for the kind. */
#ifndef GCLAB_TRACE_H
#define GCLAB_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "layout.h"
#include "types.h"

/* Slots per deferred chunk. A chunk is the unit of work a marker takes at once, so it bounds how long
 * a mutator's assist or increment runs before it checks for a stop (mark.c, gc_mark_increment), time
 * to safepoint for a stop that waits: a quarter of the 1024 slots it was, each slot of msgbuf's window
 * a 1 KiB message to mark. Stops that waited 30-450 us on assists were logged (README, "Time to
 * safepoint"); most of that went with the assist's check, and what the smaller chunk adds was not
 * measured apart from it. */
#define GC_TRACE_CHUNK 256

typedef struct gc_obj gc_obj;

typedef struct gc_tracer {
    /* The strong slots [lo, hi) of o: all of them, one chunk, or those in a window. Required. */
    void (*slots)(void *ctx, gc_obj *o, gc_slot *lo, gc_slot *hi);
    /* The chunk of o starting at `chunk` is left for later (gc_trace_chunk). NULL: no splitting. */
    void (*defer)(void *ctx, gc_obj *o, gc_slot *chunk);
    /* Once per object (not per chunk or window), before its slots: its exact slot count and size in
     * bytes (header included, not rounded), which the tracer reads from the header anyway: a walk
     * that accounts for sizes gets them without reading the header twice. NULL: not wanted. */
    void (*object)(void *ctx, gc_obj *o, uint64_t nptrs, uint64_t bytes);
    /* A weak slot of o; `target` is true for a cell's target slot (its death queues the cell). NULL:
     * weak slots are strong for this walk. */
    void (*weak)(void *ctx, gc_obj *o, gc_slot *slot, bool target);
    /* An ephemeron o, whose key is slot 0 and value slot 1. Required with `weak`. */
    void (*ephemeron)(void *ctx, gc_obj *o);
} gc_tracer;

/* Which slots of a weak-kind object are not strong: [0, first_strong), the first ephemeral ones of an
 * ephemeron, the weak ones otherwise. */
static inline unsigned gc_weak_first_strong(uint64_t h) {
    return gc_hdr_type(h) == GC_TYPE_WEAKREF ? 1u : 2u;
}

#define GC_TRACE_INLINE static inline __attribute__((always_inline))

/* Traces o, whose header the caller has loaded as h. */
GC_TRACE_INLINE void gc_trace_object(gc_obj *o, uint64_t h, const gc_tracer *t, void *ctx) {
    uint64_t n = gc_obj_nptrs_of(o, h);
    if (t->object || t->defer) {
        uint64_t bytes = gc_object_bytes((uint32_t)n, gc_obj_nbytes_of(o, h));
        if (t->object) t->object(ctx, o, n, bytes);
        if (t->defer && bytes > GC_SMALL_MAX && n > GC_TRACE_CHUNK) {
            for (uint64_t at = GC_TRACE_CHUNK; at < n; at += GC_TRACE_CHUNK) t->defer(ctx, o, &o->slot[at]);
            n = GC_TRACE_CHUNK;
        }
    }
    if (t->weak && __builtin_expect((h & GC_HDR_WEAK) != 0, 0)) {
        /* Weak kinds are small fixed shapes (gclab.h): never split. */
        unsigned first = gc_weak_first_strong(h);
        if (gc_hdr_type(h) == GC_TYPE_EPHEMERON) {
            t->ephemeron(ctx, o);
        } else {
            t->weak(ctx, o, &o->slot[0], gc_hdr_type(h) == GC_TYPE_FINCELL);
            if (first > 1) t->weak(ctx, o, &o->slot[1], false);
        }
        if (n > first) t->slots(ctx, o, o->slot + first, o->slot + n);
        return;
    }
    t->slots(ctx, o, o->slot, o->slot + n);
}

/* Traces a chunk that gc_trace_object deferred: from `chunk` for GC_TRACE_CHUNK slots or to the end
 * of o, whichever comes first. */
GC_TRACE_INLINE void gc_trace_chunk(gc_obj *o, uint64_t h, gc_slot *chunk, const gc_tracer *t, void *ctx) {
    gc_slot *end = o->slot + gc_obj_nptrs_of(o, h);
    if (end - chunk > GC_TRACE_CHUNK) end = chunk + GC_TRACE_CHUNK;
    t->slots(ctx, o, chunk, end);
}

/* Traces the slots of o that lie in the address window [lo, hi): a remembered-set walk looks at the
 * part of an old object on one dirty card. Nothing is deferred; an empty intersection traces nothing. */
GC_TRACE_INLINE void gc_trace_window(gc_obj *o, uint64_t h, const void *lo, const void *hi, const gc_tracer *t,
                                     void *ctx) {
    gc_slot *s = o->slot, *e = o->slot + gc_obj_nptrs_of(o, h);
    if (t->weak && __builtin_expect((h & GC_HDR_WEAK) != 0, 0)) {
        /* The special slots that lie in the window; an ephemeron whose key and value straddle two
         * windows is handed over by both (its handling is idempotent). */
        gc_slot *first = o->slot + gc_weak_first_strong(h);
        for (gc_slot *w = o->slot; w < first; w++) {
            if ((const char *)w < (const char *)lo || (const char *)w >= (const char *)hi) continue;
            if (gc_hdr_type(h) == GC_TYPE_EPHEMERON) {
                t->ephemeron(ctx, o);
                break;
            }
            t->weak(ctx, o, w, w == o->slot && gc_hdr_type(h) == GC_TYPE_FINCELL);
        }
        s = first;
    }
    if ((const char *)s < (const char *)lo) s = (gc_slot *)lo;
    if ((const char *)e > (const char *)hi) e = (gc_slot *)hi;
    if (s < e) t->slots(ctx, o, s, e);
}

#endif
