/* handshake.c: stopping the world for any number of mutator threads.
 *
 * Each mutator has a state: RUNNING, PARKED (stopped at a safepoint) or BLOCKED (inside a blocking
 * region, where it does not touch the heap). The world is stopped when no mutator but the collector
 * is RUNNING. The collector raises stop_requested and each thread's poll word; a running thread sees
 * its poll at its next safepoint and parks.
 *
 * Entering and leaving a blocking region are lock-free in the common case: the thread writes its state
 * and then reads stop_requested, while the collector writes stop_requested and then reads the states,
 * all seq_cst, so at least one of the two sees the other (Dekker). Every transition that the collector
 * may be waiting for is signalled under heap->lock, so no wake-up is lost. */
#include "heap.h"
#include "clock.h"
#include "spin.h"

static void set_state(gc_mut *mut, int state) {
    atomic_store_explicit(&mut->state, state, memory_order_seq_cst);
}

/* Both sides of a stop spin before they sleep (spin.h): the collector waiting for the last mutator
 * to park, a parked mutator waiting for the release; a wake-up from sleep would cost more than the
 * typical stop, and it counts twice.
 *
 * Unless both are on one CPU. A collector thread woken by a mutator is often put on the waker's CPU
 * (the scheduler's wake-affine placement), and at nice 10 it waits there while the other CPU idles;
 * its stop then spun 20 us before yielding to the mutator, which parked and spun 20 us before
 * yielding back: time to safepoint 23-48 us against about 1 us for a stop across CPUs (measured:
 * msgbuf, concurrent-dijkstra, one GC thread, 0-6 of each run's 34-36 stops: results/published/
 * samecpu-20261202/instrumented.txt). Each side knows where
 * the other last ran (gc_mut.cpu, heap->stopper_cpu) and yields at once when it is its own CPU. */
#define HANDSHAKE_SPIN_NS 200000u

/* A stopped thread's account, once it runs again: it has been waiting (ttsp) since it stopped, and
 * stops first..last held it, the later ones begun before it woke from the earlier (heap.h, stop_ring).
 * Each stop's time from its world stopping to its release is its kind's, the time between two of them
 * ttsp again; the last one's runs until now (gclab.h: held in a pause until this thread runs on). A
 * stop the ring no longer holds (more than GC_STOP_RING while this thread slept) stays with the cause
 * before it. */
static void charge_stops(gc_heap *heap, uint64_t first, uint64_t last) {
    for (uint64_t n = first; n <= last; n++) {
        struct gc_stop_rec *r = &heap->stop_ring[n % GC_STOP_RING];
        uint64_t stopped = atomic_load_explicit(&r->stopped_at_ns, memory_order_relaxed);
        uint64_t released = atomic_load_explicit(&r->released_at_ns, memory_order_relaxed);
        unsigned kind = (unsigned)atomic_load_explicit(&r->kind, memory_order_relaxed);
        if (atomic_load_explicit(&r->seq, memory_order_relaxed) != n || !stopped) continue;
        gc_acct_switch(kind, stopped);
        if (n < last && released) gc_acct_switch(GC_ACCT_STALL(GC_STALL_TTSP), released);
    }
}

/* With heap->lock held: wait, as a stopped thread, until no cycle stops the world. */
static void wait_for_resume(gc_heap *heap, gc_mut *mut, int stopped_state) {
    if (!atomic_load_explicit(&heap->stop_requested, memory_order_seq_cst)) {
        set_state(mut, GC_MUT_RUNNING);
        return;
    }
    /* Stopped: waiting for the other threads (ttsp) until the world has stopped, then the pause. */
    uint64_t first = atomic_load_explicit(&heap->stop_seq, memory_order_relaxed);   /* under heap->lock */
    gc_acct_push(GC_ACCT_STALL(GC_STALL_TTSP));
    gc_note_cpu(&mut->cpu);
    while (atomic_load_explicit(&heap->stop_requested, memory_order_seq_cst)) {
        set_state(mut, stopped_state);
        pthread_cond_signal(&heap->cv_stopped);
        pthread_mutex_unlock(&heap->lock);
        uint64_t t0 = gc_now_ns();
        for (unsigned i = 0; atomic_load_explicit(&heap->stop_requested, memory_order_acquire); i++) {
            bool beside = atomic_load_explicit(&heap->stopper_cpu, memory_order_relaxed) ==
                          atomic_load_explicit(&mut->cpu, memory_order_relaxed);
            if (!gc_spin_step(t0, i, HANDSHAKE_SPIN_NS, beside)) break;
        }
        pthread_mutex_lock(&heap->lock);
        /* Checked under the lock, so a release that comes later wakes us. */
        if (atomic_load_explicit(&heap->stop_requested, memory_order_seq_cst))
            pthread_cond_wait(&heap->cv_resume, &heap->lock);
    }
    charge_stops(heap, first, atomic_load_explicit(&heap->stop_seq, memory_order_relaxed));
    gc_acct_pop();
    set_state(mut, GC_MUT_RUNNING);
}

