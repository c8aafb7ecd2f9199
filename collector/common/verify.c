/* verify.c: the heap verifier (docs/DESIGN.md §7).
 *
 * With the world stopped after a cycle, it walks everything reachable from the roots on its own stack
 * and visited bitmap (it never trusts the collector's marks for the walk) and checks that every root
 * and every pointer field points at the start of a live object: inside the heap, at a cell boundary
 * of a small block or the start of a large run, with a registered type, counts that fit the cell, and
 * the live colour. A reachable object without the live colour is an object the collector lost: the
 * next sweep would free it under the mutator's feet.
 *
 * Weak slots are not followed, but what they hold is checked the same way: a weak reference, a cell or
 * an ephemeron pointing at anything but a live object (or NULL) is one the cycle failed to clear. An
 * ephemeron's value is followed when its key is reachable, whenever the walk gets there (the same
 * pending table by key as marking's, a private one), and an ephemeron with a cleared key must have
 * a cleared value. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "heap.h"
#include "trace.h"

typedef struct verifier {
    gc_heap *heap;
    uint64_t *visited;          /* one bit per granule of the reservation */
    gc_obj **stack;
    size_t depth, cap;
    size_t problems;
    char *msg;
    size_t msglen;
    bool oom;
    gc_eph_table *eph;          /* ephemerons whose key the walk has not reached yet */
    size_t eph_waiting;
} verifier;

/* Where a pointer was found: a root (parent NULL) or slot `slot` of parent. */
typedef struct origin {
    gc_obj *parent;
    uint64_t slot;
} origin;

static void problem(verifier *v, const char *what, const void *p, origin at) {
    if (v->problems++ || !v->msg) return;
    if (!at.parent) {
        snprintf(v->msg, v->msglen, "%s: %p (a root)", what, p);
        return;
    }
    uint64_t h = atomic_load_explicit(&at.parent->header, memory_order_relaxed);
    snprintf(v->msg, v->msglen, "%s: %p (slot %llu of a %s at %p)", what, p, (unsigned long long)at.slot,
             v->heap->types.name[gc_hdr_type(h)], (void *)at.parent);
}

/* Returns the object at p if p is the start of a live object, else NULL after recording why. */
static gc_obj *check(verifier *v, gc_obj *p, origin where) {
    gc_heap *heap = v->heap;
    if (!gc_in_heap(heap, p)) return problem(v, "pointer outside the heap", p, where), NULL;
    if ((uintptr_t)p % GC_GRANULE) return problem(v, "misaligned pointer", p, where), NULL;
    size_t i = gc_block_index(heap, p);
    gc_block *b = &heap->block[i];
    size_t room;
    uint8_t kind = atomic_load_explicit(&b->kind, memory_order_acquire);
    if (kind == GC_BLK_SMALL) {
        size_t off = (size_t)((char *)p - gc_block_addr(heap, i));
        if (off % b->cell_bytes || off / b->cell_bytes >= b->ncells)
            return problem(v, "pointer into the middle of a cell", p, where), NULL;
        room = b->cell_bytes;
    } else if (kind == GC_BLK_LARGE) {
        if ((char *)p != gc_block_addr(heap, i) + GC_LARGE_PREFIX)
            return problem(v, "pointer into a large object", p, where), NULL;
        room = ((size_t)b->run << GC_BLOCK_SHIFT) - GC_LARGE_PREFIX;
    } else if (kind == GC_BLK_COLLECTOR) {
        /* Memory the collector lays out itself (a young generation) need not be parseable: the check
         * is that p lies in a part it uses, and the header there is sound. */
        room = gc_collector.verify_room ? gc_collector.verify_room(heap, p) : 0;
        if (!room) return problem(v, "pointer into unused collector space (free young space)", p, where), NULL;
    } else {
        return problem(v, kind == GC_BLK_FREE ? "pointer into a free block" : "pointer into a large object",
                       p, where), NULL;
    }
    uint64_t h = atomic_load_explicit(&p->header, memory_order_relaxed);
    if (h == 0) return problem(v, "pointer to a free cell", p, where), NULL;
    uint16_t type = gc_hdr_type(h);
    if (type == 0 || type >= atomic_load_explicit(&heap->types.count, memory_order_acquire))
        return problem(v, "object with an unregistered type", p, where), NULL;
    if (h & GC_HDR_FORWARDED) return problem(v, "pointer to a forwarded object", p, where), NULL;
    uint64_t nptrs = gc_obj_nptrs_of(p, h), nbytes = gc_obj_nbytes_of(p, h);
    if ((kind != GC_BLK_LARGE && (gc_hdr_nptrs(h) == GC_HDR_SAT || gc_hdr_nbytes(h) == GC_HDR_SAT)) ||
        nptrs > room / sizeof(void *) || gc_object_bytes((uint32_t)nptrs, nbytes) > room)
        return problem(v, "object larger than its cell", p, where), NULL;
    if ((h & GC_HDR_MARK) != heap->colour)
        return problem(v, "reachable object not marked live (lost by the collector)", p, where), NULL;
    return p;
}

