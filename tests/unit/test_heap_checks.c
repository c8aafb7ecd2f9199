/* test_heap_checks.c: the heap's checks of itself and its roots, through the public API:
 * - global roots keep objects and release them when removed;
 * - gc_verify_now finds nothing in a healthy heap and catches deliberate corruption;
 * - stress mode (collect every 1 and every 7 allocations) with the verifier on keeps a structure intact,
 *   and stress_every = N collects about once per N allocations (also when allocations alternate
 *   between size classes).
 * Prints one line per check, then "test_heap_checks: N checks, M failed"; exits 1 if any failed. */
#include "alloc_fixture.h"

#if defined(__SANITIZE_THREAD__)
#define STRESS_ALLOCS 400   /* every collection hands work to the GC threads: slow under TSan */
#else
#define STRESS_ALLOCS 1500
#endif

/* ---- global roots ---- */

static gc_obj *global_small, *global_big;

static void test_global_roots(void) {
    gc_heap *h = make_heap((gc_options){.max_heap = 32 * MiB, .initial_heap = 32 * MiB, .gc_threads = 2},
                           "global roots");
    register_types(h);
    gc_mut *m = gc_attach(h);
    gc_add_root(h, &global_small);
    gc_add_root(h, &global_big);
    global_small = gc_alloc(m, T_NODE, 1, 120);
    fill_payload(global_small, 99);
    global_big = gc_alloc(m, T_BIG, 4, 4 * MiB);
    fill_payload(global_big, 98);
    gc_obj *child = gc_alloc(m, T_NODE, 1, 40);
    fill_payload(child, 97);
    gc_write(m, global_small, 0, child);
    for (int c = 0; c < 3; c++) {
        make_garbage(m, 4 * MiB, 0);
        gc_collect(m);
    }
    gc_obj *c = gc_read(global_small, 0);
    CHECK(payload_ok(global_small, 99) && c && payload_ok(c, 97) && payload_ok(global_big, 98),
          "objects held only by global roots (and their children) survive collections", "payload changed");
    uint64_t f0 = footprint(h);
    gc_obj *was_small = global_small;
    gc_remove_root(h, &global_big);
    gc_remove_root(h, &global_small);
    gc_collect(m);
    uint64_t f1 = footprint(h);
    CHECK(f0 >= f1 + 4 * MiB, "a large object is freed once its global root is removed",
          "footprint %" PRIu64 " KiB -> %" PRIu64 " KiB", f0 >> 10, f1 >> 10);
    gc_collect(m);   /* finishes the lazy sweep of the small object's block */
    size_t bi = gc_block_index(h, was_small);
    uint8_t kind = atomic_load(&h->block[bi].kind);
    uint64_t hdr = kind == GC_BLK_SMALL ? atomic_load(&was_small->header) : 0;
    CHECK(hdr == 0, "a small object is freed once its global root is removed (its cell is free)",
          "header still %#" PRIx64, hdr);
    global_small = global_big = NULL;
    gc_detach(m);
    gc_heap_destroy(h);
}

/* ---- the verifier catches corruption ---- */

static _Alignas(16) uint64_t not_in_heap[4];

static void expect_problem(gc_mut *m, const char *name, const char *word, int min_count) {
    char msg[256] = "";
    size_t n = gc_verify_now(m, msg, sizeof msg);
    CHECK((int)n >= min_count && strstr(msg, word) && strstr(msg, "0x"), name, "%zu problems, message \"%s\"", n,
          msg);
    printf("#   verifier said (%zu problems): %s\n", n, msg);
}

static void expect_healthy(gc_mut *m, const char *name) {
    char msg[256] = "";
    size_t n = gc_verify_now(m, msg, sizeof msg);
    CHECK(n == 0, name, "%zu problems: %s", n, msg);
}

