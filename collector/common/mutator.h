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
#include "account.h"

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
    _Atomic int cpu;                /* the CPU it last ran on, as of its last slow path or stop
                                     * (handshake.c: a stop beside it on its CPU yields, not spins) */
    gc_cell *fl_rest[GC_NCLASSES];  /* stress mode: cells held back so the fast path runs dry */
    uint64_t stress_left;           /* stress mode: allocations until the next collection */
    uint64_t allocated_bytes;       /* bytes handed to this thread (whole cells and large objects) */
    uint64_t last_gc_seen;          /* collections seen by this thread (bdw-style verify hooks) */
    size_t prefaulted;              /* the last never-used block this thread faulted in ahead (alloc.c) */
    struct gc_mut *next;            /* the heap's list of attached mutators, under heap->lock */
    gc_acct acct;                   /* where this thread's time went (account.h); its own */

    /* The collector's own per-thread state: collector/<name>.h defines struct gc_mut_collector before
     * it includes the common fast paths (the common heap never reads it). Last and starting a cache
     * line, where the generational fast paths' fields (TLAB, young bounds, card bias) always were. */
    _Alignas(64) struct gc_mut_collector c;
};

#endif
