/* cmark.c: the marking cycle between an initial-mark and a remark pause (see cmark.h for the phases
 * and each barrier's invariant). Built into every variant with a BARRIER; empty in the others. */
#include <stdlib.h>
#include <string.h>
#include "cmark.h"
#include "clock.h"
#include "walk.h"

#if defined(GCLAB_BARRIER_DIJKSTRA) || defined(GCLAB_BARRIER_STEELE) || defined(GCLAB_BARRIER_YUASA) || \
    defined(GCLAB_BARRIER_NONE)

#if defined(GCLAB_BARRIER_DIJKSTRA) || defined(GCLAB_BARRIER_STEELE)
#define RESCAN_ROOTS 1      /* roots are not barriered: remark must look at them again */
#else
#define RESCAN_ROOTS 0      /* yuasa: the snapshot includes the roots; none: loses objects on purpose */
#endif

int gc_cmark_init(gc_cmark *cm) {
    memset(cm, 0, sizeof *cm);
    cm->survival = 1.0;   /* a heap's first cycles are usually its growth: assume all of it lives */
    if (gc_greypool_init(&cm->pool) || gc_marker_init(&cm->step, 0)) return -1;
    return 0;
}

bool gc_cmark_marking(gc_heap *heap) { return gc_cmark_active(gc_cmark_of(heap)); }

void gc_cmark_free(gc_cmark *cm) {
    gc_greypool_free(&cm->pool);
    gc_marker_free(&cm->step);
    free(cm->existed);
    free(cm->reached);
}

/* ---- floating garbage, in diagnostic mode ----
 * Garbage that floats is what was already dead when the cycle began yet survives it: a barrier or
 * black allocation kept it. At initial mark the verifier's walk gives the objects reachable then,
 * and a scan of the blocks gives the objects that existed then; at remark, an object marked live that
 * existed but was not reachable at the start is floating. */

static inline void set_bit(uint64_t *map, size_t bit) { map[bit / 64] |= 1ull << (bit % 64); }
static inline bool get_bit(const uint64_t *map, size_t bit) { return map[bit / 64] >> (bit % 64) & 1; }
static size_t granule_of(gc_heap *heap, const void *p) {
    return (size_t)((const char *)p - heap->base) >> GC_GRANULE_SHIFT;
}

static void note_existing(gc_heap *heap, gc_obj *o, size_t bytes, void *arg) {
    (void)bytes;
    set_bit(arg, granule_of(heap, o));
}

static void count_floating(gc_heap *heap, gc_obj *o, size_t bytes, void *arg) {
    gc_cmark *cm = gc_cmark_of(heap);
    size_t g = granule_of(heap, o);
    if (gc_is_marked(o, cm->colour) && get_bit(cm->existed, g) && !get_bit(cm->reached, g)) *(uint64_t *)arg += bytes;
}

static void diagnose_start(gc_heap *heap, gc_cmark *cm) {
    char msg[256];
    free(cm->reached);
    cm->reached = NULL;
    if (gc_verify_heap_reach(heap, msg, sizeof msg, &cm->reached))
        gc_fatal(heap, "heap verification failed at the start of cycle %llu: %s",
                 (unsigned long long)atomic_load(&heap->cycles) + 1, msg);
    size_t words = ((heap->nblocks << GC_BLOCK_SHIFT) >> GC_GRANULE_SHIFT) / 64 + 1;
    free(cm->existed);
    cm->existed = calloc(words, sizeof(uint64_t));
    if (!cm->existed) gc_fatal(heap, "out of memory for the floating-garbage diagnostics");
    gc_heap_walk(heap, note_existing, cm->existed);
}

static uint64_t diagnose_finish(gc_heap *heap, gc_cmark *cm) {
    uint64_t floating = 0;
    if (cm->existed && cm->reached) gc_heap_walk(heap, count_floating, &floating);
    free(cm->existed);
    free(cm->reached);
    cm->existed = cm->reached = NULL;
    return floating;
}

/* ---- pacing ---- */

/* The marking work a cycle starting now would have: live + survival x (used - live). */
static uint64_t work_estimate(const gc_cmark *cm, uint64_t live, uint64_t used) {
    if (used <= live) return live;
    return live + (uint64_t)(cm->survival * (double)(used - live));
}

uint64_t gc_cmark_work_left(gc_cmark *cm, uint64_t *expected) {
    uint64_t marked = atomic_load_explicit(&cm->marked, memory_order_relaxed), e = cm->work_expected;
    if (marked >= e) e = cm->used_at_start > marked ? cm->used_at_start : marked;
    *expected = e;
    return e - marked;
}

