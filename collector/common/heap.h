/* heap.h: the block-structured heap that gclab's precise collectors share (docs/DESIGN.md §1, §2).
 *
 * One contiguous virtual reservation is cut into 64 KiB blocks; a side table describes each block.
 * A small block holds cells of one size class, handed to mutators as thread-local free lists built by
 * sweeping; a large object occupies a run of whole blocks. The footprint (blocks in use) never exceeds
 * max_heap; the reservation is twice that, so a large object can find a contiguous run even when free
 * blocks are scattered.
 *
 * The collector of the variant plugs in through one table of operations (collector.h) and uses the
 * pieces declared here and in the other common headers; nothing here names a collector.
 */
#ifndef GCLAB_HEAP_H
#define GCLAB_HEAP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include "gclab.h"
#include "collector.h"
#include "layout.h"
#include "mutator.h"

#define GC_STOP_RING 8
#include "fatal.h"
#include "pauselog.h"
#include "root_table.h"
#include "snapshot_writer.h"
#include "types.h"
#include "weak.h"
#include "workers.h"

enum { GC_BLK_FREE, GC_BLK_SMALL, GC_BLK_LARGE, GC_BLK_LARGE_TAIL,
       GC_BLK_COLLECTOR /* taken by the collector for its own layout (a young generation): sweeping skips it, the verifier asks the collector (collector.h) */ };

/* A block's description. `kind` is published last (release) so a reader that acquires it sees the
 * rest; the other fields change only while the block is owned by one thread or the world is stopped. */
typedef struct gc_block {
    _Atomic uint8_t kind;
    uint8_t cls;                    /* GC_BLK_SMALL: size class */
    uint32_t cell_bytes;            /* GC_BLK_SMALL: bytes per cell */
    uint32_t ncells;                /* GC_BLK_SMALL: cells in the block */
    uint32_t run;                   /* GC_BLK_LARGE: blocks in the run; _TAIL: index of the head */
} gc_block;

struct gc_heap {
    gc_options opts;
    size_t max_blocks;              /* footprint limit, in blocks */

    /* The reservation and its block table. */
    char *base;
    size_t nblocks;                 /* blocks in the reservation (2 x max_blocks) */
    gc_block *block;
    pthread_mutex_t block_lock;     /* block acquisition: once per 64 KiB, never per object */
    size_t block_cursor;            /* no free block below this index, under block_lock */
    _Atomic size_t blocks_in_use;
    size_t peak_blocks;             /* under block_lock */
    _Atomic size_t block_hwm;       /* no block at or above this index was ever in use: table scans
                                     * stop here (first fit keeps the heap packed below it) */

    /* Lazy sweeping: after a cycle, the small blocks of each class wait in sweep_list, claimed one at
     * a time by an atomic cursor (no lock, no ABA). Every block is swept before the next marking. */
    uint32_t *sweep_list;
    size_t sweep_begin[GC_NCLASSES], sweep_end[GC_NCLASSES];
    _Atomic size_t sweep_next[GC_NCLASSES];
    /* Blocks swept before their turn (gc_sweep_finish) keep their free lists here, so allocation
     * while a concurrent cycle marks reuses them instead of growing the heap. A producer reserves a
     * slot of ready_list (ready_reserved), writes it, and the entry's store publishes it. */
    _Atomic uint32_t *ready_list;   /* block index + 1; 0 while the slot is being written */
    gc_cell **block_free;           /* a ready block's free cells */
    uint32_t *block_free_bytes;
    _Atomic size_t ready_reserved[GC_NCLASSES], ready_next[GC_NCLASSES];

    /* Pacing: collect when live_after_gc + allocated_since_gc reaches trigger_bytes. */
    _Atomic uint64_t allocated_since_gc;
    _Atomic uint64_t allocated_total;
    _Atomic uint64_t trigger_bytes;  /* start a cycle here */
    _Atomic uint64_t goal_bytes;     /* live x heap_factor: a cycle still marking here has fallen behind */
    uint64_t live_after_gc;
    uint64_t colour;                /* header mark bit of live objects between cycles */
    uint64_t mut_colour;            /* header mark bit new objects get (differs while marking) */
    uint32_t barrier_on;            /* mutators' barrier state (non-zero while marking) */

