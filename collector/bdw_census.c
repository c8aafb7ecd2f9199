/* bdw_census.c: heap statistics by type (gclab.h, docs/DESIGN.md §12) on COLLECTOR=bdw: the census
 * of a libgc collection, the log of them, external memory and memoryUsage.
 *
 * When. libgc's collection-event callback (bdw_events.c) calls gc_bdw_census_take at MARK_END. libgc
 * raises that event only for a collection whose marking completed (an abandoned one raises none), after
 * the parallel markers have finished and before it restarts the world, and then its mark bits are
 * exactly what this collection found reachable. Nothing has changed them yet: GC_finalize (which marks
 * the dead targets of finalizers, and what they reach, to keep them for the finalizer) and the reclaim
 * step come after the world restarts, and nothing is allocated while the world is stopped. So the
 * census counts inside the pause, like the precise collectors' census, and nothing allocated after the
 * collection. What the callback may do there decides how: it holds the allocation lock, which
 * GC_enumerate_reachable_objects_inner asks for (it is a walk of the heap's blocks reading mark bits
 * and headers, and takes no lock itself); it must not call malloc (a stopped thread may hold malloc's
 * lock), so every piece of memory the census writes is mmap'd and grown with mmap/mremap, which take
 * no user-space lock.
 *
 * What is counted. Every object libgc marked whose first word is a gclab header (bdw.h): a registered
 * type id and counts that fit in libgc's size of the object. libgc marks objects that are not gclab's,
 * which this tells apart: its own (finalizer and disappearing-link entries begin with a hidden pointer,
 * whose high bits give counts far beyond the object's size; hash tables and thread records begin with a
 * pointer or 0, type 0) and the cells on threads' local free lists, which libgc marks to keep them
 * (their first word is the free-list link, type 0). An object being allocated when the world stopped,
 * its header not yet written, is not counted (its first word is 0 or a free-list link), though the
 * allocating thread holds it. Sizes are gclab's exact ones (header + 8 x slots + raw bytes, what the
 * precise collectors count), not libgc's rounded size, and not a big object's two tail words.
 *
 * What libgc's conservatism adds. libgc scans thread stacks and registers conservatively, so an object
 * that a stale word on a stack (or a register, or any scanned word that happens to look like its
 * address) points at is marked and counted, with everything it reaches: that is what libgc retains,
 * and this census reports what libgc retains. A gclab program holds objects only in its handles and
 * global roots, so the census is an upper bound on the program's live objects: exact for what the
 * program holds, plus whatever stale words keep (tests/unit/bdw_census.c bounds it). Not counted: a
 * target whose finalization cells are queued in this collection (dead to the program; libgc keeps its
 * memory until its finalizer has run, see bdw_fin.c); should that finalizer not have run by the next
 * collection, libgc's queue of objects to finalize is a root then, and the next census counts it.
 * Objects of an earlier gclab heap of this process that stale words still keep carry that heap's type
 * ids and are counted under this heap's types with the same ids.
 *
 * Protected objects (the totals row) are the distinct objects the shadow stacks and the global roots
 * point at, as on the precise collectors; the finalization registries, which are roots for libgc, are
 * not the program's own roots and are not counted.
 */
#include "bdw_heap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "clock.h"
#include "procmem.h"
#include "common/fatal.h"

void *gc_bdw_grow(void *p, size_t *cap, size_t need, size_t size) {
    if (need <= *cap) return p;
    size_t ncap = *cap ? *cap : 512;
    while (ncap < need) ncap *= 2;
    void *n = p ? mremap(p, *cap * size, ncap * size, MREMAP_MAYMOVE)
                : mmap(NULL, ncap * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                       -1, 0);
    if (n == MAP_FAILED) return NULL;
    *cap = ncap;
    return n;
}

bool gc_bdw_object_counts(const void *obj, size_t size, uint32_t ntypes, uint64_t *nptrs, uint64_t *nbytes) {
    uint64_t hdr = ((const gc_obj *)obj)->hdr;
    uint32_t type = (uint32_t)(hdr >> 48);
    if (type == 0 || type >= ntypes) return false;   /* libgc's own, a free cell, a header not yet written */
    uint64_t np = (hdr >> 24) & GC_BDW_ESC, nb = hdr & GC_BDW_ESC, tail_bytes = 0;
    if (np == GC_BDW_ESC || nb == GC_BDW_ESC) {
        /* A big object's counts are in its last two words, tagged (bdw.h); anything else is not one. */
        if (np != GC_BDW_ESC || nb != GC_BDW_ESC || size < 3 * sizeof(uint64_t)) return false;
        const uint64_t *tail = (const uint64_t *)((const char *)obj + size - 2 * sizeof(uint64_t));
        if ((tail[0] & GC_BDW_TAG) != GC_BDW_TAG || (tail[1] & GC_BDW_TAG) != GC_BDW_TAG) return false;
        np = tail[0] & ~GC_BDW_TAG;
        nb = tail[1] & ~GC_BDW_TAG;
        if (np > UINT32_MAX || nb > GC_BDW_MAX_OBJECT) return false;
        tail_bytes = 2 * sizeof(uint64_t);
    }
    /* counts that do not fit: not a gclab header */
    if (sizeof(uint64_t) + np * sizeof(gc_obj *) + nb + tail_bytes > size) return false;
    *nptrs = np;
    *nbytes = nb;
    return true;
}