static void test_verifier_catches(void) {
    gc_heap *h = make_heap((gc_options){.max_heap = 32 * MiB, .gc_threads = 2}, "verifier");
    register_types(h);
    gc_mut *m = gc_attach(h);
    size_t scope = gc_scope_open(m);
    gc_obj **a = gc_push(m, gc_alloc(m, T_NODE, 3, 16));
    gc_obj *b = gc_alloc(m, T_NODE, 2, 48);
    gc_write(m, *a, 0, b);
    gc_obj *big = gc_alloc(m, T_BIG, 2, 100 * KiB);
    gc_write(m, *a, 1, big);
    gc_obj **dead = gc_push(m, gc_alloc(m, T_GARBAGE, 0, 48));
    uintptr_t dead_addr = (uintptr_t)*dead;
    *dead = NULL;
    gc_collect(m);
    gc_collect(m);   /* the second finishes the first one's sweep: the dead cell is free now */
    b = gc_read(*a, 0);
    big = gc_read(*a, 1);
    expect_healthy(m, "verifier: healthy before corruption");

    /* 1. A pointer into the middle of an object. */
    atomic_store(&(*a)->slot[0], (gc_obj *)((char *)b + 16));
    expect_problem(m, "verifier catches a pointer into the middle of a cell", "middle of a cell", 1);
    {
        char msg[256] = "";
        gc_verify_now(m, msg, sizeof msg);
        CHECK(strstr(msg, "slot 0") && strstr(msg, "node"), "verifier message names the slot and the parent type",
              "\"%s\"", msg);
    }
    atomic_store(&(*a)->slot[0], b);

    /* 2. A reachable object that looks unmarked: the collector "lost" it. */
    atomic_fetch_xor(&b->header, GC_HDR_MARK);
    expect_problem(m, "verifier catches a reachable object without the live mark colour", "not marked live", 1);
    atomic_fetch_xor(&b->header, GC_HDR_MARK);

    /* 3. Into a large object's body. */
    atomic_store(&(*a)->slot[2], (gc_obj *)((char *)big + 4096));
    expect_problem(m, "verifier catches a pointer into a large object", "large object", 1);
    atomic_store(&(*a)->slot[2], NULL);

    /* 4. Outside the heap; 5. to a free cell (or a block given back). */
    atomic_store(&(*a)->slot[2], (gc_obj *)not_in_heap);
    expect_problem(m, "verifier catches a pointer outside the heap", "outside the heap", 1);
    atomic_store(&(*a)->slot[2], (gc_obj *)dead_addr);
    expect_problem(m, "verifier catches a pointer to a freed object", "free", 1);
    atomic_store(&(*a)->slot[2], NULL);

    /* 6. An unregistered type. */
    uint64_t flip = (uint64_t)(T_NODE ^ 999) << GC_HDR_TYPE_SHIFT;
    atomic_fetch_xor(&b->header, flip);
    expect_problem(m, "verifier catches an object with an unregistered type", "unregistered type", 1);
    atomic_fetch_xor(&b->header, flip);

    /* 7. A root that points at garbage, and two problems at once are both counted. */
    gc_obj **r = gc_push(m, (gc_obj *)((char *)b + 32));
    atomic_fetch_xor(&big->header, GC_HDR_MARK);
    expect_problem(m, "verifier counts every problem (bad root + lost large object)", "root", 2);
    atomic_fetch_xor(&big->header, GC_HDR_MARK);
    *r = NULL;

    expect_healthy(m, "verifier: healthy again after restoring");
    gc_collect(m);
    CHECK(gc_typeof(gc_read(*a, 0)) == T_NODE && gc_nptrs(gc_read(*a, 1)) == 2,
          "the restored heap collects normally", "objects damaged");
    gc_scope_close(m, scope);
    gc_detach(m);
    gc_heap_destroy(h);
}

/* ---- stress mode ---- */