static bool visited(verifier *v, const gc_obj *o) {
    size_t bit = (size_t)((const char *)o - v->heap->base) >> GC_GRANULE_SHIFT;
    return v->visited[bit / 64] >> (bit % 64) & 1;
}

static void visit(verifier *v, gc_obj *p, origin where);

static void follow_value(void *ctx, gc_obj *e) {
    verifier *v = ctx;
    v->eph_waiting--;
    gc_obj *val = atomic_load_explicit(&e->slot[1], memory_order_relaxed);
    if (val) visit(v, val, (origin){e, 1});
}

static void visit(verifier *v, gc_obj *p, origin where) {
    gc_obj *o = check(v, p, where);
    if (!o) return;
    size_t bit = (size_t)((char *)o - v->heap->base) >> GC_GRANULE_SHIFT;
    if (v->visited[bit / 64] & (1ull << (bit % 64))) return;
    v->visited[bit / 64] |= 1ull << (bit % 64);
    if (v->eph_waiting) gc_eph_take(v->eph, o, follow_value, v);
    if (v->depth == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 4096;
        gc_obj **s = realloc(v->stack, cap * sizeof *s);
        if (!s) {
            v->oom = true;
            return;
        }
        v->stack = s;
        v->cap = cap;
    }
    v->stack[v->depth++] = o;
}

static void visit_root(gc_obj **slot, void *arg) {
    if (*slot) visit(arg, *slot, (origin){NULL, 0});
}

static inline void verify_slots(void *ctx, gc_obj *o, gc_slot *lo, gc_slot *hi) {
    verifier *v = ctx;
    for (gc_slot *s = lo; s < hi; s++) {
        gc_obj *p = atomic_load_explicit(s, memory_order_relaxed);
        origin at = {o, (uint64_t)(s - o->slot)};
        if (!p) continue;
        visit(v, p, at);
        /* The collector's own invariants about this pointer (the generational remembered set). */
        const char *why = gc_collector.verify_slot ? gc_collector.verify_slot(v->heap, o, s, p) : NULL;
        if (why) problem(v, why, p, at);
    }
}

/* A weak slot holds NULL or a live object: checked, not followed. */
static inline void verify_weak(void *ctx, gc_obj *o, gc_slot *s, bool target) {
    verifier *v = ctx;
    (void)target;
    gc_obj *p = atomic_load_explicit(s, memory_order_relaxed);
    if (!p) return;
    origin at = {o, (uint64_t)(s - o->slot)};
    if (!check(v, p, at)) return;
    const char *why = gc_collector.verify_slot ? gc_collector.verify_slot(v->heap, o, s, p) : NULL;
    if (why) problem(v, why, p, at);
}

static inline void verify_ephemeron(void *ctx, gc_obj *e) {
    verifier *v = ctx;
    gc_obj *key = atomic_load_explicit(&e->slot[0], memory_order_relaxed);
    gc_obj *val = atomic_load_explicit(&e->slot[1], memory_order_relaxed);
    if (!key) {
        if (val) problem(v, "ephemeron with a cleared key still holds its value", val, (origin){e, 1});
        return;
    }
    verify_weak(ctx, e, &e->slot[0], false);
    if (val) verify_weak(ctx, e, &e->slot[1], false);
    if (!check(v, key, (origin){e, 0})) return;
    if (visited(v, key)) {
        if (val) visit(v, val, (origin){e, 1});
    } else if (gc_eph_insert(v->eph, key, e)) {
        v->eph_waiting++;
    } else {
        v->oom = true;
    }
}

/* No defer: the verifier walks a long array in one go. */
static const gc_tracer verify_tracer = {.slots = verify_slots, .weak = verify_weak, .ephemeron = verify_ephemeron};

size_t gc_verify_heap(gc_heap *heap, char *msg, size_t msglen) { return gc_verify_heap_reach(heap, msg, msglen, NULL); }

size_t gc_verify_heap_reach(gc_heap *heap, char *msg, size_t msglen, uint64_t **reached) {
    verifier v = {.heap = heap, .msg = msg, .msglen = msglen};
    if (msg && msglen) msg[0] = 0;
    size_t granules = (heap->nblocks << GC_BLOCK_SHIFT) >> GC_GRANULE_SHIFT;
    v.visited = calloc(granules / 64 + 1, sizeof(uint64_t));
    gc_eph_table *eph = malloc(sizeof *eph);
    if (eph && gc_eph_table_init(eph)) {
        free(eph);
        eph = NULL;
    }
    v.eph = eph;
    if (!v.visited || !eph) {
        free(v.visited);
        if (eph) {
            gc_eph_table_free(eph);
            free(eph);
        }
        if (msg) snprintf(msg, msglen, "verifier: out of memory");
        return 1;
    }
    gc_visit_roots(heap, visit_root, &v);
    while (v.depth && !v.oom) {
        gc_obj *o = v.stack[--v.depth];
        gc_trace_object(o, atomic_load_explicit(&o->header, memory_order_relaxed), &verify_tracer, &v);
    }
    if (v.oom) problem(&v, "verifier: out of memory", NULL, (origin){NULL, 0});
    gc_eph_table_free(eph);
    free(eph);
    if (reached) *reached = v.visited;
    else free(v.visited);
    free(v.stack);
    return v.problems;
}