void gc_safepoint_slow(gc_mut *mut) {
    gc_heap *heap = mut->heap;
    pthread_mutex_lock(&heap->lock);
    wait_for_resume(heap, mut, GC_MUT_PARKED);
    pthread_mutex_unlock(&heap->lock);
}

void gc_block_enter(gc_mut *mut) {
    gc_heap *heap = mut->heap;
    set_state(mut, GC_MUT_BLOCKED);
    if (atomic_load_explicit(&heap->stop_requested, memory_order_seq_cst)) {
        pthread_mutex_lock(&heap->lock);
        pthread_cond_signal(&heap->cv_stopped);
        pthread_mutex_unlock(&heap->lock);
    }
}

void gc_block_leave(gc_mut *mut) {
    gc_heap *heap = mut->heap;
    set_state(mut, GC_MUT_RUNNING);
    if (!atomic_load_explicit(&heap->stop_requested, memory_order_seq_cst)) return;
    /* A stop is under way and may have counted us as stopped: go back and wait it out. */
    pthread_mutex_lock(&heap->lock);
    set_state(mut, GC_MUT_BLOCKED);
    wait_for_resume(heap, mut, GC_MUT_BLOCKED);
    pthread_mutex_unlock(&heap->lock);
}

/* The collector role, and the rule that keeps its decisions sound.
 *
 * One thread at a time holds the role: it alone may stop the world, change the collector's phase
 * (start marking, remark, scavenge, collect fully) or read collector state halfway through a cycle.
 * A thread decides that it needs a phase from what it saw before it asked for the role; while it
 * waited, the holder may have moved the collector on: a cycle may have completed, or (an initial
 * mark completes nothing) one may have started marking. So:
 *   - heap->cycles changes only inside a pause, so a mutator that has neither polled nor blocked
 *     since it looked reads the count its decision rests on, and gc_begin_cycle refuses the role
 *     when a cycle completed since (the reason to collect is stale: retry the allocation);
 *   - every other fact a decision rests on (is marking in progress? which phase is next?) is read
 *     again by the holder after taking the role, and the phase it runs is chosen from that, never
 *     from what the caller saw. Each collector's entry point states how (incremental.c: advance). */
void gc_role_take(gc_heap *heap, gc_mut *self) {
    pthread_mutex_lock(&heap->lock);
    if (heap->collecting) {
        /* Another thread collects: wait for it as a blocked thread, so its stop need not wait for us. */
        if (self) {
            set_state(self, GC_MUT_BLOCKED);
            pthread_cond_signal(&heap->cv_stopped);
            gc_acct_push(GC_ACCT_STALL(GC_STALL_WAIT));
        }
        while (heap->collecting) pthread_cond_wait(&heap->cv_cycle, &heap->lock);
        if (self) {
            wait_for_resume(heap, self, GC_MUT_BLOCKED);
            gc_acct_pop();
        }
    }
    heap->collecting = true;
    pthread_mutex_unlock(&heap->lock);
    heap->role_cpu0 = gc_thread_cpu_ns();
    if (heap->test_hook) heap->test_hook(heap, self, "role");
}

bool gc_begin_cycle(gc_mut *self, uint64_t seen_cycles) {
    gc_heap *heap = self->heap;
    gc_role_take(heap, self);
    if (atomic_load_explicit(&heap->cycles, memory_order_relaxed) == seen_cycles) return true;
    gc_end_cycle(heap);
    return false;
}

void gc_end_cycle(gc_heap *heap) {
    atomic_fetch_add_explicit(&heap->gc_cpu_ns, gc_thread_cpu_ns() - heap->role_cpu0, memory_order_relaxed);
    pthread_mutex_lock(&heap->lock);
    heap->collecting = false;
    pthread_cond_broadcast(&heap->cv_cycle);
    pthread_mutex_unlock(&heap->lock);
}

/* Whether a mutator other than self still runs; *beside: one of them last ran on `cpu`. */
static bool others_running(gc_heap *heap, gc_mut *self, int cpu, bool *beside) {
    bool any = false;
    *beside = false;
    for (gc_mut *m = heap->muts; m; m = m->next)
        if (m != self && atomic_load_explicit(&m->state, memory_order_seq_cst) == GC_MUT_RUNNING) {
            any = true;
            if (atomic_load_explicit(&m->cpu, memory_order_relaxed) == cpu) *beside = true;
        }
    return any;
}

