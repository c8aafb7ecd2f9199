/* gclab.h: the mutator API, the only header a workload includes (docs/DESIGN.md §2).
 *
 * It never changes with the collector. The build defines GCLAB_COLLECTOR_<NAME>, which selects one
 * collector header with the inline fast paths (allocation, write barrier, safepoint poll), so a
 * barrier costs what it costs in a real runtime rather than an indirect call.
 *
 * Object model: an object is a header word, then `nptrs` pointer slots, then `nbytes` raw bytes.
 * Collectors are precise: a workload holds a pointer across anything that may collect (allocation,
 * gc_safepoint, gc_collect, gc_block_leave) only in a registered root: a handle on its thread's shadow
 * stack (gc_push) or a global root (gc_add_root). Pointer slots are read with gc_read and written
 * with gc_write, never by hand.
 */
#ifndef GCLAB_H
#define GCLAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gc_heap gc_heap;
typedef struct gc_mut gc_mut;   /* one per attached mutator thread */
typedef struct gc_obj gc_obj;   /* opaque: points at the object's header word */
typedef uint16_t gc_type;       /* a registered type id, >= 1 */

/* What a pause did. The kinds, each with the name pauses.csv and the summary give it. */
#define GC_PAUSE_KINDS(X)                                                                               \
    X(GC_PAUSE_FULL, "full")                 /* a whole stop-the-world cycle */                        \
    X(GC_PAUSE_INITIAL_MARK, "initial-mark") /* marking starts: barrier on, roots shaded */            \
    X(GC_PAUSE_INCREMENT, "increment")       /* incremental: one thread marks its share, alone */      \
    X(GC_PAUSE_ASSIST, "assist")             /* concurrent: a mutator helps marking, alone */          \
    X(GC_PAUSE_REMARK, "remark")             /* marking ends: barrier buffers, roots, the rest */      \
    X(GC_PAUSE_SCAVENGE, "scavenge")         /* the young generation copied */                         \
    X(GC_PAUSE_DEGENERATED, "degenerated")   /* marking fell behind and finished stop-the-world */     \
    X(GC_PAUSE_ALLOC_STALL, "alloc-stall")   /* concurrent: past the hard goal, a mutator waits */
typedef enum gc_pause_kind {
#define GC_PAUSE_KIND_ENUM(id, name) id,
    GC_PAUSE_KINDS(GC_PAUSE_KIND_ENUM)
#undef GC_PAUSE_KIND_ENUM
    GC_PAUSE_NKINDS
} gc_pause_kind;

static inline const char *gc_pause_kind_name(gc_pause_kind k) {
    static const char *const names[] = {
#define GC_PAUSE_KIND_NAME(id, name) name,
        GC_PAUSE_KINDS(GC_PAUSE_KIND_NAME)
#undef GC_PAUSE_KIND_NAME
    };
    return (unsigned)k < GC_PAUSE_NKINDS ? names[k] : "?";
}

/* A pause's figures after its kind and times, in pauses.csv's column order: (C type, field,
 * column). The struct, pauses.csv's header and its writer all come from this list, so a new figure is
 * one line here (at the end: the CSV's columns only grow). Collector-specific figures are 0 where
 * they do not apply. */
