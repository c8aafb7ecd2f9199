/* common.c: heap set-up and the benchmark list of the micro-benchmarks (micro.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "common.h"

const char *micro_variant(void) { return GCLAB_VARIANT; }
const char *micro_collector(void) { return gc_collector_name(); }

uint64_t micro_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int micro_env_open(micro_env *e, unsigned gc_threads, size_t initial_heap, char *err, size_t errlen) {
    memset(e, 0, sizeof *e);
    gc_options o = {.max_heap = MICRO_MAX_HEAP, .initial_heap = initial_heap, .gc_threads = gc_threads};
    e->heap = gc_heap_create(&o, err, errlen);
    if (!e->heap) return -1;
    e->leaf = gc_register_type(e->heap, "micro-leaf");
    e->node = gc_register_type(e->heap, "micro-node");
    e->array = gc_register_type(e->heap, "micro-array");
    e->mut = gc_attach(e->heap);
    return 0;
}

void micro_env_close(micro_env *e) {
    if (e->mut) gc_detach(e->mut);
    if (e->heap) gc_heap_destroy(e->heap);
    memset(e, 0, sizeof *e);
}

/* gc_pause_log waits for a collector thread's cycle to finish (it takes the collector role), and such
 * a cycle may be waiting for this thread to stop: read it inside a blocking region. The records are
 * copied at once, before another cycle can append to the log. */
size_t micro_pauses(micro_env *e, size_t from, gc_pause *out, size_t max) {
    size_t n = 0;
    gc_block_enter(e->mut);
    const gc_pause *log = gc_pause_log(e->heap, &n);
    if (log && out)
        for (size_t i = from, k = 0; i < n && k < max; i++, k++) out[k] = log[i];
    gc_block_leave(e->mut);
    return n;
}

size_t micro_last_pause(micro_env *e, gc_pause *out) {
    size_t n = micro_pauses(e, 0, NULL, 0);
    if (n) micro_pauses(e, n - 1, out, 1);
    return n;
}

size_t micro_benchmarks(micro_bench *out, size_t max, unsigned cores) {
    micro_bench all[96];
    size_t n = 0;
    n += micro_alloc_benches(all + n);
    n += micro_barrier_benches(all + n);
    n += micro_mark_benches(all + n, cores);
    n += micro_copy_benches(all + n);
    n += micro_safepoint_benches(all + n, cores);
    n += micro_ephemeron_benches(all + n);
    if (n > max) n = max;
    memcpy(out, all, n * sizeof *all);
    return n;
}
