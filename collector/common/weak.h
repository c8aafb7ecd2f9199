/* weak.h: what a cycle does with weak references, ephemerons and finalization cells (gclab.h states
 * the semantics and the order; docs/DESIGN.md §11 the design). Shared by marking (mark.c, cmark.c,
 * marksweep.c) and the scavenger (scavenge.c), which differ only in what "this object survives" means
 * (marked, or copied) and in how a slot is brought up to date (left alone, or forwarded).
 *
 * During tracing, a walk with weak semantics (trace.h's `weak` and `ephemeron`):
 * - records every weak slot whose target it cannot yet call alive in its worker's gc_weak_buf;
 * - follows an ephemeron's value at once when its key already survives, and otherwise records the
 *   ephemeron in the pending table under its key (gc_eph_table).
 * When the phase ends (inside its pause), gc_weak_finish_* clears what did not survive and queues the
 * finalization cells whose target died.
 *
 * The ephemeron fixpoint is linear: it is folded into tracing instead of run in rounds after it. The
 * key of a pending ephemeron carries the header bit GC_HDR_EPHKEY, and whoever makes the key survive
 * (the marker that blackens it, the scavenger worker that forwards it) sees the bit in the header word
 * it already holds and takes the key's ephemerons out of the table to trace their values. Lua's
 * convergeephemerons and an iterative fixpoint rescan the pending list once per link of a chain, so a
 * chain of k ephemerons built against the traversal order costs O(k^2); here each ephemeron is
 * inserted once and taken once: O(k), and parallel as the tracing is.
 *
 * The protocol on the key's header word (every step an atomic read-modify-write on that word, so
 * they are totally ordered, and acq_rel, so a table insertion before a step is seen after a later one):
 *   recorder:  insert (key, e) into the table; then set GC_HDR_EPHKEY. If the word it replaced says
 *              the key already survives, the survivor may have looked in the table before the
 *              insertion: the recorder takes the key's entries itself (and clears the bit).
 *   survivor:  marking: clear GC_HDR_EPHKEY when it scans the key; copying: the forwarding CAS
 *              replaces the whole word. If the word it replaced had the bit, it takes the key's
 *              entries.
 * Either the survivor saw the bit (and the insertion before it) or the recorder saw the key survive;
 * an entry taken by both is harmless (tracing a value twice is idempotent) and the table hands each
 * entry out once anyway. The bit means something only while the key has not survived: a marked
 * object with a stale bit costs one empty table lookup, never a wrong answer. */
#ifndef GCLAB_WEAK_H
#define GCLAB_WEAK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "layout.h"

struct gc_heap;
struct gc_pause;

/* Weak slots recorded by one worker: slot addresses, | GC_WEAK_TARGET for a finalization cell's target
 * slot (slot 0: the cell is the word before it). Grown by doubling, kept across cycles. */
#define GC_WEAK_TARGET ((uintptr_t)1)
typedef struct gc_weak_buf {
    uintptr_t *v;
    size_t n, cap;
} gc_weak_buf;

/* Returns false when out of memory (the caller is fatal). */
bool gc_weak_buf_grow(gc_weak_buf *b);
static inline bool gc_weak_buf_push(gc_weak_buf *b, gc_slot *slot, bool target) {
    if (__builtin_expect(b->n == b->cap, 0) && !gc_weak_buf_grow(b)) return false;
    b->v[b->n++] = (uintptr_t)slot | (target ? GC_WEAK_TARGET : 0);
    return true;
}
void gc_weak_buf_free(gc_weak_buf *b);

/* What one worker's tracing saw of ephemerons (summed into the pause record). */
typedef struct gc_eph_counts {
    uint64_t pending;               /* traced before their key survived */
    uint64_t resolved;              /* ... whose key survived later */
} gc_eph_counts;

/* The pending ephemerons of one phase, by key: GC_EPH_SHARDS open-addressing hash tables (linear
 * probing, one 16-byte slot per entry, so a lookup costs one cache miss where a chained table costs
 * two), each under its own mutex, sharded by the key's address so that parallel tracers rarely meet on
 * a lock; each grows on its own. A key may have many entries (a key in several WeakMaps): they are
 * all in its probe run. A lookup happens only for a key whose header has the bit, i.e. rarely, and
 * never for a plain object. */
