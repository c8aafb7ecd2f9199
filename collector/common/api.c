/* api.c: gclab.h's front door for the collectors over the common block heap: creating a heap from
 * options, attaching threads, collecting, and what the harness reads. Whatever the collector does is
 * asked through gc_collector (collector.h); nothing here names one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "heap.h"
#include "mark.h"
#include "options.h"
#include "clock.h"

/* The calling thread's mutator, if it is attached: a thread that waits for the collector role must
 * wait as a stopped mutator, or a collector stopping the world would wait for it in turn. */
static _Thread_local gc_mut *current_mut;

const gc_options *gc_heap_options(gc_heap *heap) { return &heap->opts; }
gc_type_table *gc_heap_types(gc_heap *heap) { return &heap->types; }

const char *gc_collector_name(void) { return gc_collector.name; }
bool gc_collector_precise(void) { return true; }

bool gc_test_marking(gc_mut *mut, bool on) { return gc_collector.test_marking && gc_collector.test_marking(mut, on); }

static void gc_worker_started(void *ctx, unsigned index) {
    gc_heap *heap = ctx;
    heap->opts.on_thread_start(heap->opts.ctx, GC_THREAD_GC, index);
}

gc_heap *gc_heap_create(const gc_options *opts, char *err, size_t errlen) {
    gc_options o = opts ? *opts : (gc_options){0};
    if (gc_options_check(&o, err, errlen)) return NULL;
    gc_size_classes_init();
    gc_heap *heap = calloc(1, sizeof *heap);
    if (!heap) {
        snprintf(err, errlen, "out of memory creating the heap");
        return NULL;
    }
    heap->opts = o;
    heap->max_blocks = o.max_heap >> GC_BLOCK_SHIFT;
    pthread_mutex_init(&heap->lock, NULL);
    pthread_cond_init(&heap->cv_stopped, NULL);
    pthread_cond_init(&heap->cv_resume, NULL);
    pthread_cond_init(&heap->cv_cycle, NULL);
    pthread_mutex_init(&heap->roots_lock, NULL);
    pthread_mutex_init(&heap->pauses_lock, NULL);
    pthread_mutex_init(&heap->census_lock, NULL);
    pthread_mutex_init(&heap->snap_lock, NULL);
    gc_type_table_init(&heap->types);
    if (gc_weak_init(&heap->weak)) {
        snprintf(err, errlen, "out of memory creating the heap");
        free(heap);
        return NULL;
    }
    heap->colour = heap->mut_colour = 0;
    gc_set_trigger(heap, 0);
    if (gc_blocks_init(heap, err, errlen)) goto fail;
    if (gc_workers_start(&heap->workers, o.gc_threads, o.on_thread_start ? gc_worker_started : NULL, heap)) {
        snprintf(err, errlen, "cannot start %u GC threads", o.gc_threads);
        goto fail;
    }
    if (gc_markers_init(heap) || gc_pauselog_init(&heap->pauses, 4096)) {
        snprintf(err, errlen, "out of memory creating the heap");
        goto fail;
    }
    if (gc_collector.init && gc_collector.init(heap, err, errlen)) goto fail;
    heap->collector_ready = true;
    return heap;
fail:
    gc_heap_destroy(heap);
    return NULL;
}

void gc_heap_destroy(gc_heap *heap) {
    if (!heap) return;
    if (heap->collector_ready && gc_collector.free) gc_collector.free(heap);
    gc_workers_stop(&heap->workers);
    gc_markers_free(heap);
    gc_blocks_free(heap);
    gc_pauselog_free(&heap->pauses);
    gc_type_table_free(&heap->types);
    gc_registries_free(heap);
    gc_weak_free(&heap->weak);
    gc_root_table_free(&heap->globals);
    pthread_mutex_destroy(&heap->lock);
    pthread_cond_destroy(&heap->cv_stopped);
    pthread_cond_destroy(&heap->cv_resume);
    pthread_cond_destroy(&heap->cv_cycle);
    pthread_mutex_destroy(&heap->roots_lock);
    pthread_mutex_destroy(&heap->pauses_lock);
    pthread_mutex_destroy(&heap->census_lock);
    pthread_mutex_destroy(&heap->snap_lock);
    gc_snap_ids_free(heap);
    free(heap->census);
    free(heap);
}

