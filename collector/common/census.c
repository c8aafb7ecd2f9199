/* census.c: heap statistics by type (gclab.h, docs/DESIGN.md §12) for the precise collectors: the
 * census a full-heap cycle takes in its pause, the log of them, external memory and memoryUsage.
 *
 * The census is a heap walk (walk.c), not a count kept while tracing: tracing never sees what an
 * incremental or concurrent cycle allocated black, which is live by that cycle's decree, and the walk
 * costs nothing at all when no census is asked for. It runs right after the cycle has flipped the
 * colour and before anything is swept or allocated, when an object is live exactly if its header has
 * the heap's colour (walk.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "procmem.h"
#include "heap.h"
#include "walk.h"

typedef struct counting {
    uint64_t colour;
    uint64_t *per_type;             /* objects, bytes: two words per type id */
    uint32_t ntypes;
    uint64_t objects, bytes;
} counting;

static void count_object(gc_heap *heap, gc_obj *o, size_t room, void *arg) {
    counting *c = arg;
    (void)heap, (void)room;
    uint64_t h = atomic_load_explicit(&o->header, memory_order_relaxed);
    uint16_t type = gc_hdr_type(h);
    if (type == 0 || (h & GC_HDR_MARK) != c->colour || type >= c->ntypes) return;   /* filler, dead */
    uint64_t bytes = gc_object_bytes((uint32_t)gc_obj_nptrs_of(o, h), gc_obj_nbytes_of(o, h));
    c->per_type[2 * type]++;
    c->per_type[2 * type + 1] += bytes;
    c->objects++;
    c->bytes += bytes;
}

typedef struct roots_seen {
    gc_obj **v;
    size_t n, cap;
    bool oom;
} roots_seen;

static void note_root(gc_obj **slot, void *arg) {
    roots_seen *r = arg;
    if (!*slot || r->oom) return;
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 1024;
        gc_obj **v = realloc(r->v, cap * sizeof *v);
        if (!v) {
            r->oom = true;
            return;
        }
        r->v = v;
        r->cap = cap;
    }
    r->v[r->n++] = *slot;
}

static int by_address(const void *a, const void *b) {
    uintptr_t x = (uintptr_t)*(gc_obj *const *)a, y = (uintptr_t)*(gc_obj *const *)b;
    return x < y ? -1 : x > y;
}

/* Bun's protected objects: what the program's own roots hold, each object once. */
static uint64_t count_protected(gc_heap *heap) {
    roots_seen r = {0};
    gc_visit_program_roots(heap, note_root, &r);
    if (r.oom) gc_fatal(heap, "out of memory counting the roots for a census");
    if (r.n) qsort(r.v, r.n, sizeof *r.v, by_address);   /* qsort(NULL, 0) is undefined */
    uint64_t distinct = 0;
    for (size_t i = 0; i < r.n; i++) distinct += i == 0 || r.v[i] != r.v[i - 1];
    free(r.v);
    return distinct;
}

bool gc_census_due(gc_heap *heap) {
    return heap->opts.census || atomic_load_explicit(&heap->census_requests, memory_order_acquire) != 0;
}

void gc_census_take(gc_heap *heap, uint32_t cycle, gc_pause *rec) {
    if (!gc_census_due(heap)) return;
    uint64_t t0 = gc_now_ns();
    counting c = {.colour = heap->colour, .ntypes = atomic_load_explicit(&heap->types.count, memory_order_acquire)};
    c.per_type = calloc(2 * (size_t)c.ntypes, sizeof *c.per_type);
    if (!c.per_type) gc_fatal(heap, "out of memory for a census");
    gc_heap_walk(heap, count_object, &c);
    uint64_t prot = count_protected(heap);
    uint64_t ns = gc_now_ns() - t0;
    pthread_mutex_lock(&heap->census_lock);
    size_t need = heap->census_n + 1 + c.ntypes;
    if (need > heap->census_cap) {
        size_t cap = heap->census_cap ? heap->census_cap : 1024;
        while (cap < need) cap *= 2;
        gc_census_row *v = realloc(heap->census, cap * sizeof *v);
        if (!v) {
            pthread_mutex_unlock(&heap->census_lock);
            gc_fatal(heap, "out of memory for the census log");
        }
        heap->census = v;
        heap->census_cap = cap;
    }
    heap->census[heap->census_n++] = (gc_census_row){.cycle = cycle, .type = 0, .objects = c.objects, .bytes = c.bytes,
                                                     .protected_objects = prot, .census_ns = ns,
                                                     .requested = atomic_load(&heap->collects_waiting) != 0};
    for (uint32_t t = 1; t < c.ntypes; t++)
        if (c.per_type[2 * t])
            heap->census[heap->census_n++] = (gc_census_row){.cycle = cycle, .type = (gc_type)t,
                                                             .objects = c.per_type[2 * t], .bytes = c.per_type[2 * t + 1]};
    pthread_mutex_unlock(&heap->census_lock);
    free(c.per_type);
    rec->census_ns += ns;
}

const gc_census_row *gc_census_log(gc_heap *heap, size_t *count) {
    pthread_mutex_lock(&heap->census_lock);
    *count = heap->census_n;
    const gc_census_row *v = heap->census;
    pthread_mutex_unlock(&heap->census_lock);
    return v;
}

/* While a request is outstanding every full-heap cycle takes a census, so the collection below has
 * one, and any later one is as fresh; the latest is returned. */
gc_census_row *gc_heap_census(gc_mut *mut, size_t *count) {
    gc_heap *heap = mut->heap;
    atomic_fetch_add_explicit(&heap->census_requests, 1, memory_order_acq_rel);
    gc_collect(mut);
    atomic_fetch_sub_explicit(&heap->census_requests, 1, memory_order_acq_rel);
    pthread_mutex_lock(&heap->census_lock);
    size_t at = heap->census_n;
    while (at > 0 && heap->census[at - 1].type != 0) at--;
    gc_census_row *out = NULL;
    *count = 0;
    if (at > 0) {
        size_t n = heap->census_n - (at - 1);
        out = malloc(n * sizeof *out);
        if (out) {
            memcpy(out, &heap->census[at - 1], n * sizeof *out);
            *count = n;
        }
    }
    pthread_mutex_unlock(&heap->census_lock);
    return out;
}

void gc_external_add(gc_heap *heap, int64_t delta) {
    int64_t now = atomic_fetch_add_explicit(&heap->external_bytes, delta, memory_order_relaxed) + delta;
    if (now < 0) gc_fatal(heap, "gc_external_add: external memory went below zero (%lld bytes)", (long long)now);
}

void gc_get_memory_usage(gc_heap *heap, gc_memory_usage *out) {
    out->rss = gc_process_rss();
    out->heap_total = gc_heap_footprint(heap);
    out->heap_used = gc_heap_used(heap);
    out->external = (uint64_t)atomic_load_explicit(&heap->external_bytes, memory_order_relaxed);
}