/* cmark.h, at the goals. */
static void set_goals(gc_heap *heap, gc_cmark *cm) {
    uint64_t goal = atomic_load_explicit(&heap->goal_bytes, memory_order_relaxed);
    uint64_t trigger = atomic_load_explicit(&heap->trigger_bytes, memory_order_relaxed);
    uint64_t runway = goal > trigger ? goal - trigger : 0;
    if (cm->used_at_start + runway / 2 > goal) goal = cm->used_at_start + runway / 2;
    uint64_t hard = goal + goal / 10, small = cm->live_at_start + heap->opts.initial_heap;
    cm->goal = goal;
    cm->hard_goal = hard > small ? hard : small;
}

/* At remark: what share of the bytes allocated between the last cycle and this one's initial mark
 * was alive (marked beyond the last live size), for the next cycle's estimate. */
static void measure_survival(gc_cmark *cm, uint64_t marked) {
    cm->marked_last = marked;
    if (cm->used_at_start <= cm->live_at_start) return;
    uint64_t grew = marked > cm->live_at_start ? marked - cm->live_at_start : 0;
    double s = (double)grew / (double)(cm->used_at_start - cm->live_at_start);
    cm->survival = s > 1.0 ? 1.0 : s;
}

/* ---- the pauses ---- */

void gc_cmark_start(gc_heap *heap, gc_cmark *cm, gc_pause *rec) {
    uint64_t t0 = gc_now_ns();
    if (heap->opts.verify) diagnose_start(heap, cm);
    cm->colour = heap->colour ^ GC_HDR_MARK;
    atomic_store_explicit(&cm->marked, 0, memory_order_relaxed);
    atomic_store_explicit(&cm->abort, 0, memory_order_relaxed);
    cm->alloc_at_start = atomic_load_explicit(&heap->allocated_total, memory_order_relaxed);
    cm->live_at_start = heap->live_after_gc;
    cm->used_at_start = gc_heap_used(heap);
    cm->work_expected = work_estimate(cm, cm->live_at_start, cm->used_at_start);
    set_goals(heap, cm);
    /* From here on every new object is black, and every store goes through the barrier's slow path. */
    gc_set_mutators(heap, cm->colour, 1);
    gc_mark_roots_to_pool(heap, &cm->pool, cm->colour);
    atomic_store_explicit(&cm->marking, 1, memory_order_release);
    rec->roots_ns = gc_now_ns() - t0;
    rec->mark_ns = rec->roots_ns;
}

static void flush_barrier_buffer(gc_cmark *cm, gc_mut *m, gc_pause *rec) {
    if (m->c.barrier_buf) {
        gc_greypool_put(&cm->pool, m->c.barrier_buf);
        m->c.barrier_buf = NULL;
    }
    rec->barrier_hits += m->c.barrier_hits;
    rec->regreyed += m->c.regreyed;
    m->c.barrier_hits = m->c.regreyed = 0;
}

void gc_cmark_detach(gc_mut *mut) {
    gc_cmark *cm = gc_cmark_of(mut->heap);
    if (mut->c.barrier_buf) {
        gc_greypool_put(&cm->pool, mut->c.barrier_buf);
        mut->c.barrier_buf = NULL;
    }
    if (mut->c.marker) {
        gc_weak_spill(mut->heap, &mut->c.marker->weak, &mut->c.marker->eph);
        gc_marker_free(mut->c.marker);
        free(mut->c.marker);
        mut->c.marker = NULL;
    }
}

void gc_cmark_finish(gc_heap *heap, gc_cmark *cm, unsigned nthreads, gc_pause *rec) {
    uint64_t t0 = gc_now_ns();
    for (gc_mut *m = heap->muts; m; m = m->next) flush_barrier_buffer(cm, m, rec);
    gc_mark_spill(heap, &cm->step, &cm->pool);
    if (RESCAN_ROOTS) gc_mark_roots_to_pool(heap, &cm->pool, cm->colour);
    uint64_t t1 = gc_now_ns();
    /* Little left to trace (the common case after concurrent marking): waking the other workers
     * would cost more of the pause than the work. */
    if (atomic_load(&cm->pool.nfull) < 2) nthreads = 1;
    rec->gc_threads = nthreads;   /* the threads that worked, not the ones configured */
    uint64_t marked = atomic_load(&cm->marked) + gc_mark_drain(heap, &cm->pool, cm->colour, nthreads, NULL, NULL);
    uint64_t t2 = gc_now_ns();
    uint64_t allocated = atomic_load(&heap->allocated_total) - cm->alloc_at_start;
    uint64_t live = marked + allocated;   /* allocated black during the cycle: live by decree */
    measure_survival(cm, marked);
    /* Marking is complete: what the markers that are no GC worker's recorded joins the rest. */
    for (gc_mut *m = heap->muts; m; m = m->next)
        if (m->c.marker) gc_weak_spill(heap, &m->c.marker->weak, &m->c.marker->eph);
    gc_weak_spill(heap, &cm->step.weak, &cm->step.eph);
    gc_weak_finish_marking(heap, cm->colour, rec);
    atomic_store_explicit(&cm->marking, 0, memory_order_release);

    heap->colour = cm->colour;
    gc_after_full_mark(heap, (uint32_t)atomic_load(&heap->cycles) + 1, rec);
    gc_drop_free_lists(heap);
    gc_set_mutators(heap, cm->colour, 0);
    gc_sweep_prepare(heap);
    gc_set_trigger(heap, live);
    rec->roots_ns += t1 - t0;
    rec->drain_ns = t2 - t1;
    rec->mark_ns += t2 - t0;
    rec->live_bytes = live;
    rec->alloc_during_mark = allocated;
    cm->alloc_during_mark = allocated;
    if (heap->opts.verify) {
        gc_verify_or_die(heap);
        rec->floating_bytes = diagnose_finish(heap, cm);
    }
    rec->sweep_ns += gc_now_ns() - t2;
}

