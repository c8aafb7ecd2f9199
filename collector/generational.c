/* generational.c: COLLECTOR=generational, a young generation collected by a parallel copying
 * scavenger and an old generation collected by stop-the-world mark-sweep with parallel marking.
 * The young generation's layout and the scavenge itself are collector/common/scavenge.{h,c}; the old
 * generation is the common block heap (alloc.c, sweep.c, marksweep.c). This file is the policy.
 *
 * Invariants (with R, Y, O of scavenge.c: remembered set, where young objects live, which old
 * objects a scavenge counts live)
 *  T  A TLAB is a piece of eden owned by one mutator, which zeroes each object as it carves it. Every
 *     pause retires all TLABs (top = end = NULL) before it scavenges, so no mutator keeps a piece of
 *     the eden it empties.
 *  C  Between cycles every reachable object, young or old, carries heap->colour: mutators allocate
 *     with it (mut->colour), the scavenger gives it to every copy, a full mark gives it to all it
 *     reaches. The verifier checks it, and invariant R, after every scavenge and full cycle.
 *  F  Free cells are on at most one list: the mutators' lists (objects allocated old) and the
 *     scavenger workers' promotion lists hold cells with header 0, and both are dropped in a full
 *     cycle's pause before it marks, so the sweep that follows links every free cell exactly once.
 *  G  A scavenge starts only if the old generation can take every young byte (all survive and are
 *     promoted, plus size-class waste) by the pacing estimate (live after the last full cycle plus
 *     what was promoted or allocated old since); otherwise the cycle is a full one. A scavenge thus
 *     never runs out of room while a full mark would have found some.
 *
 * Design choices
 *  - Nursery: eden plus two survivor semispaces (HotSpot's layout), eden:from:to = 6:1:1, in one
 *    run of the heap's blocks. The age lives in the header's 4 age bits; an object is promoted when
 *    it survives its --promote-age-th scavenge (default 2, V8's rule: promote on the second
 *    survival), earlier when to-space is full. A copying nursery makes allocation a bump and the cost
 *    of a scavenge that of the survivors only. The survivor share is larger than HotSpot's default
 *    8:1:1 because gclab's workloads keep partly built trees alive across a scavenge.
 *  - Objects over GC_GEN_YOUNG_MAX (8 KiB) are allocated old, from the thread's size-class free
 *    lists or as large runs (common/alloc.c, compiled in generational_oldalloc.c): copying them
 *    twice would cost more than it saves, and they would crowd a small nursery.
 *  - Remembered set: a card table (512-byte cards, a byte each), precise (the slot's card) and
 *    conditional (young value stored into an old object). The barrier never allocates, never
 *    synchronises and costs a constant few instructions; a sequential remembered-set buffer would
 *    need overflow handling and duplicates, a per-object remembered bit would need a header RMW.
 *    Young-to-young stores, most stores in gcbench, touch no card at all. The scan costs 128 card
 *    bytes per old block per scavenge.
 *  - Full cycle = mark young and old with the common gc_mark_sweep, then scavenge. Marking first
 *    means the old generation's garbage is already reclaimable (by the lazy sweep the promoting
 *    workers drive) when the survivors are promoted, so a full cycle fails only when the live data
 *    really do not fit. The other order (promote everything, then mark) needs room for all young
 *    survivors before anything old is freed. Marking through the young generation costs little: it
 *    is at most a quarter of the heap and mostly dead.
 *  - Heap sizing: --heap bounds everything, the nursery included (its blocks count in the
 *    footprint); --heap-factor sizes the old generation through the common pacing (a full cycle
 *    starts when old bytes in use reach live x factor; promotions count as old allocation).
 *    The default nursery (DEFAULT_NURSERY) was chosen by measurement (README).
 *  - gc_test_marking: false. Card marking is unconditional; the barrier has no state to switch.
 *
 * A scavenge, in the order it runs:
 *  1. a mutator finds eden full (or stress mode says so) and takes the collector role; mutators that
 *     need one meanwhile wait for it as blocked threads and retry their allocation after it;
 *  2. it decides: a full cycle if one was forced, if the old generation reached its trigger, or if
 *     it could not take the worst-case promotion (G); else a scavenge;
 *  3. it stops the world and retires every TLAB (T);
 *  4. gc_scavenge on --gc-threads workers: dirty cards, roots, copy with work stealing (scavenge.c);
 *  5. verifies if asked, restarts the world and records a "scavenge" pause.
 * A full cycle, in the order it runs:
 *  1. take the collector role; finish the lazy sweep with the world running (every block must be
 *     swept before a mark flips the colour, as in stw);
 *  2. stop the world; retire the TLABs; drop the workers' promotion lists (F);
 *  3. gc_mark_sweep: drop the mutators' lists, mark young and old from the roots, flip the colour,
 *     free dead large objects, queue the old blocks for lazy sweeping, verify if asked;
 *  4. gc_scavenge: now only marked old objects on dirty cards count as live (O), and promotion takes
 *     the cells the mark freed;
 *  5. set the old generation's trigger from the live bytes minus those that stayed young; verify if
 *     asked; restart the world; record a "full" pause. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/heap.h"
#include "common/scavenge.h"
#include "common/walk.h"
#include "clock.h"

#define DEFAULT_NURSERY ((size_t)16 << 20)     /* measured: README, "generational" */
#define MIN_NURSERY ((size_t)2 << GC_BLOCK_SHIFT)
#define TLAB_BYTES ((size_t)32 << 10)
#define STRESS_FULL_EVERY 8                    /* stress mode: every 8th forced collection is full */
#define PREFAULT_MAX ((uint64_t)64 << 20)      /* old-generation memory committed ahead, at most */