    /* Mutators and the stop-the-world handshake (handshake.c). */
    pthread_mutex_t lock;
    pthread_cond_t cv_stopped;      /* a mutator parked, blocked or detached */
    pthread_cond_t cv_resume;       /* the world restarts */
    pthread_cond_t cv_cycle;        /* a cycle finished */
    struct gc_mut *muts;
    unsigned nmuts;
    unsigned attached;              /* attaches so far (the on_thread_start index), under lock */
    _Atomic int stop_requested;
    /* For the stopped threads' accounts (account.h): the kind of the pause under way (set before the
     * stop) and, per stop, when its world stopped and when it was released, in a ring of the last
     * GC_STOP_RING stops, each entry valid while its seq is the stop's number. A thread woken late may
     * find that a second stop began before it ran (a remark straight after an initial mark): it reads
     * both from the ring and charges each its own kind. */
    _Atomic int stop_kind;
    _Atomic uint64_t stop_seq;      /* stops requested so far: the number of the latest */
    struct gc_stop_rec {
        _Atomic uint64_t seq, stopped_at_ns, released_at_ns;
        _Atomic int kind;
    } stop_ring[GC_STOP_RING];
    _Atomic int stopper_cpu;        /* the CPU the stopping thread was on when it asked (handshake.c) */
    bool collecting;                /* somebody holds the collector role, under lock */
    /* Tests only: called by the role holder (self: its mutator, NULL for a collector thread) just
     * after it takes the role (event "role") and after each of its pauses, the world running again
     * (event: the pause's kind), so a test can hold it there and drive an interleaving step by step. */
    void (*test_hook)(struct gc_heap *heap, struct gc_mut *self, const char *event);
    _Atomic uint64_t cycles;        /* completed cycles */

    /* Global roots, under roots_lock; read only with the world stopped. */
    pthread_mutex_t roots_lock;
    gc_root_table globals;

    gc_type_table types;
    gc_workers workers;
    struct gc_marker *markers;      /* one per worker (mark.h) */
    gc_pauselog pauses;
    pthread_mutex_t pauses_lock;    /* appends to the log (pause.c) */
    _Atomic uint64_t gc_cpu_ns;
    uint64_t role_cpu0;             /* the role holder's thread CPU time when it took the role */
    gc_weak_state weak;             /* pending ephemerons, recorded weak slots, the finalization queue */
    /* Census (census.c): the log of every census taken, and outstanding gc_heap_census requests. */
    pthread_mutex_t census_lock;
    gc_census_row *census;
    size_t census_n, census_cap;
    _Atomic int census_requests;
    _Atomic int collects_waiting;   /* threads in gc_collect: a census now is the program's own */
    /* Heap snapshots (snapshot.c, snapshot_ids.c, insight.c). */
    _Atomic(struct gc_snap_ids *) snap_ids;   /* NULL until snapshots are in use */
    _Atomic(struct gc_snap_request *) snap_req;   /* a gc_write_heap_snapshot waiting for its pause */
    pthread_mutex_t snap_lock;      /* one request at a time */
    uint64_t snapshots;             /* written, in pauses */
    uint64_t snapshot_extra;        /* the most memory writing one took beyond the heap */
    _Atomic int64_t external_bytes; /* gc_external_add */
    struct gc_registry *registries; /* finalization registries (finalize.c), under weak.lock */
    void *collector;                /* the collector's own state (collector.h), read by it alone */
    bool collector_ready;           /* gc_collector.init succeeded */
};

/* The footprint: the blocks in use, in bytes. */
static inline size_t gc_heap_footprint(gc_heap *heap) {
    return atomic_load_explicit(&heap->blocks_in_use, memory_order_relaxed) * GC_BLOCK_SIZE;
}

/* blocks.c: the reservation and block runs. */
int gc_blocks_init(gc_heap *heap, char *err, size_t errlen);
void gc_blocks_free(gc_heap *heap);
/* A run of n free blocks, marked in use; returns its first index or SIZE_MAX when the footprint limit
 * or the reservation has no room. */
