/* snapshot_heap.c: the block heap's source for the snapshot writer (snapshot_writer.h, snapshot.c),
 * and its snapshot ids (the map of snapshot_ids.c, hung on the heap).
 *
 * Called inside the pause that ends a full-heap cycle, right after the colour flip, when an object is
 * live exactly if its header has the heap's colour (as the census is: insight.c):
 *   1. the heap walk marks each live object's first granule in a bitmap (one bit per 16 bytes of the
 *      heap in use), counts nodes and edges, and notes the ephemerons (below);
 *   2. the writer then visits the objects in address order (the bitmap's order), twice (nodes, edges);
 *      an edge's target index is the rank of its object's bit (a prefix count per 64-bit word of the
 *      bitmap, plus a popcount).
 * Extra memory: the bitmap and its counts (about 1.2% of the heap in use), and the ephemerons; never a
 * node or edge table.
 *
 * Sub-roots: "(Handles of thread N)" for each attached thread's shadow stack, "(Global handles)" (a
 * finalization registry's list of cells is one), "(Finalization queue)" (queued cells). Edges: a weak
 * reference's target and a finalization cell's target and token are weak edges ("target", "token";
 * the cell's held value, prev and next are property edges); an ephemeron follows V8's WeakMap
 * convention: a weak edge to its key, and to its value an internal edge from the ephemeron and another
 * from the key, both named "part of key (K @k) -> value (V @v) pair in WeakMap (table @e)" (the
 * source's extra strings), so that DevTools finds the value retained by the key and the table
 * together. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "heap.h"
#include "snapshot_writer.h"
#include "walk.h"

typedef struct eph {
    gc_obj *key, *e, *value;
} eph;

typedef struct source {
    gc_heap *heap;
    uint64_t colour;
    char *lo;                           /* the bitmap covers [lo, lo + nwords * 64 granules) */
    uint64_t *bits;
    uint32_t *rank;                     /* objects before each word */
    size_t nwords;
    uint64_t objects, edges;
    eph *ephs;                          /* live ephemerons with a key and a value, by key address */
    size_t nephs, cap_ephs, eph_cursor;
    bool oom;
} source;

static inline bool live(source *s, uint64_t h) {
    return h != 0 && gc_hdr_type(h) != 0 && (h & GC_HDR_MARK) == s->colour;
}

static inline size_t granule(source *s, const void *p) { return (size_t)((const char *)p - s->lo) >> GC_GRANULE_SHIFT; }

/* ---- the count: which objects, how many edges ---- */

static void note(gc_heap *heap, gc_obj *o, size_t room, void *arg) {
    source *s = arg;
    (void)heap, (void)room;
    uint64_t h = atomic_load_explicit(&o->header, memory_order_relaxed);
    if (!live(s, h)) return;
    size_t g = granule(s, o);
    s->bits[g / 64] |= (uint64_t)1 << (g % 64);
    s->objects++;
    uint64_t n = gc_obj_nptrs_of(o, h);
    for (uint64_t i = 0; i < n; i++) s->edges += atomic_load_explicit(&o->slot[i], memory_order_relaxed) != NULL;
    if ((h & GC_HDR_WEAK) && gc_hdr_type(h) == GC_TYPE_EPHEMERON) {   /* its key->value edge, at the key */
        gc_obj *key = atomic_load_explicit(&o->slot[0], memory_order_relaxed);
        gc_obj *value = atomic_load_explicit(&o->slot[1], memory_order_relaxed);
        if (key && value) {
            if (s->nephs == s->cap_ephs) {
                size_t cap = s->cap_ephs ? 2 * s->cap_ephs : 256;
                eph *v = realloc(s->ephs, cap * sizeof *v);
                if (!v) {
                    s->oom = true;
                    return;
                }
                s->ephs = v;
                s->cap_ephs = cap;
            }
            s->ephs[s->nephs++] = (eph){key, o, value};
            s->edges++;   /* the key's edge to the value */
        }
    }
}

static int by_key(const void *a, const void *b) {
    uintptr_t x = (uintptr_t)((const eph *)a)->key, y = (uintptr_t)((const eph *)b)->key;
    return x < y ? -1 : x > y;
}

/* ---- the source ---- */

static const char *type_name(void *ctx, uint32_t t) { return ((source *)ctx)->heap->types.name[t]; }