#define GC_EPH_SHARDS 64
typedef struct gc_eph_slot {
    struct gc_obj *key;             /* NULL: empty; GC_EPH_TOMB: taken (probing goes on past it) */
    struct gc_obj *e;
} gc_eph_slot;
#define GC_EPH_TOMB ((struct gc_obj *)(uintptr_t)1)
typedef struct gc_eph_shard {
    pthread_mutex_t lock;
    gc_eph_slot *slot;
    size_t cap;                     /* a power of two, or 0 */
    size_t used;                    /* slots not empty (entries and tombstones) */
    size_t live;                    /* entries not taken */
    char pad[64];
} gc_eph_shard;
typedef struct gc_eph_table {
    gc_eph_shard shard[GC_EPH_SHARDS];
} gc_eph_table;

/* Everything the heap keeps for weak processing and finalization (api.c owns one per heap). */
typedef struct gc_weak_state {
    gc_eph_table eph;
    pthread_mutex_t lock;           /* spill and the finalization queue below */
    gc_weak_buf spill;              /* weak slots recorded by markers other than the GC workers' */
    gc_eph_counts spill_counts;
    struct gc_obj **queue;          /* finalization cells whose target died, cleanup not yet run: */
    size_t qhead, queued, queue_cap;/* [qhead, queued) are roots */
} gc_weak_state;

int gc_weak_init(gc_weak_state *ws);
void gc_weak_free(gc_weak_state *ws);
/* A marker's recorded slots and counts, handed over before the marker goes away or when it is not one
 * of the GC workers' (a mutator's increments, the tests' stepping marker) and its phase ends. */
void gc_weak_spill(struct gc_heap *heap, gc_weak_buf *b, gc_eph_counts *c);
/* Visits the finalization queue as roots (roots.c). World stopped. */
void gc_weak_visit_queue(struct gc_heap *heap, void (*visit)(struct gc_obj **slot, void *arg), void *arg);

/* The pending table. gc_eph_insert returns false when out of memory. gc_eph_take unlinks every entry
 * of key and calls fn(ctx, e) for each; returns how many. gc_eph_each_left calls fn for every entry
 * not taken (their keys never survived) and empties the table for the next phase. */
int gc_eph_table_init(gc_eph_table *t);
void gc_eph_table_free(gc_eph_table *t);
bool gc_eph_insert(gc_eph_table *t, struct gc_obj *key, struct gc_obj *e);
size_t gc_eph_take(gc_eph_table *t, struct gc_obj *key, void (*fn)(void *ctx, struct gc_obj *e), void *ctx);
size_t gc_eph_each_left(gc_eph_table *t, void (*fn)(void *ctx, struct gc_obj *e), void *ctx);

/* Clears an ephemeron whose key died: key and value both (gclab.h). In a pause. */
static inline void gc_eph_clear(struct gc_obj *e) {
    atomic_store_explicit(&e->slot[0], NULL, memory_order_relaxed);
    atomic_store_explicit(&e->slot[1], NULL, memory_order_relaxed);
}

/* Marking's side of the protocol (the scavenger's is in scavenge.c: it must cope with forwarding). */
static inline bool gc_weak_marked(const struct gc_obj *o, uint64_t colour) {
    return (atomic_load_explicit(&((struct gc_obj *)o)->header, memory_order_relaxed) & GC_HDR_MARK) == colour;
}
/* Recorder: e's key was not marked when e was traced. When the key turns out to be marked meanwhile,
 * its entries are taken here and fn(ctx, e) traces each one's value. Returns whether that happened. */
bool gc_eph_pend_marking(struct gc_heap *heap, struct gc_obj *key, struct gc_obj *e, uint64_t colour,
                         void (*fn)(void *ctx, struct gc_obj *e), void *ctx);
/* Survivor: a marker scans key, whose header it loaded as h with GC_HDR_EPHKEY set. */
size_t gc_eph_key_marked(struct gc_heap *heap, struct gc_obj *key, void (*fn)(void *ctx, struct gc_obj *e),
                         void *ctx);

/* The end of a marking phase, world stopped, marking complete: clears the pending ephemerons (their keys
 * died) and the recorded weak slots whose target is unmarked, from every GC worker's marker and the
 * spill; queues the cells. Adds the counts and the time to rec. */
void gc_weak_finish_marking(struct gc_heap *heap, uint64_t colour, struct gc_pause *rec);

/* A finalization cell whose target died goes to the queue (in a pause). */
void gc_weak_queue_cell(struct gc_heap *heap, struct gc_obj *cell);

#endif