size_t gc_blocks_acquire(gc_heap *heap, size_t n);
void gc_blocks_release(gc_heap *heap, size_t first, size_t n);
static inline size_t gc_block_index(gc_heap *heap, const void *p) {
    return (size_t)((const char *)p - heap->base) >> GC_BLOCK_SHIFT;
}
static inline char *gc_block_addr(gc_heap *heap, size_t i) { return heap->base + (i << GC_BLOCK_SHIFT); }
static inline bool gc_in_heap(gc_heap *heap, const void *p) {
    return (const char *)p >= heap->base && (const char *)p < heap->base + (heap->nblocks << GC_BLOCK_SHIFT);
}
/* The size an object occupies in the heap (its cell, or its whole block run). */
size_t gc_obj_footprint(gc_heap *heap, const struct gc_obj *o);

/* sweep.c: lazy sweeping and free lists. */
/* Rebuilds the sweep lists from the block table; frees unmarked large objects. World stopped. */
void gc_sweep_prepare(gc_heap *heap);
/* Claims and sweeps blocks of class c until one has free cells, and returns them; NULL when none is
 * left to claim or after a few blocks without (the next call goes on: see SWEEP_MAX). */
gc_cell *gc_sweep_next(gc_heap *heap, unsigned cls, size_t *free_bytes);
/* Sweeps every block not yet swept (before a cycle marks); blocks with free cells become ready.
 * Returns the blocks released. */
size_t gc_sweep_finish(gc_heap *heap);
/* The free cells of a block swept by gc_sweep_finish, or NULL. */
gc_cell *gc_ready_next(gc_heap *heap, unsigned cls, size_t *free_bytes);
/* A fresh block of class c carved into a free list; NULL when the footprint limit is reached. */
gc_cell *gc_fresh_block(gc_heap *heap, unsigned cls, size_t *free_bytes);
/* Free cells of class c for an allocator (a mutator's slow path, a scavenger's promotion list), in
 * the order that keeps the footprint low: the lazy sweep, blocks already swept, a fresh block, and
 * then the rest of the sweep (other classes' blocks may be wholly free and give blocks back). NULL
 * when the heap has none; the caller accounts *free_bytes. */
gc_cell *gc_take_cells(gc_heap *heap, unsigned cls, size_t *free_bytes);
/* The same for a mutator's slow path: before it carves a fresh block, before_fresh(arg) runs (alloc.c
 * faults the block's pages in there, polling safepoints between steps). */
gc_cell *gc_take_cells_hook(gc_heap *heap, unsigned cls, size_t *free_bytes, void (*before_fresh)(void *),
                            void *arg);

/* alloc.c: the allocation slow path (gc_alloc_slow is declared in fastpath.h). */
bool gc_should_collect(gc_heap *heap);
/* After a cycle: goal = clamp(live x heap_factor, initial_heap, max_heap), and the next cycle starts at
 * live + (goal - live) x start_fraction. */
void gc_set_trigger(gc_heap *heap, uint64_t live_bytes);
static inline uint64_t gc_heap_used(gc_heap *heap) {
    return heap->live_after_gc + atomic_load_explicit(&heap->allocated_since_gc, memory_order_relaxed);
}

/* handshake.c: the collector role, and stopping the world for any number of mutators. */
/* Takes the collector role, waiting (as a blocked thread) while another thread holds it. self is
 * the calling mutator, or NULL for a collector's own thread. What the holder runs is decided from
 * state it reads after this returns (the rule is stated at gc_role_take in handshake.c). The role
 * holder's CPU time until gc_end_cycle counts as GC CPU time. */
void gc_role_take(gc_heap *heap, gc_mut *self);
/* Takes the role unless a cycle completed since `seen_cycles` (read before the caller decided it
 * needed one); then returns false, not holding it, and the caller retries its allocation. */
bool gc_begin_cycle(gc_mut *self, uint64_t seen_cycles);
void gc_end_cycle(gc_heap *heap);   /* gives the role back */
/* Stops every mutator but `self` (which may be NULL); returns the time to safepoint in ns. */
uint64_t gc_stop_world(gc_heap *heap, gc_mut *self);
void gc_start_world(gc_heap *heap);
void gc_safepoint_slow(gc_mut *mut);
void gc_mutators_attach(gc_heap *heap, gc_mut *mut);
void gc_mutators_detach(gc_heap *heap, gc_mut *mut);

/* finalize.c: frees the registries left at heap destroy. */
void gc_registries_free(gc_heap *heap);

/* roots.c */
int gc_shadow_stack_init(gc_mut *mut, size_t capacity);
void gc_shadow_stack_free(gc_mut *mut);
typedef void (*gc_root_visitor)(gc_obj **slot, void *arg);
/* Visits every root slot (shadow stacks of all mutators, then globals, then the finalization queue).
 * World stopped. */
