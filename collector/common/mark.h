/* mark.h: tracing for every mark-sweep in gclab: stop-the-world parallel marking (stw, full and
 * degenerated cycles), and the incremental and concurrent phases of the incremental and concurrent
 * collectors.
 *
 * Colours. An object is white while its mark bit differs from the cycle's colour, grey once the bit
 * is set and its entry waits in some stack, deque or packet, black once scanned. The bit is set by an
 * atomic read-modify-write (gc_mark_claim), so of several threads that reach an object exactly one
 * makes it grey: whoever claims an object owns pushing it.
 *
 * Where grey entries live:
 * - a marker's work stack (workstack.h): a private stack, and a Chase-Lev deque where other workers
 *   steal and where the private stack's oldest half goes when the deque has run dry;
 * - the grey pool: packets of entries under a mutex, taken and given once per GC_PACKET_ITEMS
 *   entries. It is where work crosses between participants that are not all GC workers: write-barrier
 *   buffers of mutators, increments run by mutators, and workers that stop before marking is done.
 * A large pointer array longer than GC_TRACE_CHUNK slots is split into range entries (trace.h) that
 * other workers can steal, so one big array does not serialize a phase. */
#ifndef GCLAB_MARK_H
#define GCLAB_MARK_H

#include "heap.h"
#include "deque.h"
#include "workstack.h"
#include "weak.h"

#define GC_MARK_RANGE_TAG ((uintptr_t)1)   /* a range entry: a chunk's first slot | tag */
#define GC_PACKET_ITEMS 510     /* a packet is 4 KiB */

typedef struct gc_packet {
    struct gc_packet *next;
    uint64_t n;
    uintptr_t item[GC_PACKET_ITEMS];
} gc_packet;

typedef struct gc_greypool {
    pthread_mutex_t lock;
    gc_packet *full;            /* packets holding grey entries */
    gc_packet *spare;           /* empty packets for reuse */
    _Atomic size_t nfull;       /* read without the lock to tell "maybe work" from "none" */
} gc_greypool;

typedef struct gc_marker {
    gc_workstack ws;            /* grey entries: private stack and stealable deque */
    gc_worker_stats stats;      /* cumulative over cycles */
    uint64_t live_bytes;        /* bytes this marker blackened since it last reported them */
    uint64_t rng;
    gc_weak_buf weak;           /* weak slots this marker found with an unmarked target (weak.h) */
    gc_eph_counts eph;
} gc_marker;

/* Claims a white object for marking: true if this call turned it from white to grey. */
static inline bool gc_mark_claim(gc_obj *o, uint64_t colour) {
    uint64_t h = atomic_load_explicit(&o->header, memory_order_relaxed);
    if ((h & GC_HDR_MARK) == colour) return false;
    uint64_t old = colour ? atomic_fetch_or_explicit(&o->header, GC_HDR_MARK, memory_order_relaxed)
                          : atomic_fetch_and_explicit(&o->header, ~GC_HDR_MARK, memory_order_relaxed);
    return (old & GC_HDR_MARK) != colour;
}

static inline bool gc_is_marked(const gc_obj *o, uint64_t colour) {
    return (atomic_load_explicit(&((gc_obj *)o)->header, memory_order_relaxed) & GC_HDR_MARK) == colour;
}

int gc_marker_init(gc_marker *m, unsigned seed);
void gc_marker_free(gc_marker *m);
int gc_markers_init(gc_heap *heap);        /* one per GC worker: heap->markers */
void gc_markers_free(gc_heap *heap);

int gc_greypool_init(gc_greypool *pool);
void gc_greypool_free(gc_greypool *pool);
static inline bool gc_greypool_looks_empty(gc_greypool *pool) {
    return atomic_load_explicit(&pool->nfull, memory_order_acquire) == 0;
}
/* Gives a packet of grey entries to the pool (n > 0), or recycles an empty one. */
void gc_greypool_put(gc_greypool *pool, gc_packet *p);
/* A packet of grey entries, or NULL when the pool has none. */
gc_packet *gc_greypool_take(gc_greypool *pool);
/* An empty packet (recycled or new); NULL only when memory is exhausted. */
gc_packet *gc_greypool_spare(gc_greypool *pool);

/* Stop-the-world: marks everything reachable from the roots with `colour` on n workers and returns
 * the bytes marked: small objects' sizes rounded to the 16-byte granule (not to their size class),
 * large objects' block runs. */
uint64_t gc_mark_heap(gc_heap *heap, uint64_t colour, unsigned n);

/* Shades every root (claims and queues it in the pool). World stopped. */
void gc_mark_roots_to_pool(gc_heap *heap, gc_greypool *pool, uint64_t colour);

/* Drains the pool on n workers until no grey entry is left anywhere, or until *abort becomes non-zero
 * (remaining work goes back to the pool). With the world stopped, returning without abort means
 * marking is complete; with mutators running, their barriers may add work afterwards. Returns the
 * bytes marked; if progress is set they are also added there as they are marked (every 256 objects
 * per worker), for pacing that wants to know how far marking has got, and the workers keep a packet
 * of their work in the pool whenever it runs empty, for the mutators' assists (mark.c: feed_pool). */
uint64_t gc_mark_drain(gc_heap *heap, gc_greypool *pool, uint64_t colour, unsigned n, const _Atomic int *abort,
                       _Atomic uint64_t *progress);

/* A bounded increment on one thread with its own marker: takes work from the pool until about
 * `budget` bytes are marked, the pool is empty, or *stop becomes non-zero (the thread's safepoint poll:
 * a stop requested meanwhile must not wait for the rest of the budget), and returns what is left to
 * the pool. Returns the bytes marked. */
uint64_t gc_mark_increment(gc_heap *heap, gc_marker *m, gc_greypool *pool, uint64_t colour, uint64_t budget,
                           const _Atomic uint32_t *stop);

/* Deterministic stepping (the lost-object tests): processes the next grey entry of m (its stack,
 * else a packet from the pool) and keeps the rest in m. Returns false when there was none. */
bool gc_mark_step(gc_heap *heap, gc_marker *m, gc_greypool *pool, uint64_t colour);
/* Gives everything m holds to the pool. */
void gc_mark_spill(gc_heap *heap, gc_marker *m, gc_greypool *pool);

#endif
