/* concurrent.c: COLLECTOR=concurrent, mostly-concurrent mark-sweep: background marker threads trace
 * while the mutators run, between two short pauses.
 *
 * Invariants
 * - Between cycles: those of stw (stw.c).
 * - During a cycle: mutators allocate black and their barrier is on; the barrier's invariant is stated
 *   in cmark.h and kept in cmark.c's gc_barrier_slow.
 * - Only the collector thread runs cycles, and it holds the collector role from the sweep before the
 *   initial mark to the end of the concurrent sweep after the remark, so nothing else stops the world
 *   or starts a cycle in between.
 * - Falling behind: a mutator that finds the heap at its goal (live x heap_factor) while marking
 *   runs, or that cannot allocate at all, asks for the cycle to finish stop-the-world and waits,
 *   blocked, for it; that pause is recorded as "degenerated". Nobody waits silently or runs out.
 * - gc_collect waits, blocked, for the next cycle to start and finish, a full stop-the-world one
 *   (wait_for_cycle): the one marking when it is called began before the call, and what died since
 *   may float through it.
 *
 * A cycle, in the order it runs (all on the collector thread):
 *   1. a mutator's allocation reaches the trigger and wakes the collector thread; it finishes the
 *      last cycle's sweep with the world running. The trigger adapts: a cycle starts early enough
 *      that what the mutators allocated during the last cycle's marking (doubled if that cycle fell
 *      behind) still fits under the goal; with more allocation than headroom, cycles run back to back;
 *   2. initial mark (pause): barrier on, black allocation, roots shaded;
 *   3. concurrent mark: the collector thread and the --gc-threads - 1 pool workers drain the grey pool
 *      with work stealing while mutators run and their barriers feed the pool;
 *   4. remark (pause): barrier buffers flushed, roots rescanned if the barrier needs it, the rest
 *      drained on the same workers, colour flipped, sweeping queued;
 *   5. concurrent sweep: the collector thread sweeps every block with the world running; the free
 *      lists it builds wait in the ready lists, where the mutators' slow paths find them, and wholly
 *      dead blocks go back to the heap. Mutators sweep a block themselves only when they get to it
 *      first. Sweeping never happens in a pause.
 *
 * The collector thread and the pool workers run at nice BACKGROUND_NICE: concurrent marking should
 * take the cores the mutators leave idle, not time slices from a mutator (on a machine with fewer
 * cores than threads, a mutator descheduled for a slice is a latency spike no pause record shows). In
 * a pause the mutators are parked, so the lower priority costs the pauses nothing. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "common/heap.h"
#include "common/cmark.h"
#include "clock.h"

#if !defined(GCLAB_BARRIER_DIJKSTRA) && !defined(GCLAB_BARRIER_STEELE) && !defined(GCLAB_BARRIER_YUASA) && \
    !defined(GCLAB_BARRIER_NONE)
#error "COLLECTOR=concurrent needs BARRIER=dijkstra|steele|yuasa|none"
#endif

#define BACKGROUND_NICE 10

static void lower_priority(void) {
    /* Raising one's own nice value needs no privilege; failing to is harmless. */
    if (setpriority(PRIO_PROCESS, (id_t)gettid(), BACKGROUND_NICE) != 0) {}
}

static void lower_worker_priority(unsigned worker, unsigned n, void *arg) {
    (void)n, (void)arg;
    if (worker != 0) lower_priority();   /* worker 0 is the caller, not a pool thread */
}

typedef struct concurrent {
    gc_cmark cm;
    pthread_t thread;
    pthread_mutex_t lock;       /* the fields below */
    pthread_cond_t cv_work, cv_done;
    bool requested;             /* a cycle should start */
    bool explicit_full;         /* ... and it is gc_collect's: a full stop-the-world cycle */
    bool running;               /* the collector thread is in a cycle */
    bool degenerate;            /* finish the cycle stop-the-world */
    bool shutdown;
    uint64_t started;           /* cycles the collector thread began */
    uint64_t completed;         /* cycles the collector thread finished */
    uint64_t headroom;          /* collector thread only: bytes of allocation a cycle's marking needs */
} concurrent;
_Static_assert(offsetof(concurrent, cm) == 0, "cmark.c finds the gc_cmark at heap->collector");

static bool must_degenerate(concurrent *con) {
    pthread_mutex_lock(&con->lock);
    bool d = con->degenerate;
    pthread_mutex_unlock(&con->lock);
    return d;
}

/* A pause of the collector thread (no mutator of its own). The initial mark shades the roots on this
 * thread alone, and the remark usually finds little left (the body takes the pool workers when it
 * finds more: cmark.c); a degenerated or full cycle marks on --gc-threads workers. */