/* The old generation's free-list slow path (common/alloc.c, built by generational_oldalloc.c). Its
 * header, freelist_alloc.h, cannot be included here: it defines the free-list gc_alloc. */
gc_obj *gc_alloc_slow(gc_mut *mut, gc_type type, uint32_t nptrs, size_t nbytes);

typedef struct gen_state {
    gc_young young;
    size_t tlab_bytes;
    char *prewake_at;                   /* TLABs carved past this eden address wake the GC workers (or NULL) */
    _Atomic uint64_t stress_count;
    _Atomic uint64_t fulls;             /* full cycles completed (changes only in a pause, like heap->cycles) */
} gen_state;

enum { GEN_SCAVENGE, GEN_FULL, GEN_YOUNG_ONLY /* tests: a scavenge whatever the policy says */ };

static void gen_stress(gc_mut *mut);


static int init(gc_heap *heap, char *err, size_t errlen) {
    gc_options *o = &heap->opts;
    if (o->promote_age == 0) o->promote_age = 2;
    if (o->promote_age > GC_AGE_MAX) {
        snprintf(err, errlen, "promote age %u is out of range [1, %u]", o->promote_age, GC_AGE_MAX);
        return -1;
    }
    size_t max = heap->max_blocks << GC_BLOCK_SHIFT;
    if (o->nursery == 0) {
        o->nursery = DEFAULT_NURSERY;
        if (o->nursery > max / 4) o->nursery = max / 4;
        if (o->nursery < MIN_NURSERY) o->nursery = MIN_NURSERY;
    } else if (o->nursery < MIN_NURSERY) {
        snprintf(err, errlen, "a nursery of %zu KiB is too small (the minimum is %zu KiB)", o->nursery >> 10,
                 MIN_NURSERY >> 10);
        return -1;
    } else if (o->nursery > max / 2) {
        snprintf(err, errlen, "a nursery of %zu KiB is more than half the %zu KiB heap", o->nursery >> 10, max >> 10);
        return -1;
    }
    gen_state *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(err, errlen, "out of memory creating the heap");
        return -1;
    }
    if (gc_young_init(heap, &g->young, o->nursery, o->promote_age, err, errlen)) {
        gc_young_free(heap, &g->young);
        free(g);
        return -1;
    }
    size_t eden = (size_t)(g->young.eden_hi - g->young.eden_lo);
    g->tlab_bytes = TLAB_BYTES < eden / 8 ? TLAB_BYTES : (eden / 8) & ~(size_t)(GC_GRANULE - 1);
    /* Waking a sleeping pool worker costs 0.1-1.5 ms on the project's VMs, as long as a whole
     * scavenge of a few MiB of survivors: the stop's own prewake comes too late when a lone mutator
     * stops at once, and the second worker would miss most of the pause. Every TLAB carved from
     * eden's last sixteenth wakes them instead (or keeps them spinning: a prewoken worker spins,
     * yielding, for 2 ms, and a mutator may stop allocating for longer, gcbench checking a tree).
     * Oversubscribed pools are left asleep until the stop: a dozen spinning workers would crowd out
     * the mutators filling eden. */
    unsigned cpus = g->young.cpus;
    if (heap->workers.n > 1 && heap->workers.n <= cpus) g->prewake_at = g->young.eden_hi - eden / 16;
    atomic_init(&g->stress_count, 0);
    heap->collector = g;
    return 0;
}

