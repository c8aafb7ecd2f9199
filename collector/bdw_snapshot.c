/* bdw_snapshot.c: heap snapshots on COLLECTOR=bdw (gclab.h, docs/DESIGN.md §13): libgc's source for
 * the one writer (collector/common/snapshot.c, snapshot_writer.h), and the snapshot ids of libgc's
 * objects.
 *
 * When. Where the census is taken (bdw_census.c): libgc's collection callback at MARK_END, after the
 * census, with the world stopped, the allocation lock held and the mark bits exactly what this
 * collection found reachable. No malloc there (a stopped thread may hold malloc's lock): the scratch
 * below is mmap'd and grown with mremap (gc_bdw_grow), the file is written with open/write from the
 * writer's static buffer, the id map lives in mmap'd pages. The whole snapshot is written inside the
 * pause, as on the precise collectors: the pause grows by the time of writing the file (measured in
 * the pause record's snapshot_ns; gclab's summary prints it).
 *
 * Which objects. The objects libgc marked that are gclab's (gc_bdw_object_counts: the census's rule),
 * so a snapshot's counts per type are the census's of the same collection. GC_enumerate_reachable_
 * objects_inner gives them in libgc's block order; they are kept in an array of addresses, sorted (a
 * heapsort: qsort may allocate), and an object's node index is its position there (binary search).
 * Extra memory: 8 bytes per object for the array, 4 for the walk's stack, 3 bits for its marks.
 *
 * What libgc's conservatism adds. libgc scans thread stacks, registers and static data conservatively:
 * an object a stale word happens to point at is marked, with all it reaches. That is what libgc
 * retains, and the snapshot shows it, but not as reached from the program's handles. So beside V8's
 * sub-roots ("(Handles of thread N)", "(Global handles)" with the finalization registries' lists as
 * on the precise collectors, "(Finalization queue)"), bdw adds "(Conservative roots)": the objects no
 * precise root reaches through strong edges, each one only if no other such object points at it (or,
 * for a cycle of them, its lowest address). DevTools' Retainers then shows such an object retained
 * through (Conservative roots), and every object is reachable from node 0. libgc's own retainers land
 * there too: a finalization target whose finalizer has not yet run by the next collection (libgc's
 * queue of objects to finalize is a root then, bdw_fin.c). Everything a precise collector's snapshot
 * holds at the same point is in bdw's, with the same edges; bdw may hold more, and says where from.
 *
 * Edges. Pointer slots as on every collector ("slotN", element edges past 16 slots). A WeakRef's
 * target word and a finalization cell's target and token words are libgc disappearing links, not yet
 * cleared at MARK_END: revealed, they are weak edges "target" and "token" when libgc marked the
 * target (an unmarked one dies in this collection, and has no node). A cell's held value, next and
 * prev are property edges "held", "next", "prev", its chain of cells of the same target "slot1" and
 * "slot2". libgc has no ephemerons (bdw_weak.c), so there are none to show.
 *
 * Ids. libgc never moves an object, but frees and reuses its memory: ids are the map of
 * snapshot_ids.c keyed by address, and every collection whose marking completes drops, here at
 * MARK_END and before libgc sweeps, the entries of the objects it did not mark (GC_is_marked). So an
 * address reused by a new object gets a new id. The map exists once a snapshot was written or
 * gc_set_detached called, and costs then a pass over it per collection. gc_set_detached takes the
 * allocation lock around the map, so the callback (which holds it) never finds the map's lock taken
 * by a stopped thread. */
#include "bdw_heap.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "clock.h"
#include "common/fatal.h"

enum { REACHED, RETAINED, CROOT };   /* the three bit sets: reached from the precise roots (or
                                        conservative ones, once added); pointed at by an object not
                                        reached; a conservative root */

typedef struct source {
    gc_heap *h;
    uint32_t ntypes;
    uintptr_t *objs;                /* the gclab objects libgc marked, sorted */
    size_t n;
    uint64_t *bits;                 /* 3 x nw words */
    size_t nw;
    uint32_t *stack;
    size_t sp;
    uint64_t edges;
    unsigned nmuts;
    bool oom;
} source;

static inline bool bit(source *s, int set, size_t i) { return s->bits[set * s->nw + i / 64] >> (i % 64) & 1; }
static inline void set_bit(source *s, int set, size_t i) { s->bits[set * s->nw + i / 64] |= (uint64_t)1 << (i % 64); }

/* ---- the objects ---- */

static void GC_CALLBACK note(void *obj, size_t size, void *arg) {
    source *s = arg;
    uint64_t np, nb;
    if (s->oom || !gc_bdw_object_counts(obj, size, s->ntypes, &np, &nb)) return;
    uintptr_t *v = gc_bdw_grow(s->h->snap_objs, &s->h->snap_objs_cap, s->n + 1, sizeof *v);
    if (!v) {
        s->oom = true;
        return;
    }
    s->h->snap_objs = v;
    v[s->n++] = (uintptr_t)obj;
}