static void stop_and_run(gc_heap *heap, gc_pause_kind kind, void (*body)(gc_heap *, gc_pause *, void *)) {
    unsigned threads = kind == GC_PAUSE_INITIAL_MARK || kind == GC_PAUSE_REMARK ? 1 : heap->opts.gc_threads;
    gc_pause_run(heap, NULL, &(gc_pause){.kind = kind, .gc_threads = threads}, body, NULL);
}

/* After a cycle (world running): the next one starts at goal - headroom, where headroom is what
 * marking let the mutators allocate, smoothed over cycles, and doubled when marking fell behind. */
static void adapt_trigger(gc_heap *heap, concurrent *con, bool behind) {
    uint64_t measured = con->cm.alloc_during_mark;
    if (behind)
        con->headroom = 2 * (measured > con->headroom ? measured : con->headroom);
    else
        con->headroom = (con->headroom + measured + measured / 2) / 2;
    uint64_t goal = atomic_load(&heap->goal_bytes), live = heap->live_after_gc;
    uint64_t trigger = goal > live + con->headroom ? goal - con->headroom : live;
    if (trigger < atomic_load(&heap->trigger_bytes)) atomic_store(&heap->trigger_bytes, trigger);
}

static void run_cycle(gc_heap *heap, concurrent *con, bool full) {
    gc_role_take(heap, NULL);
    gc_sweep_finish(heap);
    if (full) {
        /* gc_collect's: a whole stop-the-world cycle, as System.gc() is in HotSpot's default. */
        stop_and_run(heap, GC_PAUSE_FULL, gc_full_cycle_body);
    } else if (must_degenerate(con)) {
        /* Asked for memory before any marking ran: one stop-the-world cycle. */
        stop_and_run(heap, GC_PAUSE_DEGENERATED, gc_full_cycle_body);
    } else {
        stop_and_run(heap, GC_PAUSE_INITIAL_MARK, gc_cmark_start_body);
        if (must_degenerate(con)) atomic_store(&con->cm.abort, 1);
        /* Until the pool stays empty: mutators' barriers refill it while the workers drain. */
        while (!atomic_load(&con->cm.abort)) {
            gc_mark_drain(heap, &con->cm.pool, con->cm.colour, heap->opts.gc_threads, &con->cm.abort, &con->cm.marked);
            if (gc_greypool_looks_empty(&con->cm.pool)) break;
        }
        bool behind = must_degenerate(con);
        stop_and_run(heap, behind ? GC_PAUSE_DEGENERATED : GC_PAUSE_REMARK, gc_cmark_finish_body);
        adapt_trigger(heap, con, behind);
    }
    gc_sweep_finish(heap);   /* 5. */
    gc_end_cycle(heap);
}

static void *collector_main(void *arg) {
    gc_heap *heap = arg;
    concurrent *con = heap->collector;
    lower_priority();
    pthread_mutex_lock(&con->lock);
    for (;;) {
        while (!con->requested && !con->shutdown) pthread_cond_wait(&con->cv_work, &con->lock);
        if (con->shutdown) break;
        con->requested = false;
        bool full = con->explicit_full;
        con->explicit_full = false;
        con->running = true;
        con->started++;
        pthread_mutex_unlock(&con->lock);
        run_cycle(heap, con, full);
        pthread_mutex_lock(&con->lock);
        con->running = false;
        con->degenerate = false;
        con->completed++;
        pthread_cond_broadcast(&con->cv_done);
    }
    pthread_mutex_unlock(&con->lock);
    return NULL;
}

/* With con->lock held. */
static void request(concurrent *con) {
    if (!con->requested && !con->running) {
        con->requested = true;
        pthread_cond_signal(&con->cv_work);
    }
}

/* The caller cannot go on until a cycle has finished; it waits for it as a blocked thread, so the
 * collector's pauses need not wait for it. Only the collector thread runs cycles and it holds the
 * role throughout one, so what a waiter needs is a cycle number, fixed here under con->lock from
 * what the collector thread is doing now (the rule at gc_role_take, handshake.c):
 *   GC_WHY_EXPLICIT  the next cycle to start: the running one's initial mark came before the call,
 *                    and objects that died since may float through it. It is requested even while
 *                    a cycle runs, so the collector thread runs it straight after, and it is a full
 *                    stop-the-world cycle (a "full" pause): the caller waits for it anyway, and
 *                    a benchmark timing gc_collect measures the same work on every collector.
 *   otherwise        the next to finish, asked to finish stop-the-world now ("degenerated"). */