static void test_stress(unsigned every, size_t allocations) {
    char name[160];
    snprintf(name, sizeof name, "stress every %u", every);
    gc_heap *h = make_heap(
        (gc_options){.max_heap = 4 * MiB, .gc_threads = 2, .stress_every = every, .verify = true}, name);
    register_types(h);
    gc_mut *m = gc_attach(h);
    size_t scope = gc_scope_open(m);
    gc_obj **head = gc_push(m, NULL);
    enum { N = 150 };
    build_list(m, head, N, 70000, 200, 0);
    /* Churn: replace nodes in the middle (the old ones become garbage), allocate garbage, a large
     * object now and then. */
    uint64_t seeds[N];
    for (size_t i = 0; i < N; i++) seeds[i] = 70000 + i;
    size_t done = N;
    while (done < allocations) {
        size_t pos = 1 + rnd() % (N - 2);
        gc_obj *prev = *head;
        for (size_t i = 0; i + 1 < pos; i++) prev = gc_read(prev, 0);
        gc_obj **pp = gc_push(m, prev);
        uint64_t seed = rnd();
        gc_obj *node = gc_alloc(m, T_NODE, 1, 8 + seed % 300);
        fill_payload(node, seed);
        gc_write(m, node, 0, gc_read(gc_read(*pp, 0), 0));
        gc_write(m, *pp, 0, node);
        seeds[pos] = seed;
        gc_scope_close(m, scope + 1);
        gc_alloc(m, T_GARBAGE, 2, rnd() % 500);
        if (done % 97 == 0) gc_alloc(m, T_BIG, 3, 70 * KiB);
        done += done % 97 == 0 ? 3 : 2;
    }
    size_t bad = 0, len = 0;
    for (gc_obj *o = *head; o; o = gc_read(o, 0), len++)
        if (len >= N || !payload_ok(o, seeds[len])) bad++;
    gc_heap_stats s;
    gc_get_stats(h, &s);
    snprintf(name, sizeof name,
             "stress_every=%u with the verifier on: %zu allocations, the list stays intact", every, allocations);
    CHECK(bad == 0 && len == N && s.collections >= allocations / every / 2, name,
          "%zu bad nodes, length %zu, %" PRIu64 " collections", bad, len, s.collections);
    printf("# stress_every=%u: %" PRIu64 " collections\n", every, s.collections);
    gc_scope_close(m, scope);
    gc_detach(m);
    gc_heap_destroy(h);
}

/* stress_every = N promises a collection every N allocations per thread (gclab.h). Counted for one
 * size class and for two classes taken in turn (as any real workload does). */
static void test_stress_rate(void) {
    enum { EVERY = 7, ALLOCS = 700 };
    for (int classes = 1; classes <= 2; classes++) {
        gc_heap *h = make_heap((gc_options){.max_heap = 4 * MiB, .gc_threads = 1, .stress_every = EVERY},
                               "stress rate");
        register_types(h);
        gc_mut *m = gc_attach(h);
        for (int i = 0; i < ALLOCS; i++) gc_alloc(m, T_GARBAGE, 0, classes == 2 && i % 2 ? 100 : 16);
        gc_heap_stats s;
        gc_get_stats(h, &s);
        char name[160];
        snprintf(name, sizeof name,
                 "stress_every=%d collects about once per %d allocations (%d allocations, %d size class%s)", EVERY,
                 EVERY, ALLOCS, classes, classes > 1 ? "es in turn" : "");
        uint64_t want = ALLOCS / EVERY;
        CHECK(s.collections >= want / 2 && s.collections <= want * 2, name,
              "%" PRIu64 " collections, want about %" PRIu64, s.collections, want);
        gc_detach(m);
        gc_heap_destroy(h);
    }
}

int main(void) {
    RUN(test_global_roots());
    RUN(test_verifier_catches());
    RUN(test_stress(1, STRESS_ALLOCS));
    RUN(test_stress(7, 5 * STRESS_ALLOCS));
    RUN(test_stress_rate());
    printf("test_heap_checks: %u checks, %u failed\n", checks, failed);
    return failed ? 1 : 0;
}
