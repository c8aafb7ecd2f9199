/* scavenge.c: the parallel copying scavenger of the young generation (scavenge.h).
 *
 * Invariants, between scavenges (the world running):
 *  R  (remembered set) every old object slot that holds a pointer to a young object lies on a dirty
 *     card. The mutators' barrier dirties the card of an old slot it stores a young pointer into; a
 *     scavenge dirties the card of every old slot it leaves pointing young (a card-scanned slot whose
 *     target stayed young, a slot of a promoted object whose target stayed young), and cleans every
 *     other card it scans. Cards of dead or free old memory may stay dirty: scanning them finds no
 *     live object and costs a little time, never correctness.
 *  Y  young objects live only in eden [eden_lo, eden_top) and in from-space [from, from_top); no
 *     header there is forwarded. Eden objects have age 0; a survivor's age (header bits 2-5) is the
 *     number of scavenges it survived.
 *  O  an old object is live for a scavenge iff its header carries heap->colour: objects allocated or
 *     promoted since the last full mark get that colour, and that mark gave it to everything it
 *     reached; what it did not reach keeps the other colour until swept (header 0).
 *
 * One scavenge, in the order it runs (gc_workers_run, worker 0 is the collecting thread):
 *  A  cards. Workers claim chunks of the block table and read its cards eight at a time; for each
 *     dirty card of an old block they clean it and record, for every live old object overlapping the
 *     card, that object's slots inside the card as one range entry in a shared array (published
 *     before the chunk counts as done). Phase A only reads the old generation: nothing is promoted
 *     yet, so no worker sweeps or carves a block (rewriting headers and block descriptors) that
 *     another is reading.
 *     The range entries point into live objects only, which no sweep touches. The phase ends when
 *     every claimed chunk has been scanned (a worker waking late joins phase B directly).
 *  B  copy. Worker 0 evacuates what the roots point to; the workers claim phase A's range entries
 *     from the shared array in batches that shrink as it drains; every worker drains its private
 *     stack (depth first, so a copied object lands next to its parent; a copy without slots is not
 *     pushed), publishes the oldest half to its Chase-Lev deque when that has run dry (checked every
 *     32 entries and copies of work), and steals from a random victim when out of work; a worker
 *     scans a copied object (or a range) by evacuating each young target and updating the slot.
 *     Termination as in every work-stealing phase (phase.h): a worker leaves the active count only
 *     with nothing in hand.
 *  C  flip. Eden is empty again, to-space becomes from-space. Per-worker figures go to
 *     heap->markers[i].stats (gc_get_worker_stats) and the caller's gc_scavenge_stats.
 *
 * Forwarding (exactly once per object, however many workers race): see "the forwarding protocol"
 * below evacuate's helpers.
 *
 * Where copies go. An object surviving its promote_age-th scavenge (age + 1 >= promote_age) is
 * promoted, else copied to to-space with age + 1. To-space is carved into per-worker copy buffers
 * (PLABs) by an atomic fetch-and-add, old-generation cells come from per-worker free lists refilled a
 * block at a time from the lazy sweep (gc_sweep_next), ready lists or fresh blocks: no lock is taken
 * per object; the block lock is taken at most once per 64 KiB of promotion. When to-space is full a
 * survivor is promoted early; when the old generation is full one stays young; with neither, the heap
 * is exhausted (fatal: the collector's policy guarantees room before it scavenges, see
 * generational.c). */
#include "scavenge.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "clock.h"
#include "mark.h"
#include "phase.h"
#include "trace.h"

/* A range entry: the address of its first slot | RANGE_TAG, the slot count from bit RANGE_SHIFT on
 * (a card holds at most 64 slots). gc_young_init checks that the reservation lies below 2^48. */
#define RANGE_TAG ((uintptr_t)1)
#define RANGE_SHIFT 48
#define RANGE_ADDR(e) ((gc_slot *)((e) & ((((uintptr_t)1) << RANGE_SHIFT) - 1) & ~RANGE_TAG))

#define PLAB_MAX ((size_t)32 << 10)
#define PLAB_MIN ((size_t)1 << 10)
#define FWD_ADDR(h) ((gc_obj *)(uintptr_t)((h) & ~(uint64_t)(GC_GRANULE - 1)))
#define SCAV_PREFETCH 4
#define TURN_NS 50000                   /* oversubscribed workers yield after this much work */

typedef struct sc_phase {
    gc_heap *heap;
    gc_young *y;
    unsigned n;
    uint64_t colour;                    /* what copies get: heap->colour */
    uintptr_t cset_lo, cset_span;       /* eden and from-space: what this scavenge evacuates */
    uintptr_t young_lo, young_span;     /* the whole young region */
    uintptr_t card_bias;
    uintptr_t to_hi;
    size_t plab_bytes;
    unsigned promote_age;
    unsigned widen;                     /* y->test_widen */
    bool oversubscribed;                /* more workers than CPUs: workers take turns (see below) */
    size_t card_limit;                  /* blocks of the table phase A looks at */
    size_t card_chunk;                  /* blocks per claim */
    _Atomic size_t card_next;
    size_t card_chunks;                 /* claims phase A has in all */
    _Atomic size_t ranges_reserved;     /* entries phase A put into y->ranges (may exceed its capacity) */
    _Atomic size_t ranges_next;         /* phase B's claim cursor into y->ranges */
    _Atomic size_t card_chunks_done;    /* ... and those scanned: phase A is over when they are equal */
    _Atomic unsigned active;            /* phase B: workers that may still create work */
    _Atomic int dying;                  /* a worker found the heap exhausted */
} sc_phase;

/* ---- the young region, eden carving, and what the verifier asks ---- */

