/* bdw_events.c: COLLECTOR=bdw's libgc set-up and the callbacks through which libgc reports to it.
 *
 * Pauses. GC_set_on_collection_event reports, for each collection (all are stop-the-world full
 * collections here): START, PRE_STOP_WORLD, POST_STOP_WORLD, MARK_START, MARK_END, PRE_START_WORLD,
 * POST_START_WORLD, RECLAIM_START, RECLAIM_END, END. A pause runs from PRE_STOP_WORLD to
 * POST_START_WORLD; time-to-safepoint is PRE_STOP_WORLD..POST_STOP_WORLD; mark_ns is
 * MARK_START..MARK_END. libgc 8.2 reclaims (starts its lazy sweep) after restarting the world, so
 * sweep_ns is 0 unless a RECLAIM event falls inside the pause.
 *
 * The weak figures. libgc clears disappearing links and queues finalizable objects in GC_finalize, at
 * the end of the collection, after the world restarted (so outside the pause, though the record is
 * still the collection's). fin_queued counts the targets it queued (on_finalizer_queued). The rest
 * libgc cannot tell and stay 0: weak_ns (GC_finalize reports no event of its own: it runs inside
 * RECLAIM_START..RECLAIM_END), weak_cleared (libgc counts cleared links only for its own log), and the
 * ephemeron figures (libgc has no ephemerons). census_ns is the census taken at MARK_END
 * (bdw_census.c), inside the pause, and snapshot_ns the heap snapshot written there (bdw_snapshot.c). The callback runs with the allocation
 * lock held (and, inside the pause, the world stopped): it never calls malloc or anything that takes
 * the lock; it fills records of the gc_pauselog whose room is reserved outside the GC (at heap create
 * and from the allocation slow path when less than GC_BDW_LOG_SLACK records are left).
 */
#include "bdw_heap.h"

#include "clock.h"

gc_heap *gc_bdw_heap;

/* Process-wide libgc state: libgc is initialised once and cannot be torn down. */
static bool g_inited;
static unsigned g_markers;
static GC_push_other_roots_proc g_prev_push;
static _Atomic unsigned long g_warnings;      /* libgc warnings (collectors never print) */

static void *GC_CALLBACK on_oom(size_t bytes) {
    (void)bytes;
    return NULL;   /* gc_alloc turns NULL into the heap's fatal handler */
}

static void GC_CALLBACK on_warn(char *fmt, GC_word arg) {
    (void)fmt;
    (void)arg;
    atomic_fetch_add_explicit(&g_warnings, 1, memory_order_relaxed);
}

/* Runs inside the collection with the allocation lock held and, between PRE_STOP_WORLD and
 * POST_START_WORLD, with the world stopped: no malloc, no libgc call that takes the lock. */
/* The collecting thread's account (account.h; a no-op on a thread that is no mutator): the whole
 * collection is alloc-slow (libgc's own work before the stop and after the restart), inside it the
 * stop (ttsp) until the world is stopped, then the pause (full). Only this thread touches it. */

static void GC_CALLBACK on_event(GC_EventType ev) {
    gc_heap *h = gc_bdw_heap;
    if (!h) return;
    uint64_t now;
    switch (ev) {
    case GC_EVENT_START:
        h->cpu_start = gc_thread_cpu_ns();
        gc_acct_push(GC_ACCT_STALL(GC_STALL_ALLOC));
        break;
    case GC_EVENT_PRE_STOP_WORLD: {
        gc_acct_push(GC_ACCT_STALL(GC_STALL_TTSP));
        now = gc_now_ns();
        uint64_t heap = GC_get_heap_size();
        if (heap > h->peak_heap) h->peak_heap = heap;
        h->in_pause = true;
        h->cur = gc_pauselog_append(&h->log);
        if (!h->cur) {
            h->dropped_pauses++;
            break;
        }
        h->cur->start_ns = now;
        h->cur->heap_before = heap;
        h->cur->gc_threads = h->markers;
        h->cur->kind = GC_PAUSE_FULL;
        break;
    }
    case GC_EVENT_POST_STOP_WORLD:
        gc_acct_switch(GC_PAUSE_FULL, gc_now_ns());
        if (h->cur) h->cur->ttsp_ns = gc_now_ns() - h->cur->start_ns;
        break;
    case GC_EVENT_MARK_START:
        h->t_mark = gc_now_ns();
        break;
    case GC_EVENT_MARK_END: {
        uint64_t d = gc_now_ns() - h->t_mark;
        h->mark_ns_total += d;
        if (h->cur && h->in_pause) h->cur->mark_ns += d;
        /* Marking is complete and the world still stopped: gclab's census, if due (bdw_census.c). */
        gc_bdw_census_take(h, h->in_pause ? h->cur : NULL);
        /* ... then the snapshot ids and a heap snapshot, if due (bdw_snapshot.c). */
        gc_bdw_snapshot_at_mark(h, h->in_pause ? h->cur : NULL);
        break;
    }
    case GC_EVENT_RECLAIM_START:
        h->t_reclaim = gc_now_ns();
        break;
    case GC_EVENT_RECLAIM_END:
        if (h->cur && h->in_pause) h->cur->sweep_ns += gc_now_ns() - h->t_reclaim;
        break;
    case GC_EVENT_POST_START_WORLD:
        gc_acct_pop();
        now = gc_now_ns();
        h->in_pause = false;
        if (h->cur) {
            h->cur->end_ns = now;
            h->cur->heap_after = GC_get_heap_size();
            h->cur->cycle = (uint32_t)(GC_get_gc_no() - h->gc_no0);
        }
        atomic_fetch_add_explicit(&h->epoch, 1, memory_order_release);
        break;
    case GC_EVENT_END: {
        gc_acct_pop();
        /* After the reclaim step empty blocks are free: heap minus free blocks is the bytes in
         * blocks holding marked objects (what GC_get_memory_use would count, without its lock). */
        uint64_t heap = GC_get_heap_size(), free_b = GC_get_free_bytes();
        h->live_bytes = heap > free_b ? heap - free_b : 0;
        if (h->cur) h->cur->live_bytes = h->live_bytes;
        h->cur = NULL;
        h->collector_cpu_ns += gc_thread_cpu_ns() - h->cpu_start;
        break;
    }
    default:
        break;
    }
}

