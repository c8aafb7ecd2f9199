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
#include <string.h>
#include "common/heap.h"
#include "common/mark.h"
#include "common/clock.h"

const char *gc_collector_name(void) { return "stw"; }

/* Marking happens only inside the pause: the barrier has no other state. */
bool gc_test_marking(gc_mut *mut, bool on) {
    (void)mut, (void)on;
    return false;
}

static void drop_free_lists(gc_heap *heap) {
    for (gc_mut *m = heap->muts; m; m = m->next) {
        memset(m->fl, 0, sizeof m->fl);
        memset(m->fl_rest, 0, sizeof m->fl_rest);
    }
}

void gc_collector_collect(gc_mut *mut, bool forced) {
    gc_heap *heap = mut->heap;
    uint64_t seen = atomic_load(&heap->cycles);
    (void)forced;   /* stw collects fully either way; other collectors tell a forced cycle apart */
    if (!gc_begin_cycle(mut, seen)) return;   /* another thread's cycle ran meanwhile */
    uint64_t cpu0 = gc_thread_cpu_ns();
    gc_sweep_finish(heap);
    gc_pauselog_reserve(&heap->pauses, 1);

    uint64_t start = gc_now_ns();
    uint64_t heap_before = gc_heap_footprint(heap);
    uint64_t ttsp = gc_stop_world(heap, mut);
    drop_free_lists(heap);

    uint64_t mark0 = gc_now_ns();
    uint64_t colour = heap->colour ^ GC_HDR_MARK;
    uint64_t live = gc_mark_heap(heap, colour, heap->opts.gc_threads);
    uint64_t mark1 = gc_now_ns();

    heap->colour = colour;
    for (gc_mut *m = heap->muts; m; m = m->next) m->colour = colour;
    gc_sweep_prepare(heap);
    gc_set_trigger(heap, live);
    uint64_t sweep1 = gc_now_ns();
    if (heap->opts.verify) {
        char msg[256];
        if (gc_verify_heap(heap, msg, sizeof msg))
            gc_fatal(heap, "heap verification failed after cycle %llu: %s",
                     (unsigned long long)atomic_load(&heap->cycles) + 1, msg);
    }
    uint32_t cycle = (uint32_t)atomic_fetch_add(&heap->cycles, 1) + 1;
    uint64_t heap_after = gc_heap_footprint(heap);
    gc_start_world(heap);
    uint64_t end = gc_now_ns();

    gc_pause *p = gc_pauselog_append(&heap->pauses);
    if (p)
        *p = (gc_pause){.start_ns = start, .end_ns = end, .ttsp_ns = ttsp, .mark_ns = mark1 - mark0,
                        .sweep_ns = sweep1 - mark1, .heap_before = heap_before, .heap_after = heap_after,
                        .live_bytes = live, .gc_threads = heap->opts.gc_threads, .cycle = cycle, .kind = "full"};
    atomic_fetch_add(&heap->gc_cpu_ns, gc_thread_cpu_ns() - cpu0);
    gc_end_cycle(heap);
}
