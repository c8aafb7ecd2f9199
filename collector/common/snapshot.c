/* snapshot.c: V8 .heapsnapshot files of the heap (gclab.h, docs/DESIGN.md §13), for Chrome DevTools'
 * Memory panel and memlab.
 *
 * A snapshot is written inside the pause that ends a full-heap cycle, right after the colour flip,
 * when an object is live exactly if its header has the heap's colour (as the census is: insight.c).
 * The format needs each edge's target as a node index, and node_count and edge_count before the
 * nodes. So three passes over the heap, streamed to the file, with no copy of the graph:
 *   1. the heap walk marks each live object's first granule in a bitmap (one bit per 16 bytes of the
 *      heap in use), counts nodes and edges, and notes the ephemerons (below);
 *   2. nodes, in address order (the bitmap's order): the synthetic nodes, then every object;
 *   3. edges, node by node in the same order; an edge's target index is the rank of its object's bit
 *      (a prefix count per 64-bit word of the bitmap, plus a popcount).
 * Extra memory: the bitmap and its counts (about 1.2% of the heap in use), the type names and edge
 * names (strings), and the ephemerons; never a node or edge table.
 *
 * The graph, as DevTools reads V8's:
 *   node 0       the synthetic root (type synthetic, name ""), one element edge to (GC roots);
 *   (GC roots)   synthetic, element edges to the sub-roots: "(Handles of thread N)" for each attached
 *                thread's shadow stack, "(Global handles)", and "(Finalization queue)" (queued cells);
 *   objects      type object, named by their registered type, self size their exact bytes (header,
 *                slots, raw bytes); id from snapshot_ids.c (odd, stable, never reused);
 *                detachedness 2 when the program said so (gc_set_detached), else 0;
 *   edges        a pointer slot is a property edge "slotN" (an object with more than 16 slots is an
 *                array: element edges by index); a weak reference's target and a finalization cell's
 *                target and token are weak edges; an ephemeron follows V8's WeakMap convention: a weak
 *                edge to its key, and to its value an internal edge from the ephemeron and another
 *                from the key, both named "part of key (K @k) -> value (V @v) pair in WeakMap (table
 *                @e)", so that DevTools finds the value retained by the key and the table together. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "heap.h"
#include "walk.h"

#define ARRAY_SLOTS 16                  /* more pointer slots than this: an array (element edges) */

enum { NT_OBJECT = 3, NT_SYNTHETIC = 9 };                          /* V8's node types */
enum { ET_ELEMENT = 1, ET_PROPERTY = 2, ET_INTERNAL = 3, ET_WEAK = 6 };   /* V8's edge types */

/* Strings: the type names first (string = type id + S_TYPES), then fixed names, then the pair names of
 * ephemerons, written last in this order. */
enum { S_EMPTY, S_GCROOTS, S_GLOBALS, S_QUEUE, S_TARGET, S_TOKEN, S_HELD, S_PREV, S_NEXT, S_KEY, S_FIXED };
static const char *const fixed_names[S_FIXED] = {"", "(GC roots)", "(Global handles)", "(Finalization queue)",
                                                 "target", "token", "held", "prev", "next", "key"};

typedef struct eph {
    gc_obj *key, *e, *value;
} eph;

typedef struct writer {
    gc_heap *heap;
    FILE *f;
    uint64_t colour;
    char *lo;                           /* the bitmap covers [lo, lo + nwords * 64 granules) */
    uint64_t *bits;
    uint32_t *rank;                     /* objects before each word */
    size_t nwords;
    uint64_t objects, edges;
    unsigned nmuts;
    uint32_t ntypes;                    /* type ids below this have names */
    uint32_t slot_names;                /* first string index of "slot0".."slot15" */
    uint32_t pair_names;                /* first string index of the ephemerons' pair names */
    eph *ephs;                          /* live ephemerons with a key and a value, by key address */
    size_t nephs, cap_ephs, eph_cursor;
    bool oom;
    char buf[64];
} writer;

static inline bool live(writer *w, uint64_t h) {
    return h != 0 && gc_hdr_type(h) != 0 && (h & GC_HDR_MARK) == w->colour;
}

static inline size_t granule(writer *w, const void *p) { return (size_t)((const char *)p - w->lo) >> GC_GRANULE_SHIFT; }

