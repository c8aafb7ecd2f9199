#include "mark.h"

#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "phase.h"
#include "trace.h"

/* One parallel phase: a full stop-the-world mark, or a drain of the grey pool. */
typedef struct mark_phase {
    gc_heap *heap;
    gc_greypool *pool;          /* NULL for a full mark from the roots */
    const _Atomic int *abort;   /* NULL: run to completion */
    uint64_t colour;
    unsigned n;
    bool roots;                 /* worker 0 shades the roots first */
    _Atomic unsigned active;    /* workers that may still create work */
    _Atomic uint64_t live;
    _Atomic uint64_t *progress; /* if set, bytes marked are added here as the phase goes */
} mark_phase;

/* ---- markers and the grey pool ---- */

int gc_marker_init(gc_marker *m, unsigned seed) {
    m->stats = (gc_worker_stats){0};
    m->live_bytes = 0;
    m->weak = (gc_weak_buf){0};
    m->eph = (gc_eph_counts){0};
    m->rng = 0x9e3779b97f4a7c15ull * (seed + 1);
    return gc_ws_init(&m->ws);
}

void gc_marker_free(gc_marker *m) {
    gc_ws_free(&m->ws);
    gc_weak_buf_free(&m->weak);
}

int gc_markers_init(gc_heap *heap) {
    unsigned n = heap->workers.n;
    heap->markers = aligned_alloc(64, sizeof(gc_marker) * n);
    if (!heap->markers) return -1;
    for (unsigned i = 0; i < n; i++)
        if (gc_marker_init(&heap->markers[i], i)) return -1;
    return 0;
}

void gc_markers_free(gc_heap *heap) {
    if (!heap->markers) return;
    for (unsigned i = 0; i < heap->workers.n; i++) gc_marker_free(&heap->markers[i]);
    free(heap->markers);
    heap->markers = NULL;
}

int gc_greypool_init(gc_greypool *pool) {
    pool->full = pool->spare = NULL;
    atomic_init(&pool->nfull, 0);
    return pthread_mutex_init(&pool->lock, NULL) ? -1 : 0;
}

static void free_packets(gc_packet *p) {
    while (p) {
        gc_packet *next = p->next;
        free(p);
        p = next;
    }
}

void gc_greypool_free(gc_greypool *pool) {
    free_packets(pool->full);
    free_packets(pool->spare);
    pool->full = pool->spare = NULL;
    pthread_mutex_destroy(&pool->lock);
}

void gc_greypool_put(gc_greypool *pool, gc_packet *p) {
    pthread_mutex_lock(&pool->lock);
    if (p->n) {
        p->next = pool->full;
        pool->full = p;
        atomic_fetch_add_explicit(&pool->nfull, 1, memory_order_release);
    } else {
        p->next = pool->spare;
        pool->spare = p;
    }
    pthread_mutex_unlock(&pool->lock);
}