gc_mut *gc_attach(gc_heap *heap) {
    if (heap->opts.on_thread_start) {
        pthread_mutex_lock(&heap->lock);
        unsigned index = heap->attached++;
        pthread_mutex_unlock(&heap->lock);
        heap->opts.on_thread_start(heap->opts.ctx, GC_THREAD_MUTATOR, index);
    }
    gc_mut *mut = aligned_alloc(64, (sizeof(gc_mut) + 63) & ~(size_t)63);
    if (!mut) gc_fatal(heap, "out of memory attaching a thread");
    memset(mut, 0, sizeof *mut);
    mut->heap = heap;
    mut->stress_left = heap->opts.stress_every;
    if (gc_shadow_stack_init(mut, heap->opts.root_capacity)) gc_fatal(heap, "cannot reserve a shadow stack");
    gc_mutators_attach(heap, mut);
    current_mut = mut;
    gc_acct_self = &mut->acct;
    return mut;
}

const gc_mut_account *gc_mut_account_of(gc_mut *mut) { return &mut->acct.a; }

void gc_detach(gc_mut *mut) {
    if (current_mut == mut) current_mut = NULL;
    if (gc_acct_self == &mut->acct) gc_acct_self = NULL;
    if (gc_collector.detach) gc_collector.detach(mut);
    gc_mutators_detach(mut->heap, mut);
    gc_shadow_stack_free(mut);
    free(mut);
}

/* A census taken while a gc_collect waits is the program's own (census.c). */
void gc_collect(gc_mut *mut) {
    atomic_fetch_add_explicit(&mut->heap->collects_waiting, 1, memory_order_acq_rel);
    gc_collector.collect(mut, GC_WHY_EXPLICIT);
    atomic_fetch_sub_explicit(&mut->heap->collects_waiting, 1, memory_order_acq_rel);
}

/* With the collector role, so a cycle that a collector thread is still running is not read halfway. */
static void hold_role(gc_heap *heap) {
    gc_mut *self = current_mut && current_mut->heap == heap ? current_mut : NULL;
    gc_role_take(heap, self);
}

void gc_get_stats(gc_heap *heap, gc_heap_stats *out) {
    hold_role(heap);
    memset(out, 0, sizeof *out);
    out->collections = atomic_load(&heap->cycles);
    out->gc_cpu_ns = atomic_load(&heap->gc_cpu_ns) + atomic_load(&heap->workers.cpu_ns);
    out->allocated_bytes = atomic_load(&heap->allocated_total);
    out->heap_bytes = gc_heap_footprint(heap);
    pthread_mutex_lock(&heap->block_lock);
    out->peak_heap_bytes = heap->peak_blocks * GC_BLOCK_SIZE;
    pthread_mutex_unlock(&heap->block_lock);
    out->live_bytes = heap->live_after_gc;
    out->max_heap_bytes = heap->max_blocks * GC_BLOCK_SIZE;
    out->gc_threads = heap->workers.n;
    out->initial_heap_bytes = heap->opts.initial_heap;
    out->used_bytes = gc_heap_used(heap);
    out->external_bytes = (uint64_t)atomic_load(&heap->external_bytes);
    out->snapshots = heap->snapshots;
    out->snapshot_extra_bytes = heap->snapshot_extra;
    out->snapshot_ids_bytes = gc_snap_ids_bytes(heap);
    if (gc_collector.stats) gc_collector.stats(heap, out);
    gc_end_cycle(heap);
}

const gc_pause *gc_pause_log(gc_heap *heap, size_t *count) {
    hold_role(heap);
    *count = heap->pauses.n;
    const gc_pause *v = heap->pauses.v;
    gc_end_cycle(heap);
    return v;
}

unsigned gc_worker_count(gc_heap *heap) { return heap->workers.n; }

void gc_get_worker_stats(gc_heap *heap, unsigned worker, gc_worker_stats *out) {
    if (worker >= heap->workers.n) {
        memset(out, 0, sizeof *out);
        return;
    }
    hold_role(heap);
    *out = heap->markers[worker].stats;
    gc_end_cycle(heap);
}

size_t gc_verify_now(gc_mut *mut, char *msg, size_t msglen) {
    gc_heap *heap = mut->heap;
    /* Take the collector role so no cycle runs under the walk; a cycle that just ran is fine too. A
     * cycle still marking has reachable white objects by design: finish it first. */
    for (;;) {
        gc_role_take(heap, mut);
        if (!gc_collector.marking || !gc_collector.marking(heap)) break;
        gc_end_cycle(heap);
        gc_collector.collect(mut, GC_WHY_NEEDED);
    }
    gc_stop_world(heap, mut);
    size_t problems = gc_verify_heap(heap, msg, msglen);
    gc_start_world(heap);
    gc_end_cycle(heap);
    return problems;
}