static void fini(gc_heap *heap) {
    gen_state *g = heap->collector;
    if (!g) return;
    gc_young_free(heap, &g->young);
    free(g);
    heap->collector = NULL;
}

/* ---- the mutator side ---- */

static void mut_init(gc_mut *mut) {
    gc_young *y = &((gen_state *)mut->heap->collector)->young;
    mut->c.young_lo = (uintptr_t)y->lo;
    mut->c.young_span = gc_young_region_bytes(y);
    mut->c.young_span_inv = ~mut->c.young_span;
    mut->c.card_bias = y->card_bias;
}

void gc_gen_barrier_init(gc_mut *mut, gc_obj *obj, gc_slot *slot, gc_obj *val) {
    mut_init(mut);
    gc_young *y = &((gen_state *)mut->heap->collector)->young;
    if (gc_young_contains(y, val) && !gc_young_contains(y, obj))
        atomic_store_explicit((_Atomic uint8_t *)(mut->c.card_bias + ((uintptr_t)slot >> GC_CARD_SHIFT)), 1,
                              memory_order_relaxed);
}

static void gen_collect(gc_mut *mut, int kind, uint64_t seen);

/* A TLAB given up (for a new one, at a pause, for a heap walk, by a thread detaching): its unused tail
 * gets a filler, so eden stays parseable (walk). A detaching thread's TLAB would otherwise leave a gap
 * no pause retires, since the pause retires only attached threads' TLABs. */
static void retire_tlab(gc_mut *m) {
    if (m->c.tlab_top < m->c.tlab_end) gc_write_filler(m->c.tlab_top, (size_t)(m->c.tlab_end - m->c.tlab_top));
    m->c.tlab_top = m->c.tlab_end = NULL;
}

/* An object placed in eden outside the TLAB (stress mode, or one that does not fit what is left of
 * a TLAB still worth keeping). */
static gc_obj *place(gc_mut *mut, char *p, size_t size, gc_type type, uint32_t nptrs, size_t nbytes) {
    memset(p, 0, size);
    mut->allocated_bytes += size;
    atomic_fetch_add_explicit(&mut->heap->allocated_total, size, memory_order_relaxed);
    gc_obj *obj = (gc_obj *)p;
    atomic_store_explicit(&obj->header, gc_make_header(type, nptrs, nbytes, mut->colour), memory_order_relaxed);
    return obj;
}

static gc_obj *young_alloc_slow(gc_mut *mut, gc_type type, uint32_t nptrs, size_t nbytes);