static gc_mut *mut_at(gc_heap *heap, unsigned r) {
    gc_mut *m = heap->muts;
    while (r--) m = m->next;
    return m;
}

static unsigned nmuts(gc_heap *heap) {
    unsigned n = 0;
    for (gc_mut *m = heap->muts; m; m = m->next) n++;
    return n;
}

static const char *root_name(void *ctx, unsigned r, char *buf, size_t len) {
    unsigned t = nmuts(((source *)ctx)->heap);
    if (r == t) return "(Global handles)";
    if (r == t + 1) return "(Finalization queue)";
    snprintf(buf, len, "(Handles of thread %u)", r);
    return buf;
}

typedef struct root_visit {
    gc_snap_writer *w;      /* NULL: count */
    uint64_t n;
} root_visit;

static void visit_root(gc_obj **slot, void *arg) {
    root_visit *v = arg;
    if (!*slot) return;
    v->n++;
    if (v->w) gc_snap_root_edge(v->w, *slot);
}

static void roots_of(source *s, unsigned r, root_visit *v) {
    gc_heap *heap = s->heap;
    unsigned t = nmuts(heap);
    if (r < t) {
        gc_mut *m = mut_at(heap, r);
        for (gc_obj **p = m->sp_base; p < m->sp; p++) visit_root(p, v);
    } else if (r == t) {
        pthread_mutex_lock(&heap->roots_lock);
        for (size_t i = 0; i < heap->globals.n; i++) visit_root(heap->globals.slot[i], v);
        pthread_mutex_unlock(&heap->roots_lock);
    } else {
        gc_weak_visit_queue(heap, visit_root, v);
    }
}

static uint64_t root_count(void *ctx, unsigned r) {
    root_visit v = {0};
    roots_of(ctx, r, &v);
    return v.n;
}

static void root_edges(void *ctx, unsigned r, gc_snap_writer *w) {
    root_visit v = {.w = w};
    roots_of(ctx, r, &v);
}

static void each_object(void *ctx, void (*fn)(gc_snap_writer *w, const void *o), gc_snap_writer *w) {
    source *s = ctx;
    s->eph_cursor = 0;
    for (size_t wd = 0; wd < s->nwords; wd++)
        for (uint64_t b = s->bits[wd]; b; b &= b - 1)
            fn(w, s->lo + ((wd * 64 + (size_t)__builtin_ctzll(b)) << GC_GRANULE_SHIFT));
}

static uint64_t index_of(void *ctx, const void *o) {
    source *s = ctx;
    size_t g = granule(s, o);
    uint64_t below = s->bits[g / 64] & (((uint64_t)1 << (g % 64)) - 1);
    return s->rank[g / 64] + (uint64_t)__builtin_popcountll(below);
}

/* The ephemerons whose key is o: the objects are visited in address order, and so are they. */
static size_t ephs_of_key(source *s, const gc_obj *o, size_t *first) {
    while (s->eph_cursor < s->nephs && (uintptr_t)s->ephs[s->eph_cursor].key < (uintptr_t)o) s->eph_cursor++;
    *first = s->eph_cursor;
    size_t k = s->eph_cursor;
    while (k < s->nephs && s->ephs[k].key == o) k++;
    return k - *first;
}

static void node_of(void *ctx, const void *p, gc_snap_node *out) {
    source *s = ctx;
    gc_obj *o = (gc_obj *)p;
    uint64_t h = atomic_load_explicit(&o->header, memory_order_relaxed);
    uint64_t n = gc_obj_nptrs_of(o, h), edges = 0;
    for (uint64_t i = 0; i < n; i++) edges += atomic_load_explicit(&o->slot[i], memory_order_relaxed) != NULL;
    size_t first;
    edges += ephs_of_key(s, o, &first);
    out->type = gc_hdr_type(h);
    out->id = gc_snap_id(s->heap, o, &out->detached);
    out->self_size = gc_object_bytes((uint32_t)n, gc_obj_nbytes_of(o, h));
    out->edges = edges;
}