static void sift(uintptr_t *a, size_t i, size_t n) {
    for (size_t c; (c = 2 * i + 1) < n; i = c) {
        if (c + 1 < n && a[c + 1] > a[c]) c++;
        if (a[i] >= a[c]) return;
        uintptr_t t = a[i];
        a[i] = a[c], a[c] = t;
    }
}

static void heapsort(uintptr_t *a, size_t n) {
    for (size_t i = n / 2; i-- > 0;) sift(a, i, n);
    for (size_t end = n; end-- > 1;) {
        uintptr_t t = a[0];
        a[0] = a[end], a[end] = t;
        sift(a, 0, end);
    }
}

/* o's position among the objects, or -1 (not a gclab object libgc marked). */
static int64_t find(const source *s, const void *o) {
    uintptr_t p = (uintptr_t)o;
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->objs[mid] < p) lo = mid + 1;
        else hi = mid;
    }
    return lo < s->n && s->objs[lo] == p ? (int64_t)lo : -1;
}

static void counts_of(const source *s, const gc_obj *o, uint64_t *np, uint64_t *nb) {
    if (!gc_bdw_object_counts(o, GC_size((void *)o), s->ntypes, np, nb)) *np = *nb = 0;   /* never: it was noted */
}

/* ---- edges: counted, followed, or written ---- */

typedef struct edge_sink {
    gc_snap_writer *w;              /* write them */
    uint64_t count;
    void (*visit)(source *s, size_t to);   /* follow the strong ones */
} edge_sink;

static void emit(source *s, edge_sink *k, unsigned type, int name, uint64_t i, uint64_t nslots, const gc_obj *t) {
    int64_t to = t ? find(s, t) : -1;
    if (to < 0) return;
    k->count++;
    if (k->visit && type != GC_SNAP_WEAK) k->visit(s, (size_t)to);
    if (!k->w) return;
    if (name >= 0) gc_snap_edge_named(k->w, type, (unsigned)name, t);
    else gc_snap_edge_slot(k->w, i, nslots, t);
}

static gc_obj *slot(const gc_obj *o, uint64_t i) { return atomic_load_explicit(&((gc_obj *)o)->slot[i], memory_order_relaxed); }

static void each_edge(source *s, const gc_obj *o, edge_sink *k) {
    if (gc_bdw_is_weakref(o)) {
        emit(s, k, GC_SNAP_WEAK, GC_SNAP_TARGET, 0, 0, gc_bdw_reveal(&((gc_bdw_weakref *)o)->target));
        return;
    }
    if (gc_bdw_is_cell(o)) {
        gc_bdw_cell *c = gc_bdw_cell_of((gc_obj *)o);
        emit(s, k, GC_SNAP_WEAK, GC_SNAP_TARGET, 0, 0, gc_bdw_reveal(&c->target));
        emit(s, k, GC_SNAP_WEAK, GC_SNAP_TOKEN, 0, 0, gc_bdw_reveal(&c->token));
        emit(s, k, GC_SNAP_PROPERTY, GC_SNAP_HELD, 0, 0, slot(o, GC_BDW_CELL_HELD));
        emit(s, k, GC_SNAP_PROPERTY, -1, GC_BDW_CELL_TNEXT, GC_BDW_CELL_SLOTS, slot(o, GC_BDW_CELL_TNEXT));
        emit(s, k, GC_SNAP_PROPERTY, -1, GC_BDW_CELL_TPREV, GC_BDW_CELL_SLOTS, slot(o, GC_BDW_CELL_TPREV));
        emit(s, k, GC_SNAP_PROPERTY, GC_SNAP_NEXT, 0, 0, slot(o, GC_BDW_CELL_NEXT));
        emit(s, k, GC_SNAP_PROPERTY, GC_SNAP_PREV, 0, 0, slot(o, GC_BDW_CELL_PREV));
        return;
    }
    uint64_t np, nb;
    counts_of(s, o, &np, &nb);
    for (uint64_t i = 0; i < np; i++) emit(s, k, GC_SNAP_PROPERTY, -1, i, np, slot(o, i));
}

/* ---- sub-roots ---- */

static gc_mut *mut_at(gc_heap *h, unsigned r) {
    gc_mut *m = h->muts;
    while (r--) m = m->next;
    return m;
}

typedef struct root_sink {
    gc_snap_writer *w;
    uint64_t count;
    bool reach;                     /* reach what they hold */
} root_sink;

static void reach(source *s, size_t i);

