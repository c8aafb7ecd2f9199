/* mark.h: parallel marking with work stealing, shared by every mark-sweep in gclab.
 *
 * An object is grey while its entry sits in some worker's deque, black once scanned, and white while
 * its mark bit differs from the target colour. The bit is set by an atomic read-modify-write, so of
 * several workers that reach one object exactly one pushes it. A large pointer array longer than
 * GC_MARK_CHUNK slots is split into range entries that other workers can
 * steal, so one big array does not serialize the phase.
 *
 * A worker traces from a private stack (plain loads and stores) and moves the oldest half of it to
 * its stealable deque only when that deque has run dry: a pop from a Chase-Lev deque costs a seq_cst
 * store, a pop from the private stack costs nothing, and the oldest entries (nearest the roots) are
 * the biggest pieces of work to hand to a thief. */
#ifndef GCLAB_MARK_H
#define GCLAB_MARK_H

#include "heap.h"
#include "deque.h"

#define GC_MARK_CHUNK 1024      /* slots; only large objects are split (a small one is bounded work) */
#define GC_MARK_RANGE_TAG ((uintptr_t)1)

typedef struct gc_marker {
    _Alignas(64) gc_deque dq;   /* what thieves may take */
    uintptr_t *local;           /* private LIFO stack */
    size_t nlocal, caplocal;
    gc_worker_stats stats;      /* cumulative over cycles */
    uint64_t live_bytes;        /* this cycle */
    uint64_t rng;
} gc_marker;

int gc_markers_init(gc_heap *heap);
void gc_markers_free(gc_heap *heap);

/* Marks everything reachable from the roots with `colour`, on n workers. Returns the live bytes
 * (footprint of the marked objects). World stopped. */
uint64_t gc_mark_heap(gc_heap *heap, uint64_t colour, unsigned n);

#endif