static void edges_of(void *ctx, const void *p, gc_snap_writer *w) {
    source *s = ctx;
    gc_obj *o = (gc_obj *)p;
    uint64_t h = atomic_load_explicit(&o->header, memory_order_relaxed);
    uint64_t n = gc_obj_nptrs_of(o, h);
    gc_type type = gc_hdr_type(h);
    bool weak = (h & GC_HDR_WEAK) != 0;
    for (uint64_t i = 0; i < n; i++) {
        gc_obj *t = atomic_load_explicit(&o->slot[i], memory_order_relaxed);
        if (!t) continue;
        if (weak && type == GC_TYPE_WEAKREF && i == 0) gc_snap_edge_named(w, GC_SNAP_WEAK, GC_SNAP_TARGET, t);
        else if (weak && type == GC_TYPE_FINCELL && i < 5)
            gc_snap_edge_named(w, i < 2 ? GC_SNAP_WEAK : GC_SNAP_PROPERTY,
                               (const unsigned[]){GC_SNAP_TARGET, GC_SNAP_TOKEN, GC_SNAP_HELD, GC_SNAP_PREV, GC_SNAP_NEXT}[i], t);
        else if (weak && type == GC_TYPE_EPHEMERON && i == 0) gc_snap_edge_named(w, GC_SNAP_WEAK, GC_SNAP_KEY, t);
        else if (weak && type == GC_TYPE_EPHEMERON && i == 1) {
            /* The pair's name: the ephemeron's entry in ephs (found by key). */
            size_t k = 0;
            gc_obj *key = atomic_load_explicit(&o->slot[0], memory_order_relaxed);
            eph probe = {.key = key};
            eph *hit = key && s->nephs ? bsearch(&probe, s->ephs, s->nephs, sizeof *s->ephs, by_key) : NULL;
            if (hit) {
                while (hit > s->ephs && hit[-1].key == key) hit--;
                while (hit < s->ephs + s->nephs && hit->key == key && hit->e != o) hit++;
                k = (size_t)(hit - s->ephs);
            }
            if (hit && k < s->nephs && s->ephs[k].e == o) gc_snap_edge_extra(w, GC_SNAP_INTERNAL, k, t);
            else gc_snap_edge_slot(w, 1, n, t);   /* no key: an ordinary slot "slot1" */
        } else if (weak && type == GC_TYPE_EPHEMERON && i == 2) gc_snap_edge_named(w, GC_SNAP_PROPERTY, GC_SNAP_NEXT, t);
        else gc_snap_edge_slot(w, i, n, t);
    }
    size_t first, count = ephs_of_key(s, o, &first);
    for (size_t k = first; k < first + count; k++) gc_snap_edge_extra(w, GC_SNAP_INTERNAL, k, s->ephs[k].value);
}

static void extra_string(void *ctx, size_t k, gc_snap_writer *w) {
    source *s = ctx;
    gc_heap *heap = s->heap;
    const eph *x = &s->ephs[k];
    uint64_t hk = atomic_load_explicit(&x->key->header, memory_order_relaxed);
    uint64_t hv = atomic_load_explicit(&x->value->header, memory_order_relaxed);
    char name[512];
    snprintf(name, sizeof name, "part of key (%s @%llu) -> value (%s @%llu) pair in WeakMap (table @%llu)",
             heap->types.name[gc_hdr_type(hk)], (unsigned long long)gc_snap_id(heap, x->key, NULL),
             heap->types.name[gc_hdr_type(hv)], (unsigned long long)gc_snap_id(heap, x->value, NULL),
             (unsigned long long)gc_snap_id(heap, x->e, NULL));
    gc_snap_put_string(w, name);
}

