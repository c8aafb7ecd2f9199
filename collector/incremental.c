/* incremental.c: COLLECTOR=incremental, tri-colour marking in bounded increments on the mutator
 * threads, paced by allocation (the Lua and early Go design, with any number of mutators).
 *
 * Invariants
 * - Between cycles: those of stw (stw.c): live objects carry the heap's colour, every block is swept
 *   before a cycle starts, free lists are dropped at the pause that flips the colour.
 * - During a cycle: mutators allocate black and their barrier is on; the barrier's invariant is stated
 *   in cmark.h and kept in cmark.c's gc_barrier_slow.
 * - Pacing: a mutator pays for the bytes it allocates while marking runs with `ratio` times as many
 *   bytes of marking, done in its allocation slow path, where it holds no cell it has not handed out.
 *   Paced automatically (no --mark-per-alloc), the ratio is the work left per byte of headroom left to
 *   the cycle's goal (cmark.h: goal, hard_goal), with half again for safety, taken afresh at every
 *   slow path (Go's assist ratio): the work is the cycle's growth-aware estimate, and once marking
 *   passes it, the worst case (cmark.c: gc_cmark_work_left), so a cycle that finds more than it
 *   expected (a filling window; the first cycle, which has no measure yet) marks faster rather than
 *   running out of headroom. Past the goal the ratio aims at the hard goal; a cycle that reaches the
 *   hard goal anyway has fallen behind and finishes stop-the-world ("degenerated"). Measured on msgbuf
 *   before: the ratio fixed at initial mark from the last live size (zero in the first cycle)
 *   degenerated the first cycle of every run.
 *
 * A cycle, in the order it runs:
 *   1. a mutator whose allocation reaches the trigger (halfway from live to the goal) takes the
 *      collector role, finishes the last cycle's sweep, and stops the world for the initial mark;
 *   2. increments: each allocation slow path of each mutator marks its share (a pause of that thread
 *      alone, recorded as kind "increment"), taking grey packets from the pool and returning what is
 *      left;
 *   3. the increment that finds the pool empty stops the world for the remark: barrier buffers
 *      flushed, roots rescanned if the barrier needs it, the rest drained on --gc-threads workers,
 *      colour flipped, sweeping queued (lazy, by the mutators, as in stw).
 * gc_collect, which promises that everything unreachable at the call is found dead, finishes a
 * cycle still marking (its initial mark came before the call) and then runs a full one. Which of
 * these a thread runs is decided by advance(), under the collector role. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/heap.h"
#include "common/cmark.h"
#include "clock.h"

#if !defined(GCLAB_BARRIER_DIJKSTRA) && !defined(GCLAB_BARRIER_STEELE) && !defined(GCLAB_BARRIER_YUASA) && \
    !defined(GCLAB_BARRIER_NONE)
#error "COLLECTOR=incremental needs BARRIER=dijkstra|steele|yuasa|none"
#endif

#define SAFETY 1.5
#define MIN_HEADROOM ((uint64_t)1 << 20)

typedef struct incremental {
    gc_cmark cm;
    double ratio;               /* this cycle's bytes marked per byte allocated, at least */
} incremental;
_Static_assert(offsetof(incremental, cm) == 0, "cmark.c finds the gc_cmark at heap->collector");

/* What a thread asks of the collector. What it gets is decided in advance(), under the role, from
 * the phase the collector is in then (the rule at gc_role_take in handshake.c): while the caller
 * waited for the role, another thread may have started marking (an initial mark completes no
 * cycle, so gc_begin_cycle's count does not see it) or finished it. A full mark in the middle of
 * an incremental cycle would find the cycle's grey objects already carrying its colour, skip them,
 * and sweep their white children while they are reachable. */
typedef enum {
    ASK_START,      /* the trigger is reached: start marking, unless a cycle is marking already */
    ASK_REMARK,     /* the grey pool looked empty: finish the marking cycle */
    ASK_MEMORY,     /* the heap reached its hard goal, or an allocation failed: finish the marking cycle
                     * stop-the-world ("degenerated"), or collect fully if none is marking */
    ASK_FULL,       /* gc_collect: finish any marking cycle, then a full one, whose marking begins
                     * after the call (the cycle that was marking began before it) */
} ask;

/* 1. The initial mark. */
static void initial_mark(gc_mut *mut) {
    gc_heap *heap = mut->heap;
    incremental *inc = heap->collector;
    gc_sweep_finish(heap);
    gc_pause_run(heap, mut, &(gc_pause){.kind = GC_PAUSE_INITIAL_MARK, .gc_threads = 1}, gc_cmark_start_body, NULL);
    gc_cmark *cm = &inc->cm;
    uint64_t headroom = cm->goal > cm->used_at_start + MIN_HEADROOM ? cm->goal - cm->used_at_start : MIN_HEADROOM;
    inc->ratio = heap->opts.mark_per_alloc > 0 ? heap->opts.mark_per_alloc
                                               : SAFETY * (double)cm->work_expected / (double)headroom;
}