static inline uint64_t node_index(writer *w, const gc_obj *o) {
    size_t g = granule(w, o);
    uint64_t below = w->bits[g / 64] & (((uint64_t)1 << (g % 64)) - 1);
    return 2 + w->nmuts + 2 + w->rank[g / 64] + (uint64_t)__builtin_popcountll(below);
}

/* ---- numbers and strings into the stream ---- */

static void put_u64(writer *w, uint64_t v) {
    char *p = w->buf + sizeof w->buf;
    *--p = 0;
    do *--p = (char)('0' + v % 10);
    while ((v /= 10));
    fputs(p, w->f);
}

static void put_json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fputc('\\', f), fputc(c, f);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

/* ---- pass 1: which objects, how many edges ---- */

static void note(gc_heap *heap, gc_obj *o, size_t room, void *arg) {
    writer *w = arg;
    (void)heap, (void)room;
    uint64_t h = atomic_load_explicit(&o->header, memory_order_relaxed);
    if (!live(w, h)) return;
    size_t g = granule(w, o);
    w->bits[g / 64] |= (uint64_t)1 << (g % 64);
    w->objects++;
    uint64_t n = gc_obj_nptrs_of(o, h);
    for (uint64_t i = 0; i < n; i++) w->edges += atomic_load_explicit(&o->slot[i], memory_order_relaxed) != NULL;
    if ((h & GC_HDR_WEAK) && gc_hdr_type(h) == GC_TYPE_EPHEMERON) {   /* its key->value edge, at the key */
        gc_obj *key = atomic_load_explicit(&o->slot[0], memory_order_relaxed);
        gc_obj *value = atomic_load_explicit(&o->slot[1], memory_order_relaxed);
        if (key && value) {
            if (w->nephs == w->cap_ephs) {
                size_t cap = w->cap_ephs ? 2 * w->cap_ephs : 256;
                eph *v = realloc(w->ephs, cap * sizeof *v);
                if (!v) {
                    w->oom = true;
                    return;
                }
                w->ephs = v;
                w->cap_ephs = cap;
            }
            w->ephs[w->nephs++] = (eph){key, o, value};
            w->edges++;   /* the key's edge to the value */
        }
    }
}

static int by_key(const void *a, const void *b) {
    uintptr_t x = (uintptr_t)((const eph *)a)->key, y = (uintptr_t)((const eph *)b)->key;
    return x < y ? -1 : x > y;
}

typedef struct root_count {
    uint64_t n;
} root_count;

static void count_root(gc_obj **slot, void *arg) { ((root_count *)arg)->n += *slot != NULL; }

/* The shadow stack of one thread, the globals, the queue: what each sub-root holds. */
static uint64_t handles_of(gc_mut *m) {
    uint64_t n = 0;
    for (gc_obj **s = m->sp_base; s < m->sp; s++) n += *s != NULL;
    return n;
}

static uint64_t globals_count(gc_heap *heap) {
    uint64_t n = 0;
    pthread_mutex_lock(&heap->roots_lock);
    for (size_t i = 0; i < heap->globals.n; i++) n += *heap->globals.slot[i] != NULL;
    pthread_mutex_unlock(&heap->roots_lock);
    return n;
}

/* ---- pass 2: nodes ---- */

static void node(writer *w, unsigned type, uint64_t name, uint64_t id, uint64_t size, uint64_t edges, unsigned detached,
                 bool first) {
    if (!first) fputc(',', w->f);
    fputc('\n', w->f);
    put_u64(w, type), fputc(',', w->f);
    put_u64(w, name), fputc(',', w->f);
    put_u64(w, id), fputc(',', w->f);
    put_u64(w, size), fputc(',', w->f);
    put_u64(w, edges), fputs(",0,", w->f);
    put_u64(w, detached);
}

/* The ephemerons whose key is o: the objects are visited in address order, and so are they. */
static size_t ephs_of_key(writer *w, const gc_obj *o, size_t *first) {
    while (w->eph_cursor < w->nephs && (uintptr_t)w->ephs[w->eph_cursor].key < (uintptr_t)o) w->eph_cursor++;
    *first = w->eph_cursor;
    size_t k = w->eph_cursor;
    while (k < w->nephs && w->ephs[k].key == o) k++;
    return k - *first;
}

