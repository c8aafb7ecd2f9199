/* test_handshake.c: stop-the-world with more threads than cores.
 *
 * Six mutator threads (on two cores) allocate, replace nodes of their own checksummed linked list, walk
 * it in non-allocating stretches that poll gc_safepoint between them, and spend time in blocking
 * regions (sleeping, or waiting on a condition variable). Two more threads call gc_collect over and
 * over and run gc_verify_now now and then; one more attaches and detaches repeatedly, allocating a
 * little each time. Checks:
 * - no deadlock: the test finishes (an alarm(60) watchdog fails it otherwise);
 * - every collection recorded a pause: the pause log has one record per completed cycle, in cycle
 *   order, each with end >= start and time-to-safepoint <= the pause;
 * - every thread's data survives (each mutator checks its list while walking it and at the end);
 * - no mutator runs heap code while the world is stopped: a mutator reads the heap's cycle counter at
 *   the start and the end of each stretch between two safepoints; a cycle (counted inside its pause)
 *   completing within a stretch would mean the collector ran while this thread was not stopped. And
 *   gc_verify_now, which stops the world for its walk, run concurrently with all of this, must find
 *   0 problems (as must the verifier after every cycle: the heap runs with verify on).
 *
 * Prints one line per check, "ok - name" or "FAIL - name: detail", then
 * "test_handshake: N checks, M failed"; exits 1 if any failed.
 */
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gclab.h"
#include "../../collector/common/heap.h"

#include "check.h"

#define MiB ((size_t)1 << 20)

#if defined(__SANITIZE_THREAD__)
#define SLOW 4
#else
#define SLOW 1
#endif

enum {
    MUTATORS = 6,
    COLLECTORS = 2,
    LIST = 300,                     /* nodes per mutator */
    STRETCH = 25,                   /* nodes walked between two safepoint polls */
    ITERS = 3000 / SLOW,            /* operations per mutator */
    COLLECTS = 240 / SLOW,          /* gc_collect calls per collector thread */
    ATTACH_ROUNDS = 600 / SLOW,     /* attach/detach cycles */
};

static gc_heap *heap;
static gc_type T_NODE, T_GARBAGE, T_BIG;

static _Atomic uint64_t stretches, stretch_violations;
static _Atomic uint64_t verify_runs, verify_problems;
static char verify_msg[256];
static pthread_mutex_t msg_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic uint64_t block_sleeps, block_waits;
static _Atomic int mutators_done;
static pthread_mutex_t wait_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wait_cv = PTHREAD_COND_INITIALIZER;

typedef struct result {
    size_t bad_nodes, len, walk_bad;
    uint64_t collects;
} result;

static void watchdog(int sig) {
    (void)sig;
    static const char msg[] = "FAIL - watchdog: the test did not finish in 60 s (deadlock in the handshake?)\n";
    ssize_t r = write(1, msg, sizeof msg - 1);
    (void)r;
    _exit(1);
}


