#include "mark.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"

typedef struct mark_phase {
    gc_heap *heap;
    uint64_t colour;
    unsigned n;
    _Atomic unsigned active;    /* workers that may still create work */
} mark_phase;

int gc_markers_init(gc_heap *heap) {
    unsigned n = heap->workers.n;
    heap->markers = aligned_alloc(64, sizeof(gc_marker) * n);
    if (!heap->markers) return -1;
    for (unsigned i = 0; i < n; i++) {
        gc_marker *m = &heap->markers[i];
        gc_deque_init(&m->dq, 1024);
        m->caplocal = 4096;
        m->nlocal = 0;
        m->local = malloc(m->caplocal * sizeof *m->local);
        if (!m->local) return -1;
        m->stats = (gc_worker_stats){0};
        m->live_bytes = 0;
        m->rng = 0x9e3779b97f4a7c15ull * (i + 1);
    }
    return 0;
}

void gc_markers_free(gc_heap *heap) {
    if (!heap->markers) return;
    for (unsigned i = 0; i < heap->workers.n; i++) {
        gc_deque_destroy(&heap->markers[i].dq);
        free(heap->markers[i].local);
    }
    free(heap->markers);
    heap->markers = NULL;
}

static void push_local(gc_marker *m, uintptr_t e) {
    if (__builtin_expect(m->nlocal == m->caplocal, 0)) {
        size_t cap = m->caplocal * 2;
        uintptr_t *l = realloc(m->local, cap * sizeof *l);
        if (!l) {
            gc_deque_push(&m->dq, e);   /* the deque grows on its own; it is slower, not wrong */
            return;
        }
        m->local = l;
        m->caplocal = cap;
    }
    m->local[m->nlocal++] = e;
}

/* Publishes the oldest half of the private stack when nobody has anything to steal from us. */
static void share(gc_marker *m) {
    if (m->nlocal < 2 || !gc_deque_looks_empty(&m->dq)) return;
    size_t k = m->nlocal / 2;
    for (size_t i = 0; i < k; i++) gc_deque_push(&m->dq, m->local[i]);
    memmove(m->local, m->local + k, (m->nlocal - k) * sizeof *m->local);
    m->nlocal -= k;
}

/* White -> grey. */
static inline void shade(gc_marker *m, gc_obj *o, uint64_t colour) {
    uint64_t h = atomic_load_explicit(&o->header, memory_order_relaxed);
    if ((h & GC_HDR_MARK) == colour) return;
    uint64_t old = colour ? atomic_fetch_or_explicit(&o->header, GC_HDR_MARK, memory_order_relaxed)
                          : atomic_fetch_and_explicit(&o->header, ~GC_HDR_MARK, memory_order_relaxed);
    if ((old & GC_HDR_MARK) == colour) return;   /* another worker won */
    push_local(m, (uintptr_t)o);
}

/* Marking is bound by cache misses on the headers of the objects a scan reaches; touching the target
 * of a slot a few slots ahead overlaps those misses (the header is read, then written, so prefetch
 * for writing). */
#define PREFETCH_DISTANCE 8

static inline void scan_slots(gc_marker *m, gc_slot *s, gc_slot *end, uint64_t colour) {
    for (; s < end; s++) {
        if (s + PREFETCH_DISTANCE < end) {
            gc_obj *ahead = atomic_load_explicit(s + PREFETCH_DISTANCE, memory_order_relaxed);
            if (ahead) __builtin_prefetch(ahead, 1, 3);
        }
        gc_obj *v = atomic_load_explicit(s, memory_order_relaxed);
        if (v) shade(m, v, colour);
    }
}

/* Grey -> black. */
static void scan(gc_heap *heap, gc_marker *m, gc_obj *o, uint64_t colour) {
    uint64_t h = atomic_load_explicit(&o->header, memory_order_relaxed);
    uint64_t nptrs = gc_obj_nptrs_of(o, h);
    m->stats.objects++;
    uint64_t bytes = gc_object_bytes((uint32_t)nptrs, gc_obj_nbytes_of(o, h));
    if (bytes > GC_SMALL_MAX) {
        bytes = gc_obj_footprint(heap, o);
        /* Hand the tail of a long array out in ranges, then scan the first chunk ourselves. */
        for (uint64_t at = GC_MARK_CHUNK; at < nptrs; at += GC_MARK_CHUNK)
            gc_deque_push(&m->dq, (uintptr_t)&o->slot[at] | GC_MARK_RANGE_TAG);
        if (nptrs > GC_MARK_CHUNK) nptrs = GC_MARK_CHUNK;
    } else {
        bytes = (bytes + GC_GRANULE - 1) & ~(uint64_t)(GC_GRANULE - 1);
    }
    m->live_bytes += bytes;
    m->stats.bytes += bytes;
    scan_slots(m, o->slot, o->slot + nptrs, colour);
}