void gc_cmark_start_body(gc_heap *heap, gc_pause *rec, void *arg) {
    (void)arg;
    gc_cmark_start(heap, gc_cmark_of(heap), rec);
    rec->cycle = (uint32_t)atomic_load(&heap->cycles) + 1;
}

void gc_cmark_finish_body(gc_heap *heap, gc_pause *rec, void *arg) {
    (void)arg;
    gc_cmark_finish(heap, gc_cmark_of(heap), heap->opts.gc_threads, rec);
    rec->cycle = gc_count_cycle(heap);
}

uint64_t gc_cmark_assist(gc_mut *mut, uint64_t budget, gc_pause_kind kind) {
    gc_heap *heap = mut->heap;
    gc_cmark *cm = gc_cmark_of(heap);
    if (!mut->c.marker) {
        mut->c.marker = malloc(sizeof *mut->c.marker);
        if (!mut->c.marker || gc_marker_init(mut->c.marker, 1000)) gc_fatal(heap, "out of memory for a marker");
    }
    /* What this thread's barrier shaded is work too, and the pool is where assists find work. */
    if (mut->c.barrier_buf && mut->c.barrier_buf->n) {
        gc_greypool_put(&cm->pool, mut->c.barrier_buf);
        mut->c.barrier_buf = NULL;
    }
    uint64_t cpu0 = gc_thread_cpu_ns();
    gc_acct_push(kind);
    gc_pause rec = {.kind = kind, .gc_threads = 1, .start_ns = gc_now_ns(), .heap_before = gc_heap_footprint(heap),
                    .cycle = (uint32_t)atomic_load(&heap->cycles) + 1};
    atomic_fetch_add(&cm->assisting, 1);
    /* An assist is no safepoint: it ends early when a stop is requested, or the stop (a remark, the
     * next initial mark) would wait for the rest of its budget (time to safepoint of 50-400 us on
     * msgbuf, measured). */
    uint64_t done = gc_mark_increment(heap, mut->c.marker, &cm->pool, cm->colour, budget, &mut->poll);
    atomic_fetch_add(&cm->marked, done);
    atomic_fetch_sub(&cm->assisting, 1);   /* after the increment spilled what it held to the pool */
    rec.end_ns = gc_now_ns();
    rec.mark_ns = rec.end_ns - rec.start_ns;
    rec.live_bytes = done;
    rec.heap_after = rec.heap_before;
    gc_acct_pop();
    gc_pause_record(heap, &rec);
    atomic_fetch_add(&heap->gc_cpu_ns, gc_thread_cpu_ns() - cpu0);
    return done;
}

/* ---- the barrier ---- */

/* Queues a grey object in the thread's barrier buffer; a full buffer goes to the pool. */
__attribute__((unused)) static void grey(gc_mut *mut, gc_obj *o) {
    gc_packet *p = mut->c.barrier_buf;
    if (__builtin_expect(!p || p->n == GC_PACKET_ITEMS, 0)) {
        gc_cmark *cm = gc_cmark_of(mut->heap);
        if (p) gc_greypool_put(&cm->pool, p);
        p = mut->c.barrier_buf = gc_greypool_spare(&cm->pool);
        if (!p) gc_fatal(mut->heap, "out of memory for the write barrier's buffer");
    }
    p->item[p->n++] = (uintptr_t)o;
}