#define GC_PAUSE_FIGURES(X)                                                                              \
    X(uint64_t, ttsp_ns, "ttsp_ns")          /* time to safepoint: stop requested -> all stopped */      \
    X(uint64_t, mark_ns, "mark_ns")          /* marking (or copying) inside the pause */                 \
    X(uint64_t, sweep_ns, "sweep_ns")        /* sweeping or other reclamation inside the pause */        \
    X(uint64_t, heap_before, "heap_before_bytes") /* heap footprint when the pause began */             \
    X(uint64_t, heap_after, "heap_after_bytes")   /* ... and when it ended */                           \
    X(uint64_t, live_bytes, "live_bytes")    /* found live by this cycle's marking (0: it did not mark) */\
    X(uint32_t, gc_threads, "gc_threads")    /* GC threads that worked in this pause */                  \
    X(uint64_t, roots_ns, "roots_ns")        /* scanning roots inside the pause (initial mark, remark) */\
    X(uint64_t, drain_ns, "drain_ns")        /* remark: tracing what the barrier left grey */            \
    X(uint64_t, barrier_hits, "barrier_hits") /* cycle ending here: write-barrier slow paths taken */    \
    X(uint64_t, regreyed, "regreyed")        /* cycle ending here: black objects grey again (Steele) */  \
    X(uint64_t, alloc_during_mark, "alloc_during_mark_bytes") /* cycle ending here: allocated while marking */ \
    X(uint64_t, floating_bytes, "floating_bytes") /* cycle ending here: dead at its start yet kept (--verify) */ \
    X(uint64_t, young_bytes, "young_bytes")  /* scavenge: young bytes in use when it began */            \
    X(uint64_t, copied_bytes, "copied_bytes") /* scavenge: bytes copied within the young generation */   \
    X(uint64_t, promoted_bytes, "promoted_bytes") /* scavenge: bytes copied into the old generation */  \
    X(uint64_t, cards_scanned, "cards_scanned") /* scavenge: dirty cards scanned */                   \
    X(uint64_t, weak_ns, "weak_ns")          /* clearing weak references and ephemerons, queueing cells */\
    X(uint64_t, weak_cleared, "weak_cleared") /* weak references (and cells' targets) cleared */        \
    X(uint64_t, eph_pending, "ephemerons_pending") /* traced before their key was marked */           \
    X(uint64_t, eph_resolved, "ephemerons_resolved") /* ... of which the key was marked later */      \
    X(uint64_t, eph_cleared, "ephemerons_cleared") /* ... of which the key died: cleared */            \
    X(uint64_t, eph_rounds, "ephemeron_rounds") /* passes over the pending ephemerons (see weak.c) */ \
    X(uint64_t, fin_queued, "finalizers_queued") /* cells whose target died: cleanups queued */    \
    X(uint64_t, census_ns, "census_ns")      /* counting live objects by type (--census) inside the pause */ \
    X(uint64_t, snapshot_ns, "snapshot_ns")  /* writing a heap snapshot inside the pause */

/* One pause: a span during which at least one mutator is held by the collector (docs/DESIGN.md §4). */
typedef struct gc_pause {
    uint64_t start_ns;      /* stop requested (CLOCK_MONOTONIC) */
    uint64_t end_ns;        /* mutators released */
    uint32_t cycle;         /* collection cycle number, from 1 */
    gc_pause_kind kind;
#define GC_PAUSE_FIELD(type, field, column) type field;
    GC_PAUSE_FIGURES(GC_PAUSE_FIELD)
#undef GC_PAUSE_FIELD
} gc_pause;

/* Cumulative statistics of one GC worker (work-stealing makes load balance visible here). */
typedef struct gc_worker_stats {
    uint64_t objects;       /* objects traced (marked or copied) */
    uint64_t bytes;         /* bytes traced */
    uint64_t steals;        /* successful steals */
    uint64_t steal_fails;   /* steal attempts that found nothing */
    uint64_t busy_ns;       /* time spent with work */
    uint64_t idle_ns;       /* time spent looking for work or waiting for termination */
} gc_worker_stats;

typedef struct gc_heap_stats {
    uint64_t collections;       /* completed cycles */
    uint64_t gc_cpu_ns;         /* CPU time of collection work, all GC threads */
    uint64_t allocated_bytes;   /* total bytes handed to the mutators */
    uint64_t allocated_objects; /* total objects allocated via slow paths (approximate for fast paths) */
    uint64_t heap_bytes;        /* current footprint: blocks in use */
    uint64_t peak_heap_bytes;   /* largest footprint seen */
    uint64_t live_bytes;        /* live bytes after the last cycle */
    uint64_t max_heap_bytes;    /* the limit the heap never exceeds */
    unsigned gc_threads;
    uint64_t initial_heap_bytes; /* the heap before the first cycle, as the collector took it */
    uint64_t nursery_bytes;     /* generational: the young generation (eden and both survivor spaces); else 0 */
    unsigned promote_age;       /* generational: scavenges survived before promotion; else 0 */
    uint64_t used_bytes;        /* bytes in objects: live after the last cycle plus allocated since */
    uint64_t external_bytes;    /* memory held outside the heap for heap objects (gc_external_add) */
    uint64_t snapshots;         /* heap snapshots written */
    uint64_t snapshot_extra_bytes; /* the most memory writing one took beyond the heap (bitmap, strings) */
    uint64_t snapshot_ids_bytes; /* what keeping snapshot ids costs (its map), once snapshots are in use */
} gc_heap_stats;