/* The young allocation slow path, charged to the thread's account (account.h) as gc_alloc_slow is. */
gc_obj *gc_gen_alloc_slow(gc_mut *mut, gc_type type, uint32_t nptrs, size_t nbytes) {
    gc_acct_push(GC_ACCT_STALL(GC_STALL_ALLOC));
    gc_obj *o = young_alloc_slow(mut, type, nptrs, nbytes);
    gc_acct_pop();
    return o;
}

static gc_obj *young_alloc_slow(gc_mut *mut, gc_type type, uint32_t nptrs, size_t nbytes) {
    gc_heap *heap = mut->heap;
    /* An allocation slow path is a safepoint. */
    gc_safepoint(mut);
    if (__builtin_expect(mut->c.card_bias == 0, 0)) mut_init(mut);
    size_t size = (gc_object_bytes(nptrs, nbytes) + GC_GRANULE - 1) & ~(size_t)(GC_GRANULE - 1);
    if (size > GC_GEN_YOUNG_MAX) return gc_alloc_slow(mut, type, nptrs, nbytes);   /* old generation */
    gen_state *g = heap->collector;
    gc_young *y = &g->young;
    bool stress = heap->opts.stress_every != 0;
    if (stress) {
        /* No TLAB in stress mode: every allocation comes here and counts down to a collection. */
        if (mut->stress_left) mut->stress_left--;
        if (mut->stress_left == 0) {
            gen_stress(mut);
            mut->stress_left = heap->opts.stress_every;
        }
    }
    for (;;) {
        uint64_t seen = atomic_load_explicit(&heap->cycles, memory_order_acquire);
        char *lo, *hi;
        if (stress || (size_t)(mut->c.tlab_end - mut->c.tlab_top) > g->tlab_bytes / 16) {
            /* Keep a TLAB that still has room for smaller objects; place this one beside it. */
            if (gc_young_carve(y, size, size, &lo, &hi)) {
                if (hi >= g->prewake_at && g->prewake_at) gc_workers_prewake(&heap->workers);
                return place(mut, lo, size, type, nptrs, nbytes);
            }
        } else if (gc_young_carve(y, size, g->tlab_bytes, &lo, &hi)) {
            if (hi >= g->prewake_at && g->prewake_at) gc_workers_prewake(&heap->workers);
            size_t bytes = (size_t)(hi - lo);
            retire_tlab(mut);
            memset(lo, 0, size);
            mut->allocated_bytes += bytes;
            atomic_fetch_add_explicit(&heap->allocated_total, bytes, memory_order_relaxed);
            mut->c.tlab_top = lo + size;
            mut->c.tlab_end = hi;
            gc_obj *obj = (gc_obj *)lo;
            atomic_store_explicit(&obj->header, gc_make_header(type, nptrs, nbytes, mut->colour),
                                  memory_order_relaxed);
            return obj;
        }
        /* Eden is full: scavenge (or, if another thread just did, retry in the eden it emptied). */
        gen_collect(mut, GEN_SCAVENGE, seen);
    }
}

/* ---- collections ---- */

/* Invariant G: can the old generation take everything young, promoted? */
static bool room_for_promotion(gc_heap *heap, gc_young *y) {
    uint64_t young = gc_young_used(y);
    unsigned spare = heap->opts.gc_threads < 4 ? heap->opts.gc_threads : 4;
    uint64_t need = young + young / 8 + (uint64_t)spare * GC_BLOCK_SIZE;
    uint64_t cap = (uint64_t)(heap->max_blocks - y->nblocks) << GC_BLOCK_SHIFT;
    return gc_heap_used(heap) + need <= cap;
}

/* The pause of a scavenge or of a full cycle (arg: whether it is full). */
typedef struct gen_pause {
    bool full;
    gc_scavenge_stats st;
} gen_pause;

