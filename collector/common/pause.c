/* pause.c: a stop-the-world pause, taken the same way by every collector.
 *
 * The world stops, the collector's body runs, the world restarts, and only then is the record
 * appended to the pause log: a stopped mutator may hold malloc's lock, so nothing here allocates while
 * the world is stopped. The log has its own lock because incremental increments (pauses of one thread,
 * not stops) are recorded by several mutators at once. */
#include "heap.h"
#include "clock.h"

void gc_pause_record(gc_heap *heap, const gc_pause *rec) {
    pthread_mutex_lock(&heap->pauses_lock);
    if (gc_pauselog_reserve(&heap->pauses, 1) == 0) *gc_pauselog_append(&heap->pauses) = *rec;
    pthread_mutex_unlock(&heap->pauses_lock);
}

void gc_pause_run(gc_heap *heap, gc_mut *self, gc_pause *rec, void (*body)(gc_heap *, gc_pause *, void *),
                  void *arg) {
    /* A mutator that stops the world waits for the others like a parked thread, then pauses; its
     * wait is entered before the record's start, so the pause is charged from exactly when the
     * record says the world stopped. */
    if (self) gc_acct_push(GC_ACCT_STALL(GC_STALL_TTSP));
    rec->start_ns = gc_now_ns();
    rec->heap_before = gc_heap_footprint(heap);
    atomic_store_explicit(&heap->stop_kind, (int)rec->kind, memory_order_relaxed);
    rec->ttsp_ns = gc_stop_world(heap, self);
    if (self) gc_acct_switch(rec->kind, rec->start_ns + rec->ttsp_ns);
    /* A pause that will run a phase on the pool wakes its workers now, with the world stopped, not
     * while the mutators make their way to safepoints: on a machine with as many cores as threads
     * that overlap saved a wake-up, but with fewer (2 cores: a mutator, the stopping thread and a
     * pool worker) the woken worker, spinning for its phase, took the core the stopping thread or a
     * mutator needed to reach the safepoint (time to safepoint of 2-4 ms, measured as run delay of
     * the thread preempted). A pause that will not (gc_threads 1) leaves them asleep: a prewoken
     * worker spins for 2 ms, into the time the mutators run again. */
    if (rec->gc_threads > 1) gc_workers_prewake(&heap->workers);
    body(heap, rec, arg);
    if (rec->gc_threads > 1) gc_workers_cool(&heap->workers);
    rec->heap_after = gc_heap_footprint(heap);
    gc_start_world(heap);
    rec->end_ns = gc_now_ns();
    if (self) gc_acct_pop();
    gc_pause_record(heap, rec);
    if (heap->test_hook) heap->test_hook(heap, self, gc_pause_kind_name(rec->kind));
}

uint32_t gc_count_cycle(gc_heap *heap) { return (uint32_t)atomic_fetch_add(&heap->cycles, 1) + 1; }
