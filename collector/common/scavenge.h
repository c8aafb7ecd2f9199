/* scavenge.h: the young generation of a generational collector and its parallel copying scavenger
 * (scavenge.c). collector/generational.c decides when to scavenge and when to collect the old
 * generation; this file is how the young generation is laid out and how a scavenge copies.
 *
 * Layout. One run of blocks, taken from the block heap when the heap is created (so it counts in the
 * footprint and --heap bounds it), marked GC_BLK_COLLECTOR in the block table:
 *
 *     [ survivor 0 | eden (nursery) | survivor 1 ]
 *
 * Mutators allocate in eden from thread-local buffers (TLABs) carved off eden_top by one atomic
 * fetch-and-add each. A scavenge evacuates eden and the survivor space holding the last scavenge's
 * survivors ("from"); eden sits between the two survivor spaces, so what a scavenge evacuates,
 * eden + from, is one contiguous range whichever survivor space is "from", and "must this object be
 * copied" is one subtraction and one compare.
 *
 * The card table has a byte per 512-byte card of the whole reservation. The write barrier dirties the
 * card of the slot it stores a young pointer into when the object written is old (generational.h).
 */
#ifndef GCLAB_SCAVENGE_H
#define GCLAB_SCAVENGE_H

#include "heap.h"
#include "deque.h"
#include "workstack.h"
#include "weak.h"

#define GC_CARD_SIZE ((size_t)1 << GC_CARD_SHIFT)
#define GC_CARDS_PER_BLOCK (GC_BLOCK_SIZE >> GC_CARD_SHIFT)
#define GC_AGE_MAX 15u                  /* the header's 4 age bits */

/* One scavenging worker. Its deque and private stack hold work entries: a copied object to scan
 * (16-byte aligned), or a range of at most one card's worth of old slots (tagged, see scavenge.c). */
typedef struct gc_scavenger {
    gc_workstack ws;                    /* entries to scan: private stack and stealable deque */
    char *plab_top, *plab_end;          /* this worker's copy buffer in to-space (during a scavenge) */
    gc_cell *fl[GC_NCLASSES];           /* promotion free lists in the old generation: kept across
                                         * scavenges, dropped by full cycles (gc_young_drop_lists) */
    uint64_t rng;
    /* This scavenge's work (gc_scavenge adds it to heap->markers[i].stats and to its result). */
    uint64_t objects, copied_bytes, promoted_bytes, cards, steals, steal_fails, busy_ns, idle_ns;
    uint64_t lost_races;                /* cumulative: forwarding CASes this worker lost (tests) */
    gc_weak_buf weak;                   /* weak slots whose young target had not been copied yet */
    gc_eph_counts eph;
} gc_scavenger;

typedef struct gc_young {
    char *lo, *hi;                      /* the whole young region */
    char *eden_lo, *eden_hi;
    char *surv[2];                      /* the survivor semispaces, surv_bytes each */
    size_t surv_bytes;
    size_t first_block, nblocks;        /* the region in the block table */
    _Atomic uintptr_t eden_top;         /* next byte of eden to hand out; may run past eden_hi */
    unsigned from;                      /* the survivor space holding the last scavenge's survivors */
    char *from_top;                     /* ... which end here */
    _Atomic uintptr_t to_top;           /* during a scavenge: next free byte of to-space */
    unsigned promote_age;               /* an object surviving its promote_age-th scavenge goes old */
    unsigned test_widen;                /* tests: every n-th copy yields between reserving room and
                                         * installing its address, so racing workers meet even on one core */

    _Atomic uint8_t *cards;             /* a byte per card of the reservation: 1 dirty, 0 clean */
    size_t ncards;
    uintptr_t card_bias;                /* card of address a: card_bias + (a >> GC_CARD_SHIFT) */

    unsigned nworkers;
    gc_scavenger *sc;                   /* one per GC worker */
    unsigned cpus;                      /* online CPUs: more workers than this share the cores */

    /* Phase A's range entries, shared out to the workers in batches in phase B. Grown (outside any
     * pause, gc_young_after_pause) when a scavenge had more: the overflow went to deques meanwhile. */
    uintptr_t *ranges;
    size_t ranges_cap;
    _Atomic size_t ranges_wanted;
} gc_young;

