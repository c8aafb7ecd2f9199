/* bdw_heap.h: COLLECTOR=bdw's heap, as its files share it (bdw.c: heap, threads, roots, allocation;
 * bdw_events.c: libgc's set-up and callbacks; bdw_stats.c: what the harness reads; bdw_verify.c: the
 * verifier; bdw_weak.c: weak references and ephemerons; bdw_fin.c: finalization registries;
 * bdw_census.c: heap statistics by type, external memory). Not the block heap of common/heap.h: libgc
 * manages the memory.
 *
 * Locking. The list of mutators, the global root table and the pause log are changed only while
 * holding libgc's allocation lock (GC_alloc_lock), which every collection holds from start to end, so
 * the push hook and the collection-event callback read them without further synchronisation.
 */
#ifndef GCLAB_BDW_HEAP_H
#define GCLAB_BDW_HEAP_H

#include "gclab.h"

/* Every bdw file sees libgc configured alike: thread support, and no redirection of pthread_create
 * (threads attach with gc_attach, which registers them). */
#define GC_THREADS
#define GC_NO_THREAD_REDIRECTS
#include <gc/gc.h>
#include <gc/gc_inline.h>   /* GC_I_PTRFREE, GC_I_NORMAL: the kinds of GC_get_kind_and_size */
#include <gc/gc_mark.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/pauselog.h"
#include "common/root_table.h"
#include "common/snapshot_writer.h"
#include "common/types.h"

#define GC_BDW_MAX_OBJECT ((size_t)1 << 46)     /* counts must fit below GC_BDW_TAG */

struct gc_heap {
    /* As gc_options_check left them. gc_threads and initial_heap there are what the common heap would
     * take; libgc's own are `markers` and `initial_heap` below. */
    gc_options opts;
    size_t initial_heap;            /* libgc's heap once gc_heap_create has expanded it */
    unsigned long divisor;      /* GC_free_space_divisor derived from heap_factor */
    unsigned markers;           /* libgc marker threads, including the collecting thread */
    _Atomic unsigned attached;  /* attaches so far: the on_thread_start index */

    gc_type_table types;

    /* Under the allocation lock. */
    gc_mut *muts;
    unsigned nmuts;
    gc_root_table roots;
    gc_pauselog log;
    /* Also under bdw_fin.c's lock: registries are added and dropped holding both, so the root hook
     * (allocation lock) and the registry code (its own lock) each see a whole list. */
    struct gc_registry *registries;

    /* Finalization cells whose target died, oldest first (bdw_fin.c; under its lock, read by the
     * root hook with the world stopped). */
    _Atomic(gc_obj *) fin_head, fin_tail;
    _Atomic size_t fin_pending;     /* cells on that queue: gc_finalizers_pending */
    uint64_t fin_seq;               /* cells ever queued; under bdw_fin.c's lock */

    /* Written by the collection-event callback (allocation lock held). */
    gc_pause *cur;              /* the record of the current collection, or NULL */
    bool in_pause;
    uint64_t t_mark, t_reclaim, cpu_start;
    uint64_t collector_cpu_ns;  /* CPU of the collecting thread, START..END, summed */
    uint64_t mark_ns_total;
    uint64_t peak_heap;
    uint64_t live_bytes;
    uint64_t dropped_pauses;    /* pauses that found no reserved record (should stay 0) */

    /* Baselines at heap create. */
    uint64_t gc_no0;
    uint64_t total_bytes0;
    uint64_t marker_cpu0;

    /* Census (bdw_census.c): taken by the collection-event callback with the world stopped, where
     * malloc is off limits, so the log and the scratch are mmap'd memory the callback grows itself.
     * Under the allocation lock. */
    gc_census_row *census;          /* every census taken, in cycle order */
    size_t census_n, census_cap;    /* rows */
    uint64_t *census_counts;        /* scratch: objects, bytes, two words per type id */
    size_t census_counts_cap;       /* words */
    uintptr_t *census_set;          /* scratch: the distinct objects the program's roots hold */
    size_t census_set_cap;          /* words */
    uint64_t census_dropped;        /* censuses that found no memory (mmap failed; should stay 0) */
    _Atomic int census_requests;    /* gc_heap_census calls in progress */
    _Atomic int collects_waiting;   /* threads in gc_collect: a census now is the program's own */
    _Atomic int64_t external_bytes; /* gc_external_add */