uint64_t gc_stop_world(gc_heap *heap, gc_mut *self) {
    uint64_t t0 = gc_now_ns();
    int cpu = sched_getcpu();
    atomic_store_explicit(&heap->stopper_cpu, cpu, memory_order_relaxed);
    pthread_mutex_lock(&heap->lock);
    /* Readers (charge_stops) hold heap->lock, taken here and at the release, and the world stopping
     * time written between comes before the release. */
    uint64_t seq = atomic_load_explicit(&heap->stop_seq, memory_order_relaxed) + 1;
    struct gc_stop_rec *rec = &heap->stop_ring[seq % GC_STOP_RING];
    atomic_store_explicit(&rec->stopped_at_ns, 0, memory_order_relaxed);
    atomic_store_explicit(&rec->released_at_ns, 0, memory_order_relaxed);
    atomic_store_explicit(&rec->kind, atomic_load_explicit(&heap->stop_kind, memory_order_relaxed), memory_order_relaxed);
    atomic_store_explicit(&rec->seq, seq, memory_order_relaxed);
    atomic_store_explicit(&heap->stop_seq, seq, memory_order_relaxed);
    atomic_store_explicit(&heap->stop_requested, 1, memory_order_seq_cst);
    for (gc_mut *m = heap->muts; m; m = m->next)
        if (m != self) atomic_store_explicit(&m->poll, 1, memory_order_relaxed);
    pthread_mutex_unlock(&heap->lock);
    /* While a stop is requested the list of mutators cannot change (attach waits for the stop to end,
     * detach waits before it unlinks), so the spin reads their states without the lock: a spinner
     * holding the lock, preempted, would keep the mutators it waits for from parking. */
    uint64_t spin0 = gc_now_ns();
    bool stopped = false, beside;
    for (unsigned i = 0; !(stopped = !others_running(heap, self, cpu, &beside)); i++)
        if (!gc_spin_step(spin0, i, HANDSHAKE_SPIN_NS, beside)) break;
    if (!stopped) {
        pthread_mutex_lock(&heap->lock);
        while (others_running(heap, self, cpu, &beside)) pthread_cond_wait(&heap->cv_stopped, &heap->lock);
        pthread_mutex_unlock(&heap->lock);
    }
    uint64_t now = gc_now_ns();
    atomic_store_explicit(&rec->stopped_at_ns, now, memory_order_relaxed);
    return now - t0;
}

void gc_start_world(gc_heap *heap) {
    pthread_mutex_lock(&heap->lock);
    struct gc_stop_rec *rec = &heap->stop_ring[atomic_load_explicit(&heap->stop_seq, memory_order_relaxed) % GC_STOP_RING];
    atomic_store_explicit(&rec->released_at_ns, gc_now_ns(), memory_order_relaxed);
    for (gc_mut *m = heap->muts; m; m = m->next) atomic_store_explicit(&m->poll, 0, memory_order_relaxed);
    atomic_store_explicit(&heap->stop_requested, 0, memory_order_seq_cst);
    pthread_cond_broadcast(&heap->cv_resume);
    pthread_mutex_unlock(&heap->lock);
}

void gc_mutators_attach(gc_heap *heap, gc_mut *mut) {
    pthread_mutex_lock(&heap->lock);
    /* Not yet a mutator: a stop under way does not count us, so wait until it is over. */
    while (atomic_load_explicit(&heap->stop_requested, memory_order_seq_cst))
        pthread_cond_wait(&heap->cv_resume, &heap->lock);
    mut->colour = heap->mut_colour;
    mut->barrier_on = heap->barrier_on;
    gc_note_cpu(&mut->cpu);
    atomic_store_explicit(&mut->state, GC_MUT_RUNNING, memory_order_relaxed);
    mut->next = heap->muts;
    heap->muts = mut;
    heap->nmuts++;
    pthread_mutex_unlock(&heap->lock);
}

void gc_mutators_detach(gc_heap *heap, gc_mut *mut) {
    pthread_mutex_lock(&heap->lock);
    /* A detaching thread must not leave while a stop holds it: the collector may be using its roots. */
    wait_for_resume(heap, mut, GC_MUT_PARKED);
    for (gc_mut **p = &heap->muts; *p; p = &(*p)->next)
        if (*p == mut) {
            *p = mut->next;
            break;
        }
    heap->nmuts--;
    pthread_cond_signal(&heap->cv_stopped);
    pthread_mutex_unlock(&heap->lock);
}