/* What one scavenge did. */
typedef struct gc_scavenge_stats {
    uint64_t young_bytes;               /* eden and from-space in use when it began */
    uint64_t copied_bytes;              /* copied into to-space (stay young) */
    uint64_t promoted_bytes;            /* copied into the old generation */
    uint64_t cards_scanned;             /* dirty cards found */
    uint64_t objects;                   /* objects copied */
    /* Weak processing (weak.h), for the pause record's figures of the same names. */
    uint64_t weak_ns, weak_cleared, eph_pending, eph_resolved, eph_cleared, fin_queued;
} gc_scavenge_stats;

/* Takes the young region (nursery bytes, rounded up to whole blocks) from the block heap and sets up
 * the card table and one scavenger per GC worker. Returns 0, or -1 with a message. */
int gc_young_init(gc_heap *heap, gc_young *y, size_t nursery, unsigned promote_age, char *err, size_t errlen);
void gc_young_free(gc_heap *heap, gc_young *y);

static inline bool gc_young_contains(const gc_young *y, const void *p) {
    return (uintptr_t)p - (uintptr_t)y->lo < (uintptr_t)(y->hi - y->lo);
}
static inline size_t gc_young_region_bytes(const gc_young *y) { return (size_t)(y->hi - y->lo); }
/* Bytes of eden handed out and of survivors held: what the next scavenge may have to copy. */
static inline uint64_t gc_young_used(gc_young *y) {
    uintptr_t top = atomic_load_explicit(&y->eden_top, memory_order_relaxed);
    if (top > (uintptr_t)y->eden_hi) top = (uintptr_t)y->eden_hi;
    return (uint64_t)(top - (uintptr_t)y->eden_lo) + (uint64_t)(y->from_top - y->surv[y->from]);
}

/* A piece of eden for a mutator: at least min and at most want bytes, [*lo, *hi), not zeroed.
 * Lock-free (one fetch-and-add). Returns false when eden cannot give min bytes: time to scavenge. */
bool gc_young_carve(gc_young *y, size_t min, size_t want, char **lo, char **hi);

/* Commits (faults in) up to `bytes` of the free blocks that the next promotions will take: gc_fresh_block
 * takes the lowest free block, so the blocks from block_cursor up. With the world running, after a
 * pause: promoting into never-touched memory would otherwise take its page faults inside the next
 * scavenge. Populating a page already present, or one a mutator faults in at the same time, is
 * harmless. Returns the bytes it asked the kernel to populate. */
size_t gc_young_prefault_old(gc_heap *heap, size_t bytes);

/* Housekeeping with the world running, after a pause: grows the shared range array if the last
 * scavenge overflowed it. */
void gc_young_after_pause(gc_young *y);

/* Empties the workers' promotion free lists (their cells have header 0, so the next sweep links them
 * again). A full cycle does this before it marks, as gc_drop_free_lists does for the mutators. */
void gc_young_drop_lists(gc_young *y);

/* One scavenge on nthreads workers. World stopped, every mutator's TLAB retired. Copies every young
 * object reachable from the roots or from a live old object on a dirty card into to-space (age + 1)
 * or, from its promote_age-th scavenge on (or when to-space is full), into the old generation; cleans
 * the cards that no longer hold a young pointer and dirties those of promoted objects that do; then
 * empties eden and makes to-space the new from-space. Old objects count as live when they carry
 * heap->colour; so after a full mark, only marked ones are scanned. Fatal (heap exhausted) when a
 * survivor finds room neither in the old generation nor in to-space. Weak slots and ephemerons are
 * young-generation weak processing: a weak slot or an ephemeron key whose young target was not copied
 * is cleared, one whose target was copied is updated (weak.h; old targets count as live). */
void gc_scavenge(gc_heap *heap, gc_young *y, unsigned nthreads, gc_scavenge_stats *out);

/* For the verifier (through the generational collector's seam): when p lies in the used part of the
 * young generation (eden handed out, or the survivors), the bytes from p to that part's end; else 0.
 * And true when o is old, p young, and the card of o's slot is clean: invariant R broken. */
size_t gc_young_room(const gc_young *y, const void *p);
bool gc_young_unremembered(const gc_young *y, const struct gc_obj *o, const void *slot, const void *p);

#endif