gc_packet *gc_greypool_take(gc_greypool *pool) {
    if (gc_greypool_looks_empty(pool)) return NULL;
    pthread_mutex_lock(&pool->lock);
    gc_packet *p = pool->full;
    if (p) {
        pool->full = p->next;
        atomic_fetch_sub_explicit(&pool->nfull, 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&pool->lock);
    return p;
}

gc_packet *gc_greypool_spare(gc_greypool *pool) {
    pthread_mutex_lock(&pool->lock);
    gc_packet *p = pool->spare;
    if (p) pool->spare = p->next;
    pthread_mutex_unlock(&pool->lock);
    if (!p) p = malloc(sizeof *p);
    if (p) p->n = 0;
    return p;
}

/* ---- grey entries of one marker ---- */

/* Hands every grey entry this marker holds (private stack and deque) to the pool. */
static void spill(gc_heap *heap, gc_marker *m, gc_greypool *pool) {
    gc_packet *p = NULL;
    for (;;) {
        uintptr_t e;
        if (m->ws.n) e = m->ws.local[--m->ws.n];
        else if ((e = gc_deque_take(&m->ws.dq)) == GC_DEQUE_EMPTY) break;
        if (!p && !(p = gc_greypool_spare(pool))) gc_fatal(heap, "out of memory for grey packets");
        p->item[p->n++] = e;
        if (p->n == GC_PACKET_ITEMS) {
            gc_greypool_put(pool, p);
            p = NULL;
        }
    }
    if (p) gc_greypool_put(pool, p);
}

/* White -> grey. */
static inline void shade(gc_marker *m, gc_obj *o, uint64_t colour) {
    if (gc_mark_claim(o, colour)) gc_ws_push(&m->ws, (uintptr_t)o);
}

/* What scanning needs besides the entry: the walk's context for trace.h. */
typedef struct marking {
    gc_heap *heap;
    gc_marker *m;
    uint64_t colour;
} marking;

/* Marking is bound by cache misses on the headers of the objects a scan reaches; touching the target
 * of a slot a few slots ahead overlaps those misses (the header is read, then written, so prefetch
 * for writing). */
#define PREFETCH_DISTANCE 8

/* Slots are loaded with acquire, pairing with gc_write's release: while mutators run (concurrent and
 * incremental marking), what a mutator wrote into a new object before publishing it (its header, its
 * zeroed slots) must be visible to the marker that reaches it through the slot. */
static inline void scan_slots(void *ctx, gc_obj *o, gc_slot *s, gc_slot *end) {
    /* Copied out of ctx: the pushes store uintptr_t words, which may alias colour for the compiler. */
    gc_marker *m = ((marking *)ctx)->m;
    uint64_t colour = ((marking *)ctx)->colour;
    (void)o;
    for (; s < end; s++) {
        if (s + PREFETCH_DISTANCE < end) {
            gc_obj *ahead = atomic_load_explicit(s + PREFETCH_DISTANCE, memory_order_relaxed);
            if (ahead) __builtin_prefetch(ahead, 1, 3);
        }
        gc_obj *v = atomic_load_explicit(s, memory_order_acquire);
        if (v) shade(m, v, colour);
    }
}

/* A chunk of a long array goes to the deque, where other workers can steal it. */
static inline void defer_chunk(void *ctx, gc_obj *o, gc_slot *chunk) {
    (void)o;
    gc_deque_push(&((marking *)ctx)->m->ws.dq, (uintptr_t)chunk | GC_MARK_RANGE_TAG);
}

/* Live bytes: small objects' sizes rounded to the granule, large objects' block runs. */
static inline void account(void *ctx, gc_obj *o, uint64_t nptrs, uint64_t bytes) {
    marking *mk = ctx;
    gc_marker *m = mk->m;
    (void)nptrs;
    m->stats.objects++;
    if (bytes > GC_SMALL_MAX) bytes = gc_obj_footprint(mk->heap, o);
    else bytes = (bytes + GC_GRANULE - 1) & ~(uint64_t)(GC_GRANULE - 1);
    m->live_bytes += bytes;
    m->stats.bytes += bytes;
}

/* A weak slot: nothing to mark; if its target is not marked yet, the end of marking must look at it
 * again (a target marked now stays marked, so those are not recorded). */
static inline void weak_slot(void *ctx, gc_obj *o, gc_slot *slot, bool target) {
    marking *mk = ctx;
    (void)o;
    gc_obj *t = atomic_load_explicit(slot, memory_order_acquire);
    if (t && !gc_is_marked(t, mk->colour) && !gc_weak_buf_push(&mk->m->weak, slot, target))
        gc_fatal(mk->heap, "out of memory for weak references");
}

/* A pending ephemeron's key was marked: its value is now strong. The value is read now, not when the
 * ephemeron was traced: a mutator may have replaced it since (the barrier covered the old one). */
static void resolve(void *ctx, gc_obj *e) {
    marking *mk = ctx;
    gc_obj *v = atomic_load_explicit(&e->slot[1], memory_order_acquire);
    mk->m->eph.resolved++;
    if (v) shade(mk->m, v, mk->colour);
}

/* An ephemeron: its value is traced now if its key is marked, else once the key is (weak.h). */
static inline void ephemeron(void *ctx, gc_obj *e) {
    marking *mk = ctx;
    gc_obj *key = atomic_load_explicit(&e->slot[0], memory_order_acquire);
    gc_obj *v = atomic_load_explicit(&e->slot[1], memory_order_acquire);
    if (!key || gc_is_marked(key, mk->colour)) {
        if (v) shade(mk->m, v, mk->colour);
        return;
    }
    mk->m->eph.pending++;
    gc_eph_pend_marking(mk->heap, key, e, mk->colour, resolve, mk);
}

static const gc_tracer mark_tracer = {.slots = scan_slots, .defer = defer_chunk, .object = account,
                                      .weak = weak_slot, .ephemeron = ephemeron};
/* The same walk for an object with neither header bit: trace.h then has no weak kind to test for. */
static const gc_tracer mark_tracer_strong = {.slots = scan_slots, .defer = defer_chunk, .object = account};

/* An object some ephemeron waits for (it hands over their values as it turns black, weak.h), or one
 * of a weak kind. Out of line: the common case pays one test of the header it has loaded anyway. */
static __attribute__((noinline)) void scan_special(gc_heap *heap, gc_marker *m, gc_obj *o, uint64_t h,
                                                   uint64_t colour) {
    if (h & GC_HDR_EPHKEY) gc_eph_key_marked(heap, o, resolve, &(marking){heap, m, colour});
    gc_trace_object(o, h, &mark_tracer, &(marking){heap, m, colour});
}

/* Grey -> black. The context is built here, not passed in, so that it never leaves this frame and
 * the callers keep their marker in a register. */
static void scan(gc_heap *heap, gc_marker *m, gc_obj *o, uint64_t colour) {
    uint64_t h = atomic_load_explicit(&o->header, memory_order_relaxed);
    if (__builtin_expect((h & (GC_HDR_EPHKEY | GC_HDR_WEAK)) != 0, 0)) {
        scan_special(heap, m, o, h, colour);
        return;
    }
    gc_trace_object(o, h, &mark_tracer_strong, &(marking){heap, m, colour});
}

/* A range entry: a chunk of a large object, whose header the block table leads to. */
static void scan_range(gc_heap *heap, gc_marker *m, gc_slot *s, uint64_t colour) {
    size_t i = gc_block_index(heap, s);
    gc_block *b = &heap->block[i];
    size_t head = atomic_load_explicit(&b->kind, memory_order_acquire) == GC_BLK_LARGE ? i : b->run;
    gc_obj *o = (gc_obj *)(gc_block_addr(heap, head) + GC_LARGE_PREFIX);
    gc_trace_chunk(o, atomic_load_explicit(&o->header, memory_order_relaxed), s, &mark_tracer,
                   &(marking){heap, m, colour});
}

static inline void process(gc_heap *heap, gc_marker *m, uintptr_t e, uint64_t colour) {
    if (e & GC_MARK_RANGE_TAG)
        scan_range(heap, m, (gc_slot *)(e & ~GC_MARK_RANGE_TAG), colour);
    else
        scan(heap, m, (gc_obj *)e, colour);
}

/* Takes a packet from the pool onto the private stack; returns one entry of it. */
static uintptr_t take_from_pool(gc_greypool *pool, gc_marker *m) {
    if (!pool) return GC_DEQUE_EMPTY;
    gc_packet *p = gc_greypool_take(pool);
    if (!p) return GC_DEQUE_EMPTY;
    for (uint64_t i = 1; i < p->n; i++) gc_ws_push(&m->ws, p->item[i]);
    uintptr_t e = p->item[0];
    p->n = 0;
    gc_greypool_put(pool, p);
    return e;
}

static bool aborted(mark_phase *ph) {
    return ph->abort && atomic_load_explicit(ph->abort, memory_order_relaxed);
}

/* Reports what a worker marked since it last did. */
static void flush_live(mark_phase *ph, gc_marker *m) {
    if (!m->live_bytes) return;
    atomic_fetch_add_explicit(&ph->live, m->live_bytes, memory_order_relaxed);
    if (ph->progress) atomic_fetch_add_explicit(ph->progress, m->live_bytes, memory_order_relaxed);
    m->live_bytes = 0;
}

/* ---- one worker of a parallel phase (the loop itself is phase.h's) ---- */

typedef struct mark_worker_ctx {
    marking mk;
    mark_phase *ph;
    unsigned id;
} mark_worker_ctx;

static inline uintptr_t mw_next(void *ctx) { return gc_ws_next(&((mark_worker_ctx *)ctx)->mk.m->ws); }

static inline void mw_process(void *ctx, uintptr_t e) {
    marking *mk = &((mark_worker_ctx *)ctx)->mk;
    process(mk->heap, mk->m, e, mk->colour);
}

/* A drain beside running mutators (progress set) keeps the pool fed: the mutators' assists take
 * their work from it (they cannot steal from the workers' deques, which are reset between drains
 * while the mutators run), and a worker that held it all (one GC thread shares with nobody; a long
 * array's chunks sit in its deque) left them nothing to do when it lost its core, and the cycle
 * degenerated with the mutators idle in their assists. When the pool is empty a packet goes to it:
 * one entry of the deque (a chunk of a long array: an assist spills back what it does not finish)
 * and the oldest half of the private stack, as much as fits. */
static void feed_pool(gc_heap *heap, gc_marker *m, gc_greypool *pool) {
    if (!gc_greypool_looks_empty(pool)) return;
    gc_workstack *ws = &m->ws;
    if (ws->n < 2 && gc_deque_looks_empty(&ws->dq)) return;
    gc_packet *p = gc_greypool_spare(pool);
    if (!p) gc_fatal(heap, "out of memory for grey packets");
    uintptr_t e = gc_deque_take(&ws->dq);
    if (e != GC_DEQUE_EMPTY) p->item[p->n++] = e;
    size_t k = ws->n / 2 < GC_PACKET_ITEMS - p->n ? ws->n / 2 : GC_PACKET_ITEMS - p->n;
    memcpy(p->item + p->n, ws->local, k * sizeof *ws->local);
    memmove(ws->local, ws->local + k, (ws->n - k) * sizeof *ws->local);
    ws->n -= k;
    p->n += k;
    gc_greypool_put(pool, p);
}

/* Shares work every 32 entries; every 256 reports the bytes marked (pacing reads them as they come)
 * and looks for an abort, on which the worker hands everything it holds to the pool before leaving. */
static inline bool mw_pace(void *ctx, unsigned k) {
    mark_worker_ctx *c = ctx;
    gc_marker *m = c->mk.m;
    if (c->ph->n > 1 && (k & 31) == 0) gc_ws_share(&m->ws);
    if (c->ph->progress && (k & 31) == 0) feed_pool(c->mk.heap, m, c->ph->pool);
    if ((k & 255) != 255) return false;
    flush_live(c->ph, m);
    if (!aborted(c->ph)) return false;
    spill(c->mk.heap, m, c->ph->pool);
    return true;
}

/* Another worker's deque, else a packet of the pool. */
static inline uintptr_t mw_steal(void *ctx) {
    mark_worker_ctx *c = ctx;
    gc_marker *m = c->mk.m;
    uintptr_t e = gc_ws_steal(&c->mk.heap->markers[0].ws, sizeof(gc_marker), c->ph->n, c->id, &m->rng,
                              &m->stats.steals, &m->stats.steal_fails);
    return e != GC_DEQUE_EMPTY ? e : take_from_pool(c->ph->pool, m);
}

static inline bool mw_any_work(void *ctx) {
    mark_phase *ph = ((mark_worker_ctx *)ctx)->ph;
    for (unsigned v = 0; v < ph->n; v++)
        if (!gc_deque_looks_empty(&ph->heap->markers[v].ws.dq)) return true;
    return ph->pool && !gc_greypool_looks_empty(ph->pool);
}

static inline bool mw_quit(void *ctx) { return aborted(((mark_worker_ctx *)ctx)->ph); }

static const gc_phase_ops mark_ops = {.next = mw_next, .process = mw_process, .pace = mw_pace,
                                      .steal = mw_steal, .any_work = mw_any_work, .quit = mw_quit};

/* Typed closures for gc_visit_roots. */
typedef struct root_shader {
    gc_marker *m;
    uint64_t colour;
} root_shader;

static void shade_root(gc_obj **slot, void *arg) {
    root_shader *r = arg;
    if (*slot) shade(r->m, *slot, r->colour);
}

/* Termination: phase.h's argument, with one exception the pool makes: see gc_mark_drain. */
static void mark_worker(unsigned id, unsigned n, void *arg) {
    (void)n;
    mark_phase *ph = arg;
    gc_heap *heap = ph->heap;
    gc_marker *m = &heap->markers[id];
    uint64_t t_start = gc_now_ns();
    if (id == 0 && ph->roots) gc_visit_roots(heap, shade_root, &(root_shader){m, ph->colour});
    mark_worker_ctx c = {.mk = {heap, m, ph->colour}, .ph = ph, .id = id};
    uint64_t idle = gc_phase_drive(&ph->active, &mark_ops, &c);
    m->stats.idle_ns += idle;
    m->stats.busy_ns += gc_now_ns() - t_start - idle;
    flush_live(ph, m);
}

static uint64_t run_phase(gc_heap *heap, mark_phase *ph, unsigned n) {
    if (n == 0 || n > heap->workers.n) n = heap->workers.n;
    ph->heap = heap;
    ph->n = n;
    atomic_init(&ph->active, n);
    atomic_init(&ph->live, 0);
    gc_workers_run(&heap->workers, n, mark_worker, ph);
    for (unsigned i = 0; i < n; i++) gc_deque_reset(&heap->markers[i].ws.dq);
    return atomic_load(&ph->live);
}

uint64_t gc_mark_heap(gc_heap *heap, uint64_t colour, unsigned n) {
    mark_phase ph = {.colour = colour, .roots = true};
    return run_phase(heap, &ph, n);
}

uint64_t gc_mark_drain(gc_heap *heap, gc_greypool *pool, uint64_t colour, unsigned n, const _Atomic int *abort,
                       _Atomic uint64_t *progress) {
    mark_phase ph = {.colour = colour, .pool = pool, .abort = abort, .progress = progress};
    return run_phase(heap, &ph, n);
}

/* Shades roots into packets of the pool: the closure holds the packet being filled. */
typedef struct pool_shader {
    gc_heap *heap;
    gc_greypool *pool;
    gc_packet *p;
    uint64_t colour;
} pool_shader;

static void shade_root_to_pool(gc_obj **slot, void *arg) {
    pool_shader *r = arg;
    gc_obj *o = *slot;
    if (!o || !gc_mark_claim(o, r->colour)) return;
    if (!r->p && !(r->p = gc_greypool_spare(r->pool))) gc_fatal(r->heap, "out of memory for grey packets");
    r->p->item[r->p->n++] = (uintptr_t)o;
    if (r->p->n == GC_PACKET_ITEMS) {
        gc_greypool_put(r->pool, r->p);
        r->p = NULL;
    }
}

void gc_mark_roots_to_pool(gc_heap *heap, gc_greypool *pool, uint64_t colour) {
    pool_shader r = {.heap = heap, .pool = pool, .colour = colour};
    gc_visit_roots(heap, shade_root_to_pool, &r);
    if (r.p) gc_greypool_put(pool, r.p);
}

bool gc_mark_step(gc_heap *heap, gc_marker *m, gc_greypool *pool, uint64_t colour) {
    uintptr_t e = gc_ws_next(&m->ws);
    if (e == GC_DEQUE_EMPTY && (e = take_from_pool(pool, m)) == GC_DEQUE_EMPTY) return false;
    process(heap, m, e, colour);
    return true;
}

void gc_mark_spill(gc_heap *heap, gc_marker *m, gc_greypool *pool) {
    spill(heap, m, pool);
    gc_deque_reset(&m->ws.dq);
}

uint64_t gc_mark_increment(gc_heap *heap, gc_marker *m, gc_greypool *pool, uint64_t colour, uint64_t budget,
                           const _Atomic uint32_t *stop) {
    uint64_t t0 = gc_now_ns();
    while (m->live_bytes < budget && !atomic_load_explicit(stop, memory_order_relaxed) && gc_mark_step(heap, m, pool, colour)) {}
    gc_mark_spill(heap, m, pool);
    uint64_t done = m->live_bytes;
    m->live_bytes = 0;
    m->stats.busy_ns += gc_now_ns() - t0;
    return done;
}
