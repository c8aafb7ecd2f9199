/* test_heap_walk: the one heap walk (collector/common/walk.c) against the verifier's own walk.
 *
 * The verifier walks what is reachable, with its own stack and bitmap, trusting nothing of the
 * collector's; the heap walk visits what the heap holds, block by block and through the collector's
 * own memory (the generational young generation, bumped, kept parseable with fillers). So:
 * - at any point (here: in the middle of a run, with garbage everywhere, TLABs half used, a marking
 *   cycle perhaps under way), every reachable object is visited exactly once;
 * - right after a scavenge (generational), every object the walk finds in the young generation is
 *   a survivor, so reachable: a gap in to-space without a filler would show as a stale object;
 * - right after gc_collect (a full cycle), the objects carrying the live colour are exactly the
 *   reachable ones, and their count per type is what the test built.
 * Built for every collector over the common heap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gclab.h"
#include "../../collector/common/heap.h"
#include "../../collector/common/walk.h"
#include "../../collector/common/scavenge.h"
#include "check.h"

void gc_gen_scavenge(gc_mut *mut) __attribute__((weak));
gc_young *gc_gen_young(gc_heap *heap) __attribute__((weak));

enum { LIST = 3000, ARRAY = 700, ROUNDS = 40 };

typedef struct census {
    const uint64_t *reached;    /* the verifier's bitmap: a bit per granule, set at reachable objects */
    uint64_t *seen;             /* the walk's: set at each visited object */
    const gc_young *young;      /* generational: the young generation, else NULL */
    uint64_t visits, reached_visits, twice, live, live_unreached, young_unreached;
    uint64_t live_of_type[8];
} census;

static size_t granule(gc_heap *heap, const void *p) { return (size_t)((const char *)p - heap->base) >> GC_GRANULE_SHIFT; }
static bool bit(const uint64_t *m, size_t g) { return m[g / 64] >> (g % 64) & 1; }

static void count(gc_heap *heap, gc_obj *o, size_t bytes, void *ctx) {
    (void)bytes;
    census *c = ctx;
    size_t g = granule(heap, o);
    c->visits++;
    if (bit(c->seen, g)) c->twice++;
    c->seen[g / 64] |= 1ull << (g % 64);
    if (bit(c->reached, g)) c->reached_visits++;
    else if (c->young && gc_young_contains(c->young, o)) c->young_unreached++;
    uint64_t h = atomic_load_explicit(&o->header, memory_order_relaxed);
    if ((h & GC_HDR_MARK) == heap->colour) {
        c->live++;
        if (!bit(c->reached, g)) c->live_unreached++;
        uint16_t t = gc_hdr_type(h);
        if (t < 8) c->live_of_type[t]++;
    }
}

static uint64_t popcount(const uint64_t *m, size_t words) {
    uint64_t n = 0;
    for (size_t i = 0; i < words; i++) n += (uint64_t)__builtin_popcountll(m[i]);
    return n;
}

/* Walks with the world stopped, beside the verifier's reach. The verifier's colours hold between
 * cycles: an incremental cycle still marking (its increments run on this thread's allocations, and
 * nobody holds the role meanwhile) is driven to its end with garbage first. */
static void take_census(gc_mut *mut, gc_type junk, census *c, uint64_t *reachable) {
    gc_heap *heap = mut->heap;
    for (;;) {
        gc_role_take(heap, mut);
        if (!gc_collector.marking || !gc_collector.marking(heap)) break;
        gc_end_cycle(heap);
        for (unsigned i = 0; i < 1000; i++) gc_alloc(mut, junk, 0, 200);
    }
    gc_stop_world(heap, mut);
    char msg[256];
    uint64_t *reached = NULL;
    size_t problems = gc_verify_heap_reach(heap, msg, sizeof msg, &reached);
    CHECK(problems == 0, "the heap verifies before the walk", "%s", msg);
    size_t words = ((heap->nblocks << GC_BLOCK_SHIFT) >> GC_GRANULE_SHIFT) / 64 + 1;
    memset(c, 0, sizeof *c);
    c->reached = reached;
    c->young = gc_gen_young ? gc_gen_young(heap) : NULL;
    c->seen = calloc(words, sizeof(uint64_t));
    if (!c->seen) {
        printf("FAIL - out of memory for the walk\n");
        exit(1);
    }
    gc_heap_walk(heap, count, c);
    *reachable = popcount(reached, words);
    gc_start_world(heap);
    gc_end_cycle(heap);
    free(reached);
    free(c->seen);
}