typedef struct counting {
    uint64_t *per_type;     /* objects, bytes: two words per type id */
    uint32_t ntypes;
    uint64_t objects, bytes;
} counting;

/* One object libgc marked (obj its base, size libgc's size of it): counted if it is a gclab object. */
static void GC_CALLBACK count_object(void *obj, size_t size, void *arg) {
    counting *c = arg;
    uint64_t np, nb;
    if (!gc_bdw_object_counts(obj, size, c->ntypes, &np, &nb)) return;
    uint32_t type = (uint32_t)(((const gc_obj *)obj)->hdr >> 48);
    uint64_t bytes = sizeof(uint64_t) + np * sizeof(gc_obj *) + nb;
    c->per_type[2 * type]++;
    c->per_type[2 * type + 1] += bytes;
    c->objects++;
    c->bytes += bytes;
}

static size_t set_slot(uintptr_t p, size_t cap) {
    return (size_t)(((uint64_t)p >> 3) * 0x9E3779B97F4A7C15ull >> 17) & (cap - 1);
}

/* Inserts p (not 0) into the open-addressing set; returns 1 if it was not there. */
static uint64_t set_insert(uintptr_t *set, size_t cap, uintptr_t p) {
    for (size_t i = set_slot(p, cap);; i = (i + 1) & (cap - 1)) {
        if (set[i] == p) return 0;
        if (set[i] == 0) {
            set[i] = p;
            return 1;
        }
    }
}

/* Bun's protected objects: what the program's own roots hold, each object once. Returns false when
 * the set found no memory. */
static bool count_protected(gc_heap *h, uint64_t *out) {
    size_t n = h->roots.n;
    for (gc_mut *m = h->muts; m; m = m->next) n += m->sp;
    *out = 0;
    if (n == 0) return true;
    size_t cap = 64;
    while (cap < 2 * n) cap *= 2;   /* at most half full: short probes */
    uintptr_t *set = gc_bdw_grow(h->census_set, &h->census_set_cap, cap, sizeof *set);
    if (!set) return false;
    h->census_set = set;
    memset(set, 0, cap * sizeof *set);
    uint64_t distinct = 0;
    for (gc_mut *m = h->muts; m; m = m->next)
        for (size_t i = 0; i < m->sp; i++)
            if (m->roots[i]) distinct += set_insert(set, cap, (uintptr_t)m->roots[i]);
    for (size_t i = 0; i < h->roots.n; i++)
        if (*h->roots.slot[i]) distinct += set_insert(set, cap, (uintptr_t)*h->roots.slot[i]);
    *out = distinct;
    return true;
}

void gc_bdw_census_take(gc_heap *h, gc_pause *rec) {
    if (!h->opts.census && atomic_load_explicit(&h->census_requests, memory_order_acquire) == 0) return;
    uint64_t t0 = gc_now_ns();
    counting c = {.ntypes = atomic_load_explicit(&h->types.count, memory_order_acquire)};
    /* All the memory first, so that a census is logged whole or not at all. */
    uint64_t *counts = gc_bdw_grow(h->census_counts, &h->census_counts_cap, 2 * (size_t)c.ntypes, sizeof *counts);
    if (counts) h->census_counts = counts;
    gc_census_row *log = gc_bdw_grow(h->census, &h->census_cap, h->census_n + c.ntypes, sizeof *log);
    if (log) h->census = log;
    uint64_t prot = 0;
    if (!counts || !log || !count_protected(h, &prot)) {
        h->census_dropped++;
        return;
    }
    memset(counts, 0, 2 * (size_t)c.ntypes * sizeof *counts);
    c.per_type = counts;
    GC_enumerate_reachable_objects_inner(count_object, &c);
    uint64_t ns = gc_now_ns() - t0;
    /* MARK_END comes after libgc counted this collection (GC_gc_no), so the number is the one the
     * pause record gets at POST_START_WORLD. */
    uint32_t cycle = (uint32_t)(GC_get_gc_no() - h->gc_no0);
    log[h->census_n++] = (gc_census_row){.cycle = cycle, .type = 0, .objects = c.objects, .bytes = c.bytes,
                                         .protected_objects = prot, .census_ns = ns,
                                         .requested = atomic_load(&h->collects_waiting) != 0};
    for (uint32_t t = 1; t < c.ntypes; t++)
        if (counts[2 * t])
            log[h->census_n++] = (gc_census_row){.cycle = cycle, .type = (gc_type)t, .objects = counts[2 * t],
                                                 .bytes = counts[2 * t + 1]};
    if (rec) rec->census_ns += ns;
}