static void held(source *s, root_sink *k, const gc_obj *o) {
    int64_t i = o ? find(s, o) : -1;
    if (i < 0) return;
    k->count++;
    if (k->reach) reach(s, (size_t)i);
    if (k->w) gc_snap_root_edge(k->w, o);
}

static void roots_of(source *s, unsigned r, root_sink *k) {
    gc_heap *h = s->h;
    if (r < s->nmuts) {
        gc_mut *m = mut_at(h, r);
        for (size_t i = 0; i < m->sp; i++) held(s, k, m->roots[i]);
    } else if (r == s->nmuts) {     /* global roots, and the registries' lists (global roots elsewhere) */
        for (size_t i = 0; i < h->roots.n; i++) held(s, k, *h->roots.slot[i]);
        for (struct gc_registry *g = h->registries; g; g = gc_bdw_registry_next(g)) held(s, k, gc_bdw_registry_live(g));
    } else if (r == s->nmuts + 1) { /* the finalization queue, cell by cell */
        for (gc_obj *c = atomic_load_explicit(&h->fin_head, memory_order_relaxed); c; c = slot(c, GC_BDW_CELL_NEXT))
            held(s, k, c);
    } else {
        for (size_t i = 0; i < s->n; i++)
            if (bit(s, CROOT, i)) held(s, k, (const gc_obj *)s->objs[i]);
    }
}

/* ---- the conservative roots ---- */

static void push(source *s, size_t to) {
    if (bit(s, REACHED, to)) return;
    set_bit(s, REACHED, to);
    s->stack[s->sp++] = (uint32_t)to;
}

static void reach(source *s, size_t i) {
    push(s, i);
    edge_sink k = {.visit = push};
    while (s->sp) each_edge(s, (const gc_obj *)s->objs[s->stack[--s->sp]], &k);
}

static void retained(source *s, size_t to) { set_bit(s, RETAINED, to); }

static void find_conservative_roots(source *s) {
    for (unsigned r = 0; r < s->nmuts + 2; r++) roots_of(s, r, &(root_sink){.reach = true});
    edge_sink k = {.visit = retained};
    for (size_t i = 0; i < s->n; i++)
        if (!bit(s, REACHED, i)) each_edge(s, (const gc_obj *)s->objs[i], &k);
    for (int pass = 0; pass < 2; pass++)   /* first the heads of what no object holds, then cycles */
        for (size_t i = 0; i < s->n; i++)
            if (!bit(s, REACHED, i) && (pass || !bit(s, RETAINED, i))) {
                set_bit(s, CROOT, i);
                reach(s, i);
            }
}

/* ---- the writer's callbacks ---- */

static const char *type_name(void *ctx, uint32_t t) { return ((source *)ctx)->h->types.name[t]; }

static const char *root_name(void *ctx, unsigned r, char *buf, size_t len) {
    source *s = ctx;
    if (r == s->nmuts) return "(Global handles)";
    if (r == s->nmuts + 1) return "(Finalization queue)";
    if (r == s->nmuts + 2) return "(Conservative roots)";
    snprintf(buf, len, "(Handles of thread %u)", r);
    return buf;
}

static uint64_t root_count(void *ctx, unsigned r) {
    root_sink k = {0};
    roots_of(ctx, r, &k);
    return k.count;
}

static void root_edges(void *ctx, unsigned r, gc_snap_writer *w) { roots_of(ctx, r, &(root_sink){.w = w}); }

static void each_object(void *ctx, void (*fn)(gc_snap_writer *w, const void *o), gc_snap_writer *w) {
    source *s = ctx;
    for (size_t i = 0; i < s->n; i++) fn(w, (const void *)s->objs[i]);
}

static uint64_t index_of(void *ctx, const void *o) { return (uint64_t)find(ctx, o); }

static void node_of(void *ctx, const void *p, gc_snap_node *out) {
    source *s = ctx;
    const gc_obj *o = p;
    uint64_t np, nb;
    counts_of(s, o, &np, &nb);
    edge_sink k = {0};
    each_edge(s, o, &k);
    out->type = (uint32_t)(o->hdr >> 48);
    out->id = gc_snapmap_id(s->h, s->h->snap_ids, o, &out->detached);
    out->self_size = sizeof(uint64_t) + np * sizeof(gc_obj *) + nb;
    out->edges = k.count;
}

static void edges_of(void *ctx, const void *o, gc_snap_writer *w) { each_edge(ctx, o, &(edge_sink){.w = w}); }

/* ---- writing one ---- */