static uint64_t mix(uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void fill_payload(gc_obj *o, uint64_t seed) {
    size_t n = gc_nbytes(o);
    unsigned char *raw = gc_raw(o);
    memcpy(raw, &seed, 8);
    for (size_t i = 8; i < n; i++) raw[i] = (unsigned char)(mix(seed + i) >> 7);
}

static int payload_ok(gc_obj *o, uint64_t seed) {
    size_t n = gc_nbytes(o);
    unsigned char *raw = gc_raw(o);
    uint64_t s;
    memcpy(&s, raw, 8);
    if (s != seed) return 0;
    for (size_t i = 8; i < n; i++)
        if (raw[i] != (unsigned char)(mix(seed + i) >> 7)) return 0;
    return 1;
}

static gc_obj *new_node(gc_mut *m, uint64_t seed) {
    gc_obj *n = gc_alloc(m, T_NODE, 1, 8 + seed % 120);
    fill_payload(n, seed);
    return n;
}

/* A list of n nodes with seeds seeds[0..n-1], built by prepending into *head (a root). */
static void build(gc_mut *m, gc_obj **head, const uint64_t *seeds, size_t n) {
    for (size_t k = n; k-- > 0;) {
        gc_obj *node = new_node(m, seeds[k]);
        gc_write(m, node, 0, *head);
        *head = node;
    }
}

static size_t verify_list(gc_obj *head, const uint64_t *seeds, size_t n, size_t *len) {
    size_t bad = 0, i = 0;
    for (gc_obj *o = head; o; o = gc_read(o, 0), i++)
        if (i >= n || gc_typeof(o) != T_NODE || !payload_ok(o, seeds[i])) bad++;
    *len = i;
    return bad;
}

static void garbage(gc_mut *m, uint64_t *rng, int n) {
    for (int i = 0; i < n; i++) {
        *rng = mix(*rng);
        size_t nb = *rng % 16 == 0 ? 20000 + *rng % 60000 : *rng % 400;
        gc_obj *o = gc_alloc(m, *rng % 32 == 0 ? T_BIG : T_GARBAGE, (uint32_t)(*rng % 3), nb);
        if (nb) ((unsigned char *)gc_raw(o))[0] = 1;
    }
}

/* A blocking region: no heap access inside, and the collector must not wait for us. */
static void blocking(gc_mut *m, uint64_t r) {
    gc_block_enter(m);
    if (r % 2) {
        usleep((useconds_t)(r % 300));
        atomic_fetch_add(&block_sleeps, 1);
    } else {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 100000 + (long)(r % 400000);
        if (until.tv_nsec >= 1000000000) until.tv_sec++, until.tv_nsec -= 1000000000;
        pthread_mutex_lock(&wait_lock);
        pthread_cond_timedwait(&wait_cv, &wait_lock, &until);
        pthread_mutex_unlock(&wait_lock);
        atomic_fetch_add(&block_waits, 1);
    }
    gc_block_leave(m);
}

typedef struct mut_arg {
    unsigned id;
    result res;
} mut_arg;

static void *mutator_main(void *p) {
    mut_arg *a = p;
    gc_mut *m = gc_attach(heap);
    uint64_t rng = 0x1234567ull * (a->id + 1), seeds[LIST];
    for (size_t i = 0; i < LIST; i++) seeds[i] = ((uint64_t)a->id << 40) | i;
    size_t scope = gc_scope_open(m);
    gc_obj **head = gc_push(m, NULL);
    gc_obj **cur = gc_push(m, NULL);
    build(m, head, seeds, LIST);
    uint64_t next_seed = LIST;
    for (int it = 0; it < ITERS; it++) {
        rng = mix(rng);
        switch (rng % 4) {
        case 0:
            garbage(m, &rng, 20);
            break;
        case 1: {
            /* Replace node pos (1..LIST-1) by a fresh one; the old becomes garbage. */
            size_t pos = 1 + (size_t)(rng >> 8) % (LIST - 1);
            gc_obj *prev = *head;
            for (size_t i = 0; i + 1 < pos; i++) prev = gc_read(prev, 0);
            *cur = prev;
            uint64_t seed = ((uint64_t)a->id << 40) | next_seed++;
            gc_obj *node = new_node(m, seed);   /* may collect: prev is held in *cur */
            gc_write(m, node, 0, gc_read(gc_read(*cur, 0), 0));
            gc_write(m, *cur, 0, node);
            seeds[pos] = seed;
            *cur = NULL;
            break;
        }
        case 2: {
            /* Walk the whole list without allocating, polling a safepoint every STRETCH nodes. Between
             * two polls this thread is in heap code: no cycle may complete meanwhile. */
            size_t i = 0;
            *cur = *head;
            while (*cur) {
                uint64_t c0 = atomic_load(&heap->cycles);
                gc_obj *o = *cur;
                for (int k = 0; k < STRETCH && o; k++, i++, o = gc_read(o, 0))
                    if (!payload_ok(o, seeds[i])) a->res.walk_bad++;
                uint64_t c1 = atomic_load(&heap->cycles);
                atomic_fetch_add(&stretches, 1);
                if (c0 != c1) atomic_fetch_add(&stretch_violations, 1);
                *cur = o;
                gc_safepoint(m);
            }
            break;
        }
        case 3:
            blocking(m, rng >> 16);
            if (rng % 8 == 3) {
                pthread_mutex_lock(&wait_lock);
                pthread_cond_broadcast(&wait_cv);
                pthread_mutex_unlock(&wait_lock);
            }
            break;
        }
    }
    a->res.bad_nodes = verify_list(*head, seeds, LIST, &a->res.len);
    gc_scope_close(m, scope);
    atomic_fetch_add(&mutators_done, 1);
    gc_detach(m);
    return NULL;
}

static void *collector_main(void *p) {
    mut_arg *a = p;
    gc_mut *m = gc_attach(heap);
    uint64_t rng = 0xabcdefull * (a->id + 1), seeds[40];
    for (size_t i = 0; i < 40; i++) seeds[i] = ((uint64_t)(a->id + 100) << 40) | i;
    size_t scope = gc_scope_open(m);
    gc_obj **head = gc_push(m, NULL);
    build(m, head, seeds, 40);
    for (int k = 0; k < COLLECTS; k++) {
        gc_collect(m);
        a->res.collects++;
        if ((unsigned)k % 6 == a->id % 6) {
            char msg[256] = "";
            size_t n = gc_verify_now(m, msg, sizeof msg);
            atomic_fetch_add(&verify_runs, 1);
            if (n) {
                atomic_fetch_add(&verify_problems, n);
                pthread_mutex_lock(&msg_lock);
                snprintf(verify_msg, sizeof verify_msg, "%s", msg);
                pthread_mutex_unlock(&msg_lock);
            }
        }
        rng = mix(rng);
        gc_block_enter(m);
        usleep((useconds_t)(rng % 400));
        gc_block_leave(m);
    }
    a->res.bad_nodes = verify_list(*head, seeds, 40, &a->res.len);
    gc_scope_close(m, scope);
    gc_detach(m);
    return NULL;
}

/* Attaches, allocates a small list (with garbage, so it may collect or wait for a cycle), checks it,
 * sometimes collects or blocks, and detaches, over and over while the others run. */
static void *attacher_main(void *p) {
    mut_arg *a = p;
    uint64_t rng = 0x5151ull, seeds[20];
    for (int r = 0; r < ATTACH_ROUNDS; r++) {
        gc_mut *m = gc_attach(heap);
        size_t scope = gc_scope_open(m);
        gc_obj **head = gc_push(m, NULL);
        for (size_t i = 0; i < 20; i++) seeds[i] = ((uint64_t)999 << 40) | ((uint64_t)r << 8) | i;
        build(m, head, seeds, 20);
        garbage(m, &rng, 10);
        if (r % 10 == 0) gc_collect(m);
        if (r % 4 == 1) blocking(m, rng);
        gc_safepoint(m);
        size_t len;
        a->res.bad_nodes += verify_list(*head, seeds, 20, &len);
        if (len != 20) a->res.bad_nodes++;
        a->res.len++;
        gc_scope_close(m, scope);
        gc_detach(m);
    }
    return NULL;
}

/* Phase 2: a thread that sits in a blocking region for a long time must not hold up a stop. */
static _Atomic int sleeper_in, sleeper_out;

static void *sleeper_main(void *p) {
    (void)p;
    gc_mut *m = gc_attach(heap);
    size_t scope = gc_scope_open(m);
    uint64_t seeds[10];
    for (size_t i = 0; i < 10; i++) seeds[i] = 4242 + i;
    gc_obj **head = gc_push(m, NULL);
    build(m, head, seeds, 10);
    gc_block_enter(m);
    atomic_store(&sleeper_in, 1);
    usleep(400000);
    atomic_store(&sleeper_out, 1);
    gc_block_leave(m);
    size_t len;
    size_t bad = verify_list(*head, seeds, 10, &len);
    gc_scope_close(m, scope);
    gc_detach(m);
    return (void *)(uintptr_t)(bad + (len != 10));
}

static void test_blocked_thread_does_not_delay(void) {
    pthread_t t;
    pthread_create(&t, NULL, sleeper_main, NULL);
    while (!atomic_load(&sleeper_in)) usleep(100);
    gc_mut *m = gc_attach(heap);
    size_t n0;
    gc_pause_log(heap, &n0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 5; i++) gc_collect(m);
    char msg[256] = "";
    size_t problems = gc_verify_now(m, msg, sizeof msg);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int still_blocked = !atomic_load(&sleeper_out);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    size_t n1;
    const gc_pause *p = gc_pause_log(heap, &n1);   /* only this thread collects now */
    uint64_t maxt = 0;
    for (size_t i = n0; i < n1; i++)
        if (p[i].ttsp_ns > maxt) maxt = p[i].ttsp_ns;
    CHECK(still_blocked && n1 - n0 == 5 && problems == 0 && maxt < 100000000ull,
          "5 collections and a verification complete while another thread sleeps 400 ms in a blocking region",
          "%s, %zu pauses, %zu verifier problems (%s), %.1f ms, longest ttsp %.1f ms",
          still_blocked ? "sleeper still blocked" : "sleeper had already left (collections waited for it?)",
          n1 - n0, problems, msg, ms, maxt / 1e6);
    gc_detach(m);
    void *bad;
    pthread_join(t, &bad);
    CHECK(bad == NULL, "the blocked thread's data survived the collections made while it slept",
          "%zu bad", (size_t)(uintptr_t)bad);
}

int main(void) {
    signal(SIGALRM, watchdog);
    alarm(60);
    char err[256];
    gc_options o = {.max_heap = 64 * MiB, .initial_heap = 2 * MiB, .gc_threads = 2, .verify = true,
                    .on_fatal = check_fatal};
    heap = gc_heap_create(&o, err, sizeof err);
    if (!heap) {
        printf("FAIL - gc_heap_create: %s\ntest_handshake: 1 checks, 1 failed\n", err);
        return 1;
    }
    T_NODE = gc_register_type(heap, "node");
    T_GARBAGE = gc_register_type(heap, "garbage");
    T_BIG = gc_register_type(heap, "big");

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_t tm[MUTATORS], tc[COLLECTORS], ta;
    mut_arg am[MUTATORS], ac[COLLECTORS], aa = {.id = 50};
    for (unsigned i = 0; i < MUTATORS; i++) {
        am[i] = (mut_arg){.id = i};
        pthread_create(&tm[i], NULL, mutator_main, &am[i]);
    }
    for (unsigned i = 0; i < COLLECTORS; i++) {
        ac[i] = (mut_arg){.id = i};
        pthread_create(&tc[i], NULL, collector_main, &ac[i]);
    }
    pthread_create(&ta, NULL, attacher_main, &aa);
    for (unsigned i = 0; i < MUTATORS; i++) pthread_join(tm[i], NULL);
    for (unsigned i = 0; i < COLLECTORS; i++) pthread_join(tc[i], NULL);
    pthread_join(ta, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    alarm(0);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    CHECK(1, "no deadlock: 6 mutators, 2 collecting threads and an attach/detach thread finished", "");

    for (unsigned i = 0; i < MUTATORS; i++) {
        char name[128];
        snprintf(name, sizeof name, "mutator %u: its list of %d checksummed nodes survived", i, LIST);
        CHECK(am[i].res.bad_nodes == 0 && am[i].res.len == LIST && am[i].res.walk_bad == 0, name,
              "%zu bad nodes at the end, length %zu, %zu bad while walking", am[i].res.bad_nodes, am[i].res.len,
              am[i].res.walk_bad);
    }
    for (unsigned i = 0; i < COLLECTORS; i++) {
        char name[128];
        snprintf(name, sizeof name, "collecting thread %u: its own list survived %d gc_collect calls", i, COLLECTS);
        CHECK(ac[i].res.bad_nodes == 0 && ac[i].res.len == 40 && ac[i].res.collects == COLLECTS, name,
              "%zu bad, length %zu", ac[i].res.bad_nodes, ac[i].res.len);
    }
    CHECK(aa.res.bad_nodes == 0 && aa.res.len == ATTACH_ROUNDS,
          "a thread attaching and detaching repeatedly during collections keeps its data", "%zu bad in %zu rounds",
          aa.res.bad_nodes, aa.res.len);

    gc_heap_stats s;
    gc_get_stats(heap, &s);
    size_t n;
    const gc_pause *p = gc_pause_log(heap, &n);
    CHECK(s.collections >= COLLECTS, "collections happened (at least one per gc_collect of one thread)",
          "%" PRIu64 " collections", s.collections);
    CHECK(n == s.collections, "every collection recorded a pause", "%zu pauses for %" PRIu64 " collections", n,
          s.collections);
    size_t order = 0, span = 0, ttsp = 0, kind = 0, heap_sz = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i].cycle != i + 1) order++;
        if (p[i].end_ns < p[i].start_ns) span++;
        else if (p[i].ttsp_ns > p[i].end_ns - p[i].start_ns ||
                 p[i].mark_ns + p[i].sweep_ns > p[i].end_ns - p[i].start_ns)
            ttsp++;
        if (p[i].kind != GC_PAUSE_FULL || p[i].gc_threads != 2) kind++;
        if (p[i].heap_before > s.max_heap_bytes || p[i].heap_after > s.max_heap_bytes) heap_sz++;
        if (i && p[i].start_ns < p[i - 1].end_ns) order++;
    }
    CHECK(order == 0, "pauses are recorded in cycle order (cycle 1..n, not overlapping)", "%zu out of order", order);
    CHECK(span == 0, "every pause has end >= start", "%zu pauses end before they start", span);
    CHECK(ttsp == 0, "time to safepoint and mark + sweep fit within each pause", "%zu pauses", ttsp);
    CHECK(kind == 0, "every pause is a full pause with 2 GC threads", "%zu pauses", kind);
    CHECK(heap_sz == 0, "heap before/after of each pause within the maximum heap", "%zu pauses", heap_sz);
    uint64_t maxp = 0, maxt = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i].end_ns - p[i].start_ns > maxp) maxp = p[i].end_ns - p[i].start_ns;
        if (p[i].ttsp_ns > maxt) maxt = p[i].ttsp_ns;
    }

    CHECK(atomic_load(&stretch_violations) == 0,
          "no cycle completed while a mutator was between two safepoints (the world was stopped for it)",
          "%" PRIu64 " of %" PRIu64 " stretches saw the cycle count change", atomic_load(&stretch_violations),
          atomic_load(&stretches));
    CHECK(atomic_load(&verify_runs) > 0 && atomic_load(&verify_problems) == 0,
          "gc_verify_now, concurrent with mutators and collections, finds 0 problems",
          "%" PRIu64 " problems in %" PRIu64 " runs, first: %s", atomic_load(&verify_problems),
          atomic_load(&verify_runs), verify_msg);
    CHECK(atomic_load(&block_sleeps) > 0 && atomic_load(&block_waits) > 0,
          "blocking regions were exercised (sleeping and condition waits)", "sleeps %" PRIu64 ", waits %" PRIu64,
          atomic_load(&block_sleeps), atomic_load(&block_waits));
    printf("# %.2f s: %" PRIu64 " collections, %" PRIu64 " verifications, %" PRIu64 " stretches, %" PRIu64
           " sleeps + %" PRIu64 " waits blocked; longest pause %.2f ms, longest ttsp %.2f ms\n",
           secs, s.collections, atomic_load(&verify_runs), atomic_load(&stretches), atomic_load(&block_sleeps),
           atomic_load(&block_waits), maxp / 1e6, maxt / 1e6);
    test_blocked_thread_does_not_delay();
    gc_heap_destroy(heap);
    printf("test_handshake: %u checks, %u failed\n", checks, failed);
    return failed ? 1 : 0;
}