/* A range entry: up to GC_MARK_CHUNK slots of a large object, clipped at its end. */
static void scan_range(gc_heap *heap, gc_marker *m, gc_slot *s, uint64_t colour) {
    size_t i = gc_block_index(heap, s);
    gc_block *b = &heap->block[i];
    size_t head = atomic_load_explicit(&b->kind, memory_order_acquire) == GC_BLK_LARGE ? i : b->run;
    gc_obj *o = (gc_obj *)(gc_block_addr(heap, head) + GC_LARGE_PREFIX);
    gc_slot *end = o->slot + gc_obj_nptrs_of(o, atomic_load_explicit(&o->header, memory_order_relaxed));
    if (end - s > GC_MARK_CHUNK) end = s + GC_MARK_CHUNK;
    scan_slots(m, s, end, colour);
}

static inline void process(gc_heap *heap, gc_marker *m, uintptr_t e, uint64_t colour) {
    if (e & GC_MARK_RANGE_TAG)
        scan_range(heap, m, (gc_slot *)(e & ~GC_MARK_RANGE_TAG), colour);
    else
        scan(heap, m, (gc_obj *)e, colour);
}

static uintptr_t try_steal(mark_phase *ph, gc_marker *self, unsigned id) {
    unsigned n = ph->n;
    if (n < 2) return GC_DEQUE_EMPTY;
    /* xorshift: a random first victim spreads thieves over the deques. */
    self->rng ^= self->rng << 13;
    self->rng ^= self->rng >> 7;
    self->rng ^= self->rng << 17;
    unsigned start = (unsigned)(self->rng % n);
    for (unsigned k = 0; k < n; k++) {
        unsigned v = (start + k) % n;
        if (v == id) continue;
        uintptr_t e;
        do e = gc_deque_steal(&ph->heap->markers[v].dq); while (e == GC_DEQUE_ABORT);
        if (e != GC_DEQUE_EMPTY) {
            self->stats.steals++;
            return e;
        }
        self->stats.steal_fails++;
    }
    return GC_DEQUE_EMPTY;
}

static bool any_work(mark_phase *ph) {
    for (unsigned v = 0; v < ph->n; v++)
        if (!gc_deque_looks_empty(&ph->heap->markers[v].dq)) return true;
    return false;
}

static void shade_root(gc_obj **slot, void *arg) {
    void **a = arg;
    if (*slot) shade(a[0], *slot, *(uint64_t *)a[1]);
}

/* Termination: a worker counts itself out of `active` only with an empty deque, and only an active
 * worker can push, so active == 0 means every deque is empty for good. An idle worker that sees work
 * counts itself back in before stealing. */
static void mark_worker(unsigned id, unsigned n, void *arg) {
    mark_phase *ph = arg;
    gc_heap *heap = ph->heap;
    gc_marker *m = &heap->markers[id];
    uint64_t t_start = gc_now_ns(), idle = 0;
    if (id == 0) {
        void *a[2] = {m, &ph->colour};
        gc_visit_roots(heap, shade_root, a);
    }
    for (;;) {
        uintptr_t e;
        for (unsigned k = 0;; k++) {
            if (m->nlocal) e = m->local[--m->nlocal];
            else if ((e = gc_deque_take(&m->dq)) == GC_DEQUE_EMPTY) break;
            process(heap, m, e, ph->colour);
            if (n > 1 && (k & 31) == 0) share(m);
        }
        uint64_t t_idle = gc_now_ns();
        e = try_steal(ph, m, id);
        if (e == GC_DEQUE_EMPTY) {
            atomic_fetch_sub_explicit(&ph->active, 1, memory_order_seq_cst);
            for (unsigned spins = 0;; spins++) {
                if (atomic_load_explicit(&ph->active, memory_order_seq_cst) == 0) {
                    idle += gc_now_ns() - t_idle;
                    m->stats.idle_ns += idle;
                    m->stats.busy_ns += gc_now_ns() - t_start - idle;
                    return;
                }
                if (any_work(ph)) {
                    atomic_fetch_add_explicit(&ph->active, 1, memory_order_seq_cst);
                    e = try_steal(ph, m, id);
                    if (e != GC_DEQUE_EMPTY) break;
                    atomic_fetch_sub_explicit(&ph->active, 1, memory_order_seq_cst);
                }
                /* More workers than cores is a supported set-up: yield rather than burn the core
                 * that the worker holding the work needs. */
                if (spins > 16) sched_yield();
            }
        }
        idle += gc_now_ns() - t_idle;
        process(heap, m, e, ph->colour);
    }
}

uint64_t gc_mark_heap(gc_heap *heap, uint64_t colour, unsigned n) {
    if (n == 0 || n > heap->workers.n) n = heap->workers.n;
    mark_phase ph = {.heap = heap, .colour = colour, .n = n};
    atomic_init(&ph.active, n);
    for (unsigned i = 0; i < n; i++) heap->markers[i].live_bytes = 0;
    gc_workers_run(&heap->workers, n, mark_worker, &ph);
    uint64_t live = 0;
    for (unsigned i = 0; i < n; i++) {
        live += heap->markers[i].live_bytes;
        gc_deque_reset(&heap->markers[i].dq);
    }
    return live;
}
