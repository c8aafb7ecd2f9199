/* incremental.c: COLLECTOR=incremental, tri-colour marking in bounded increments on the mutator
 * threads, paced by allocation (the Lua and early Go design, with any number of mutators).
 *
 * Invariants
 * - Between cycles: those of stw (stw.c): live objects carry the heap's colour, every block is swept
 *   before a cycle starts, free lists are dropped at the pause that flips the colour.
 * - During a cycle: mutators allocate black and their barrier is on; the barrier's invariant is stated
 *   in cmark.h and kept in cmark.c's gc_barrier_slow.
 * - Pacing: a mutator pays for the bytes it allocates while marking runs with mark_per_alloc times as
 *   many bytes of marking, done in its allocation slow path, where it holds no cell it has not handed
 *   out. Paced automatically, the rate is set at initial mark so that the last cycle's live bytes are
 *   marked (with half again for safety) before the heap reaches its goal; a cycle that reaches the
 *   goal anyway has fallen behind and finishes stop-the-world ("degenerated").
 *
 * A cycle, in the order it runs:
 *   1. a mutator whose allocation reaches the trigger (halfway from live to the goal) takes the
 *      collector role, finishes the last cycle's sweep, and stops the world for the initial mark;
 *   2. increments: each allocation slow path of each mutator marks its share (a pause of that thread
 *      alone, recorded as kind "increment"), taking grey packets from the pool and returning what is
 *      left;
 *   3. the increment that finds the pool empty stops the world for the remark: barrier buffers
 *      flushed, roots rescanned if the barrier needs it, the rest drained on --gc-threads workers,
 *      colour flipped, sweeping queued (lazy, by the mutators, as in stw). */
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
    double ratio;               /* this cycle's bytes marked per byte allocated */
} incremental;

const char *gc_collector_name(void) { return "incremental"; }

/* 1. The initial mark. */
static void start_cycle(gc_mut *mut) {
    gc_heap *heap = mut->heap;
    incremental *inc = heap->collector;
    if (!gc_begin_cycle(mut, atomic_load(&heap->cycles))) return;
    if (!gc_cmark_active(&inc->cm)) {
        gc_sweep_finish(heap);
        uint64_t used = gc_heap_used(heap), goal = atomic_load(&heap->goal_bytes);
        uint64_t headroom = goal > used + MIN_HEADROOM ? goal - used : MIN_HEADROOM;
        inc->ratio = heap->opts.mark_per_alloc > 0 ? heap->opts.mark_per_alloc
                                                   : SAFETY * (double)heap->live_after_gc / (double)headroom;
        gc_pause_run(heap, mut, &(gc_pause){.kind = "initial-mark", .gc_threads = 1}, gc_cmark_start_body, NULL);
    }
    gc_end_cycle(heap);
}

/* 3. The remark (or, when the cycle fell behind, its stop-the-world finish). */
static void finish_cycle(gc_mut *mut, const char *kind) {
    gc_heap *heap = mut->heap;
    incremental *inc = heap->collector;
    if (!gc_begin_cycle(mut, atomic_load(&heap->cycles))) return;
    if (gc_cmark_active(&inc->cm))
        gc_pause_run(heap, mut, &(gc_pause){.kind = kind, .gc_threads = heap->opts.gc_threads}, gc_cmark_finish_body,
                     NULL);
    gc_end_cycle(heap);
}

/* A full stop-the-world cycle, when one is needed and none is marking. */
static void full_cycle(gc_mut *mut) {
    gc_heap *heap = mut->heap;
    if (!gc_begin_cycle(mut, atomic_load(&heap->cycles))) return;
    gc_sweep_finish(heap);
    gc_pause_run(heap, mut, &(gc_pause){.kind = "full", .gc_threads = heap->opts.gc_threads}, gc_full_cycle_body, NULL);
    gc_end_cycle(heap);
}

/* 2. An increment: this thread pays for what it allocated since its last slow path. */
static void alloc_hook(gc_mut *mut) {
    gc_heap *heap = mut->heap;
    incremental *inc = heap->collector;
    uint64_t debt = mut->allocated_bytes - mut->paced_bytes;
    mut->paced_bytes = mut->allocated_bytes;
    if (!gc_cmark_active(&inc->cm)) return;
    if (gc_heap_used(heap) >= atomic_load_explicit(&heap->goal_bytes, memory_order_relaxed)) {
        finish_cycle(mut, "degenerated");
        return;
    }
    uint64_t budget = (uint64_t)((double)debt * inc->ratio);
    if (budget == 0) return;
    gc_cmark_assist(mut, budget, "increment");
    if (gc_greypool_looks_empty(&inc->cm.pool)) finish_cycle(mut, "remark");
}

void gc_collector_collect(gc_mut *mut, bool forced) {
    incremental *inc = mut->heap->collector;
    if (gc_cmark_active(&inc->cm)) {
        if (forced) finish_cycle(mut, "degenerated");
    } else if (forced) {
        full_cycle(mut);
    } else {
        start_cycle(mut);
    }
}

/* --stress-every: every N allocations, the cycle moves on a phase (start, or finish). */
static void stress(gc_mut *mut) {
    incremental *inc = mut->heap->collector;
    if (gc_cmark_active(&inc->cm)) finish_cycle(mut, "remark");
    else start_cycle(mut);
}

int gc_collector_init(gc_heap *heap, char *err, size_t errlen) {
    incremental *inc = calloc(1, sizeof *inc);
    if (!inc || gc_cmark_init(heap, &inc->cm)) {
        free(inc);
        snprintf(err, errlen, "out of memory for the incremental collector");
        return -1;
    }
    heap->collector = inc;
    heap->alloc_hook = alloc_hook;
    heap->stress = stress;
    heap->start_fraction = 0.5;
    gc_set_trigger(heap, 0);
    return 0;
}

void gc_collector_free(gc_heap *heap) {
    incremental *inc = heap->collector;
    if (!inc) return;
    gc_cmark_free(&inc->cm);
    free(inc);
    heap->collector = NULL;
    heap->cmark = NULL;
}

void gc_collector_detach(gc_mut *mut) { gc_cmark_detach(mut); }
