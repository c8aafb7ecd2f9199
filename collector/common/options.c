/* options.c: gc_options_check (options.h). */
#include <stdio.h>
#include <unistd.h>
#include "options.h"

#define DEFAULT_MAX_HEAP ((size_t)1 << 30)
#define DEFAULT_INITIAL_HEAP ((size_t)4 << 20)
#define MIN_HEAP ((size_t)1 << 20)
#define MAX_GC_THREADS 1024

int gc_options_check(gc_options *o, char *err, size_t errlen) {
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
    if (o->snapshot_every && !o->snapshot_prefix) {
        snprintf(err, errlen, "snapshot_every needs a snapshot_prefix (where the files go)");
        return -1;
    }
    if (o->mark_per_alloc < 0 || o->mark_per_alloc > 1000) {
        snprintf(err, errlen, "mark per alloc %g is out of range (0 for paced, up to 1000)", o->mark_per_alloc);
        return -1;
    }
    return 0;
}
