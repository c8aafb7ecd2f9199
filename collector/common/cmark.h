/* cmark.h: a marking cycle that runs between two pauses, shared by the incremental collector
 * (increments on the mutators) and the concurrent one (background workers).
 *
 *   initial mark (pause)  mutators start allocating black (the cycle's colour) with their write
 *                         barrier on; the roots are shaded into the grey pool.
 *   marking               increments or background workers drain the pool while mutators run; the
 *                         barrier feeds it what the mutators' stores would otherwise hide.
 *   remark (pause)        barrier buffers are flushed, roots rescanned where the barrier needs it,
 *                         the pool drained to the end; the colour flips, sweeping is queued.
 *
 * The barrier (BARRIER=, compiled into each variant) and the invariant it keeps:
 *   dijkstra  strong tri-colour invariant: no black object points to a white one. Heap stores
 *             shade the new target; root stores are not barriered, so remark rescans the roots.
 *   steele    the same invariant, kept the other way: a store of a white pointer into a marked
 *             object turns that object grey again (it will be rescanned); remark rescans roots.
 *   yuasa     weak invariant (snapshot at the beginning): every object reachable at initial mark
 *             is marked, because a store shades the value it overwrites, so no path that existed
 *             at the snapshot is cut before the marker follows it; no root rescan at remark.
 *   none      tests only: no barrier and no rescan; the lost-object tests show it losing objects.
 */
#ifndef GCLAB_CMARK_H
#define GCLAB_CMARK_H

#include "heap.h"
#include "mark.h"

typedef struct gc_cmark {
    gc_greypool pool;
    _Atomic int marking;            /* between initial mark and remark */
    uint64_t colour;                /* what this cycle marks with */
    _Atomic int abort;              /* background drains stop: a pause is coming */
    _Atomic uint64_t marked;        /* bytes blackened this cycle outside the pauses */
    _Atomic unsigned assisting;     /* mutators in gc_cmark_assist: they may hold work of the pool */
    uint64_t alloc_at_start;        /* heap->allocated_total at initial mark */
    uint64_t alloc_during_mark;     /* the last finished cycle's: bytes allocated while it marked */
    /* Pacing (written in the pauses, read by the concurrent pacer after them). The work a cycle has
     * is what was reachable at its initial mark: the last cycle's live bytes, and the part of what was
     * allocated since that survives. During growth (a window that fills) that is far more than the
     * last live size, which a pacer that expected only that found too late. */
    uint64_t live_at_start;         /* heap->live_after_gc at initial mark */
    uint64_t used_at_start;         /* gc_heap_used at initial mark: all the cycle could have to mark */
    uint64_t work_expected;         /* bytes the markers are expected to blacken this cycle */
    /* The goals the cycle paces itself by (the Go pacer's soft and hard goals), set at its initial
     * mark from the heap's goal and trigger (alloc.c: gc_set_trigger):
     *   goal       the heap's goal, or, for a cycle that began late (its collector thread woke late,
     *              the trigger met a stall of the machine), the heap at its start plus half the
     *              runway the trigger meant to leave, goal - trigger: the work did not shrink because
     *              the start came late, and a cycle that began at its goal had no room to do it;
     *   hard_goal  goal + 10% (Go's overshoot), and at least live + the initial heap (a heap of a
     *              few MiB, whose headroom is smaller than the fixed cost of starting a cycle).
     * Mutators' marking aims to end by the goal, and past it by the hard goal; what a collector does
     * past the hard goal is its own (concurrent.c, incremental.c). Neither is a footprint limit:
     * max_heap is, and only running out of it forces a cycle to finish stop-the-world. */
    uint64_t goal, hard_goal;
    uint64_t marked_last;           /* the last finished cycle's bytes blackened by the markers */
    double survival;                /* the last finished cycle's share of the bytes allocated between
                                     * its predecessor and its initial mark that it found alive */
    gc_marker step;                 /* the deterministic tests' marker */
    uint64_t *existed, *reached;    /* diagnostic mode (--verify): bitmaps taken at initial mark */
} gc_cmark;

/* The incremental and concurrent collectors' state (heap->collector) starts with their gc_cmark
 * (each asserts it), so the marking machinery, the barrier's slow path included, finds it from the
 * heap without the common heap knowing of it. */
static inline gc_cmark *gc_cmark_of(gc_heap *heap) { return (gc_cmark *)heap->collector; }

int gc_cmark_init(gc_cmark *cm);
void gc_cmark_free(gc_cmark *cm);
static inline bool gc_cmark_active(gc_cmark *cm) {
    return atomic_load_explicit(&cm->marking, memory_order_acquire) != 0;
}
/* The seam's marking and test_marking operations (collector.h) of both collectors. */
bool gc_cmark_marking(gc_heap *heap);
bool gc_cmark_test_marking(gc_mut *mut, bool on);

/* Initial mark, world stopped (the last cycle's sweep finished). Fills rec->roots_ns. */
void gc_cmark_start(gc_heap *heap, gc_cmark *cm, gc_pause *rec);
/* Remark, world stopped: completes the cycle on nthreads workers. Fills rec's marking figures and the
 * cycle's barrier statistics; verifies when asked (and then measures floating garbage). */
void gc_cmark_finish(gc_heap *heap, gc_cmark *cm, unsigned nthreads, gc_pause *rec);

/* The two as gc_pause_run bodies, on gc_cmark_of(heap); the remark counts the cycle. */
void gc_cmark_start_body(gc_heap *heap, gc_pause *rec, void *arg);
void gc_cmark_finish_body(gc_heap *heap, gc_pause *rec, void *arg);

/* During marking: the bytes still to blacken, by the estimate, or, once the markers have passed it,
 * by the worst case (everything in use at the initial mark); *expected gets the total assumed. */
uint64_t gc_cmark_work_left(gc_cmark *cm, uint64_t *expected);

/* Marking on a mutator's own thread, paying for its allocation: about `budget` bytes taken from the
 * grey pool (with what its own barrier shaded), recorded as a pause of that thread alone, of the
 * given kind (GC_PAUSE_INCREMENT for the incremental collector, GC_PAUSE_ASSIST for the concurrent one). Returns
 * the bytes marked. */
uint64_t gc_cmark_assist(gc_mut *mut, uint64_t budget, gc_pause_kind kind);

/* collector.h's weak_read: the barrier's keep-alive for an object read out of a weak slot. */
void gc_cmark_weak_read(gc_mut *mut, gc_obj *o);

/* A mutator leaving: its barrier buffer goes to the pool. */
void gc_cmark_detach(gc_mut *mut);

/* The write barrier's slow path (collector/common/barrier.h calls it while barrier_on). */
void gc_barrier_slow(gc_mut *mut, gc_obj *obj, size_t i, gc_obj *val);

/* Deterministic tests: start a cycle, process n grey entries, finish it and verify, each on the
 * calling mutator with no other thread running heap code. */
void gc_test_cycle_start(gc_mut *mut);
size_t gc_test_mark_steps(gc_mut *mut, size_t n);
size_t gc_test_cycle_finish(gc_mut *mut, char *msg, size_t msglen);

#endif