int main(void) {
    char err[256];
    /* A small nursery (generational): scavenges and promotions while the structure is built, so the
     * walk meets eden, the survivors and the old generation at once. */
    gc_options o = {.max_heap = 256u << 20, .gc_threads = 2, .nursery = 1u << 20, .on_fatal = check_fatal,
                    .ctx = "heap walk"};
    gc_heap *heap = gc_heap_create(&o, err, sizeof err);
    if (!heap) {
        printf("FAIL - heap: %s\n", err);
        return 1;
    }
    gc_type t_node = gc_register_type(heap, "node"), t_array = gc_register_type(heap, "array"),
            t_leaf = gc_register_type(heap, "leaf"), t_junk = gc_register_type(heap, "junk");
    gc_mut *mut = gc_attach(heap);
    gc_obj *list = NULL, *array = NULL;
    gc_add_root(heap, &list);
    gc_add_root(heap, &array);
    array = gc_alloc(mut, t_array, ARRAY, 0);
    size_t scope = gc_scope_open(mut);
    for (unsigned r = 0; r < ROUNDS; r++) {
        for (unsigned i = r; i < LIST; i += ROUNDS) {
            gc_obj **n = gc_push(mut, gc_alloc(mut, t_node, 1, 24));
            gc_write(mut, *n, 0, list);
            list = *n;
        }
        for (unsigned i = r; i < ARRAY; i += ROUNDS) gc_write(mut, array, i, gc_alloc(mut, t_leaf, 0, 40));
        for (unsigned i = 0; i < 2000; i++) gc_alloc(mut, t_junk, 2, (i % 7) * 100);   /* garbage */
        gc_scope_close(mut, scope);
        scope = gc_scope_open(mut);
    }
    gc_scope_close(mut, scope);

    census c;
    uint64_t reachable;
    take_census(mut, t_junk, &c, &reachable);
    CHECK(reachable == 1 + LIST + ARRAY, "the verifier reaches what was built", "%llu, want %u",
          (unsigned long long)reachable, 1 + LIST + ARRAY);
    CHECK(c.reached_visits == reachable && c.twice == 0, "mid-run: the walk visits every reachable object once",
          "%llu of %llu reachable visited, %llu visited twice", (unsigned long long)c.reached_visits,
          (unsigned long long)reachable, (unsigned long long)c.twice);
    CHECK(c.visits >= reachable, "mid-run: the walk also meets the garbage", "%llu visits", (unsigned long long)c.visits);

    /* Copy buffers end in different places each time (two workers race for the survivors): several
     * scavenges, each after fresh survivors and garbage, give a missing filler several chances. */
    for (unsigned k = 0; gc_gen_scavenge && k < 8; k++) {
        for (unsigned i = k; i < ARRAY; i += 8) gc_write(mut, array, i, gc_alloc(mut, t_leaf, 0, 40 + 16 * (k % 3)));
        for (unsigned i = 0; i < 3000; i++) gc_alloc(mut, t_junk, 1, (i % 5) * 48);
        gc_gen_scavenge(mut);
        take_census(mut, t_junk, &c, &reachable);
        if (c.reached_visits != reachable || c.twice || c.young_unreached) break;
    }
    if (gc_gen_scavenge)
        CHECK(c.reached_visits == reachable && c.twice == 0 && c.young_unreached == 0,
              "after each of 8 scavenges: every young object the walk finds is a survivor",
              "%llu of %llu reachable visited, %llu twice, %llu young objects unreachable",
              (unsigned long long)c.reached_visits, (unsigned long long)reachable, (unsigned long long)c.twice,
              (unsigned long long)c.young_unreached);

    gc_collect(mut);
    take_census(mut, t_junk, &c, &reachable);
    CHECK(c.reached_visits == reachable && c.twice == 0, "after gc_collect: every reachable object visited once",
          "%llu of %llu, %llu twice", (unsigned long long)c.reached_visits, (unsigned long long)reachable,
          (unsigned long long)c.twice);
    CHECK(c.live == reachable && c.live_unreached == 0, "after gc_collect: live-coloured objects are the reachable ones",
          "%llu live-coloured, %llu of them unreachable, %llu reachable", (unsigned long long)c.live,
          (unsigned long long)c.live_unreached, (unsigned long long)reachable);
    CHECK(c.live_of_type[t_node] == LIST && c.live_of_type[t_array] == 1 && c.live_of_type[t_leaf] == ARRAY &&
              c.live_of_type[t_junk] == 0,
          "after gc_collect: live objects per type are what was built", "node %llu, array %llu, leaf %llu, junk %llu",
          (unsigned long long)c.live_of_type[t_node], (unsigned long long)c.live_of_type[t_array],
          (unsigned long long)c.live_of_type[t_leaf], (unsigned long long)c.live_of_type[t_junk]);

    gc_remove_root(heap, &list);
    gc_remove_root(heap, &array);
    gc_detach(mut);
    gc_heap_destroy(heap);
    printf("test_heap_walk: %u checks, %u failed\n", checks, failed);
    return failed ? 1 : 0;
}
