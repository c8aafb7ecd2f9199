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
 * - Falling behind: the cycle's goal is soft (cmark.h: goal, hard_goal). Past the goal the mutators'
 *   assists aim at the hard goal; a mutator that finds the heap past the hard goal while marking runs
 *   marks all the grey pool holds, and if marking still is not over, waits, blocked, for it to end
 *   (the collector's remark ends it as usual; the wait is recorded as an "alloc-stall" pause of that
 *   thread, as ZGC's allocation stalls are). Only a mutator that cannot allocate at all (max_heap
 *   reached) asks for the cycle to finish stop-the-world, and waits for it: a "degenerated" pause.
 *   Nobody waits silently or runs out.
 * - gc_collect waits, blocked, for the next cycle to start and finish, a full stop-the-world one
 *   (wait_for_cycle): the one marking when it is called began before the call, and what died since
 *   may float through it.
 *
 * A cycle, in the order it runs (all on the collector thread):
 *   1. a mutator's allocation reaches the trigger and wakes the collector thread; it finishes the
 *      last cycle's sweep with the world running. The trigger adapts (pace_next): a cycle starts
 *      early enough that, at the allocation per byte marked and the start-up delay measured, its
 *      marking of the work estimated (growth included) ends under the goal; with more allocation
 *      than headroom, cycles run back to back;
 *   2. initial mark (pause): barrier on, black allocation, roots shaded;
 *   3. concurrent mark: the collector thread and pool workers, as many as --gc-threads and the cores
 *      the mutators leave idle allow (background_threads), drain the grey pool with work stealing
 *      while mutators run and their barriers feed the pool; mutators that outrun it assist;
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
#include <sched.h>
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
    bool stalled;               /* a mutator reached the hard goal this cycle (pacing: it fell behind) */
    bool shutdown;
    uint64_t started;           /* cycles the collector thread began */
    uint64_t completed;         /* cycles the collector thread finished */
    unsigned cpus;              /* online CPUs */
    /* The pacer's measures, collector thread only, smoothed over cycles (pace_next). */
    double alloc_per_mark;      /* bytes the mutators allocated per byte the markers blackened */
    double start_bytes;         /* bytes allocated from the trigger to the end of the initial mark */
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

/* The pacer. After each cycle (world running) the next cycle's trigger is placed so that, by what
 * this cycle measured, its marking ends before the heap reaches the goal:
 *
 *     goal - trigger = PACE_MARGIN x (start + alloc_per_mark x work(trigger))
 *
 * start           the bytes the mutators allocate between the trigger and the end of the initial
 *                 mark (waking the collector thread, which runs at nice 10, finishing the sweep,
 *                 stopping the world): measured as used at initial mark - trigger;
 * alloc_per_mark  the bytes they allocate per byte the markers blacken: the ratio of the allocation
 *                 rate to the marking rate as it was, the collector thread's share of a busy machine
 *                 included (a time-free form of Go's pacer and of OpenJDK's adaptive heuristic);
 * work(trigger)   the marking the cycle will have: live + survival x (trigger - live), so a heap that
 *                 grows (every message of a filling window survives) is paced for its growth, not
 *                 for its last live size (cmark.c: work_estimate).
 *
 * Both measures rise at once and fall halfway back per cycle, and a cycle that fell behind doubles
 * the ratio (its marking was cut short, so its own measure is low). The trigger is never later than
 * the default one (halfway from live to the goal: the memory a cycle may use is unchanged) and never
 * below the live size, where cycles run back to back; if the heap is already past it, the next cycle
 * starts at once, without waiting for a mutator to ask. The assists below absorb what the estimate
 * misses; a cycle that reaches the goal all the same degenerates. */
#define PACE_MARGIN 1.25

static double smooth_up(double old, double now) { return now > old ? now : (old + now) / 2; }