void gc_visit_roots(gc_heap *heap, gc_root_visitor visit, void *arg);
/* The program's own roots only: shadow stacks and globals. World stopped. */
void gc_visit_program_roots(gc_heap *heap, gc_root_visitor visit, void *arg);

/* insight.c: in the pause of a full-heap cycle, right after the colour flip: census, snapshot ids,
 * snapshot. */
void gc_after_full_mark(gc_heap *heap, uint32_t cycle, gc_pause *rec);
/* snapshot_heap.c: writes the snapshot (snapshot.c), world stopped, colour just flipped. */
int gc_snapshot_write(gc_heap *heap, const char *path, gc_snapshot_stats *st, char *err, size_t errlen);
/* snapshot_heap.c: ids that follow objects (odd, from GC_SNAP_FIRST_ID; smaller ones are synthetic),
 * the map of snapshot_ids.c hung on the heap. */
uint64_t gc_snap_id(gc_heap *heap, const struct gc_obj *o, bool *detached);
void gc_snap_ids_prune(gc_heap *heap, uint64_t colour);          /* full-heap cycle: drop the dead */
/* A scavenge: entries in [lo, lo + span) move to where(o), or go when it returns NULL. */
void gc_snap_ids_moved(gc_heap *heap, uintptr_t lo, uintptr_t span, struct gc_obj *(*where)(struct gc_obj *o));
void gc_snap_ids_free(gc_heap *heap);
size_t gc_snap_ids_bytes(gc_heap *heap);

/* census.c: in the pause of a full-heap cycle, right after the colour flip (the cycle number given),
 * a census if --census or a gc_heap_census asks for one; its time goes into rec->census_ns. */
bool gc_census_due(gc_heap *heap);
void gc_census_take(gc_heap *heap, uint32_t cycle, gc_pause *rec);

/* verify.c: the heap verifier (docs/DESIGN.md §7). World stopped, after a cycle's marking. */
size_t gc_verify_heap(gc_heap *heap, char *msg, size_t msglen);
/* The same, handing back the walk's bitmap (a bit per granule of the reservation, set for every
 * reachable object's start; the caller frees it). */
size_t gc_verify_heap_reach(gc_heap *heap, char *msg, size_t msglen, uint64_t **reached);
/* The same, counting the reachable objects and their exact bytes (what a census must find after a
 * stop-the-world cycle). */
size_t gc_verify_heap_count(gc_heap *heap, char *msg, size_t msglen, uint64_t *objects, uint64_t *bytes);

/* marksweep.c: pieces of a cycle, world stopped. */
void gc_drop_free_lists(gc_heap *heap);          /* every thread's cells go back to the next sweep */
void gc_set_colour(gc_heap *heap, uint64_t colour);   /* the heap's and every mutator's */
/* What every mutator allocates with and whether its barrier works (and what attaching ones get). */
void gc_set_mutators(gc_heap *heap, uint64_t colour, uint32_t barrier_on);
void gc_verify_or_die(gc_heap *heap);            /* fatal with the first problem */
/* A whole mark-sweep: drop free lists, mark on nthreads workers, flip the colour, free dead large
 * objects, queue small blocks for lazy sweeping, set the next trigger, verify if asked. Adds its
 * phase times and live bytes to rec; returns the live bytes. */
uint64_t gc_mark_sweep(gc_heap *heap, unsigned nthreads, gc_pause *rec);
/* A whole stop-the-world cycle as a gc_pause_run body: gc_mark_sweep on --gc-threads, counted. */
void gc_full_cycle_body(gc_heap *heap, gc_pause *rec, void *arg);

/* pause.c: one stop-the-world pause of the collector-role holder (self: its mutator, or NULL for a
 * collector thread): stop, body, restart, then record rec (the caller sets kind and gc_threads; body
 * fills in what it measured). gc_pause_record appends a record made outside a stop (an increment). */
void gc_pause_run(gc_heap *heap, gc_mut *self, gc_pause *rec, void (*body)(gc_heap *, gc_pause *, void *),
                  void *arg);
void gc_pause_record(gc_heap *heap, const gc_pause *rec);
/* Counts a completed cycle; returns its number (from 1). In a pause. */
uint32_t gc_count_cycle(gc_heap *heap);


#endif