/* Called when the heap cannot go on (heap exhausted, shadow stack overflow). It must not return;
 * without one the heap prints the message on stderr and exits with status 3. */
typedef void (*gc_fatal_fn)(void *ctx, const char *msg);

/* Called on a thread as it starts working for the heap, so the harness can pin it: a mutator in
 * gc_attach (index: attach order from 0), a GC worker as it starts (index: worker number from 1;
 * worker 0 is the collecting mutator itself). */
typedef enum { GC_THREAD_MUTATOR, GC_THREAD_GC } gc_thread_kind;
typedef void (*gc_thread_start_fn)(void *ctx, gc_thread_kind kind, unsigned index);

typedef struct gc_options {
    size_t max_heap;          /* bytes the heap never exceeds; 0: collector default (1 GiB) */
    size_t initial_heap;      /* heap size before the first cycle; 0: collector default */
    double heap_factor;       /* after a cycle, next trigger at live * heap_factor; 0: default 2.0 */
    unsigned gc_threads;      /* parallel GC workers; 0: one per core */
    unsigned stress_every;    /* collect every N allocations per thread; 0: off */
    double mark_per_alloc;    /* incremental: bytes marked per byte allocated while marking; 0: paced */
    bool verify;              /* run the heap verifier after every cycle */
    size_t root_capacity;     /* handles per thread's shadow stack; 0: default (1 Mi) */
    gc_fatal_fn on_fatal;
    gc_thread_start_fn on_thread_start;
    void *ctx;                /* passed to on_fatal and on_thread_start */
    size_t nursery;           /* generational: young generation bytes (eden and both survivor spaces,
                               * part of max_heap); 0: collector default. Ignored without a nursery. */
    unsigned promote_age;     /* generational: scavenges an object survives young before it is
                               * promoted (1..15); 0: default 2. Ignored without a nursery. */
    bool census;              /* count live objects by type after every full-heap cycle (gc_census_log) */
    unsigned snapshot_every;  /* write a heap snapshot every N-th full-heap cycle; 0: never */
    const char *snapshot_prefix; /* ... to <prefix>-<cycle>.heapsnapshot (required with snapshot_every) */
} gc_options;

/* Creates a heap. On bad options returns NULL and writes one line into err. */
gc_heap *gc_heap_create(const gc_options *opts, char *err, size_t errlen);
void gc_heap_destroy(gc_heap *heap);
const char *gc_collector_name(void);  /* e.g. "stw", "bdw" */
/* False where the collector may keep an unreachable object alive indefinitely (bdw: libgc scans
 * stacks and registers conservatively); true where an object is dead once unreachable at a full
 * collection. Workloads that check what died use it to know how exact they can be. */
bool gc_collector_precise(void);

/* Types give objects a name for statistics, snapshots and the verifier. Register before attaching
 * threads; the same name returns the same id. */
gc_type gc_register_type(gc_heap *heap, const char *name);
const char *gc_type_name(gc_heap *heap, gc_type type);

/* Each mutator thread attaches itself before it allocates and detaches itself before it exits (the
 * heap keeps the calling thread's gc_mut, to wait for the collector role as that mutator). */
gc_mut *gc_attach(gc_heap *heap);
void gc_detach(gc_mut *mut);

/* Where an attached thread's time went inside gclab, by cause, in nanoseconds since gc_attach
 * (README, "Where the slowest operations' time went"). The thread keeps it itself, reading the clock
 * where a cause begins and ends (a slow path, a stop, a wait; never the fast path), and only the
 * thread itself writes or reads it: a workload reads it between its own operations, with `events`
 * telling whether anything was charged since it last looked. Time is charged to the innermost cause
 * (a stop inside an allocation slow path is the stop's, not the slow path's), so the figures add up.
 *   pause_ns[kind]  held in a pause of that kind: from the moment the world is stopped (or, for a
 *                   one-thread pause, increment or assist, from its start) until this thread runs on
 *   stall_ns[...]   the causes below. */
#define GC_STALL_CAUSES(X)                                                                              \
    X(GC_STALL_TTSP, "ttsp")           /* stopped, waiting for the other threads to stop */            \
    X(GC_STALL_WAIT, "gc-wait")        /* blocked until another thread's or the collector's cycle ends */ \
    X(GC_STALL_SWEEP, "sweep")         /* allocation slow path: sweeping blocks lazily */              \
    X(GC_STALL_FRESH, "fresh-memory")  /* ... preparing never-used memory (its first-touch page faults) */ \
    X(GC_STALL_ALLOC, "alloc-slow")    /* ... the rest: taking cells and blocks, large objects, pacing */