static int write_snapshot(gc_heap *h, const char *path, gc_snapshot_stats *st, char *err, size_t errlen) {
    source s = {.h = h, .ntypes = atomic_load_explicit(&h->types.count, memory_order_acquire)};
    for (gc_mut *m = h->muts; m; m = m->next) s.nmuts++;
    if (!h->snap_ids && !(h->snap_ids = gc_snapmap_new())) {
        snprintf(err, errlen, "out of memory for heap snapshot ids");
        return -1;
    }
    GC_enumerate_reachable_objects_inner(note, &s);
    s.objs = h->snap_objs;
    s.nw = s.n / 64 + 1;
    uint64_t *bits = s.oom ? NULL : gc_bdw_grow(h->snap_bits, &h->snap_bits_cap, 3 * s.nw, sizeof *bits);
    if (bits) h->snap_bits = bits;
    uint32_t *stack = bits ? gc_bdw_grow(h->snap_stack, &h->snap_stack_cap, s.n + 1, sizeof *stack) : NULL;
    if (stack) h->snap_stack = stack;
    if (!stack) {
        snprintf(err, errlen, "out of memory for the snapshot's scratch (mmap failed)");
        return -1;
    }
    s.bits = bits;
    s.stack = stack;
    memset(bits, 0, 3 * s.nw * sizeof *bits);
    heapsort(s.objs, s.n);
    find_conservative_roots(&s);
    for (size_t i = 0; i < s.n; i++) {
        edge_sink k = {0};
        each_edge(&s, (const gc_obj *)s.objs[i], &k);
        s.edges += k.count;
    }
    gc_snap_source src = {.ctx = &s, .objects = s.n, .edges = s.edges, .ntypes = s.ntypes, .nroots = s.nmuts + 3,
                          .type_name = type_name, .root_name = root_name, .root_count = root_count,
                          .root_edges = root_edges, .each_object = each_object, .index_of = index_of,
                          .node_of = node_of, .edges_of = edges_of};
    st->objects = s.n;
    st->edges = s.edges;
    st->extra_bytes = h->snap_objs_cap * sizeof *h->snap_objs + h->snap_bits_cap * sizeof *h->snap_bits +
                      h->snap_stack_cap * sizeof *h->snap_stack;
    return gc_snap_write(&src, path, err, errlen);
}

static bool marked(const void *o, void *arg) {
    (void)arg;
    return GC_is_marked(o) != 0;
}

void gc_bdw_snapshot_at_mark(gc_heap *h, gc_pause *rec) {
    if (h->snap_ids) gc_snapmap_prune(h->snap_ids, marked, NULL);
    gc_snap_request *req;
    char buf[4096], err[256];
    /* The cycle the census logs (bdw_census.c), so a file's number names its census. */
    uint32_t cycle = (uint32_t)(GC_get_gc_no() - h->gc_no0);
    const char *path = gc_snap_due(&h->snap_req, &req, h->opts.snapshot_every, h->opts.snapshot_prefix, cycle, buf,
                                   sizeof buf);
    if (!path) return;
    uint64_t t0 = gc_now_ns();
    gc_snapshot_stats st = {0};
    int rc = write_snapshot(h, path, &st, req ? req->err : err, req ? req->errlen : sizeof err);
    if (req) req->rc = rc;
    else if (rc) gc_fatal(h, "%s", err);
    h->snapshots++;
    if (st.extra_bytes > h->snapshot_extra) h->snapshot_extra = st.extra_bytes;
    if (rec) rec->snapshot_ns += gc_now_ns() - t0;
}

void gc_bdw_snapshot_free(gc_heap *h) {
    gc_snapmap_free(h->snap_ids);
    h->snap_ids = NULL;
    if (h->snap_objs) munmap(h->snap_objs, h->snap_objs_cap * sizeof *h->snap_objs);
    if (h->snap_bits) munmap(h->snap_bits, h->snap_bits_cap * sizeof *h->snap_bits);
    if (h->snap_stack) munmap(h->snap_stack, h->snap_stack_cap * sizeof *h->snap_stack);
    h->snap_objs = NULL, h->snap_bits = NULL, h->snap_stack = NULL;
    h->snap_objs_cap = h->snap_bits_cap = h->snap_stack_cap = 0;
}

/* ---- the API ---- */

int gc_write_heap_snapshot(gc_mut *mut, const char *path, char *err, size_t errlen) {
    return gc_snap_request_run(mut, &mut->heap->snap_req, &mut->heap->snap_lock, path, err, errlen);
}

void gc_set_detached(gc_mut *mut, gc_obj *o, bool detached) {
    gc_heap *h = mut->heap;
    if (!o) gc_fatal(h, "gc_set_detached: NULL object");
    GC_alloc_lock();
    if (!h->snap_ids && !(h->snap_ids = gc_snapmap_new())) {
        GC_alloc_unlock();
        gc_fatal(h, "out of memory for heap snapshot ids");
    }
    gc_snapmap_set_detached(h, h->snap_ids, o, detached);
    GC_alloc_unlock();
}