/* 3. The remark (or, when the cycle fell behind, its stop-the-world finish). */
static void remark(gc_mut *mut, gc_pause_kind kind) {
    gc_heap *heap = mut->heap;
    /* A remark usually finds little left, and the body takes the pool workers when it finds more (cmark.c). */
    unsigned threads = kind == GC_PAUSE_REMARK ? 1 : heap->opts.gc_threads;
    gc_pause_run(heap, mut, &(gc_pause){.kind = kind, .gc_threads = threads}, gc_cmark_finish_body, NULL);
}

/* A full stop-the-world cycle, with no cycle marking. */
static void full(gc_mut *mut) {
    gc_heap *heap = mut->heap;
    gc_sweep_finish(heap);
    gc_pause_run(heap, mut, &(gc_pause){.kind = GC_PAUSE_FULL, .gc_threads = heap->opts.gc_threads}, gc_full_cycle_body, NULL);
}

/* seen: heap->cycles read before the caller decided (ASK_FULL ignores it). */
static void advance(gc_mut *mut, ask a, uint64_t seen) {
    gc_heap *heap = mut->heap;
    incremental *inc = heap->collector;
    if (a == ASK_FULL) gc_role_take(heap, mut);
    else if (!gc_begin_cycle(mut, seen)) return;   /* a cycle completed meanwhile: the reason is gone */
    bool marking = gc_cmark_active(&inc->cm);       /* read under the role: the phase we act on */
    switch (a) {
    case ASK_START:
        if (!marking) initial_mark(mut);
        break;
    case ASK_REMARK:
        if (marking) remark(mut, GC_PAUSE_REMARK);
        break;
    case ASK_MEMORY:
        if (marking) remark(mut, GC_PAUSE_DEGENERATED);
        else full(mut);
        break;
    case ASK_FULL:
        if (marking) remark(mut, GC_PAUSE_REMARK);
        full(mut);
        break;
    }
    gc_end_cycle(heap);
}

/* 2. An increment: this thread pays for what it allocated since its last slow path. It has not
 * polled since gc_alloc_slow's safepoint, so no pause can begin or end while it looks. */
static void alloc_hook(gc_mut *mut) {
    gc_heap *heap = mut->heap;
    incremental *inc = heap->collector;
    uint64_t seen = atomic_load(&heap->cycles);
    uint64_t debt = mut->allocated_bytes - mut->c.paced_bytes;
    mut->c.paced_bytes = mut->allocated_bytes;
    if (!gc_cmark_active(&inc->cm)) return;
    uint64_t used = gc_heap_used(heap), goal = inc->cm.goal, hard = inc->cm.hard_goal;
    if (used >= hard) {
        advance(mut, ASK_MEMORY, seen);
        return;
    }
    double ratio = inc->ratio;
    if (heap->opts.mark_per_alloc <= 0) {
        uint64_t expected, left = gc_cmark_work_left(&inc->cm, &expected), target = used >= goal ? hard : goal;
        double now = SAFETY * (double)left / (double)(target - used);
        if (now > ratio) ratio = now;
    }
    uint64_t budget = (uint64_t)((double)debt * ratio);
    if (budget == 0) return;
    gc_cmark_assist(mut, budget, GC_PAUSE_INCREMENT);
    if (gc_greypool_looks_empty(&inc->cm.pool)) advance(mut, ASK_REMARK, seen);
}

static void collect(gc_mut *mut, gc_collect_why why) {
    uint64_t seen = atomic_load(&mut->heap->cycles);
    advance(mut, why == GC_WHY_EXPLICIT ? ASK_FULL : why == GC_WHY_NEEDED ? ASK_MEMORY : ASK_START, seen);
}

/* --stress-every: every N allocations, the cycle moves on a phase (start, or finish). */
static void stress(gc_mut *mut) {
    incremental *inc = mut->heap->collector;
    uint64_t seen = atomic_load(&mut->heap->cycles);
    advance(mut, gc_cmark_active(&inc->cm) ? ASK_REMARK : ASK_START, seen);
}

static int init(gc_heap *heap, char *err, size_t errlen) {
    incremental *inc = calloc(1, sizeof *inc);
    if (!inc || gc_cmark_init(&inc->cm)) {
        free(inc);
        snprintf(err, errlen, "out of memory for the incremental collector");
        return -1;
    }
    heap->collector = inc;
    return 0;
}

static void fini(gc_heap *heap) {
    incremental *inc = heap->collector;
    if (!inc) return;
    gc_cmark_free(&inc->cm);
    free(inc);
    heap->collector = NULL;
}

const gc_collector_ops gc_collector = {
    .name = "incremental",
    .start_fraction = 0.5,   /* halfway from live to the goal: room to mark while the mutators allocate */
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