typedef enum gc_stall_cause {
#define GC_STALL_ENUM(id, name) id,
    GC_STALL_CAUSES(GC_STALL_ENUM)
#undef GC_STALL_ENUM
    GC_NSTALLS
} gc_stall_cause;

static inline const char *gc_stall_cause_name(gc_stall_cause c) {
    static const char *const names[] = {
#define GC_STALL_NAME(id, name) name,
        GC_STALL_CAUSES(GC_STALL_NAME)
#undef GC_STALL_NAME
    };
    return (unsigned)c < GC_NSTALLS ? names[c] : "?";
}

typedef struct gc_mut_account {
    uint64_t pause_ns[GC_PAUSE_NKINDS];
    uint64_t stall_ns[GC_NSTALLS];
    uint64_t events;            /* causes entered so far: unchanged across an operation, nothing charged */
} gc_mut_account;

/* The calling thread's account (mut must be the caller's own). Collectors that cannot see a cause
 * leave it 0 (bdw: libgc's stops and its allocator are opaque beyond its collection events). */
const gc_mut_account *gc_mut_account_of(gc_mut *mut);

/* Shadow-stack handles. gc_push returns a slot that is a root until the enclosing scope closes:
 *     size_t scope = gc_scope_open(mut);
 *     gc_obj **h = gc_push(mut, gc_alloc(...));
 *     ... *h may be reloaded after any allocation; the collector updates it if it moves the object
 *     gc_scope_close(mut, scope);
 */
static inline size_t gc_scope_open(gc_mut *mut);
static inline void gc_scope_close(gc_mut *mut, size_t scope);
static inline gc_obj **gc_push(gc_mut *mut, gc_obj *obj);

/* Global roots: the address of a gc_obj * that stays valid until removed. */
void gc_add_root(gc_heap *heap, gc_obj **slot);
void gc_remove_root(gc_heap *heap, gc_obj **slot);

/* Allocates a zeroed object. Never returns NULL: heap exhaustion is fatal (gc_options.on_fatal). */
static inline gc_obj *gc_alloc(gc_mut *mut, gc_type type, uint32_t nptrs, size_t nbytes);
static inline gc_obj *gc_read(const gc_obj *obj, size_t i);
static inline void gc_write(gc_mut *mut, gc_obj *obj, size_t i, gc_obj *val);
static inline void *gc_raw(gc_obj *obj);          /* the raw bytes after the pointer slots */
static inline uint32_t gc_nptrs(const gc_obj *obj);
static inline size_t gc_nbytes(const gc_obj *obj);
static inline gc_type gc_typeof(const gc_obj *obj);

/* Safepoints: a thread that runs long without allocating polls; a thread that will block (I/O,
 * locks, sleeping, joining) brackets that stretch so the collector need not wait for it. Between
 * gc_block_enter and gc_block_leave it must not touch the heap. */
static inline void gc_safepoint(gc_mut *mut);
void gc_block_enter(gc_mut *mut);
void gc_block_leave(gc_mut *mut);

void gc_collect(gc_mut *mut);                 /* a full collection, now */

/* ---- Heap statistics by type (docs/DESIGN.md §12) ----
 *
 * What Bun's heapStats() and Node's process.memoryUsage() give, exact: a census counts, inside the pause
 * that ends a full-heap cycle, every object that cycle found live, by registered type, with a walk of
 * the heap (nothing is counted on the allocation path). After a cycle that marked from scratch with
 * the world stopped (stw's, every gc_collect, full cycles) it is exactly the reachable heap; after an
 * incremental, concurrent or degenerated cycle (which finishes marking begun beside the mutators) it
 * includes that cycle's floating garbage (objects that died while it marked, and those allocated
 * meanwhile). A generational collector's scavenges take none: they do not look at the old generation.
 * bdw takes it at libgc's mark-end event: what libgc keeps, conservative retention included. */