static void object_node(writer *w, gc_obj *o) {
    uint64_t h = atomic_load_explicit(&o->header, memory_order_relaxed);
    uint64_t n = gc_obj_nptrs_of(o, h), edges = 0;
    for (uint64_t i = 0; i < n; i++) edges += atomic_load_explicit(&o->slot[i], memory_order_relaxed) != NULL;
    size_t first;
    edges += ephs_of_key(w, o, &first);
    bool detached;
    uint64_t id = gc_snap_id(w->heap, o, &detached);
    node(w, NT_OBJECT, S_FIXED + gc_hdr_type(h), id, gc_object_bytes((uint32_t)n, gc_obj_nbytes_of(o, h)), edges,
         detached ? 2 : 0, false);
}

/* ---- pass 3: edges ---- */

static void edge(writer *w, unsigned type, uint64_t name_or_index, uint64_t to_node) {
    fputc(',', w->f);
    fputc('\n', w->f);
    put_u64(w, type), fputc(',', w->f);
    put_u64(w, name_or_index), fputc(',', w->f);
    put_u64(w, to_node * 7);   /* a node's position times the node field count */
}

typedef struct root_edges {
    writer *w;
    uint64_t i;
} root_edges;

static void root_edge(gc_obj **slot, void *arg) {
    root_edges *r = arg;
    if (*slot) edge(r->w, ET_ELEMENT, r->i++, node_index(r->w, *slot));
}

static void object_edges(writer *w, gc_obj *o) {
    uint64_t h = atomic_load_explicit(&o->header, memory_order_relaxed);
    uint64_t n = gc_obj_nptrs_of(o, h);
    gc_type type = gc_hdr_type(h);
    bool weak = (h & GC_HDR_WEAK) != 0;
    for (uint64_t i = 0; i < n; i++) {
        gc_obj *t = atomic_load_explicit(&o->slot[i], memory_order_relaxed);
        if (!t) continue;
        uint64_t to = node_index(w, t);
        if (weak && type == GC_TYPE_WEAKREF && i == 0) edge(w, ET_WEAK, S_TARGET, to);
        else if (weak && type == GC_TYPE_FINCELL && i < 5)
            edge(w, i < 2 ? ET_WEAK : ET_PROPERTY, (const uint64_t[]){S_TARGET, S_TOKEN, S_HELD, S_PREV, S_NEXT}[i], to);
        else if (weak && type == GC_TYPE_EPHEMERON && i == 0) edge(w, ET_WEAK, S_KEY, to);
        else if (weak && type == GC_TYPE_EPHEMERON && i == 1) {
            /* The pair's name: the ephemeron's entry in ephs (found by key). */
            size_t k = 0;
            gc_obj *key = atomic_load_explicit(&o->slot[0], memory_order_relaxed);
            eph probe = {.key = key};
            eph *hit = key && w->nephs ? bsearch(&probe, w->ephs, w->nephs, sizeof *w->ephs, by_key) : NULL;
            if (hit) {
                while (hit > w->ephs && hit[-1].key == key) hit--;
                while (hit < w->ephs + w->nephs && hit->key == key && hit->e != o) hit++;
                k = (size_t)(hit - w->ephs);
            }
            if (hit && k < w->nephs && w->ephs[k].e == o) edge(w, ET_INTERNAL, w->pair_names + k, to);
            else edge(w, ET_PROPERTY, S_FIXED + w->ntypes + 1, to);   /* no key: an ordinary slot "slot1" */
        } else if (weak && type == GC_TYPE_EPHEMERON && i == 2) edge(w, ET_PROPERTY, S_NEXT, to);
        else if (n > ARRAY_SLOTS) edge(w, ET_ELEMENT, i, to);
        else edge(w, ET_PROPERTY, w->slot_names + i, to);
    }
    size_t first, count = ephs_of_key(w, o, &first);
    for (size_t k = first; k < first + count; k++) edge(w, ET_INTERNAL, w->pair_names + k, node_index(w, w->ephs[k].value));
}

/* ---- the file ---- */