void gc_barrier_slow(gc_mut *mut, gc_obj *obj, size_t i, gc_obj *val) {
    uint64_t colour = mut->colour;   /* the cycle's colour while marking: marked means grey or black */
    mut->c.barrier_hits++;
#if defined(GCLAB_BARRIER_DIJKSTRA)
    /* The strong invariant is kept here: the new target is grey before any black object can hold it. */
    if (val && gc_mark_claim(val, colour)) grey(mut, val);
    atomic_store_explicit(&obj->slot[i], val, memory_order_release);
#elif defined(GCLAB_BARRIER_STEELE)
    /* The strong invariant is kept here, Steele's way: if a marked object now holds a white pointer,
     * it goes back to grey and will be scanned again. The store and the colour check need a full
     * fence between them: a marker sets obj's mark bit and then reads its slots, we write a slot and
     * then read the mark bit; with only release/acquire both could see the old values (store
     * buffering), the marker missing val and we missing the mark. seq_cst orders them. */
    atomic_store_explicit(&obj->slot[i], val, memory_order_seq_cst);
    if (val && !gc_is_marked(val, colour) &&
        (atomic_load_explicit(&obj->header, memory_order_seq_cst) & GC_HDR_MARK) == colour) {
        grey(mut, obj);
        mut->c.regreyed++;
    }
#elif defined(GCLAB_BARRIER_YUASA)
    /* The weak invariant is kept here: the value being overwritten was perhaps reachable at the
     * snapshot only through this slot, so it is shaded before the path is cut. */
    gc_obj *old = atomic_load_explicit(&obj->slot[i], memory_order_acquire);
    if (old && gc_mark_claim(old, colour)) grey(mut, old);
    atomic_store_explicit(&obj->slot[i], val, memory_order_release);
#else
    (void)colour;
    atomic_store_explicit(&obj->slot[i], val, memory_order_release);
#endif
}

/* The keep-alive of a weak read (collector.h's weak_read). Only Yuasa needs it: its snapshot holds
 * what was strongly reachable at initial mark, and an object reachable then only through a weak slot
 * is not in it, so a mutator that reads it now and stores it into an object already scanned would
 * lose it (G1's keep-alive on Reference.get). Dijkstra and Steele need none: the object, once the
 * mutator holds it, is in a root (rescanned at remark) or stored through the barrier, which shades it
 * or re-greys its holder. none shows what happens without a barrier. */
void gc_cmark_weak_read(gc_mut *mut, gc_obj *o) {
#if defined(GCLAB_BARRIER_YUASA)
    if (gc_mark_claim(o, mut->colour)) grey(mut, o);
#else
    (void)mut, (void)o;
#endif
}

/* ---- deterministic tests ---- */

static void stop_quiet(gc_mut *mut) {
    gc_role_take(mut->heap, mut);
    gc_stop_world(mut->heap, mut);
}

static void resume_quiet(gc_heap *heap) {
    gc_start_world(heap);
    gc_end_cycle(heap);
}

void gc_test_cycle_start(gc_mut *mut) {
    gc_heap *heap = mut->heap;
    gc_sweep_finish(heap);
    stop_quiet(mut);
    gc_pause rec = {0};
    gc_cmark_start(heap, gc_cmark_of(heap), &rec);
    resume_quiet(heap);
}

size_t gc_test_mark_steps(gc_mut *mut, size_t n) {
    gc_heap *heap = mut->heap;
    gc_cmark *cm = gc_cmark_of(heap);
    size_t done = 0;
    while (done < n && gc_mark_step(heap, &cm->step, &cm->pool, cm->colour)) done++;
    atomic_fetch_add(&cm->marked, cm->step.live_bytes);
    cm->step.live_bytes = 0;
    return done;
}

/* gclab.h's gc_test_marking, for the micro-benchmarks: a real initial mark or remark, with no marking between. */
bool gc_cmark_test_marking(gc_mut *mut, bool on) {
    if (on != gc_cmark_active(gc_cmark_of(mut->heap))) {
        if (on) gc_test_cycle_start(mut);
        else gc_test_cycle_finish(mut, NULL, 0);
    }
    return true;
}

size_t gc_test_cycle_finish(gc_mut *mut, char *msg, size_t msglen) {
    gc_heap *heap = mut->heap;
    bool verify = heap->opts.verify;
    heap->opts.verify = false;   /* verified below, reported rather than fatal */
    stop_quiet(mut);
    gc_pause rec = {0};
    gc_cmark_finish(heap, gc_cmark_of(heap), 1, &rec);
    size_t problems = gc_verify_heap(heap, msg, msglen);
    atomic_fetch_add(&heap->cycles, 1);
    resume_quiet(heap);
    heap->opts.verify = verify;
    return problems;
}

#endif