typedef struct gc_census_row {
    uint32_t cycle;             /* the cycle counted (as in the pause records) */
    gc_type type;               /* a registered type; 0: the cycle's totals row, which comes first */
    uint64_t objects, bytes;    /* live objects of the type and their exact sizes (header, slots, raw) */
    uint64_t protected_objects; /* totals row: distinct objects that a handle or a global root points at */
    uint64_t census_ns;         /* totals row: what counting took, inside the pause */
    bool requested;             /* totals row: the collection was the program's own (gc_collect or
                                 * gc_heap_census was waiting for it), not one the heap decided on */
} gc_census_row;
/* A full collection and a census of it: returns the rows (the totals row first, then one per type with
 * live objects, by type id), malloc'd, *count of them; the caller frees it. NULL when out of memory. */
gc_census_row *gc_heap_census(gc_mut *mut, size_t *count);
/* Every census taken so far (gc_options.census, or gc_heap_census), in cycle order; complete once every
 * mutator has detached, like the pause log. */
const gc_census_row *gc_census_log(gc_heap *heap, size_t *count);
/* Memory held outside the heap on behalf of heap objects (V8's external memory: buffers, handles):
 * counted in gc_heap_stats.external_bytes and gc_memory_usage, never collected by the heap. */
void gc_external_add(gc_heap *heap, int64_t delta);
/* Node's process.memoryUsage(), in bytes: the process's resident set, the heap's footprint, the bytes in
 * objects, and external memory. */
typedef struct gc_memory_usage {
    uint64_t rss, heap_total, heap_used, external;
} gc_memory_usage;
void gc_get_memory_usage(gc_heap *heap, gc_memory_usage *out);

/* ---- Heap snapshots (docs/DESIGN.md §13) ----
 *
 * V8's .heapsnapshot format, which Chrome DevTools' Memory panel and memlab load: a full collection,
 * and inside its pause every live object written as a node (named by its type, its exact size, an id
 * that stays with it for its whole life and is never reused) with its pointer slots as edges, under
 * synthetic roots for each thread's handles, the global roots and the finalization queue. On bdw
 * too, in libgc's pause at the end of marking: what libgc retains, its conservative extras (objects
 * kept by stale words on stacks or in registers) under a fourth sub-root "(Conservative roots)", and
 * no ephemerons. Returns 0, or -1 with one line in err. */
int gc_write_heap_snapshot(gc_mut *mut, const char *path, char *err, size_t errlen);
/* Marks o detached (detachedness 2 in snapshots: DevTools' "Detached" filter, memlab's detached-DOM
 * leak rule), as a DOM node removed from its document but still referenced; false clears it. */
void gc_set_detached(gc_mut *mut, gc_obj *o, bool detached);

/* ---- Weak references, ephemerons and finalization (docs/DESIGN.md §11) ----
 *
 * JavaScript's WeakRef, WeakMap and FinalizationRegistry, on every collector (bdw: no ephemerons).
 * Each is a heap object of a built-in type ("WeakRef", "Ephemeron", "FinalizationCell"), allocated,
 * rooted, moved and freed like any other; their special slots are read and written only through the
 * calls below (gc_read and gc_write see them as ordinary slots and must not be used on them).
 *
 * What a cycle does with them, in this order, inside the pause that ends its marking:
 *  1. marking follows strong slots only. An ephemeron's value is followed once its key is marked
 *     (through anything but that ephemeron), whenever that happens during marking: the fixpoint is
 *     part of marking itself, so a chain of k ephemerons costs O(k), not O(k^2).
 *  2. every ephemeron whose key stayed unmarked is cleared: key and value both NULL;
 *  3. every weak reference whose target stayed unmarked is cleared (get returns NULL from then on);
 *  4. every finalization cell whose target stayed unmarked has its target cleared and is queued; a
 *     cell's unregister token that stayed unmarked is cleared (the cell can no longer be unregistered).
 * Nothing is resurrected: a cleared object is never marked afterwards, and no callback ever receives
 * the dead object. All weak references to an object are cleared in the same pause in which its
 * ephemerons are cleared and its cells queued, so a cleanup always sees every weak reference to its
 * object already cleared. Marking that runs while mutators do (incremental, concurrent) may keep an
 * object one cycle longer (floating garbage), never shorter, and never lets a weak slot dangle. Which
 * objects float depends on the barrier: under Yuasa, an object read through a weak reference or an
 * ephemeron while marking runs survives that cycle (the read shades it); under Dijkstra and Steele it
 * survives only if it is still reachable at the remark or was stored through the barrier meanwhile
 * (tests/unit/barrier_weak_read.c shows each case).
 *
 * Cleanups run only in gc_run_finalizers, on the thread that calls it, never inside a pause (the
 * JavaScript rule: cleanup jobs run from the event loop, not at arbitrary points). */

