/* marksweep.c: a full mark-sweep of the block heap, run inside a pause. stw runs it as its whole
 * cycle; other collectors run it for their full or degenerated cycles and their old generation. */
#include <string.h>
#include "heap.h"
#include "mark.h"
#include "clock.h"

void gc_drop_free_lists(gc_heap *heap) {
    for (gc_mut *m = heap->muts; m; m = m->next) {
        memset(m->fl, 0, sizeof m->fl);
        memset(m->fl_rest, 0, sizeof m->fl_rest);
    }
}

void gc_set_mutators(gc_heap *heap, uint64_t colour, uint32_t barrier_on) {
    heap->mut_colour = colour;
    heap->barrier_on = barrier_on;
    for (gc_mut *m = heap->muts; m; m = m->next) {
        m->colour = colour;
        m->barrier_on = barrier_on;
    }
}

void gc_set_colour(gc_heap *heap, uint64_t colour) {
    heap->colour = colour;
    gc_set_mutators(heap, colour, 0);
}

void gc_verify_or_die(gc_heap *heap) {
    char msg[256];
    if (gc_verify_heap(heap, msg, sizeof msg))
        gc_fatal(heap, "heap verification failed after cycle %llu: %s",
                 (unsigned long long)atomic_load(&heap->cycles) + 1, msg);
}

void gc_full_cycle_body(gc_heap *heap, gc_pause *rec, void *arg) {
    (void)arg;
    gc_mark_sweep(heap, heap->opts.gc_threads, rec);
    rec->cycle = gc_count_cycle(heap);
}

uint64_t gc_mark_sweep(gc_heap *heap, unsigned nthreads, gc_pause *rec) {
    gc_drop_free_lists(heap);
    uint64_t t0 = gc_now_ns();
    uint64_t live = gc_mark_heap(heap, heap->colour ^ GC_HDR_MARK, nthreads);
    gc_weak_finish_marking(heap, heap->colour ^ GC_HDR_MARK, rec);
    uint64_t t1 = gc_now_ns();
    gc_set_colour(heap, heap->colour ^ GC_HDR_MARK);
    gc_after_full_mark(heap, (uint32_t)atomic_load(&heap->cycles) + 1, rec);
    gc_sweep_prepare(heap);
    gc_set_trigger(heap, live);
    rec->mark_ns += t1 - t0;
    rec->sweep_ns += gc_now_ns() - t1;
    rec->live_bytes = live;
    if (heap->opts.verify) gc_verify_or_die(heap);
    return live;
}