static const char meta[] =
    "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\",\"trace_node_id\","
    "\"detachedness\"],\"node_types\":[[\"hidden\",\"array\",\"string\",\"object\",\"code\",\"closure\",\"regexp\","
    "\"number\",\"native\",\"synthetic\",\"concatenated string\",\"sliced string\",\"symbol\",\"bigint\",\"object shape\"],"
    "\"string\",\"number\",\"number\",\"number\",\"number\",\"number\"],\"edge_fields\":[\"type\",\"name_or_index\","
    "\"to_node\"],\"edge_types\":[[\"context\",\"element\",\"property\",\"internal\",\"hidden\",\"shortcut\",\"weak\"],"
    "\"string_or_number\",\"node\"],\"trace_function_info_fields\":[\"function_id\",\"name\",\"script_name\","
    "\"script_id\",\"line\",\"column\"],\"trace_node_fields\":[\"id\",\"function_info_index\",\"count\",\"size\","
    "\"children\"],\"sample_fields\":[\"timestamp_us\",\"last_assigned_id\"],\"location_fields\":[\"object_index\","
    "\"script_id\",\"line\",\"column\"]},";

static void write_all(writer *w) {
    gc_heap *heap = w->heap;
    FILE *f = w->f;
    uint64_t nglobals = globals_count(heap), nqueue = 0;
    root_count q = {0};
    gc_weak_visit_queue(heap, count_root, &q);
    nqueue = q.n;
    uint64_t nsyn = 2 + w->nmuts + 2, root_edges_n = 1 + w->nmuts + 2;
    uint64_t handles = nglobals + nqueue;
    for (gc_mut *m = heap->muts; m; m = m->next) handles += handles_of(m);
    fputs(meta, f);
    fputs("\"node_count\":", f), put_u64(w, nsyn + w->objects);
    fputs(",\"edge_count\":", f), put_u64(w, root_edges_n + handles + w->edges);
    fputs(",\"trace_function_count\":0},\n\"nodes\":[", f);
    /* Synthetic ids: 1 the root, 3 (GC roots), then 5, 7, ... the sub-roots (below GC_SNAP_FIRST_ID). */
    node(w, NT_SYNTHETIC, S_EMPTY, 1, 0, 1, 0, true);
    node(w, NT_SYNTHETIC, S_GCROOTS, 3, 0, w->nmuts + 2, 0, false);
    unsigned t = 0;
    for (gc_mut *m = heap->muts; m; m = m->next, t++)
        node(w, NT_SYNTHETIC, S_FIXED + w->ntypes + ARRAY_SLOTS + w->nephs + t, 5 + 2 * (uint64_t)t, 0, handles_of(m), 0, false);
    node(w, NT_SYNTHETIC, S_GLOBALS, 5 + 2 * (uint64_t)t, 0, nglobals, 0, false);
    node(w, NT_SYNTHETIC, S_QUEUE, 7 + 2 * (uint64_t)t, 0, nqueue, 0, false);
    for (size_t wd = 0; wd < w->nwords; wd++)
        for (uint64_t b = w->bits[wd]; b; b &= b - 1)
            object_node(w, (gc_obj *)(w->lo + ((wd * 64 + (size_t)__builtin_ctzll(b)) << GC_GRANULE_SHIFT)));
    fputs("],\n\"edges\":[", f);
    /* The root's edge has no comma before it; edge() writes one before each of the others. */
    fputc('\n', f), put_u64(w, ET_ELEMENT), fputs(",1,", f), put_u64(w, 1 * 7);
    for (unsigned k = 0; k < w->nmuts + 2; k++) edge(w, ET_ELEMENT, k + 1, 2 + k);
    for (gc_mut *m = heap->muts; m; m = m->next) {
        root_edges r = {w, 0};
        for (gc_obj **s = m->sp_base; s < m->sp; s++) root_edge(s, &r);
    }
    root_edges r = {w, 0};
    pthread_mutex_lock(&heap->roots_lock);
    for (size_t i = 0; i < heap->globals.n; i++) root_edge(heap->globals.slot[i], &r);
    pthread_mutex_unlock(&heap->roots_lock);
    r = (root_edges){w, 0};
    gc_weak_visit_queue(heap, root_edge, &r);
    w->eph_cursor = 0;
    for (size_t wd = 0; wd < w->nwords; wd++)
        for (uint64_t b = w->bits[wd]; b; b &= b - 1)
            object_edges(w, (gc_obj *)(w->lo + ((wd * 64 + (size_t)__builtin_ctzll(b)) << GC_GRANULE_SHIFT)));
    fputs("],\n\"trace_function_infos\":[],\n\"trace_tree\":[],\n\"samples\":[],\n\"locations\":[],\n\"strings\":[", f);
    for (unsigned s = 0; s < S_FIXED; s++) {
        if (s) fputc(',', f);
        put_json_string(f, fixed_names[s]);
    }
    for (uint32_t ty = 0; ty < w->ntypes; ty++) {
        fputs(",\n", f);
        put_json_string(f, ty ? heap->types.name[ty] : "(filler)");
    }
    for (unsigned s = 0; s < ARRAY_SLOTS; s++) fprintf(f, ",\"slot%u\"", s);
    for (size_t k = 0; k < w->nephs; k++) {
        const eph *x = &w->ephs[k];
        uint64_t hk = atomic_load_explicit(&x->key->header, memory_order_relaxed);
        uint64_t hv = atomic_load_explicit(&x->value->header, memory_order_relaxed);
        fprintf(f, ",\n\"part of key (%s @%llu) -> value (%s @%llu) pair in WeakMap (table @%llu)\"",
                heap->types.name[gc_hdr_type(hk)], (unsigned long long)gc_snap_id(heap, x->key, NULL),
                heap->types.name[gc_hdr_type(hv)], (unsigned long long)gc_snap_id(heap, x->value, NULL),
                (unsigned long long)gc_snap_id(heap, x->e, NULL));
    }
    t = 0;
    for (gc_mut *m = heap->muts; m; m = m->next, t++) fprintf(f, ",\n\"(Handles of thread %u)\"", t);
    fputs("]}\n", f);
}

