/* bdw_heap.h: COLLECTOR=bdw's heap, as its files share it (bdw.c: heap, threads, roots, allocation;
 * bdw_events.c: libgc's set-up and callbacks; bdw_stats.c: what the harness reads; bdw_verify.c: the
 * verifier). Not the block heap of common/heap.h: libgc manages the memory.
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
#include <gc/gc_mark.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/pauselog.h"
#include "common/root_table.h"
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

/* bdw_stats.c: CPU time of libgc's helper marker threads; false if none could be found. */
bool gc_bdw_marker_cpu_ns(uint64_t *out);

/* A big object's true counts live in the last two words of its libgc allocation (bdw.h): bdw.c
 * writes them, the verifier checks them. */
static inline const uint64_t *gc_bdw_big_tail(const gc_obj *obj) {
    return (const uint64_t *)((const char *)obj + GC_size((void *)obj) - 2 * sizeof(uint64_t));
}

#endif