static void wait_for_cycle(gc_mut *mut, gc_collect_why why) {
    concurrent *con = mut->heap->collector;
    gc_block_enter(mut);
    pthread_mutex_lock(&con->lock);
    uint64_t target;
    if (why == GC_WHY_EXPLICIT) {
        target = con->started + 1;
        con->requested = con->explicit_full = true;
        pthread_cond_signal(&con->cv_work);
    } else {
        target = con->completed + 1;
        con->degenerate = true;
        atomic_store(&con->cm.abort, 1);
        request(con);
    }
    while (con->completed < target) pthread_cond_wait(&con->cv_done, &con->lock);
    pthread_mutex_unlock(&con->lock);
    gc_block_leave(mut);
}

static void collect(gc_mut *mut, gc_collect_why why) {
    concurrent *con = mut->heap->collector;
    if (why != GC_WHY_DUE) {
        wait_for_cycle(mut, why);
        return;
    }
    pthread_mutex_lock(&con->lock);
    request(con);
    pthread_mutex_unlock(&con->lock);
}

/* Pacing, with mutator assists (as Go's collector has). The marking left, the last cycle's live bytes
 * less what this cycle has marked, must be done before the mutators allocate the headroom left to the
 * goal. For the first half of the way from the trigger to the goal the background workers do it
 * alone; past that, each allocation slow path marks its share on its own thread: its allocation since
 * the last slow path times the work left per byte of headroom left (an "assist" pause of that thread).
 * A cycle still marking when the heap reaches the goal all the same has fallen behind: it finishes
 * stop-the-world. */
#define ASSIST_SAFETY 1.25

static void alloc_hook(gc_mut *mut) {
    gc_heap *heap = mut->heap;
    concurrent *con = heap->collector;
    uint64_t debt = mut->allocated_bytes - mut->c.paced_bytes;
    mut->c.paced_bytes = mut->allocated_bytes;
    if (!gc_cmark_active(&con->cm)) return;
    uint64_t used = gc_heap_used(heap), goal = atomic_load_explicit(&heap->goal_bytes, memory_order_relaxed);
    if (used >= goal) {
        wait_for_cycle(mut, GC_WHY_NEEDED);
        return;
    }
    uint64_t trigger = atomic_load_explicit(&heap->trigger_bytes, memory_order_relaxed);
    if (trigger < goal && used < trigger + (goal - trigger) / 2) return;
    uint64_t expected = heap->live_after_gc, marked = atomic_load_explicit(&con->cm.marked, memory_order_relaxed);
    if (marked >= expected) return;
    double ratio = ASSIST_SAFETY * (double)(expected - marked) / (double)(goal - used);
    uint64_t budget = (uint64_t)((double)debt * ratio);
    if (budget) gc_cmark_assist(mut, budget, GC_PAUSE_ASSIST);
}

/* --stress-every: every N allocations a cycle is asked for, so cycles run back to back and the
 * barriers work under marking nearly all the time. */
static void stress(gc_mut *mut) { collect(mut, GC_WHY_DUE); }

static int init(gc_heap *heap, char *err, size_t errlen) {
    concurrent *con = calloc(1, sizeof *con);
    if (!con || gc_cmark_init(&con->cm)) {
        free(con);
        snprintf(err, errlen, "out of memory for the concurrent collector");
        return -1;
    }
    pthread_mutex_init(&con->lock, NULL);
    pthread_cond_init(&con->cv_work, NULL);
    pthread_cond_init(&con->cv_done, NULL);
    heap->collector = con;
    gc_workers_run(&heap->workers, heap->workers.n, lower_worker_priority, NULL);
    if (pthread_create(&con->thread, NULL, collector_main, heap)) {
        snprintf(err, errlen, "cannot start the collector thread");
        gc_cmark_free(&con->cm);
        free(con);
        heap->collector = NULL;
        return -1;
    }
    return 0;
}

static void fini(gc_heap *heap) {
    concurrent *con = heap->collector;
    if (!con) return;
    pthread_mutex_lock(&con->lock);
    con->shutdown = true;
    pthread_cond_signal(&con->cv_work);
    pthread_mutex_unlock(&con->lock);
    pthread_join(con->thread, NULL);
    gc_cmark_free(&con->cm);
    pthread_mutex_destroy(&con->lock);
    pthread_cond_destroy(&con->cv_work);
    pthread_cond_destroy(&con->cv_done);
    free(con);
    heap->collector = NULL;
}

const gc_collector_ops gc_collector = {
    .name = "concurrent",
    .start_fraction = 0.5,   /* the first cycle's; adapt_trigger moves it after each cycle */
    .init = init,
    .free = fini,
    .detach = gc_cmark_detach,
    .collect = collect,
    .alloc_hook = alloc_hook,
    .stress = stress,
    .marking = gc_cmark_marking,
    .test_marking = gc_cmark_test_marking,
    .weak_read = gc_cmark_weak_read,
};