int gc_snapshot_write(gc_heap *heap, const char *path, gc_snapshot_stats *st, char *err, size_t errlen) {
    uint64_t t0 = gc_now_ns();
    writer w = {.heap = heap, .colour = heap->colour};
    w.lo = heap->base;
    /* The blocks ever used: no object lies above (a young generation's blocks are below too). */
    size_t hwm = atomic_load_explicit(&heap->block_hwm, memory_order_relaxed);
    size_t granules = (hwm << GC_BLOCK_SHIFT) >> GC_GRANULE_SHIFT;
    w.nwords = granules / 64 + 1;
    w.bits = calloc(w.nwords, sizeof *w.bits);
    w.rank = malloc(w.nwords * sizeof *w.rank);
    w.ntypes = atomic_load_explicit(&heap->types.count, memory_order_acquire);
    for (gc_mut *m = heap->muts; m; m = m->next) w.nmuts++;
    if (!w.bits || !w.rank) {
        snprintf(err, errlen, "out of memory for the snapshot's bitmap");
        free(w.bits), free(w.rank);
        return -1;
    }
    gc_heap_walk(heap, note, &w);
    if (w.oom) {
        snprintf(err, errlen, "out of memory noting ephemerons for the snapshot");
        free(w.bits), free(w.rank), free(w.ephs);
        return -1;
    }
    uint64_t before = 0;
    for (size_t i = 0; i < w.nwords; i++) {
        w.rank[i] = (uint32_t)before;
        before += (uint64_t)__builtin_popcountll(w.bits[i]);
    }
    if (w.nephs) qsort(w.ephs, w.nephs, sizeof *w.ephs, by_key);
    w.slot_names = S_FIXED + w.ntypes;
    w.pair_names = w.slot_names + ARRAY_SLOTS;
    w.f = fopen(path, "w");
    int rc = 0;
    if (!w.f) {
        snprintf(err, errlen, "cannot write the snapshot %s: %s", path, strerror(errno));
        rc = -1;
    } else {
        static char big[1 << 20];
        setvbuf(w.f, big, _IOFBF, sizeof big);
        write_all(&w);
        if (ferror(w.f) | fclose(w.f)) {
            snprintf(err, errlen, "error writing the snapshot %s", path);
            rc = -1;
        }
    }
    if (st) {
        st->objects = w.objects;
        st->edges = w.edges;
        st->ns = gc_now_ns() - t0;
        st->extra_bytes = w.nwords * (sizeof *w.bits + sizeof *w.rank) + w.cap_ephs * sizeof *w.ephs;
    }
    free(w.bits), free(w.rank), free(w.ephs);
    return rc;
}