static void gen_pause_body(gc_heap *heap, gc_pause *rec, void *arg) {
    gen_pause *gp = arg;
    gen_state *g = heap->collector;
    gc_young *y = &g->young;
    unsigned n = heap->opts.gc_threads;
    for (gc_mut *m = heap->muts; m; m = m->next) retire_tlab(m);
    uint64_t live = 0;
    if (gp->full) {
        gc_young_drop_lists(y);
        live = gc_mark_sweep(heap, n, rec);
    }
    gc_scavenge_stats *st = &gp->st;
    uint64_t t0 = gc_now_ns();
    gc_scavenge(heap, y, n, st);
    rec->mark_ns += gc_now_ns() - t0;
    if (gp->full) {
        /* What the mark found live, less what stayed young, is the old generation's live size. */
        gc_set_trigger(heap, live > st->copied_bytes ? live - st->copied_bytes : 0);
        rec->live_bytes = live;
    } else {
        rec->live_bytes = st->copied_bytes + st->promoted_bytes;
    }
    rec->young_bytes = st->young_bytes;
    rec->copied_bytes = st->copied_bytes;
    rec->promoted_bytes = st->promoted_bytes;
    rec->cards_scanned = st->cards_scanned;
    rec->weak_ns += st->weak_ns;
    rec->weak_cleared += st->weak_cleared;
    rec->eph_pending += st->eph_pending;
    rec->eph_resolved += st->eph_resolved;
    rec->eph_cleared += st->eph_cleared;
    rec->fin_queued += st->fin_queued;
    rec->eph_rounds += st->eph_pending ? 1 : 0;
    if (heap->opts.verify) gc_verify_or_die(heap);
    rec->cycle = gc_count_cycle(heap);
    if (gp->full) atomic_fetch_add(&g->fulls, 1);
}

/* seen: what the caller read before it decided it needed this collection: g->fulls for a full
 * cycle (a scavenge frees nothing old), heap->cycles otherwise (any cycle empties eden). A cycle of
 * that kind completing while the caller waited for the role satisfies it, gc_collect included: the
 * caller was running when it asked, so that cycle's stop came after. Which pause runs is decided
 * here, under the role, from the heap as it is now (the rule at gc_role_take, handshake.c). */
static void gen_collect(gc_mut *mut, int kind, uint64_t seen) {
    gc_heap *heap = mut->heap;
    gen_state *g = heap->collector;
    gc_young *y = &g->young;
    gc_role_take(heap, mut);
    uint64_t now = kind == GEN_FULL ? atomic_load(&g->fulls) : atomic_load(&heap->cycles);
    if (now != seen) {
        gc_end_cycle(heap);   /* another thread's cycle of the kind we needed ran meanwhile */
        return;
    }
    gen_pause gp = {.full = kind == GEN_FULL ||
                            (kind == GEN_SCAVENGE && (gc_should_collect(heap) || !room_for_promotion(heap, y)))};
    if (gp.full) gc_sweep_finish(heap);
    gc_pause_run(heap, mut, &(gc_pause){.kind = gp.full ? GC_PAUSE_FULL : GC_PAUSE_SCAVENGE, .gc_threads = heap->opts.gc_threads},
                 gen_pause_body, &gp);
    /* With the world running again: fault in the blocks the next scavenge's promotions will take
     * (a little more than this one promoted), so its pause copies instead of taking page faults. */
    uint64_t expect = gp.st.promoted_bytes + gp.st.promoted_bytes / 2;
    gc_young_prefault_old(heap, expect < PREFAULT_MAX ? expect : PREFAULT_MAX);
    gc_young_after_pause(y);
    gc_end_cycle(heap);
}

/* --stress-every: scavenges, and every STRESS_FULL_EVERY-th forced collection a full cycle, so
 * stress runs exercise both (and the cards across a full mark). */