/* A weak reference to target (which may be NULL). */
gc_obj *gc_weakref_new(gc_mut *mut, gc_obj *target);
/* The target while it is alive; NULL once a cycle found it unreachable. */
gc_obj *gc_weakref_get(gc_mut *mut, gc_obj *ref);

/* An ephemeron (a WeakMap entry): the value is kept alive only while the key is alive through
 * something other than this ephemeron (or another ephemeron's value whose key is alive); when the key
 * dies both are cleared. Slot GC_EPHEMERON_NEXT is an ordinary strong slot for the caller's chains
 * (gc_read/gc_write it, e.g. a hash bucket's list). key may not be NULL. */
#define GC_EPHEMERON_NEXT 2
gc_obj *gc_ephemeron_new(gc_mut *mut, gc_obj *key, gc_obj *value);
gc_obj *gc_ephemeron_key(gc_mut *mut, gc_obj *e);     /* NULL once cleared */
gc_obj *gc_ephemeron_value(gc_mut *mut, gc_obj *e);   /* NULL once cleared */
void gc_ephemeron_set_value(gc_mut *mut, gc_obj *e, gc_obj *value);   /* no effect once cleared */
/* False where the collector cannot do ephemerons (bdw: libgc has none); gc_ephemeron_new is then fatal. */
bool gc_has_ephemerons(void);

/* A finalization registry. The registry itself is not a heap object: it lives until the heap is
 * destroyed or gc_registry_free, and holds its cells, so their held values, strongly. */
typedef struct gc_registry gc_registry;
typedef void (*gc_cleanup_fn)(gc_mut *mut, gc_obj *held, void *ctx);
gc_registry *gc_registry_new(gc_heap *heap, gc_cleanup_fn cleanup, void *ctx);
/* Drops every cell of r (no cleanup runs for them, queued ones included) and r itself. */
void gc_registry_free(gc_mut *mut, gc_registry *r);
/* After target dies, cleanup(mut, held, ctx) runs once, in some later gc_run_finalizers. held is
 * kept alive (strongly) until then: a held value that reaches target keeps target alive, so that
 * cleanup never runs (JavaScript's rule; nothing is resurrected). token (may be NULL) is held weakly;
 * gc_finalizer_unregister(token) cancels every cell registered with it whose cleanup has not run. */
void gc_finalizer_register(gc_mut *mut, gc_registry *r, gc_obj *target, gc_obj *held, gc_obj *token);
size_t gc_finalizer_unregister(gc_mut *mut, gc_registry *r, gc_obj *token);   /* cells cancelled */
/* Runs the cleanups queued so far on this thread (each cleanup may allocate, collect, register or
 * call gc_run_finalizers itself); returns how many ran. */
size_t gc_run_finalizers(gc_mut *mut);
/* Cleanups queued and not yet run. */
size_t gc_finalizers_pending(gc_heap *heap);

/* What the harness reads. The pause log is complete once every mutator has detached. */
void gc_get_stats(gc_heap *heap, gc_heap_stats *out);
const gc_pause *gc_pause_log(gc_heap *heap, size_t *count);
unsigned gc_worker_count(gc_heap *heap);
void gc_get_worker_stats(gc_heap *heap, unsigned worker, gc_worker_stats *out);
/* Runs the heap verifier now (stops the world); returns the number of problems found and writes the
 * first one into msg. Collectors with no precise heap (bdw) check what they can. */
size_t gc_verify_now(gc_mut *mut, char *msg, size_t msglen);

/* Testing and micro-benchmark hook: puts the collector in (or out of) the state in which its write
 * barrier does its slow-path work, as while marking runs, without running a cycle. Returns false when
 * the collector has no such state (its barrier never changes), true otherwise. World must be quiet:
 * only the calling mutator attached. */
bool gc_test_marking(gc_mut *mut, bool on);

#ifdef __cplusplus
}
#endif

/* The collector's inline fast paths: the build names the header of the collector it was asked for
 * (build.mk: collector/<name>.h), so adding a collector adds no line here. */
#ifndef GCLAB_COLLECTOR_HEADER
#error "build with make COLLECTOR=<name>: GCLAB_COLLECTOR_HEADER names collector/<name>.h"
#endif
#include GCLAB_COLLECTOR_HEADER

#endif