    /* Heap snapshots (bdw_snapshot.c): written by the collection callback at MARK_END, world stopped,
     * into mmap'd scratch it grows itself. The id map under the allocation lock. */
    gc_snap_ids *snap_ids;          /* NULL until snapshots are in use */
    _Atomic(gc_snap_request *) snap_req;   /* a gc_write_heap_snapshot waiting for its collection */
    pthread_mutex_t snap_lock;      /* one request at a time */
    uint64_t snapshots;             /* written */
    uint64_t snapshot_extra;        /* the most scratch one took */
    uintptr_t *snap_objs;           /* scratch: the marked gclab objects, sorted */
    size_t snap_objs_cap;
    uint64_t *snap_bits;            /* scratch: three bits per object (reached, retained, conservative root) */
    size_t snap_bits_cap;
    uint32_t *snap_stack;           /* scratch: the walk that finds the conservative roots */
    size_t snap_stack_cap;

    _Atomic uint64_t epoch;           /* completed collections seen by the callback */
    _Atomic uint64_t verified_epoch;  /* last epoch the verifier ran for */
    _Atomic uint64_t objects;         /* allocations counted by the slow path */
};

/* bdw_events.c. The heap the callbacks report to: libgc is one heap per process. Written by bdw.c
 * under the allocation lock, so that no collection sees half a heap. */
extern gc_heap *gc_bdw_heap;
/* Initialises libgc and installs the callbacks, once per process (libgc cannot be torn down; later
 * calls do nothing). markers: 0 for libgc's default. Returns the marker threads libgc runs, counting
 * the collecting thread. */
unsigned gc_bdw_init_libgc(unsigned markers, size_t max_heap);

/* bdw_fin.c. The root hook's share: the heads of the registries' cell lists and of the queue. */
void gc_bdw_push_fin_roots(gc_heap *h);
/* Drops every registry of h without running a cleanup (gc_heap_destroy). */
void gc_bdw_fin_destroy(gc_heap *h);
/* The lock of the registries, the cells and the queue. The verifier holds it across its stopped
 * world, so it never sees a list halfway through a change. Never held while calling into anything
 * that may run libgc finalizers (GC_malloc, user code): libgc runs them on allocating threads, and
 * they take it. */
void gc_bdw_fin_lock(void);
void gc_bdw_fin_unlock(void);
/* For the verifier, lock held: walking the registries without knowing their layout. */
struct gc_registry *gc_bdw_registry_next(struct gc_registry *r);
gc_obj *gc_bdw_registry_live(struct gc_registry *r);

/* bdw_census.c. The census of the collection now ending its marking, if gclab's census is due (the
 * collection-event callback calls it at MARK_END: world stopped, allocation lock held); its time goes
 * into rec->census_ns when the pause has a record (rec may be NULL). */
void gc_bdw_census_take(gc_heap *h, gc_pause *rec);
/* mmap'd arrays, grown by the collection callback itself (no malloc there): returns the array with
 * room for at least `need` elements of `size` bytes, contents kept, or NULL (the old array is then
 * still valid). */
void *gc_bdw_grow(void *p, size_t *cap, size_t need, size_t size);
/* obj (libgc's size of it: size) is a gclab object: a registered type id below ntypes and counts that
 * fit in size (a big object's from its tail words); its counts then in *nptrs, *nbytes. */
bool gc_bdw_object_counts(const void *obj, size_t size, uint32_t ntypes, uint64_t *nptrs, uint64_t *nbytes);
/* Returns the census log and scratch to the OS (gc_heap_destroy, once no callback can see h). */
void gc_bdw_census_free(gc_heap *h);
/* Bytes in libgc's blocks in use: heap minus free blocks (gc_heap_stats.used_bytes, heapUsed).
 * Allocation lock held. */
uint64_t gc_bdw_used_bytes(void);

/* bdw_snapshot.c. At MARK_END (world stopped, allocation lock held), after the census: drops the
 * snapshot ids of the objects this collection found dead, and writes the snapshot a request or
 * snapshot_every asks for; its time goes into rec->snapshot_ns (rec may be NULL). */
void gc_bdw_snapshot_at_mark(gc_heap *h, gc_pause *rec);
/* The id map and the scratch back to the OS (gc_heap_destroy, once no callback can see h). */
void gc_bdw_snapshot_free(gc_heap *h);

/* bdw_stats.c: CPU time of libgc's helper marker threads; false if none could be found. */
bool gc_bdw_marker_cpu_ns(uint64_t *out);

