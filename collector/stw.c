/* stw.c: COLLECTOR=stw, stop-the-world mark-sweep with parallel marking.
 *
 * Invariants
 * - Between cycles every live object has the heap's colour, and so does every object allocated since
 *   (mutators allocate with heap->colour). A cycle marks with the other colour; what it does not reach
 *   keeps the old one and is dead.
 * - Every block is swept before a cycle flips the colour (gc_sweep_finish, outside the pause), so
 *   no dead object of an earlier cycle can carry the new colour by accident.
 * - Free lists are thread-local and dropped in the pause: a cell on one has header 0 and the next
 *   sweep links it again, so no cell is ever on two lists.
 *
 * One cycle, in the order it runs:
 *   1. take the collector role (other threads that need a cycle wait for this one, blocked);
 *   2. finish the last cycle's lazy sweep, with the world running;
 *   3. stop the world; drop every thread's free lists;
 *   4. mark from the roots on --gc-threads workers (work stealing, mark.c);
 *   5. flip the colour; free unmarked large objects; queue small blocks for lazy sweeping;
 *      set the next trigger from the live bytes; verify if asked;
 *   6. restart the world and record the pause. */
#include "common/heap.h"


/* Every reason gets a full cycle, and a cycle that completed while the caller waited for the role
 * satisfies every reason, gc_collect's too: the caller was running when it asked, so that cycle's
 * stop, and its marking, came after the call. Nothing else is read before the role is taken. */
static void collect(gc_mut *mut, gc_collect_why why) {
    gc_heap *heap = mut->heap;
    (void)why;
    if (!gc_begin_cycle(mut, atomic_load(&heap->cycles))) return;   /* another thread's cycle ran meanwhile */
    gc_sweep_finish(heap);
    gc_pause_run(heap, mut, &(gc_pause){.kind = GC_PAUSE_FULL, .gc_threads = heap->opts.gc_threads}, gc_full_cycle_body, NULL);
    gc_end_cycle(heap);
}

/* No state of its own, no pacing work, no marking between pauses (the barrier is the store itself,
 * so test_marking is NULL). */
const gc_collector_ops gc_collector = {
    .name = "stw",
    .start_fraction = 1.0,
    .collect = collect,
};
