/* mutator.h: a mutator thread as the inline fast paths see it.
 *
 * Everything the allocation fast path, the barrier and the safepoint poll touch is here, in the
 * thread's own cache lines: per-class free lists, the colour new objects get, the poll word, and the
 * shadow stack. Nothing here is written by another thread except `poll` and `state`.
 */
#ifndef GCLAB_MUTATOR_H
#define GCLAB_MUTATOR_H

#include <stdatomic.h>
#include <stdbool.h>
#include "layout.h"

enum { GC_MUT_RUNNING, GC_MUT_BLOCKED, GC_MUT_PARKED };

/* generational: a card of the write barrier's card table covers 512 bytes (scavenge.h). */
#define GC_CARD_SHIFT 9

struct gc_heap;

struct gc_mut {
    gc_cell *fl[GC_NCLASSES];       /* cells this thread may allocate, one list per size class */
    uint64_t colour;                /* GC bits every new object's header gets */
    _Atomic uint32_t poll;          /* non-zero: the collector wants this thread at a safepoint */
    uint32_t barrier_on;            /* non-zero while marking runs: the write barrier does its work */
    struct gc_obj **sp;             /* shadow stack: next free handle */
    struct gc_obj **sp_limit;
    struct gc_obj **sp_base;
    struct gc_heap *heap;

    /* Slow-path state. */
    _Atomic int state;              /* GC_MUT_*: a BLOCKED or PARKED thread counts as stopped */
    gc_cell *fl_rest[GC_NCLASSES];  /* stress mode: cells held back so the fast path runs dry */
    uint64_t stress_left;           /* stress mode: allocations until the next collection */
    uint64_t allocated_bytes;       /* bytes handed to this thread (whole cells and large objects) */
    uint64_t last_gc_seen;          /* collections seen by this thread (bdw-style verify hooks) */
    struct gc_mut *next;            /* the heap's list of attached mutators, under heap->lock */

    /* incremental and concurrent marking */
    struct gc_packet *barrier_buf;  /* objects the barrier shaded, not yet in the grey pool */
    struct gc_marker *marker;       /* incremental: this thread's increments */
    uint64_t barrier_hits, regreyed;
    uint64_t paced_bytes;           /* allocated_bytes already paid for in mark work */

    /* generational (collector/generational.h): the young allocation buffer and what the write barrier
     * reads. Zero until the thread's first slow path fills them in (gc_gen_mut_init); with the zeros
     * the barrier's young/old test passes for every store and its slow path fills them in, so a thread
     * that stores a young pointer before it ever allocates still has the store remembered. */
    char *tlab_top, *tlab_end;      /* [tlab_top, tlab_end): this thread's piece of eden */
    uintptr_t young_lo;             /* the young generation is [young_lo, young_lo + young_span) */
    uintptr_t young_span;
    uintptr_t young_span_inv;       /* ~young_span */
    uintptr_t card_bias;            /* the card of address a is the byte at card_bias + (a >> GC_CARD_SHIFT) */
};

#endif