/* A big object's true counts live in the last two words of its libgc allocation (bdw.h): bdw.c
 * writes them, the verifier checks them. */
static inline const uint64_t *gc_bdw_big_tail(const gc_obj *obj) {
    return (const uint64_t *)((const char *)obj + GC_size((void *)obj) - 2 * sizeof(uint64_t));
}

/* ---- Weak objects (bdw_weak.c, bdw_fin.c) ----
 * The built-in types (common/types.h) in bdw's layout. A weak slot holds GC_HIDE_POINTER(target), or
 * 0 once libgc cleared it: the word is a libgc disappearing link, so libgc writes 0 into it (under the
 * allocation lock) when the target is found unreachable; anyone else reads it under that lock too, or
 * with the world stopped, never between libgc's marking and its clearing. */

/* A WeakRef: header (type GC_TYPE_WEAKREF, 1 slot, 0 raw bytes), then the hidden target. Allocated
 * pointer-free (GC_malloc_atomic): libgc never scans it, and gc_alloc never makes a pointer-free
 * object with slots, so the kind tells gc_weakref_new's objects from a user's of the same type id. */
typedef struct gc_bdw_weakref {
    uint64_t hdr;
    _Atomic GC_hidden_pointer target;
} gc_bdw_weakref;

/* A FinalizationCell: GC_BDW_CELL_SLOTS strong slots, then struct gc_bdw_cell raw bytes. Allocated
 * with GC_malloc, so libgc scans it whole: the hidden words do not look like pointers. */
enum {
    GC_BDW_CELL_HELD,       /* the held value (strong until the cleanup ran or the cell was cancelled) */
    GC_BDW_CELL_TNEXT,      /* the other cells of the same target: libgc allows one finalizer per */
    GC_BDW_CELL_TPREV,      /*   object, so the finalizer's client data is the head of this chain */
    GC_BDW_CELL_NEXT,       /* the registry's live list or the heap's queue, whichever holds it */
    GC_BDW_CELL_PREV,
    GC_BDW_CELL_SLOTS
};
typedef enum { GC_BDW_CELL_LIVE = 1, GC_BDW_CELL_QUEUED, GC_BDW_CELL_DONE } gc_bdw_cell_state;
typedef struct gc_bdw_cell {
    _Atomic GC_hidden_pointer target;   /* disappearing link to the target */
    _Atomic GC_hidden_pointer token;    /* disappearing link to the token; 0: none, or it died */
    struct gc_registry *reg;            /* NULL once DONE; the rest under bdw_fin.c's lock */
    uint64_t seq;                       /* when QUEUED: h->fin_seq at queueing */
    int state;                          /* gc_bdw_cell_state */
    int match;                          /* scratch of gc_finalizer_unregister */
} gc_bdw_cell;

static inline gc_bdw_cell *gc_bdw_cell_of(gc_obj *c) {
    return (gc_bdw_cell *)((char *)c + sizeof(uint64_t) + GC_BDW_CELL_SLOTS * sizeof(gc_obj *));
}

/* What a weak word holds, as a pointer; the caller holds the allocation lock or stopped the world. */
static inline gc_obj *gc_bdw_reveal(_Atomic GC_hidden_pointer *w) {
    GC_hidden_pointer v = atomic_load_explicit(w, memory_order_relaxed);
    return v ? (gc_obj *)GC_REVEAL_POINTER(v) : NULL;
}

/* p is the start of a libgc object that gc_weakref_new made (or, for the cell check, that
 * gc_finalizer_register made), judged by its libgc kind and header, not by its type id alone: a
 * workload may register "WeakRef" and get the built-in id. */
static inline bool gc_bdw_is_weakref(const gc_obj *p) {
    size_t size;
    return p && GC_base((void *)p) == (void *)p && p->hdr == GC_BDW_HDR(GC_TYPE_WEAKREF, 1, 0) &&
           GC_get_kind_and_size(p, &size) == GC_I_PTRFREE;
}
static inline bool gc_bdw_is_cell(const gc_obj *p) {
    size_t size;
    return p && GC_base((void *)p) == (void *)p &&
           p->hdr == GC_BDW_HDR(GC_TYPE_FINCELL, GC_BDW_CELL_SLOTS, sizeof(gc_bdw_cell)) &&
           GC_get_kind_and_size(p, &size) == GC_I_NORMAL;
}

#endif