static void gen_stress(gc_mut *mut) {
    gen_state *g = mut->heap->collector;
    uint64_t k = atomic_fetch_add_explicit(&g->stress_count, 1, memory_order_relaxed) + 1;
    bool full = k % STRESS_FULL_EVERY == 0;
    gen_collect(mut, full ? GEN_FULL : GEN_SCAVENGE, full ? atomic_load(&g->fulls) : atomic_load(&mut->heap->cycles));
}

/* From the old generation's allocation path (its trigger is reached, or it has no block left) and
 * from gc_collect: both need the old generation collected, so both get a full cycle; a scavenge that
 * ran while the caller waited does not count. */
static void collect(gc_mut *mut, gc_collect_why why) {
    gen_state *g = mut->heap->collector;
    (void)why;
    gen_collect(mut, GEN_FULL, atomic_load(&g->fulls));
}

/* For tests (declared weak there, so they link in other variants too): a scavenge now, never a full
 * cycle, whatever the policy would decide. */
void gc_gen_scavenge(gc_mut *mut) {
    gen_collect(mut, GEN_YOUNG_ONLY, atomic_load_explicit(&mut->heap->cycles, memory_order_acquire));
}

/* ---- the seam (collector.h) ---- */

static void stats(gc_heap *heap, gc_heap_stats *out) {
    gen_state *g = heap->collector;
    out->nursery_bytes = gc_young_region_bytes(&g->young);
    out->promote_age = g->young.promote_age;
}

static size_t verify_room(gc_heap *heap, const void *p) { return gc_young_room(&((gen_state *)heap->collector)->young, p); }

static const char *verify_slot(gc_heap *heap, const gc_obj *o, const void *slot, const gc_obj *p) {
    return gc_young_unremembered(&((gen_state *)heap->collector)->young, o, slot, p)
               ? "old-to-young pointer on a clean card (the remembered set lost it)"
               : NULL;
}

/* Young memory is bumped, so it is walked object by object: eden up to where it was handed out, and
 * the survivors. Every gap in it carries a filler (a retired TLAB's tail, eden's last sliver, a copy
 * buffer's tail or a lost race's reservation in to-space): a header of 0 here is a bug. */
static void walk_bumped(gc_heap *heap, char *p, char *end, gc_object_fn *visit, void *ctx) {
    while (p < end) {
        gc_obj *o = (gc_obj *)p;
        uint64_t h = atomic_load_explicit(&o->header, memory_order_relaxed);
        if (h == 0) gc_fatal(heap, "the young generation is not parseable at %p: a gap without a filler", (void *)p);
        size_t bytes = gc_bump_bytes(h, o);
        if (gc_hdr_type(h)) visit(heap, o, bytes, ctx);
        p += bytes;
    }
}

static void walk(gc_heap *heap, gc_object_fn *visit, void *ctx) {
    gc_young *y = &((gen_state *)heap->collector)->young;
    for (gc_mut *m = heap->muts; m; m = m->next) retire_tlab(m);
    uintptr_t top = atomic_load_explicit(&y->eden_top, memory_order_relaxed);
    walk_bumped(heap, y->eden_lo, top < (uintptr_t)y->eden_hi ? (char *)top : y->eden_hi, visit, ctx);
    walk_bumped(heap, y->surv[y->from], y->from_top, visit, ctx);
}

/* For tests (declared weak there): the young generation. */
gc_young *gc_gen_young(gc_heap *heap) { return &((gen_state *)heap->collector)->young; }

/* Card marking does not depend on any collector state: test_marking is NULL, there is nothing to
 * switch on. The old generation is paced like stw's heap (a full cycle at the trigger). */
const gc_collector_ops gc_collector = {
    .name = "generational",
    .start_fraction = 1.0,
    .init = init,
    .free = fini,
    .detach = retire_tlab,
    .collect = collect,
    .stress = gen_stress,
    .stats = stats,
    .verify_room = verify_room,
    .verify_slot = verify_slot,
    .walk = walk,
};
