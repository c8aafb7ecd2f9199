/* bdw_stats.c: what the harness reads of COLLECTOR=bdw (gc_get_stats, the pause log, workers). */
#include "bdw_heap.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CPU time of libgc's helper marker threads (named "GC-marker-N" by libgc), read through their
 * per-thread CPU clocks; the thread that starts a collection is counted by on_event. Returns
 * false if no marker thread could be found (then gc_get_stats estimates). */
bool gc_bdw_marker_cpu_ns(uint64_t *out) {
    *out = 0;
    DIR *d = opendir("/proc/self/task");
    if (!d) return false;
    bool found = false;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9') continue;
        unsigned tid = (unsigned)strtoul(de->d_name, NULL, 10);
        char path[64], comm[32] = {0};
        snprintf(path, sizeof path, "/proc/self/task/%u/comm", tid);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        bool marker = fgets(comm, sizeof comm, f) && strncmp(comm, "GC-marker", 9) == 0;
        fclose(f);
        if (!marker) continue;
        /* Linux thread CPU clock of a tid (what pthread_getcpuclockid computes): (~tid << 3) | 6. */
        clockid_t clk = (clockid_t)((~tid << 3) | 6u);
        struct timespec ts;
        if (clock_gettime(clk, &ts) == 0) {
            *out += (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
            found = true;
        }
    }
    closedir(d);
    return found;
}

/* What a read under libgc's allocation lock takes and fills in. */
typedef struct stats_read {
    gc_heap *h;
    gc_heap_stats *out;
    uint64_t mark_total;
} stats_read;

static void *read_stats(void *arg) {
    stats_read *rd = arg;
    gc_heap *h = rd->h;
    gc_heap_stats *s = rd->out;
    s->collections = GC_get_gc_no() - h->gc_no0;
    s->allocated_bytes = GC_get_total_bytes() - h->total_bytes0;
    s->heap_bytes = GC_get_heap_size();
    if (s->heap_bytes > h->peak_heap) h->peak_heap = s->heap_bytes;
    s->peak_heap_bytes = h->peak_heap;
    s->live_bytes = h->live_bytes;
    s->gc_cpu_ns = h->collector_cpu_ns;
    s->used_bytes = gc_bdw_used_bytes();
    s->snapshots = h->snapshots;
    s->snapshot_extra_bytes = h->snapshot_extra;
    s->snapshot_ids_bytes = gc_snapmap_bytes(h->snap_ids);
    rd->mark_total = h->mark_ns_total;
    return NULL;
}

void gc_get_stats(gc_heap *h, gc_heap_stats *out) {
    memset(out, 0, sizeof *out);
    stats_read rd = {.h = h, .out = out};
    GC_call_with_alloc_lock(read_stats, &rd);
    uint64_t mark_total = rd.mark_total;
    /* GC CPU = CPU of the thread running each collection, START..END (its share of marking plus
     * the reclaim step), + CPU of libgc's helper marker threads since heap create (per-thread CPU
     * clocks). If the markers cannot be found, their share is estimated as mark time x helpers. */
    uint64_t mcpu;
    if (gc_bdw_marker_cpu_ns(&mcpu))
        out->gc_cpu_ns += mcpu > h->marker_cpu0 ? mcpu - h->marker_cpu0 : 0;
    else if (h->markers > 1)
        out->gc_cpu_ns += mark_total * (h->markers - 1);
    out->allocated_objects = atomic_load_explicit(&h->objects, memory_order_relaxed);
    out->max_heap_bytes = h->opts.max_heap;
    out->gc_threads = h->markers;
    out->initial_heap_bytes = h->initial_heap;
    out->external_bytes = (uint64_t)atomic_load_explicit(&h->external_bytes, memory_order_relaxed);
}

typedef struct log_read {
    gc_heap *h;
    size_t n;
} log_read;

static void *read_log(void *arg) {
    log_read *rd = arg;
    rd->n = rd->h->log.n;
    return rd->h->log.v;
}

const gc_pause *gc_pause_log(gc_heap *h, size_t *count) {
    log_read rd = {.h = h};
    gc_pause *v = GC_call_with_alloc_lock(read_log, &rd);
    if (count) *count = rd.n;
    return v;
}

unsigned gc_worker_count(gc_heap *h) { return h->markers; }

/* libgc does not expose per-marker work (objects, bytes, steals, busy/idle time): all zeros. */
void gc_get_worker_stats(gc_heap *h, unsigned worker, gc_worker_stats *out) {
    (void)h;
    (void)worker;
    memset(out, 0, sizeof *out);
}