/* libgc queued a finalizable object: in gclab only a target of finalization cells (bdw_fin.c).
 * Called inside GC_finalize, at the end of the collection (allocation lock held, world running), so
 * the record is still the current one. It counts targets: libgc passes the object, not the chain of
 * cells of it, so a target registered k times counts once (fin_queued is exact when each target is
 * registered once). */
static void GC_CALLBACK on_finalizer_queued(void *obj) {
    (void)obj;
    gc_heap *h = gc_bdw_heap;
    if (h && h->cur) h->cur->fin_queued++;
}

/* Heap growth (allocation lock held): keeps peak_heap exact between collections. */
static void GC_CALLBACK on_heap_resize(GC_word new_size) {
    (void)new_size;
    gc_heap *h = gc_bdw_heap;
    if (!h) return;
    uint64_t heap = GC_get_heap_size();   /* excluding unmapped memory, like heap_bytes */
    if (heap > h->peak_heap) h->peak_heap = heap;
}

/* The API's precise roots, pushed at every collection (world stopped, allocation lock held). */
static void GC_CALLBACK push_roots(void) {
    gc_heap *h = gc_bdw_heap;
    if (h) {
        for (gc_mut *m = h->muts; m; m = m->next)
            if (m->sp) GC_push_all(m->roots, m->roots + m->sp);
        /* Eager: a push per slot could overflow libgc's mark stack during root pushing (which
         * aborts); eager scanning marks what the slot points to at once. */
        for (size_t i = 0; i < h->roots.n; i++) GC_push_all_eager(h->roots.slot[i], h->roots.slot[i] + 1);
        gc_bdw_push_fin_roots(h);
    }
    if (g_prev_push) g_prev_push();
}

unsigned gc_bdw_init_libgc(unsigned markers, size_t max_heap) {
    if (g_inited) return g_markers;
    /* Marker count and max heap must be set before GC_INIT (the initial heap must fit). */
    GC_set_markers_count(markers);
    GC_set_max_heap_size(max_heap);
    GC_set_warn_proc(on_warn);
    /* libgc runs finalizers itself, on the thread that allocates or collects after a collection: ours
     * only move cells to the queue, and cleanups run in gc_run_finalizers (bdw_fin.c says why not
     * on demand). Set, not left to how libgc was built. */
    GC_set_finalize_on_demand(0);
    /* Only pointers to an object's start keep it alive (docs/DESIGN.md §3, "bdw"): gclab's handles,
     * slots, global roots, weak links and finalizer targets all hold object starts, and gclab.h makes a
     * raw pointer (gc_raw) invalid across an allocation (the moving collectors rely on it too). With
     * libgc's default (1), libgc adds a byte to every object so that a pointer just past its end is
     * still inside it: a 32-byte gclab node takes a 48-byte cell. (GC_ALL_INTERIOR_POINTERS in the
     * environment turns it back on at GC_INIT.) */
    GC_set_all_interior_pointers(0);
    GC_INIT();
    GC_allow_register_threads();   /* also starts the marker threads */
    int par = GC_get_parallel();
    g_markers = par > 0 ? (unsigned)par + 1 : 1;
    GC_set_oom_fn(on_oom);
    GC_set_on_collection_event(on_event);
    GC_set_on_heap_resize(on_heap_resize);
    GC_set_await_finalize_proc(on_finalizer_queued);
    g_prev_push = GC_get_push_other_roots();   /* libgc's own: pushes the thread stacks */
    GC_set_push_other_roots(push_roots);
    g_inited = true;
    return g_markers;
}