static void pace_next(gc_heap *heap, concurrent *con, bool behind) {
    gc_cmark *cm = &con->cm;
    double ratio = cm->marked_last ? (double)cm->alloc_during_mark / (double)cm->marked_last : 1.0;
    if (behind) ratio = 2 * (ratio > con->alloc_per_mark ? ratio : con->alloc_per_mark);
    con->alloc_per_mark = smooth_up(con->alloc_per_mark, ratio);
    uint64_t trigger = atomic_load(&heap->trigger_bytes), goal = atomic_load(&heap->goal_bytes);
    uint64_t live = heap->live_after_gc;
    /* Solved for the trigger T: goal - T = m (start + r (live + s (T - live))). */
    double m = PACE_MARGIN, r = con->alloc_per_mark, sv = cm->survival;
    double t = ((double)goal - m * (con->start_bytes + r * (double)live * (1 - sv))) / (1 + m * r * sv);
    if (t < (double)live) t = (double)live;
    if (t < (double)trigger) atomic_store(&heap->trigger_bytes, (uint64_t)t);
}

/* After the initial mark: how late it came after the trigger. */
static void pace_start(concurrent *con, uint64_t trigger) {
    uint64_t used = con->cm.used_at_start;
    con->start_bytes = smooth_up(con->start_bytes, used > trigger ? (double)(used - trigger) : 0);
}

/* Concurrent marking takes the cores the mutators leave idle, and no more than --gc-threads: a pool
 * worker beyond them only shares a core with a mutator (at nice 10, a sliver of it), and a drain
 * ends only when every worker it woke has run, so on 2 cores with a mutator and 2 GC threads each
 * drain waited for the worker to be scheduled (milliseconds on a busy machine) with the marking
 * done, while the mutator ran on to the goal and the cycle degenerated. The pauses still use
 * every GC thread: there the mutators are parked. */
