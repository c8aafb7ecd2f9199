/* heap.c: creating a heap from options, types, attaching threads, and what the harness reads. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "heap.h"
#include "mark.h"
#include "cmark.h"
#include "clock.h"
#include "scavenge.h"

#define DEFAULT_MAX_HEAP ((size_t)1 << 30)
#define DEFAULT_INITIAL_HEAP ((size_t)4 << 20)
#define MIN_HEAP ((size_t)1 << 20)
#define MAX_GC_THREADS 1024

/* The calling thread's mutator, if it is attached: a thread that waits for the collector role must
 * wait as a stopped mutator, or a collector stopping the world would wait for it in turn. */
static _Thread_local gc_mut *current_mut;

_Noreturn void gc_fatal(gc_heap *heap, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (heap && heap->opts.on_fatal) heap->opts.on_fatal(heap->opts.ctx, msg);
    fprintf(stderr, "gclab: fatal: %s\n", msg);
    exit(3);
}

static int check_options(gc_options *o, char *err, size_t errlen) {
    if (o->max_heap == 0) o->max_heap = DEFAULT_MAX_HEAP;
    if (o->max_heap < MIN_HEAP) {
        snprintf(err, errlen, "heap of %zu bytes is too small (the minimum is 1 MiB)", o->max_heap);
        return -1;
    }
    if (o->max_heap > ((size_t)1 << 44)) {
        snprintf(err, errlen, "heap of %zu GiB is larger than gclab supports (16 TiB)", o->max_heap >> 30);
        return -1;
    }
    if (o->initial_heap == 0) o->initial_heap = o->max_heap < DEFAULT_INITIAL_HEAP ? o->max_heap : DEFAULT_INITIAL_HEAP;
    if (o->initial_heap > o->max_heap) {
        snprintf(err, errlen, "initial heap (%zu MiB) exceeds the maximum heap (%zu MiB)", o->initial_heap >> 20,
                 o->max_heap >> 20);
        return -1;
    }
    if (o->heap_factor == 0) o->heap_factor = 2.0;
    if (!(o->heap_factor > 1.0 && o->heap_factor <= 100.0)) {
        snprintf(err, errlen, "heap factor %g is out of range (more than 1, at most 100)", o->heap_factor);
        return -1;
    }
    if (o->gc_threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        o->gc_threads = n > 0 ? (unsigned)n : 1;
    }
    if (o->gc_threads > MAX_GC_THREADS) {
        snprintf(err, errlen, "%u GC threads is more than gclab supports (%d)", o->gc_threads, MAX_GC_THREADS);
        return -1;
    }
    if (o->root_capacity == 0) o->root_capacity = (size_t)1 << 20;
    if (o->mark_per_alloc < 0 || o->mark_per_alloc > 1000) {
        snprintf(err, errlen, "mark per alloc %g is out of range (0 for paced, up to 1000)", o->mark_per_alloc);
        return -1;
    }
    return 0;
}

__attribute__((weak)) int gc_collector_init(gc_heap *heap, char *err, size_t errlen) {
    (void)heap, (void)err, (void)errlen;
    return 0;
}
__attribute__((weak)) void gc_collector_free(gc_heap *heap) { (void)heap; }
__attribute__((weak)) void gc_collector_detach(gc_mut *mut) { (void)mut; }

static void gc_worker_started(void *ctx, unsigned index) {
    gc_heap *heap = ctx;
    heap->opts.on_thread_start(heap->opts.ctx, GC_THREAD_GC, index);
}

gc_heap *gc_heap_create(const gc_options *opts, char *err, size_t errlen) {
    gc_options o = opts ? *opts : (gc_options){0};
    if (check_options(&o, err, errlen)) return NULL;
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
    pthread_mutex_init(&heap->types.lock, NULL);
    atomic_init(&heap->types.count, 1);
    heap->colour = heap->mut_colour = 0;
    heap->start_fraction = 1.0;
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
    if (gc_collector_init(heap, err, errlen)) goto fail;
    heap->collector_ready = true;
    return heap;
fail:
    gc_heap_destroy(heap);
    return NULL;
}

void gc_heap_destroy(gc_heap *heap) {
    if (!heap) return;
    if (heap->collector_ready) gc_collector_free(heap);
    gc_workers_stop(&heap->workers);
    gc_markers_free(heap);
    gc_blocks_free(heap);
    gc_pauselog_free(&heap->pauses);
    for (uint32_t i = 1; i < atomic_load(&heap->types.count); i++) free(heap->types.name[i]);
    free(heap->globals);
    pthread_mutex_destroy(&heap->lock);
    pthread_cond_destroy(&heap->cv_stopped);
    pthread_cond_destroy(&heap->cv_resume);
    pthread_cond_destroy(&heap->cv_cycle);
    pthread_mutex_destroy(&heap->roots_lock);
    pthread_mutex_destroy(&heap->pauses_lock);
    pthread_mutex_destroy(&heap->types.lock);
    free(heap);
}

gc_type gc_register_type(gc_heap *heap, const char *name) {
    gc_type_table *t = &heap->types;
    pthread_mutex_lock(&t->lock);
    uint32_t n = atomic_load_explicit(&t->count, memory_order_relaxed);
    for (uint32_t i = 1; i < n; i++)
        if (strcmp(t->name[i], name) == 0) {
            pthread_mutex_unlock(&t->lock);
            return (gc_type)i;
        }
    if (n > UINT16_MAX) {
        pthread_mutex_unlock(&t->lock);
        gc_fatal(heap, "too many types (at most %u)", UINT16_MAX);
    }
    t->name[n] = strdup(name);
    if (!t->name[n]) gc_fatal(heap, "out of memory registering type %s", name);
    atomic_store_explicit(&t->count, n + 1, memory_order_release);
    pthread_mutex_unlock(&t->lock);
    return (gc_type)n;
}

const char *gc_type_name(gc_heap *heap, gc_type type) {
    if (type == 0 || type >= atomic_load_explicit(&heap->types.count, memory_order_acquire)) return "?";
    return heap->types.name[type];
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
    return mut;
}

void gc_detach(gc_mut *mut) {
    if (current_mut == mut) current_mut = NULL;
    gc_collector_detach(mut);
    gc_mutators_detach(mut->heap, mut);
    gc_shadow_stack_free(mut);
    free(mut);
}

void gc_collect(gc_mut *mut) { gc_collector_collect(mut, GC_WHY_EXPLICIT); }

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
    if (heap->young) {
        out->nursery_bytes = gc_young_region_bytes(heap->young);
        out->promote_age = heap->young->promote_age;
    }
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
        if (!heap->cmark || !atomic_load(&heap->cmark->marking)) break;
        gc_end_cycle(heap);
        gc_collector_collect(mut, GC_WHY_NEEDED);
    }
    gc_stop_world(heap, mut);
    size_t problems = gc_verify_heap(heap, msg, msglen);
    gc_start_world(heap);
    gc_end_cycle(heap);
    return problems;
}