int gc_young_init(gc_heap *heap, gc_young *y, size_t nursery, unsigned promote_age, char *err, size_t errlen) {
    memset(y, 0, sizeof *y);
    size_t nb = (nursery + GC_BLOCK_SIZE - 1) >> GC_BLOCK_SHIFT;
    if (nb < 2) nb = 2;
    if ((uintptr_t)heap->base + (heap->nblocks << GC_BLOCK_SHIFT) >= (uintptr_t)1 << RANGE_SHIFT) {
        snprintf(err, errlen, "the heap reservation lies above 2^%d: the scavenger cannot encode its work entries",
                 RANGE_SHIFT);
        return -1;
    }
    size_t first = gc_blocks_acquire(heap, nb);
    if (first == SIZE_MAX) {
        snprintf(err, errlen, "a %zu KiB nursery does not fit in the %zu KiB heap", (nb << GC_BLOCK_SHIFT) >> 10,
                 (heap->max_blocks << GC_BLOCK_SHIFT) >> 10);
        return -1;
    }
    for (size_t i = first; i < first + nb; i++) {
        heap->block[i].run = (uint32_t)nb;
        atomic_store_explicit(&heap->block[i].kind, GC_BLK_COLLECTOR, memory_order_release);
    }
    y->first_block = first;
    y->nblocks = nb;
    y->lo = gc_block_addr(heap, first);
    y->hi = y->lo + (nb << GC_BLOCK_SHIFT);
    /* Survivor spaces of an eighth of the region each: eden:from:to = 6:1:1 (see generational.c). */
    size_t region = nb << GC_BLOCK_SHIFT;
    y->surv_bytes = (region / 8) & ~(size_t)4095;
    y->surv[0] = y->lo;
    y->eden_lo = y->lo + y->surv_bytes;
    y->eden_hi = y->hi - y->surv_bytes;
    y->surv[1] = y->eden_hi;
    atomic_init(&y->eden_top, (uintptr_t)y->eden_lo);
    y->from = 0;
    y->from_top = y->surv[0];
    /* Commit the region now: all of it is used over and over, and its first-touch page faults would
     * otherwise fall in the first scavenges' pauses (to-space) and allocations (eden). */
#ifdef MADV_POPULATE_WRITE
    if (madvise(y->lo, region, MADV_POPULATE_WRITE) != 0)
#endif
        memset(y->lo, 0, region);
    atomic_init(&y->to_top, 0);
    y->promote_age = promote_age;

    y->ncards = heap->nblocks * GC_CARDS_PER_BLOCK;
    void *cards = mmap(NULL, y->ncards, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (cards == MAP_FAILED) {
        snprintf(err, errlen, "cannot reserve %zu KiB for the card table", y->ncards >> 10);
        return -1;
    }
    y->cards = cards;
    y->card_bias = (uintptr_t)cards - ((uintptr_t)heap->base >> GC_CARD_SHIFT);

    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    y->cpus = cpus > 0 ? (unsigned)cpus : 1;
    y->nworkers = heap->workers.n;
    y->sc = aligned_alloc(64, sizeof(gc_scavenger) * y->nworkers);
    if (!y->sc) goto oom;
    memset(y->sc, 0, sizeof(gc_scavenger) * y->nworkers);
    for (unsigned i = 0; i < y->nworkers; i++) {
        gc_scavenger *w = &y->sc[i];
        if (gc_ws_init(&w->ws)) goto oom;
        w->rng = 0x2545f4914f6cdd1dull * (i + 1);
    }
    y->ranges_cap = 16384;
    y->ranges = malloc(y->ranges_cap * sizeof *y->ranges);
    if (!y->ranges) goto oom;
    atomic_init(&y->ranges_wanted, 0);
    return 0;
oom:
    snprintf(err, errlen, "out of memory for the scavenger");
    return -1;
}

void gc_young_free(gc_heap *heap, gc_young *y) {
    (void)heap;
    if (y->sc) {
        for (unsigned i = 0; i < y->nworkers; i++) {
            if (atomic_load_explicit(&y->sc[i].ws.dq.buf, memory_order_relaxed)) gc_deque_destroy(&y->sc[i].ws.dq);
            free(y->sc[i].ws.local);
            gc_weak_buf_free(&y->sc[i].weak);
        }
        free(y->sc);
        y->sc = NULL;
    }
    if (y->cards) munmap((void *)y->cards, y->ncards);
    y->cards = NULL;
    free(y->ranges);
    y->ranges = NULL;
}

void gc_young_after_pause(gc_young *y) {
    size_t want = atomic_load_explicit(&y->ranges_wanted, memory_order_relaxed);
    if (want <= y->ranges_cap) return;
    size_t cap = y->ranges_cap;
    while (cap < want + want / 4) cap *= 2;
    uintptr_t *r = realloc(y->ranges, cap * sizeof *r);
    if (!r) return;   /* the overflow keeps going to the deques: slower, not wrong */
    y->ranges = r;
    y->ranges_cap = cap;
}

bool gc_young_carve(gc_young *y, size_t min, size_t want, char **lo, char **hi) {
    uintptr_t end = (uintptr_t)y->eden_hi;
    /* A plain load first: once eden is full, threads that find it so do not keep writing its line. */
    if (atomic_load_explicit(&y->eden_top, memory_order_relaxed) >= end) return false;
    uintptr_t at = atomic_fetch_add_explicit(&y->eden_top, want, memory_order_relaxed);
    if (at >= end) return false;
    uintptr_t e = end - at < want ? end : at + want;
    if (e - at < min) {                 /* eden's last sliver is too small: it counts as full */
        if (e > at) gc_write_filler((char *)at, e - at);   /* ... and stays parseable (walk) */
        return false;
    }
    *lo = (char *)at;
    *hi = (char *)e;
    return true;
}

size_t gc_young_prefault_old(gc_heap *heap, size_t bytes) {
#ifdef MADV_POPULATE_WRITE
    pthread_mutex_lock(&heap->block_lock);
    size_t first = heap->block_cursor;
    size_t room = heap->max_blocks - atomic_load_explicit(&heap->blocks_in_use, memory_order_relaxed);
    pthread_mutex_unlock(&heap->block_lock);
    size_t n = (bytes + GC_BLOCK_SIZE - 1) >> GC_BLOCK_SHIFT;
    if (n > room) n = room;
    if (first + n > heap->nblocks) n = heap->nblocks - first;
    gc_acct_push(GC_ACCT_STALL(GC_STALL_FRESH));   /* the collecting mutator's fresh memory (account.h) */
    int rc = n ? madvise(gc_block_addr(heap, first), n << GC_BLOCK_SHIFT, MADV_POPULATE_WRITE) : -1;
    gc_acct_pop();
    if (rc == 0) return n << GC_BLOCK_SHIFT;
#else
    (void)heap, (void)bytes;
#endif
    return 0;
}

void gc_young_drop_lists(gc_young *y) {
    for (unsigned i = 0; i < y->nworkers; i++) memset(y->sc[i].fl, 0, sizeof y->sc[i].fl);
}

size_t gc_young_room(const gc_young *y, const void *p) {
    uintptr_t a = (uintptr_t)p;
    uintptr_t top = atomic_load_explicit(&y->eden_top, memory_order_relaxed);
    if (top > (uintptr_t)y->eden_hi) top = (uintptr_t)y->eden_hi;
    if (a >= (uintptr_t)y->eden_lo && a < top) return top - a;
    if (a >= (uintptr_t)y->surv[y->from] && a < (uintptr_t)y->from_top) return (uintptr_t)y->from_top - a;
    return 0;
}

bool gc_young_unremembered(const gc_young *y, const gc_obj *o, const void *slot, const void *p) {
    /* Only for a target the walk accepts: a bad pointer is reported once, as what it is. */
    if (gc_young_contains(y, o) || !gc_young_room(y, p)) return false;
    return atomic_load_explicit((_Atomic uint8_t *)(y->card_bias + ((uintptr_t)slot >> GC_CARD_SHIFT)),
                                memory_order_relaxed) == 0;
}

/* ---- work entries ---- */

static inline _Atomic uint8_t *card_of(uintptr_t bias, const void *p) {
    return (_Atomic uint8_t *)(bias + ((uintptr_t)p >> GC_CARD_SHIFT));
}

/* ---- where copies go ---- */

_Noreturn static void exhausted(sc_phase *ph, size_t size) {
    /* Several workers may run out at once: one reports, the others wait for the exit. */
    if (atomic_exchange_explicit(&ph->dying, 1, memory_order_acq_rel))
        for (;;) pause();
    gc_heap *heap = ph->heap;
    gc_fatal(heap, "heap exhausted: a %zu-byte survivor finds room neither in the old generation nor in "
                   "to-space of the %zu MiB heap (%zu MiB of it the young generation; %llu MiB live after the "
                   "last full collection)",
             size, (heap->max_blocks * GC_BLOCK_SIZE) >> 20, gc_young_region_bytes(ph->y) >> 20,
             (unsigned long long)(heap->live_after_gc >> 20));
}

/* To-space: bump in the worker's PLAB; a new PLAB by one fetch-and-add on to_top. An object bigger
 * than a quarter PLAB gets a piece of its own, so the PLAB's tail is not wasted on it. Every byte of
 * to-space below to_top ends up an object or a filler (layout.h), so that from-space is parseable
 * for the heap walk: a PLAB's tail when it is replaced or the phase ends, a reservation too small
 * for the object, a lost race's own piece. */
static void fill_plab_tail(gc_scavenger *w) {
    if (w->plab_top < w->plab_end) gc_write_filler(w->plab_top, (size_t)(w->plab_end - w->plab_top));
    w->plab_top = w->plab_end = NULL;
}

static gc_obj *alloc_survivor(sc_phase *ph, gc_scavenger *w, size_t size) {
    if (size <= (size_t)(w->plab_end - w->plab_top)) {
        char *p = w->plab_top;
        w->plab_top = p + size;
        return (gc_obj *)p;
    }
    gc_young *y = ph->y;
    if (atomic_load_explicit(&y->to_top, memory_order_relaxed) >= ph->to_hi) return NULL;
    size_t want = size > ph->plab_bytes / 4 ? size : ph->plab_bytes;
    uintptr_t at = atomic_fetch_add_explicit(&y->to_top, want, memory_order_relaxed);
    if (at >= ph->to_hi) return NULL;
    uintptr_t end = ph->to_hi - at < want ? ph->to_hi : at + want;
    if (end - at < size) {
        gc_write_filler((char *)at, end - at);
        return NULL;
    }
    if (want != size) {
        fill_plab_tail(w);
        w->plab_top = (char *)at + size;
        w->plab_end = (char *)end;
    }
    return (gc_obj *)at;
}

static gc_cell *refill_old(gc_heap *heap, unsigned cls) {
    size_t bytes = 0;
    gc_cell *cells = gc_take_cells(heap, cls, &bytes);
    if (cells) atomic_fetch_add_explicit(&heap->allocated_since_gc, bytes, memory_order_relaxed);
    return cells;
}

/* The old generation: a cell from the worker's own free list of the size class. */
static gc_obj *alloc_old(sc_phase *ph, gc_scavenger *w, size_t size) {
    unsigned cls = gc_class_of_granules[size >> GC_GRANULE_SHIFT];
    gc_cell *c = w->fl[cls];
    if (__builtin_expect(!c, 0) && !(c = refill_old(ph->heap, cls))) return NULL;
    w->fl[cls] = c->next;
    return (gc_obj *)c;
}

/* ---- copying ---- */

/* The body (everything after the header) of an object of size bytes, a multiple of 16. Small objects,
 * the common case, get a memcpy of constant size, which the compiler turns into a few moves (a call
 * would cost more than the copy) while keeping memcpy's meaning for the slots and raw bytes. Only
 * the worker that installed the copy's address reads the source's body, which nobody writes (see the
 * forwarding protocol). */
static inline void copy_body(gc_obj *dst, const gc_obj *src, size_t size) {
    char *d = (char *)dst + sizeof(uint64_t);
    const char *s = (const char *)src + sizeof(uint64_t);
    switch (size) {
    case 16: memcpy(d, s, 16 - sizeof(uint64_t)); return;
    case 32: memcpy(d, s, 32 - sizeof(uint64_t)); return;
    case 48: memcpy(d, s, 48 - sizeof(uint64_t)); return;
    case 64: memcpy(d, s, 64 - sizeof(uint64_t)); return;
    default: memcpy(d, s, size - sizeof(uint64_t));
    }
}

/* ---- the forwarding protocol ----
 *
 * An object is copied exactly once however many workers race for it. Its header is the one word of
 * it that racing workers write, and it changes once per scavenge, never back:
 *     h --CAS--> copy | FORWARDED
 * (h the original header). A worker that finds h unforwarded reserves room for the copy in memory it
 * alone owns (its PLAB, or a cell of its own free list) and installs the copy's address with one CAS
 * from h, before copying. Exactly one CAS succeeds: its winner copies the object (from h, which it
 * holds, and the body, which nobody writes) and pushes the copy for scanning; a loser gives its
 * reservation back and takes the winner's address from the failed CAS.
 * The address is installed before the copy is written, and that is safe because during a scavenge no
 * worker reads a copy it did not make except through a deque: a loser, or a worker that finds the
 * header forwarded, only stores the address into a slot (and compares it with the young region's
 * bounds). The winner reads its copy in program order; a thief reads it after stealing it, and the
 * deque's release and acquire order the copy before; the mutators read it after the phase's join.
 * So the CAS can be relaxed, and nobody ever waits for a copy in progress (an earlier protocol
 * claimed big objects with a busy marker, and a worker meeting one spun until its owner, perhaps
 * descheduled, published). The CAS is still what two workers pay and one does not: forced on a lone
 * worker it costs 13% on 32-byte tree nodes, as it did when the copy came first.
 * A loser's copy is never written, so losing costs only the reservation: the PLAB top moves back
 * when the reservation is its last piece, an old cell returns to the free list, and a piece of
 * to-space cut for a big object alone is left unused (a lost race on one is rare; nothing walks the
 * young generation linearly).
 * One worker alone has no race: a plain store installs the address. */

/* A pending ephemeron whose key was just copied: its key and value slots become a range entry, whose
 * scan updates the key and evacuates the value (and dirties the card if the ephemeron is old and
 * either stays young: invariant R). */
static void resolve(void *ctx, gc_obj *e) {
    gc_scavenger *w = ctx;
    w->eph.resolved++;
    gc_ws_push(&w->ws, (uintptr_t)&e->slot[0] | RANGE_TAG | (uintptr_t)2 << RANGE_SHIFT);
}

/* Returns where o lives after this scavenge, copying it if nobody has. */
static gc_obj *evacuate(sc_phase *ph, gc_scavenger *w, gc_obj *o) {
    uint64_t h = atomic_load_explicit(&o->header, memory_order_relaxed);
    if (h & GC_HDR_FORWARDED) return FWD_ADDR(h);
    size_t size = (gc_object_bytes((uint32_t)gc_hdr_nptrs(h), gc_hdr_nbytes(h)) + GC_GRANULE - 1) &
                  ~(size_t)(GC_GRANULE - 1);
    unsigned age = (unsigned)((h & GC_HDR_AGE_MASK) >> GC_HDR_AGE_SHIFT) + 1;
    bool promote = age >= ph->promote_age;
    gc_obj *dst = promote ? NULL : alloc_survivor(ph, w, size);
    if (!dst) {
        dst = alloc_old(ph, w, size);                   /* due, or to-space is full: promote */
        promote = dst != NULL;
        if (!dst && !(dst = alloc_survivor(ph, w, size))) exhausted(ph, size);   /* old full: stay young */
    }
    uint64_t fwd = (uint64_t)(uintptr_t)dst | GC_HDR_FORWARDED;
    if (__builtin_expect(ph->n == 1, 0)) {
        atomic_store_explicit(&o->header, fwd, memory_order_relaxed);
    } else {
        if (__builtin_expect(ph->widen != 0, 0) && w->objects % ph->widen == 0) sched_yield();
        /* A failed CAS means another worker forwarded o, or set its ephemeron-key bit (weak.h): that
         * one is retried, with the bit, which this worker then answers for. */
        bool won;
        while (!(won = atomic_compare_exchange_strong_explicit(&o->header, &h, fwd, memory_order_acq_rel,
                                                               memory_order_relaxed)) &&
               !(h & GC_HDR_FORWARDED)) {}
        if (!won) {
            w->lost_races++;
            if (promote) {
                gc_cell *c = (gc_cell *)dst;
                unsigned cls = gc_class_of_granules[size >> GC_GRANULE_SHIFT];
                c->next = w->fl[cls];
                w->fl[cls] = c;
            } else if ((char *)dst + size == w->plab_top) {
                w->plab_top = (char *)dst;
            } else {
                gc_write_filler(dst, size);   /* a piece of its own: it stays a gap in to-space */
            }
            return FWD_ADDR(h);
        }
    }
    if (age > GC_AGE_MAX) age = GC_AGE_MAX;
    copy_body(dst, o, size);
    uint64_t nh = (h & ~(GC_HDR_MARK | GC_HDR_FORWARDED | GC_HDR_AGE_MASK | GC_HDR_EPHKEY)) | ph->colour |
                  (promote ? 0 : (uint64_t)age << GC_HDR_AGE_SHIFT);
    atomic_store_explicit(&dst->header, nh, memory_order_relaxed);
    w->objects++;
    if (promote) w->promoted_bytes += size;
    else w->copied_bytes += size;
    if (gc_hdr_nptrs(h)) gc_ws_push(&w->ws, (uintptr_t)dst);   /* a copy without pointers has nothing to scan */
    /* Some ephemeron waits for o: the bit was in the word the forwarding replaced (weak.h). */
    if (__builtin_expect((h & GC_HDR_EPHKEY) != 0, 0)) gc_eph_take(&ph->heap->weak.eph, o, resolve, w);
    return dst;
}

/* Evacuates the young targets of slots [s, end) and updates the slots; when the slots belong to an
 * old object, dirties the card of every slot left pointing young (invariant R). */
static inline void scan_slots(sc_phase *ph, gc_scavenger *w, gc_slot *s, gc_slot *end, bool old) {
    /* Copying is bound by misses on the headers of the objects to copy. A small object's targets
     * are all touched first, so their misses overlap; a long one prefetches a few slots ahead. */
    if (end - s <= 8)
        for (gc_slot *p = s; p < end; p++) {
            gc_obj *t = atomic_load_explicit(p, memory_order_relaxed);
            if ((uintptr_t)t - ph->cset_lo < ph->cset_span) __builtin_prefetch(t, 1, 3);
        }
    for (; s < end; s++) {
        if (s + SCAV_PREFETCH < end) {
            gc_obj *ahead = atomic_load_explicit(s + SCAV_PREFETCH, memory_order_relaxed);
            if ((uintptr_t)ahead - ph->cset_lo < ph->cset_span) __builtin_prefetch(ahead, 1, 3);
        }
        gc_obj *p = atomic_load_explicit(s, memory_order_relaxed);
        if ((uintptr_t)p - ph->cset_lo < ph->cset_span) {
            p = evacuate(ph, w, p);
            atomic_store_explicit(s, p, memory_order_relaxed);
        }
        if (old && (uintptr_t)p - ph->young_lo < ph->young_span) {
            /* Test first: workers scanning neighbouring cards would otherwise keep writing one
             * card-table line (64 cards) back and forth. */
            _Atomic uint8_t *c = card_of(ph->card_bias, s);
            if (!atomic_load_explicit(c, memory_order_relaxed)) atomic_store_explicit(c, 1, memory_order_relaxed);
        }
    }
}

/* The walk's context for trace.h, and phase B's per-worker state for phase.h. */
typedef struct sc_worker {
    sc_phase *ph;
    gc_scavenger *w;
    unsigned id;
    size_t ranges;                      /* phase A's entries in y->ranges */
    uint64_t slice, shared;             /* turn-taking and work-paced sharing (see sw_pace) */
    uint64_t entries;
} sc_worker;

/* A copy's slots: it is old when it was promoted. */
static inline void copy_slots(void *ctx, gc_obj *o, gc_slot *lo, gc_slot *hi) {
    sc_worker *c = ctx;
    scan_slots(c->ph, c->w, lo, hi, (uintptr_t)o - c->ph->young_lo >= c->ph->young_span);
}

static inline bool in_cset(const sc_phase *ph, const void *p) { return (uintptr_t)p - ph->cset_lo < ph->cset_span; }
static inline bool is_young(const sc_phase *ph, const void *p) { return (uintptr_t)p - ph->young_lo < ph->young_span; }

static inline void remember(sc_phase *ph, gc_slot *s) {
    _Atomic uint8_t *c = card_of(ph->card_bias, s);
    if (!atomic_load_explicit(c, memory_order_relaxed)) atomic_store_explicit(c, 1, memory_order_relaxed);
}

/* A weak slot (of a copy, or of an old object on a dirty card): a target already copied is brought up
 * to date now; one not copied yet is looked at again when the copying is over. */
static void weak_slot(sc_phase *ph, gc_scavenger *w, gc_slot *s, bool target) {
    gc_obj *t = atomic_load_explicit(s, memory_order_relaxed);
    if (!in_cset(ph, t)) return;
    uint64_t h = atomic_load_explicit(&t->header, memory_order_acquire);
    if (h & GC_HDR_FORWARDED) {
        atomic_store_explicit(s, FWD_ADDR(h), memory_order_relaxed);
        if (!is_young(ph, s) && is_young(ph, FWD_ADDR(h))) remember(ph, s);
    } else if (!gc_weak_buf_push(&w->weak, s, target)) {
        gc_fatal(ph->heap, "out of memory for weak references");
    }
}

/* An ephemeron e whose key is young and not copied yet waits for it (weak.h's protocol, with the
 * forwarding CAS as the survivor's step). */
static void pend(sc_phase *ph, gc_scavenger *w, gc_obj *key, gc_obj *e) {
    w->eph.pending++;
    if (!gc_eph_insert(&ph->heap->weak.eph, key, e)) gc_fatal(ph->heap, "out of memory for pending ephemerons");
    uint64_t h = atomic_load_explicit(&key->header, memory_order_acquire);
    for (;;) {
        if (h & GC_HDR_FORWARDED) {
            gc_eph_take(&ph->heap->weak.eph, key, resolve, w);
            return;
        }
        if (atomic_compare_exchange_weak_explicit(&key->header, &h, h | GC_HDR_EPHKEY, memory_order_acq_rel,
                                                  memory_order_acquire))
            return;
    }
}

/* An ephemeron: its value is strong when its key is old (live, invariant O) or already copied. */
static void ephemeron(sc_phase *ph, gc_scavenger *w, gc_obj *e, bool old) {
    gc_obj *key = atomic_load_explicit(&e->slot[0], memory_order_relaxed);
    if (key && in_cset(ph, key) && !(atomic_load_explicit(&key->header, memory_order_acquire) & GC_HDR_FORWARDED)) {
        pend(ph, w, key, e);
        return;
    }
    scan_slots(ph, w, &e->slot[0], &e->slot[2], old);
}

static inline void copy_weak(void *ctx, gc_obj *o, gc_slot *s, bool target) {
    sc_worker *c = ctx;
    (void)o;
    weak_slot(c->ph, c->w, s, target);
}

static inline void copy_ephemeron(void *ctx, gc_obj *e) {
    sc_worker *c = ctx;
    ephemeron(c->ph, c->w, e, !is_young(c->ph, e));
}

/* Young objects are small (generational.h allocates big ones old): bounded work, nothing to defer. */
static const gc_tracer copy_tracer = {.slots = copy_slots, .weak = copy_weak, .ephemeron = copy_ephemeron};

static inline void process(sc_worker *c, uintptr_t e) {
    if (e & RANGE_TAG) {
        gc_slot *s = RANGE_ADDR(e);
        scan_slots(c->ph, c->w, s, s + (e >> RANGE_SHIFT), true);
        return;
    }
    gc_obj *o = (gc_obj *)e;
    gc_trace_object(o, atomic_load_explicit(&o->header, memory_order_relaxed), &copy_tracer, c);
}

/* A typed closure for gc_visit_roots. */
typedef struct root_evacuator {
    sc_phase *ph;
    gc_scavenger *w;
} root_evacuator;

static void visit_root(gc_obj **slot, void *arg) {
    root_evacuator *r = arg;
    gc_obj *p = *slot;
    if ((uintptr_t)p - r->ph->cset_lo < r->ph->cset_span) *slot = evacuate(r->ph, r->w, p);
}

/* ---- phase A: the dirty cards ---- */

typedef struct card_ctx {
    sc_phase *ph;
    gc_scavenger *w;
} card_ctx;

/* The slots of a live old object on a dirty card become one range entry (trace.h clips them). */
static inline void push_range(void *ctx, gc_obj *o, gc_slot *lo, gc_slot *hi) {
    (void)o;
    gc_ws_push(&((card_ctx *)ctx)->w->ws, (uintptr_t)lo | RANGE_TAG | (uintptr_t)(hi - lo) << RANGE_SHIFT);
}

/* Weak slots and ephemerons of old objects on dirty cards: nothing is copied in phase A, so a young
 * target is recorded, a young key waits, and an old key makes the value an ordinary range entry. */
static inline void card_weak(void *ctx, gc_obj *o, gc_slot *s, bool target) {
    card_ctx *c = ctx;
    (void)o;
    weak_slot(c->ph, c->w, s, target);
}

static inline void card_ephemeron(void *ctx, gc_obj *e) {
    card_ctx *c = ctx;
    gc_obj *key = atomic_load_explicit(&e->slot[0], memory_order_relaxed);
    if (key && in_cset(c->ph, key)) pend(c->ph, c->w, key, e);
    else push_range(ctx, e, &e->slot[1], &e->slot[2]);
}

static const gc_tracer card_tracer = {.slots = push_range, .weak = card_weak, .ephemeron = card_ephemeron};

/* Moves the range entries of the chunk just scanned (the worker's whole private stack in phase A) to
 * the shared array, from which phase B hands them out in batches: the dirty cards of one big array
 * often fall in one worker's claim, and stealing them back one entry at a time would cost a contended
 * CAS per card. What does not fit goes to the worker's deque, and the array grows after the pause. */
static void publish_ranges(sc_phase *ph, gc_scavenger *w) {
    size_t k = w->ws.n;
    if (!k) return;
    gc_young *y = ph->y;
    size_t at = atomic_fetch_add_explicit(&ph->ranges_reserved, k, memory_order_relaxed);
    size_t fit = at >= y->ranges_cap ? 0 : y->ranges_cap - at < k ? y->ranges_cap - at : k;
    memcpy(&y->ranges[at], w->ws.local, fit * sizeof *w->ws.local);
    for (size_t i = fit; i < k; i++) gc_deque_push(&w->ws.dq, w->ws.local[i]);
    if (fit < k) {
        size_t want = at + k, seen = atomic_load_explicit(&y->ranges_wanted, memory_order_relaxed);
        while (seen < want && !atomic_compare_exchange_weak_explicit(&y->ranges_wanted, &seen, want,
                                                                     memory_order_relaxed, memory_order_relaxed)) {}
    }
    w->ws.n = 0;
}

static void scan_card(sc_phase *ph, gc_scavenger *w, size_t b, uint8_t kind, const char *cs) {
    gc_heap *heap = ph->heap;
    const char *ce = cs + GC_CARD_SIZE;
    if (kind == GC_BLK_SMALL) {
        gc_block *blk = &heap->block[b];
        char *base = gc_block_addr(heap, b);
        size_t cell = blk->cell_bytes;
        for (size_t k = (size_t)(cs - base) / cell; k < blk->ncells; k++) {
            gc_obj *o = (gc_obj *)(base + k * cell);
            if ((const char *)o >= ce) break;
            uint64_t h = atomic_load_explicit(&o->header, memory_order_relaxed);
            if (h == 0 || (h & GC_HDR_MARK) != ph->colour) continue;   /* free, or dead since the last mark */
            gc_trace_window(o, h, cs, ce, &card_tracer, &(card_ctx){ph, w});
        }
        return;
    }
    size_t head = kind == GC_BLK_LARGE ? b : heap->block[b].run;
    gc_obj *o = (gc_obj *)(gc_block_addr(heap, head) + GC_LARGE_PREFIX);
    uint64_t h = atomic_load_explicit(&o->header, memory_order_relaxed);
    if (h == 0 || (h & GC_HDR_MARK) != ph->colour) return;
    gc_trace_window(o, h, cs, ce, &card_tracer, &(card_ctx){ph, w});
}

static void scan_cards(sc_phase *ph, gc_scavenger *w) {
    gc_heap *heap = ph->heap;
    _Atomic uint8_t *cards = ph->y->cards;
    /* A chunk's entries are published before it counts as done (release), so whoever sees every
     * chunk done (acquire) sees every entry. */
    for (;; publish_ranges(ph, w), atomic_fetch_add_explicit(&ph->card_chunks_done, 1, memory_order_release)) {
        size_t b0 = atomic_fetch_add_explicit(&ph->card_next, ph->card_chunk, memory_order_relaxed);
        if (b0 >= ph->card_limit) return;
        size_t b1 = b0 + ph->card_chunk < ph->card_limit ? b0 + ph->card_chunk : ph->card_limit;
        for (size_t b = b0; b < b1; b++) {
            uint8_t kind = atomic_load_explicit(&heap->block[b].kind, memory_order_acquire);
            if (kind != GC_BLK_SMALL && kind != GC_BLK_LARGE && kind != GC_BLK_LARGE_TAIL) continue;
            _Atomic uint8_t *card = cards + b * GC_CARDS_PER_BLOCK;
            for (size_t k = 0; k < GC_CARDS_PER_BLOCK; k += 8) {
                /* Eight cards at a time: most are clean. The bytes are read as the object
                 * representation (memcpy); nothing writes them meanwhile: the mutators are stopped,
                 * and in phase A only the worker that claimed a block touches its cards. */
                uint64_t eight;
                memcpy(&eight, (const void *)&card[k], sizeof eight);
                if (!eight) continue;
                for (size_t j = k; j < k + 8; j++) {
                    if (!atomic_load_explicit(&card[j], memory_order_relaxed)) continue;
                    atomic_store_explicit(&card[j], 0, memory_order_relaxed);
                    w->cards++;
                    scan_card(ph, w, b, kind, gc_block_addr(heap, b) + (j << GC_CARD_SHIFT));
                }
            }
        }
    }
}

/* ---- phase B: copying with work stealing ---- */

static uintptr_t steal(sc_phase *ph, gc_scavenger *self, unsigned id) {
    return gc_ws_steal(&ph->y->sc[0].ws, sizeof(gc_scavenger), ph->n, id, &self->rng, &self->steals,
                       &self->steal_fails);
}

/* A batch of phase A's ranges onto the private stack: one fetch-and-add per batch. Nothing is added
 * to the array in phase B, so once the cursor passes the end it is empty for good. */
static bool claim_ranges(sc_phase *ph, gc_scavenger *w, size_t total) {
    size_t next = atomic_load_explicit(&ph->ranges_next, memory_order_relaxed);
    if (next >= total) return false;
    /* Guided: batches shrink as the array drains, so no worker is left with a long batch at the end
     * (a range of 1 KiB objects is 64 KiB of copying, and pointer-free copies make nothing to steal). */
    size_t batch = (total - next) / (4 * (size_t)ph->n);
    if (batch < 1) batch = 1;
    if (batch > 16) batch = 16;
    size_t at = atomic_fetch_add_explicit(&ph->ranges_next, batch, memory_order_relaxed);
    if (at >= total) return false;
    size_t end = total - at < batch ? total : at + batch;
    for (size_t i = end; i > at; i--) gc_ws_push(&w->ws, ph->y->ranges[i - 1]);
    return true;
}

static bool any_work(sc_phase *ph, size_t ranges) {
    if (atomic_load_explicit(&ph->ranges_next, memory_order_relaxed) < ranges) return true;
    for (unsigned v = 0; v < ph->n; v++)
        if (!gc_deque_looks_empty(&ph->y->sc[v].ws.dq)) return true;
    return false;
}

static inline uintptr_t sw_next(void *ctx) { return gc_ws_next(&((sc_worker *)ctx)->w->ws); }

static inline void sw_process(void *ctx, uintptr_t e) { process(ctx, e); }

static inline bool sw_pace(void *ctx, unsigned k) {
    sc_worker *c = ctx;
    gc_scavenger *w = c->w;
    (void)k;
    /* Paced by work done (entries and copies), not entries alone: a range entry of msgbuf's ring is
     * 64 copies of 1 KiB and pushes nothing (its copies have no slots), so counting entries left
     * 4-16 workers with one worker holding most ranges. */
    uint64_t done = w->objects + ++c->entries;
    if (done - c->shared < 32) return false;
    c->shared = done;
    if (c->ph->n > 1) gc_ws_share(&w->ws);
    /* More workers than CPUs: a scavenge is shorter than a scheduler timeslice, so without turns the
     * workers already on a CPU would do all of it, and a worker preempted with a full private stack
     * would hold its work out of reach. Every TURN_NS of work a worker publishes half its stack and
     * yields to the runnable ones. */
    if (c->ph->oversubscribed) {
        uint64_t now = gc_now_ns();
        if (now - c->slice >= TURN_NS) {
            gc_ws_share(&w->ws);
            sched_yield();
            c->slice = gc_now_ns();
        }
    }
    return false;
}

static inline bool sw_refill(void *ctx) {
    sc_worker *c = ctx;
    return claim_ranges(c->ph, c->w, c->ranges);
}

static inline uintptr_t sw_steal(void *ctx) {
    sc_worker *c = ctx;
    return steal(c->ph, c->w, c->id);
}

static inline bool sw_any_work(void *ctx) {
    sc_worker *c = ctx;
    return any_work(c->ph, c->ranges);
}

static const gc_phase_ops copy_ops = {.next = sw_next, .process = sw_process, .pace = sw_pace,
                                      .refill = sw_refill, .steal = sw_steal, .any_work = sw_any_work};

static void scavenge_worker(unsigned id, unsigned n, void *arg) {
    (void)n;
    sc_phase *ph = arg;
    gc_scavenger *w = &ph->y->sc[id];
    uint64_t t_start = gc_now_ns(), idle = 0;

    /* Phase A ends when every chunk has been scanned, not when every worker has arrived: a worker
     * that wakes late finds nothing left to claim and joins phase B, and nobody waits for its
     * wake-up. */
    scan_cards(ph, w);
    uint64_t t_wait = gc_now_ns();
    for (unsigned spins = 0; atomic_load_explicit(&ph->card_chunks_done, memory_order_acquire) < ph->card_chunks; spins++)
        if (spins > 16) sched_yield();   /* more workers than cores is a supported set-up */
    idle += gc_now_ns() - t_wait;
    size_t ranges = atomic_load_explicit(&ph->ranges_reserved, memory_order_relaxed);
    if (ranges > ph->y->ranges_cap) ranges = ph->y->ranges_cap;

    if (id == 0) gc_visit_roots(ph->heap, visit_root, &(root_evacuator){ph, w});
    /* Termination: phase.h's argument. Phase A's shared array adds no exception: nothing is added to
     * it in phase B, and any_work reports what is left of it. */
    sc_worker c = {.ph = ph, .w = w, .id = id, .ranges = ranges, .slice = gc_now_ns()};
    idle += gc_phase_drive(&ph->active, &copy_ops, &c);
    w->idle_ns += idle;
    w->busy_ns += gc_now_ns() - t_start - idle;
    fill_plab_tail(w);   /* to-space becomes from-space: no buffer survives the phase */
}

/* ---- the end: weak processing (weak.h), snapshot ids ---- */

/* Where a young object of the collected set went: its copy, or NULL when it died. */
static gc_obj *moved_to(gc_obj *o) {
    uint64_t h = atomic_load_explicit(&o->header, memory_order_relaxed);
    return h & GC_HDR_FORWARDED ? FWD_ADDR(h) : NULL;
}

static void clear_ephemeron(void *ctx, gc_obj *e) {
    gc_eph_clear(e);
    ++*(uint64_t *)ctx;
}

/* Copying is over: a young target is copied (forwarded) or dead. From-space headers are still
 * intact, since eden and from-space are reset only after this. In gclab.h's order: ephemerons whose
 * key died, weak slots, cells. */
static void finish_weak(sc_phase *ph, gc_scavenge_stats *out) {
    uint64_t t0 = gc_now_ns();
    gc_heap *heap = ph->heap;
    out->eph_cleared = 0;
    gc_eph_each_left(&heap->weak.eph, clear_ephemeron, &out->eph_cleared);
    out->weak_cleared = out->fin_queued = out->eph_pending = out->eph_resolved = 0;
    for (unsigned i = 0; i < ph->n; i++) {
        gc_scavenger *w = &ph->y->sc[i];
        out->eph_pending += w->eph.pending;
        out->eph_resolved += w->eph.resolved;
        w->eph = (gc_eph_counts){0};
        for (size_t k = 0; k < w->weak.n; k++) {
            gc_slot *s = (gc_slot *)(w->weak.v[k] & ~GC_WEAK_TARGET);
            gc_obj *t = atomic_load_explicit(s, memory_order_relaxed);
            if (!in_cset(ph, t)) continue;
            uint64_t h = atomic_load_explicit(&t->header, memory_order_relaxed);
            if (h & GC_HDR_FORWARDED) {
                atomic_store_explicit(s, FWD_ADDR(h), memory_order_relaxed);
                if (!is_young(ph, s) && is_young(ph, FWD_ADDR(h))) remember(ph, s);
                continue;
            }
            atomic_store_explicit(s, NULL, memory_order_relaxed);
            out->weak_cleared++;
            if (w->weak.v[k] & GC_WEAK_TARGET) {
                gc_weak_queue_cell(heap, (gc_obj *)((char *)s - sizeof(uint64_t)));
                out->fin_queued++;
            }
        }
        w->weak.n = 0;
    }
    out->weak_ns = gc_now_ns() - t0;
}

void gc_scavenge(gc_heap *heap, gc_young *y, unsigned nthreads, gc_scavenge_stats *out) {
    unsigned n = nthreads;
    if (n == 0 || n > heap->workers.n) n = heap->workers.n;
    if (n > y->nworkers) n = y->nworkers;
    unsigned from = y->from, to = 1 - from;
    sc_phase ph = {.heap = heap, .y = y, .n = n, .colour = heap->colour, .promote_age = y->promote_age,
                   .widen = y->test_widen, .card_bias = y->card_bias,
                   .card_limit = atomic_load_explicit(&heap->block_hwm, memory_order_relaxed)};
    /* About eight claims per worker: few enough that the shared cursor is no contended line, enough
     * to even out blocks with many dirty cards. */
    ph.card_chunk = ph.card_limit / (8 * (size_t)n) + 1;
    ph.card_chunks = (ph.card_limit + ph.card_chunk - 1) / ph.card_chunk;
    /* [s0 | eden | s1]: eden and from-space are adjacent whichever survivor space is "from". */
    char *cset_lo = from == 0 ? y->surv[0] : y->eden_lo;
    char *cset_hi = from == 0 ? y->eden_hi : y->surv[1] + y->surv_bytes;
    ph.cset_lo = (uintptr_t)cset_lo;
    ph.cset_span = (uintptr_t)(cset_hi - cset_lo);
    ph.young_lo = (uintptr_t)y->lo;
    ph.young_span = (uintptr_t)(y->hi - y->lo);
    ph.to_hi = (uintptr_t)y->surv[to] + y->surv_bytes;
    size_t plab = y->surv_bytes / (4 * (size_t)n);
    if (plab > PLAB_MAX) plab = PLAB_MAX;
    if (plab < PLAB_MIN) plab = PLAB_MIN;
    ph.plab_bytes = plab & ~(size_t)(GC_GRANULE - 1);
    atomic_init(&ph.card_next, 0);
    ph.oversubscribed = n > y->cpus;
    atomic_init(&ph.card_chunks_done, 0);
    atomic_init(&ph.ranges_reserved, 0);
    atomic_init(&ph.ranges_next, 0);
    atomic_init(&ph.active, n);
    atomic_init(&ph.dying, 0);
    out->young_bytes = gc_young_used(y);
    atomic_store_explicit(&y->to_top, (uintptr_t)y->surv[to], memory_order_relaxed);
    for (unsigned i = 0; i < n; i++) {
        gc_scavenger *w = &y->sc[i];
        w->objects = w->copied_bytes = w->promoted_bytes = w->cards = 0;
        w->steals = w->steal_fails = w->busy_ns = w->idle_ns = 0;
    }

    gc_workers_run(&heap->workers, n, scavenge_worker, &ph);

    out->copied_bytes = out->promoted_bytes = out->cards_scanned = out->objects = 0;
    for (unsigned i = 0; i < n; i++) {
        gc_scavenger *w = &y->sc[i];
        gc_deque_reset(&w->ws.dq);
        out->objects += w->objects;
        out->copied_bytes += w->copied_bytes;
        out->promoted_bytes += w->promoted_bytes;
        out->cards_scanned += w->cards;
        gc_worker_stats *s = &heap->markers[i].stats;
        s->objects += w->objects;
        s->bytes += w->copied_bytes + w->promoted_bytes;
        s->steals += w->steals;
        s->steal_fails += w->steal_fails;
        s->busy_ns += w->busy_ns;
        s->idle_ns += w->idle_ns;
    }
    finish_weak(&ph, out);
    gc_snap_ids_moved(heap, ph.cset_lo, ph.cset_span, moved_to);
    uintptr_t top = atomic_load_explicit(&y->to_top, memory_order_relaxed);
    y->from = to;
    y->from_top = top < ph.to_hi ? (char *)top : (char *)ph.to_hi;
    atomic_store_explicit(&y->eden_top, (uintptr_t)y->eden_lo, memory_order_relaxed);
}