void gc_bdw_census_free(gc_heap *h) {
    if (h->census) munmap(h->census, h->census_cap * sizeof *h->census);
    if (h->census_counts) munmap(h->census_counts, h->census_counts_cap * sizeof *h->census_counts);
    if (h->census_set) munmap(h->census_set, h->census_set_cap * sizeof *h->census_set);
    h->census = NULL;
    h->census_counts = NULL;
    h->census_set = NULL;
    h->census_n = h->census_cap = h->census_counts_cap = h->census_set_cap = 0;
}

typedef struct log_read {
    gc_heap *h;
    size_t n;
} log_read;

static void *read_log(void *arg) {
    log_read *rd = arg;
    rd->n = rd->h->census_n;
    return rd->h->census;
}

const gc_census_row *gc_census_log(gc_heap *h, size_t *count) {
    log_read rd = {.h = h};
    const gc_census_row *v = GC_call_with_alloc_lock(read_log, &rd);
    *count = rd.n;
    return v;
}

typedef struct latest {
    gc_heap *h;
    size_t since;           /* census_n when the request began */
    gc_census_row *out;
    size_t n;
} latest;

/* Allocation lock held, world running (malloc is fine: no thread holding malloc's lock waits for
 * libgc's). The last census logged since the request began, copied. */
static void *copy_latest(void *arg) {
    latest *l = arg;
    gc_heap *h = l->h;
    size_t at = h->census_n;
    while (at > l->since && h->census[at - 1].type != 0) at--;
    if (at == l->since) return NULL;   /* none since: it was dropped */
    size_t n = h->census_n - (at - 1);
    l->out = malloc(n * sizeof *l->out);
    if (l->out) {
        memcpy(l->out, &h->census[at - 1], n * sizeof *l->out);
        l->n = n;
    }
    return NULL;
}

static void *census_count(void *arg) {
    gc_heap *h = arg;
    return (void *)(uintptr_t)h->census_n;
}

/* While a request is outstanding every libgc collection takes a census, so the one gc_collect runs
 * has one, and any later one (another thread's collection) is as fresh; the latest is returned. */
gc_census_row *gc_heap_census(gc_mut *mut, size_t *count) {
    gc_heap *h = mut->heap;
    atomic_fetch_add_explicit(&h->census_requests, 1, memory_order_acq_rel);
    latest l = {.h = h, .since = (size_t)(uintptr_t)GC_call_with_alloc_lock(census_count, h)};
    gc_collect(mut);
    atomic_fetch_sub_explicit(&h->census_requests, 1, memory_order_acq_rel);
    GC_call_with_alloc_lock(copy_latest, &l);
    *count = l.n;
    return l.out;
}

/* A delta that would take the count below zero or past INT64_MAX is refused whole: the count stays
 * what it was, for an on_fatal that does not end the process. */
void gc_external_add(gc_heap *h, int64_t delta) {
    int64_t old = atomic_load_explicit(&h->external_bytes, memory_order_relaxed), now;
    do {
        if (__builtin_add_overflow(old, delta, &now))
            gc_fatal(h, "gc_external_add: external memory overflows (%lld + %lld bytes)", (long long)old,
                     (long long)delta);
        if (now < 0)
            gc_fatal(h, "gc_external_add: external memory went below zero (%lld bytes)", (long long)now);
    } while (!atomic_compare_exchange_weak_explicit(&h->external_bytes, &old, now, memory_order_relaxed,
                                                    memory_order_relaxed));
}

uint64_t gc_bdw_used_bytes(void) {
    /* libgc exports no count of the bytes in marked objects (it keeps one only for its own log), and
     * counting them would be a walk of the heap at every collection: the blocks in use are what it
     * gives, an upper bound (live objects, objects allocated since, garbage not yet swept, and the
     * rest of their blocks). Both getters read plain counters: the lock makes them agree. */
    size_t heap = GC_get_heap_size(), free_b = GC_get_free_bytes();
    return heap > free_b ? heap - free_b : 0;
}

typedef struct usage_read {
    uint64_t total, used;
} usage_read;

static void *read_usage(void *arg) {
    usage_read *u = arg;
    u->total = GC_get_heap_size();   /* excluding unmapped memory, like heap_bytes */
    u->used = gc_bdw_used_bytes();
    return NULL;
}

void gc_get_memory_usage(gc_heap *h, gc_memory_usage *out) {
    usage_read u;
    GC_call_with_alloc_lock(read_usage, &u);
    out->rss = gc_process_rss();
    out->heap_total = u.total;
    out->heap_used = u.used;
    out->external = (uint64_t)atomic_load_explicit(&h->external_bytes, memory_order_relaxed);
}