int gc_snapshot_write(gc_heap *heap, const char *path, gc_snapshot_stats *st, char *err, size_t errlen) {
    uint64_t t0 = gc_now_ns();
    source s = {.heap = heap, .colour = heap->colour};
    s.lo = heap->base;
    /* The blocks ever used: no object lies above (a young generation's blocks are below too). */
    size_t hwm = atomic_load_explicit(&heap->block_hwm, memory_order_relaxed);
    size_t granules = (hwm << GC_BLOCK_SHIFT) >> GC_GRANULE_SHIFT;
    s.nwords = granules / 64 + 1;
    s.bits = calloc(s.nwords, sizeof *s.bits);
    s.rank = malloc(s.nwords * sizeof *s.rank);
    if (!s.bits || !s.rank) {
        snprintf(err, errlen, "out of memory for the snapshot's bitmap");
        free(s.bits), free(s.rank);
        return -1;
    }
    gc_heap_walk(heap, note, &s);
    if (s.oom) {
        snprintf(err, errlen, "out of memory noting ephemerons for the snapshot");
        free(s.bits), free(s.rank), free(s.ephs);
        return -1;
    }
    uint64_t before = 0;
    for (size_t i = 0; i < s.nwords; i++) {
        s.rank[i] = (uint32_t)before;
        before += (uint64_t)__builtin_popcountll(s.bits[i]);
    }
    if (s.nephs) qsort(s.ephs, s.nephs, sizeof *s.ephs, by_key);
    gc_snap_source src = {.ctx = &s, .objects = s.objects, .edges = s.edges,
                          .ntypes = atomic_load_explicit(&heap->types.count, memory_order_acquire),
                          .nroots = nmuts(heap) + 2, .nextra = s.nephs, .type_name = type_name,
                          .root_name = root_name, .root_count = root_count, .root_edges = root_edges,
                          .each_object = each_object, .index_of = index_of, .node_of = node_of,
                          .edges_of = edges_of, .extra_string = extra_string};
    int rc = gc_snap_write(&src, path, err, errlen);
    if (st) {
        st->objects = s.objects;
        st->edges = s.edges;
        st->ns = gc_now_ns() - t0;
        st->extra_bytes = s.nwords * (sizeof *s.bits + sizeof *s.rank) + s.cap_ephs * sizeof *s.ephs;
    }
    free(s.bits), free(s.rank), free(s.ephs);
    return rc;
}

/* ---- snapshot ids: the map, on the heap ---- */

static gc_snap_ids *ids_of(gc_heap *heap) {
    gc_snap_ids *m = atomic_load_explicit(&heap->snap_ids, memory_order_acquire);
    if (m) return m;
    pthread_mutex_lock(&heap->census_lock);
    m = atomic_load_explicit(&heap->snap_ids, memory_order_relaxed);
    if (!m) {
        if (!(m = gc_snapmap_new())) gc_fatal(heap, "out of memory for heap snapshot ids");
        atomic_store_explicit(&heap->snap_ids, m, memory_order_release);
    }
    pthread_mutex_unlock(&heap->census_lock);
    return m;
}

uint64_t gc_snap_id(gc_heap *heap, const gc_obj *o, bool *detached) {
    return gc_snapmap_id(heap, ids_of(heap), o, detached);
}

void gc_set_detached(gc_mut *mut, gc_obj *o, bool detached) {
    if (!o) gc_fatal(mut->heap, "gc_set_detached: NULL object");
    gc_snapmap_set_detached(mut->heap, ids_of(mut->heap), o, detached);
}

typedef struct colour_of {
    uint64_t colour;
} colour_of;

static bool coloured(const void *o, void *arg) {
    uint64_t h = atomic_load_explicit(&((const gc_obj *)o)->header, memory_order_relaxed);
    return h != 0 && (h & GC_HDR_MARK) == ((colour_of *)arg)->colour;
}

void gc_snap_ids_prune(gc_heap *heap, uint64_t colour) {
    gc_snap_ids *m = atomic_load_explicit(&heap->snap_ids, memory_order_acquire);
    colour_of c = {colour};
    if (m) gc_snapmap_prune(m, coloured, &c);
}

static gc_obj *(*g_where)(gc_obj *o);   /* the scavenge's, for the one call below (in its pause) */
static void *where_void(void *o) { return g_where(o); }

void gc_snap_ids_moved(gc_heap *heap, uintptr_t lo, uintptr_t span, gc_obj *(*where)(gc_obj *o)) {
    gc_snap_ids *m = atomic_load_explicit(&heap->snap_ids, memory_order_acquire);
    if (!m) return;
    g_where = where;
    gc_snapmap_moved(heap, m, lo, span, where_void);
}

void gc_snap_ids_free(gc_heap *heap) {
    gc_snapmap_free(atomic_load_explicit(&heap->snap_ids, memory_order_relaxed));
    atomic_store_explicit(&heap->snap_ids, NULL, memory_order_relaxed);
}

size_t gc_snap_ids_bytes(gc_heap *heap) { return gc_snapmap_bytes(atomic_load_explicit(&heap->snap_ids, memory_order_acquire)); }