static unsigned background_threads(gc_heap *heap, concurrent *con) {
    pthread_mutex_lock(&heap->lock);
    unsigned muts = heap->nmuts;
    pthread_mutex_unlock(&heap->lock);
    unsigned idle = con->cpus > muts ? con->cpus - muts : 1;
    return idle < heap->opts.gc_threads ? idle : heap->opts.gc_threads;
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
        uint64_t trigger = atomic_load(&heap->trigger_bytes);
        stop_and_run(heap, GC_PAUSE_INITIAL_MARK, gc_cmark_start_body);
        pace_start(con, trigger);
        if (must_degenerate(con)) atomic_store(&con->cm.abort, 1);
        /* Until the pool stays empty: mutators' barriers refill it while the workers drain. An
         * assist holds what it took from the pool until it spills the rest back, so an empty pool
         * with one in flight is no end: a remark then found the whole window an assist had taken
         * at the start, and marked the heap in the pause (4 ms). */
        unsigned threads = background_threads(heap, con);
        while (!atomic_load(&con->cm.abort)) {
            gc_mark_drain(heap, &con->cm.pool, con->cm.colour, threads, &con->cm.abort, &con->cm.marked);
            while (gc_greypool_looks_empty(&con->cm.pool) && atomic_load(&con->cm.assisting) &&
                   !atomic_load(&con->cm.abort))
                sched_yield();
            if (gc_greypool_looks_empty(&con->cm.pool)) break;
        }
        bool degenerate = must_degenerate(con);
        stop_and_run(heap, degenerate ? GC_PAUSE_DEGENERATED : GC_PAUSE_REMARK, gc_cmark_finish_body);
        /* Marking is over: mutators stalled at the hard goal run on (alloc_stall). */
        pthread_mutex_lock(&con->lock);
        bool behind = degenerate || con->stalled;
        con->stalled = false;
        pthread_cond_broadcast(&con->cv_done);
        pthread_mutex_unlock(&con->lock);
        pace_next(heap, con, behind);
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
        /* Already past the next trigger (cycles back to back): go on, rather than sleep until a
         * mutator's slow path asks and wait to be woken. */
        if (gc_should_collect(heap)) con->requested = true;
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
    gc_acct_push(GC_ACCT_STALL(GC_STALL_WAIT));
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
    gc_acct_pop();
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

/* Past the hard goal, marking still running: this thread marks everything the grey pool holds (the
 * markers feed the pool as they go: mark.c, feed_pool), then, if marking is still not over (the
 * markers hold the rest, or lost their cores to the machine), waits for the remark, blocked, as an
 * "alloc-stall" pause of its own. The world is not stopped: other mutators below their needs run on,
 * and the cycle ends with its usual remark. (A stop-the-world finish here would end no sooner: its
 * pause runs on the collector thread, the one that fell behind.) */
static void alloc_stall(gc_mut *mut) {
    gc_heap *heap = mut->heap;
    concurrent *con = heap->collector;
    uint64_t cycle = atomic_load(&heap->cycles);
    gc_cmark_assist(mut, UINT64_MAX, GC_PAUSE_ASSIST);
    gc_acct_push(GC_PAUSE_ALLOC_STALL);
    gc_pause rec = {.kind = GC_PAUSE_ALLOC_STALL, .gc_threads = 1, .start_ns = gc_now_ns(),
                    .heap_before = gc_heap_footprint(heap), .cycle = (uint32_t)cycle + 1};
    gc_block_enter(mut);
    pthread_mutex_lock(&con->lock);
    /* The remark counts the cycle (in its pause) before the collector thread broadcasts under this
     * lock, so a count read here unchanged means the broadcast is still to come. */
    bool waited = false;
    while (atomic_load(&heap->cycles) == cycle && gc_cmark_active(&con->cm)) {
        con->stalled = waited = true;
        pthread_cond_wait(&con->cv_done, &con->lock);
    }
    pthread_mutex_unlock(&con->lock);
    gc_block_leave(mut);
    rec.end_ns = gc_now_ns();
    gc_acct_pop();
    if (waited) {
        rec.heap_after = rec.heap_before;
        gc_pause_record(heap, &rec);
    }
}

/* Mutator assists (as Go's collector has): the marking left must be done before the mutators
 * allocate the headroom left to the cycle's goal. While the markers are on schedule (the share of the
 * expected work done at least the share of the headroom from initial mark to goal used) the
 * background workers do it alone; behind it, each allocation slow path marks its share on its own
 * thread: its allocation since the last slow path times the work left per byte of headroom left (an
 * "assist" pause of that thread). The work is the cycle's estimate, and once the markers pass that,
 * the worst case (cmark.c: gc_cmark_work_left): a growing heap is never taken for a finished one.
 * Past the goal the assists aim at the hard goal; past that, alloc_stall. */
#define ASSIST_SAFETY 1.25

static void alloc_hook(gc_mut *mut) {
    gc_heap *heap = mut->heap;
    concurrent *con = heap->collector;
    uint64_t debt = mut->allocated_bytes - mut->c.paced_bytes;
    mut->c.paced_bytes = mut->allocated_bytes;
    if (!gc_cmark_active(&con->cm)) return;
    uint64_t used = gc_heap_used(heap), goal = con->cm.goal, hard = con->cm.hard_goal;
    if (used >= hard) {
        alloc_stall(mut);
        return;
    }
    if (used >= goal) goal = hard;   /* the assists aim at what is left */
    uint64_t expected, left = gc_cmark_work_left(&con->cm, &expected), start = con->cm.used_at_start;
    if (left == 0 || start >= goal || used <= start) return;
    /* On schedule: done / expected >= (used - start) / (goal - start). Past halfway to the goal the
     * mutators help regardless: a long array counts as marked when its first chunk is, so the
     * markers' progress can look better than it is. Over the first sixteenth they do not: the
     * markers have just begun, and an assist that took the roots' packet at once did their work. */
    double done = (double)(expected - left) / (double)expected;
    uint64_t spent = used - start, room = goal - start;
    if (spent < room / 16) return;   /* the markers' head start: they have just begun */
    if (spent < room / 2 && done * (double)room >= (double)spent) return;
    double ratio = ASSIST_SAFETY * (double)left / (double)(goal - used);
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
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    con->cpus = cpus > 0 ? (unsigned)cpus : 1;
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
    .start_fraction = 0.5,   /* the latest trigger; pace_next moves it earlier after each cycle */
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
