/* bdw_weak.c: weak references and finalization registries on COLLECTOR=bdw (collector/bdw_weak.c,
 * bdw_fin.c), and its refusal of ephemerons. Named without the test_ prefix, as barrier_lost_object.c
 * is: stw.mk builds every tests/unit/test_*.c, and this one checks what only bdw does (libgc's links and
 * finalizers, ephemerons refused).
 *
 * libgc scans stacks and registers conservatively, so a dead object may survive a collection through a
 * stale word. Objects meant to die are made in noinline helpers, the stack is scrubbed before each
 * collection, and checks of dying ask for most of a batch (DIE_MIN of N), never for one object; checks
 * of surviving, and of "exactly once", ask for all of them.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "gclab.h"

#include "bdw_fixture.h"

/* libgc's own switch, for the one check that must hold its finalizers back (declared here rather
 * than through <gc/gc.h>, as bdw.h does). */
extern void GC_set_finalize_on_demand(int);

#define N 200
#define DIE_MIN (N * 9 / 10)
#define MAGIC 0x5eedf00dull

static gc_heap *heap;
static gc_mut *mut;
static gc_type T_NODE;

/* ---- objects ---- */

typedef struct node_raw {
    uint64_t id, magic;
} node_raw;

/* A node: one pointer slot, then its id and a magic word that a freed-and-reused cell would lose. */
static gc_obj *node(uint64_t id) {
    gc_obj *n = gc_alloc(mut, T_NODE, 1, sizeof(node_raw));
    node_raw *r = gc_raw(n);
    r->id = id;
    r->magic = MAGIC ^ id;
    return n;
}

static bool node_ok(gc_obj *n, uint64_t *id) {
    if (!n || gc_typeof(n) != T_NODE || gc_nptrs(n) != 1) return false;
    node_raw *r = gc_raw(n);
    *id = r->id;
    return r->magic == (MAGIC ^ r->id);
}

static gc_obj *array(uint32_t n) { return gc_alloc(mut, T_NODE, n, 0); }

static void collect(void) {
    scrub_stack();
    gc_collect(mut);
    scrub_stack();
    gc_collect(mut);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- weak references ---- */

/* refs[i] = WeakRef to node i; even targets also in keep[i], odd ones nowhere. */
__attribute__((noinline)) static void make_weakrefs(gc_obj **refs, gc_obj **keep) {
    for (uint32_t i = 0; i < N; i++) {
        gc_obj *t = node(i);
        gc_write(mut, *refs, i, gc_weakref_new(mut, t));
        if (i % 2 == 0) gc_write(mut, *keep, i, t);
    }
}

static unsigned count_cleared(gc_obj *refs, unsigned parity) {
    unsigned n = 0;
    for (uint32_t i = parity; i < N; i += 2) n += gc_weakref_get(mut, gc_read(refs, i)) == NULL;
    return n;
}

static void test_weakrefs(void) {
    size_t scope = gc_scope_open(mut);
    gc_obj **refs = gc_push(mut, array(N));
    gc_obj **keep = gc_push(mut, array(N));
    make_weakrefs(refs, keep);
    gc_obj *r0 = gc_read(*refs, 0);
    CHECK(gc_typeof(r0) == 1 && strcmp(gc_type_name(heap, gc_typeof(r0)), "WeakRef") == 0,
          "a weak reference is a heap object of the built-in type WeakRef", "type %u (%s)",
          gc_typeof(r0), gc_type_name(heap, gc_typeof(r0)));
    CHECK(gc_weakref_get(mut, gc_weakref_new(mut, NULL)) == NULL, "a weak reference to NULL reads NULL",
          "not NULL");

    unsigned same = 0;
    for (uint32_t i = 0; i < N; i += 2) same += gc_weakref_get(mut, gc_read(*refs, i)) == gc_read(*keep, i);
    CHECK(same == N / 2, "get returns the target while it is alive (before a collection)", "%u of %u", same, N / 2);

    collect();
    same = 0;
    for (uint32_t i = 0; i < N; i += 2) same += gc_weakref_get(mut, gc_read(*refs, i)) == gc_read(*keep, i);
    CHECK(same == N / 2, "get returns the target while it is alive (after two collections)", "%u of %u", same, N / 2);
    unsigned cleared = count_cleared(*refs, 1);
    CHECK(cleared >= DIE_MIN / 2, "weak references to unreachable targets read NULL after a collection",
          "%u of %u cleared", cleared, N / 2);

    char msg[256];
    size_t problems = gc_verify_now(mut, msg, sizeof msg);
    CHECK(problems == 0, "the verifier accepts weak references, cleared or not", "%zu: %s", problems, msg);

    for (uint32_t i = 0; i < N; i += 2) gc_write(mut, *keep, i, NULL);
    collect();
    cleared = count_cleared(*refs, 0);
    CHECK(cleared >= DIE_MIN / 2, "a target let go later is cleared by the next collection", "%u of %u cleared",
          cleared, N / 2);
    gc_scope_close(mut, scope);
}

/* ---- finalization ---- */

typedef struct log {
    unsigned runs[N];         /* cleanups seen per held id */
    unsigned bad_held;        /* held value not a valid node of a registered id */
    unsigned weak_alive;      /* the held box's WeakRef to the target still read non-NULL */
    unsigned outside_run;     /* ran while no gc_run_finalizers was active */
    unsigned wrong_thread;
    pthread_t thread;         /* the thread expected to run the cleanups */
    uint64_t first_ns, last_ns;
    unsigned total;
    bool collect_inside;      /* the first cleanup collects, as gclab.h allows */
} log_t;

static _Atomic int in_run;

static void record(gc_mut *m, gc_obj *held, void *ctx) {
    log_t *l = ctx;
    uint64_t t = now_ns();
    if (!l->total) l->first_ns = t;
    l->last_ns = t;
    l->total++;
    if (!atomic_load(&in_run)) l->outside_run++;
    if (!pthread_equal(pthread_self(), l->thread)) l->wrong_thread++;
    uint64_t id;
    if (!node_ok(held, &id) || id >= N) {
        l->bad_held++;
        return;
    }
    l->runs[id]++;
    gc_obj *w = gc_read(held, 0);
    if (w && gc_weakref_get(m, w) != NULL) l->weak_alive++;
    if (l->collect_inside) {
        l->collect_inside = false;
        gc_collect(m);
    }
}

static size_t run_finalizers(gc_mut *m) {
    atomic_store(&in_run, 1);
    size_t n = gc_run_finalizers(m);
    atomic_store(&in_run, 0);
    return n;
}

/* Target i with held value box i, whose slot holds a WeakRef to target i (a weak reference the cleanup
 * can look at). Even targets are kept in keep[i]. */
__attribute__((noinline)) static void register_batch(gc_registry *r, gc_obj **keep) {
    for (uint32_t i = 0; i < N; i++) {
        gc_obj *t = node(i);
        gc_obj *held = node(i);
        gc_write(mut, held, 0, gc_weakref_new(mut, t));
        gc_finalizer_register(mut, r, t, held, NULL);
        if (i % 2 == 0) gc_write(mut, *keep, i, t);
    }
}

static uint64_t fin_queued_total(void) {
    size_t n;
    const gc_pause *p = gc_pause_log(heap, &n);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) sum += p[i].fin_queued;
    return sum;
}

static bool inside_a_pause(uint64_t t) {
    size_t n;
    const gc_pause *p = gc_pause_log(heap, &n);
    for (size_t i = 0; i < n; i++)
        if (p[i].start_ns <= t && t <= p[i].end_ns) return true;
    return false;
}

typedef struct runner {
    log_t *log;
    size_t ran;
} runner;

static void *run_on_other_thread(void *arg) {
    runner *rn = arg;
    gc_mut *m = gc_attach(heap);
    rn->log->thread = pthread_self();
    rn->ran = run_finalizers(m);
    gc_detach(m);
    return NULL;
}

static void test_cleanups(void) {
    size_t scope = gc_scope_open(mut);
    gc_obj **keep = gc_push(mut, array(N));
    static log_t l;
    memset(&l, 0, sizeof l);
    gc_registry *r = gc_registry_new(heap, record, &l);
    uint64_t queued0 = fin_queued_total();
    register_batch(r, keep);

    char msg[256];
    size_t problems = gc_verify_now(mut, msg, sizeof msg);
    CHECK(problems == 0, "the verifier accepts registered cells", "%zu: %s", problems, msg);
    CHECK(gc_finalizers_pending(heap) == 0 && run_finalizers(mut) == 0, "nothing is pending before a collection",
          "pending %zu", gc_finalizers_pending(heap));

    collect();
    size_t pending = gc_finalizers_pending(heap);
    CHECK(pending >= DIE_MIN / 2 && pending <= N / 2, "dead targets' cleanups are pending after a collection",
          "%zu pending (odd targets: %u)", pending, N / 2);
    CHECK(l.total == 0, "no cleanup runs inside a collection or before gc_run_finalizers", "%u ran", l.total);
    problems = gc_verify_now(mut, msg, sizeof msg);
    CHECK(problems == 0, "the verifier accepts the queue", "%zu: %s", problems, msg);
    uint64_t queued = fin_queued_total() - queued0;
    CHECK(queued >= pending, "the pause log's finalizers_queued counts the dead targets", "%llu < %zu pending",
          (unsigned long long)queued, pending);

    /* On another thread: cleanups run on the thread calling gc_run_finalizers. */
    runner rn = {.log = &l};
    pthread_t th;
    l.collect_inside = true;
    pthread_create(&th, NULL, run_on_other_thread, &rn);
    pthread_join(th, NULL);
    CHECK(rn.ran == pending && l.total == pending, "gc_run_finalizers runs every queued cleanup and counts them",
          "ran %zu, recorded %u, pending was %zu", rn.ran, l.total, pending);
    CHECK(l.wrong_thread == 0 && l.outside_run == 0, "cleanups run on the calling thread, inside gc_run_finalizers",
          "%u on another thread, %u outside", l.wrong_thread, l.outside_run);
    CHECK(!inside_a_pause(l.first_ns) && !inside_a_pause(l.last_ns), "no cleanup runs inside a pause",
          "a cleanup's time falls inside a recorded pause");
    unsigned twice = 0, even = 0, odd = 0;
    for (uint32_t i = 0; i < N; i++) {
        twice += l.runs[i] > 1;
        if (l.runs[i]) *(i % 2 ? &odd : &even) += 1;
    }
    CHECK(l.bad_held == 0 && even == 0 && odd == pending && twice == 0,
          "each cleanup gets its own held value, alive, once, and only for dead targets",
          "bad held %u, even (alive) %u, odd %u, twice %u", l.bad_held, even, odd, twice);
    CHECK(l.weak_alive == 0, "every weak reference to a target is cleared before its cleanup runs",
          "%u cleanups saw the target through a WeakRef", l.weak_alive);

    collect();
    CHECK(run_finalizers(mut) == 0, "a cleanup runs once: nothing more after another collection", "more ran");
    twice = 0;
    for (uint32_t i = 0; i < N; i++) twice += l.runs[i] > 1;
    CHECK(twice == 0, "no held value is cleaned up twice", "%u twice", twice);

    /* The even targets let go: their cleanups come now. */
    for (uint32_t i = 0; i < N; i += 2) gc_write(mut, *keep, i, NULL);
    collect();
    l.thread = pthread_self();
    size_t ran = run_finalizers(mut);
    even = 0;
    for (uint32_t i = 0; i < N; i += 2) even += l.runs[i] == 1;
    CHECK(ran >= DIE_MIN / 2 && even == ran && l.wrong_thread == 0,
          "targets let go later are cleaned up after the next collection", "ran %zu, even ids %u", ran, even);
    gc_registry_free(mut, r);
    gc_scope_close(mut, scope);
}

/* ---- unregister, several registrations of one target, held values reaching their target ---- */

static void count_run(gc_mut *m, gc_obj *held, void *ctx) {
    (void)m;
    uint64_t id;
    unsigned *runs = ctx;
    if (node_ok(held, &id) && id < N) runs[id]++;
}

__attribute__((noinline)) static void register_tokens(gc_registry *r, gc_obj **targets, gc_obj **tok) {
    for (uint32_t i = 0; i < 10; i++) {
        gc_obj *t = node(i);
        gc_write(mut, *targets, i, t);
        gc_finalizer_register(mut, r, t, node(i), i < 5 ? gc_read(*tok, 0) : gc_read(*tok, 1));
    }
}

/* One target, registered four times: ids 20..22 in r1 with tokens t[0..2], id 23 in r2 with t[3]
 * (libgc's client data is the newest cell: 23 heads the chain, 21 is in its middle). */
__attribute__((noinline)) static void register_shared(gc_registry *r1, gc_registry *r2, gc_obj **t, gc_obj **tok) {
    *t = node(99);
    for (uint32_t i = 0; i < 3; i++) gc_finalizer_register(mut, r1, *t, node(20 + i), gc_read(*tok, i));
    gc_finalizer_register(mut, r2, *t, node(23), gc_read(*tok, 3));
}

/* Ten targets with two cells each: id 140+i without a token, then id 120+i with tok[3], which heads
 * the target's chain. */
__attribute__((noinline)) static void register_pairs(gc_registry *r, gc_obj **tok) {
    for (uint32_t i = 0; i < 10; i++) {
        gc_obj *t = node(i);
        gc_finalizer_register(mut, r, t, node(140 + i), NULL);
        gc_finalizer_register(mut, r, t, node(120 + i), gc_read(*tok, 3));
    }
}

/* Targets t on a cycle t -> x -> t, nothing else holding either (ids 160..179). */
__attribute__((noinline)) static void register_cycles(gc_registry *r) {
    for (uint32_t i = 0; i < 20; i++) {
        gc_obj *t = node(i), *x = node(i);
        gc_write(mut, t, 0, x);
        gc_write(mut, x, 0, t);
        gc_finalizer_register(mut, r, t, node(160 + i), NULL);
    }
}

/* Targets whose held value refers to them (i = 40..59); tokens are the held values. */
__attribute__((noinline)) static void register_self_held(gc_registry *r, gc_obj **refs, gc_obj **tokens) {
    for (uint32_t i = 0; i < 20; i++) {
        gc_obj *t = node(40 + i);
        gc_obj *held = node(40 + i);
        gc_write(mut, held, 0, t);
        gc_write(mut, *refs, i, gc_weakref_new(mut, t));
        gc_write(mut, *tokens, i, held);
        gc_finalizer_register(mut, r, t, held, held);
    }
}

/* A rooted target registered with a token nothing else holds; refs[0] watches the token. */
__attribute__((noinline)) static void register_weak_token(gc_registry *r, gc_obj **target, gc_obj **refs) {
    for (uint32_t i = 0; i < 20; i++) {
        gc_obj *token = node(200 + i);
        gc_write(mut, *refs, i, gc_weakref_new(mut, token));
        gc_finalizer_register(mut, r, *target, node(60 + i), token);
    }
}

static void test_unregister(void) {
    size_t scope = gc_scope_open(mut);
    static unsigned runs1[N], runs2[N];
    gc_registry *r1 = gc_registry_new(heap, count_run, runs1);
    gc_registry *r2 = gc_registry_new(heap, count_run, runs2);
    gc_obj **tok = gc_push(mut, array(4));
    for (uint32_t i = 0; i < 4; i++) gc_write(mut, *tok, i, node(100 + i));

    /* Live targets: 0..4 with token A, 5..9 with token B. */
    gc_obj **targets = gc_push(mut, array(10));
    register_tokens(r1, targets, tok);
    size_t n = gc_finalizer_unregister(mut, r1, gc_read(*tok, 0));
    CHECK(n == 5, "unregister cancels every cell of its token", "%zu cancelled, want 5", n);
    CHECK(gc_finalizer_unregister(mut, r1, gc_read(*tok, 0)) == 0, "a second unregister finds nothing", "found some");
    CHECK(gc_finalizer_unregister(mut, r2, gc_read(*tok, 1)) == 0, "unregister looks only in its own registry",
          "cancelled r1's cells through r2");
    CHECK(gc_finalizer_unregister(mut, r1, NULL) == 0, "unregister(NULL) cancels nothing", "cancelled some");
    for (uint32_t i = 0; i < 10; i++) gc_write(mut, *targets, i, NULL);
    collect();
    run_finalizers(mut);
    unsigned a = 0, b = 0;
    for (uint32_t i = 0; i < 10; i++) *(i < 5 ? &a : &b) += runs1[i];
    CHECK(a == 0 && b >= 4 && b <= 5, "cancelled cells never run; the others run once",
          "token A ran %u (want 0), token B ran %u (want 5)", a, b);

    /* One target, four cells, two registries: cancel the chain's head and a middle cell. */
    gc_obj **shared = gc_push(mut, NULL);
    register_shared(r1, r2, shared, tok);
    CHECK(gc_finalizer_unregister(mut, r1, gc_read(*tok, 1)) == 1 && gc_finalizer_unregister(mut, r2, gc_read(*tok, 3)) == 1,
          "one target's cells are cancelled one by one", "a cancel found no cell");
    char msg[256];
    size_t problems = gc_verify_now(mut, msg, sizeof msg);
    CHECK(problems == 0, "the verifier accepts a target's chain after cancels", "%zu: %s", problems, msg);
    collect();
    CHECK(run_finalizers(mut) == 0, "a target with cells stays alive while rooted", "cleanups ran");
    *shared = NULL;
    collect();
    run_finalizers(mut);
    CHECK(runs1[20] == 1 && runs1[21] == 0 && runs1[22] == 1 && runs2[23] == 0,
          "every registration of one target runs once, except the cancelled ones",
          "ids 20..23 ran %u %u %u %u (want 1 0 1 0)", runs1[20], runs1[21], runs1[22], runs2[23]);

    /* Cancelled after the target died and its cleanup was queued. */
    gc_obj **queued_target = gc_push(mut, NULL);
    *queued_target = node(30);
    gc_finalizer_register(mut, r1, *queued_target, node(30), gc_read(*tok, 2));
    *queued_target = NULL;
    collect();
    size_t pending = gc_finalizers_pending(heap);
    n = gc_finalizer_unregister(mut, r1, gc_read(*tok, 2));
    CHECK(pending >= 1 ? n == 1 && gc_finalizers_pending(heap) == pending - 1 : n == 1,
          "unregister cancels a queued cleanup", "cancelled %zu, pending %zu -> %zu", n, pending,
          gc_finalizers_pending(heap));
    run_finalizers(mut);
    CHECK(runs1[30] == 0, "a cleanup cancelled while queued never runs", "ran %u", runs1[30]);

    /* Cancelled after libgc queued the target but before its finalizer ran (libgc runs finalizers
     * before gc_collect returns, so on-demand mode is switched on to hold them back): the cell stays
     * in the chain libgc hands over, which must pass over it and queue the others. */
    GC_set_finalize_on_demand(1);
    register_pairs(r1, tok);
    collect();
    n = gc_finalizer_unregister(mut, r1, gc_read(*tok, 3));
    GC_set_finalize_on_demand(0);
    size_t handed = run_finalizers(mut), ran;
    unsigned heads = 0, seconds = 0;
    for (uint32_t i = 0; i < 10; i++) heads += runs1[120 + i], seconds += runs1[140 + i];
    CHECK(n == 10 && heads == 0 && seconds == handed && seconds >= 9,
          "gc_run_finalizers hands over what libgc queued, passing over cells cancelled meanwhile",
          "cancelled %zu (want 10), heads ran %u (want 0), others ran %u of 10 (returned %zu)", n, heads,
          seconds, handed);

    /* A target on a cycle dies like any other (libgc's ordered finalization would never queue it). */
    register_cycles(r1);
    collect();
    ran = run_finalizers(mut);
    unsigned cycles = 0;
    for (uint32_t i = 160; i < 180; i++) cycles += runs1[i];
    CHECK(cycles >= 18 && cycles == ran, "a target on a cycle is cleaned up once it is unreachable",
          "%u of 20 ran (%zu in all)", cycles, ran);

    /* Held values that reach their targets keep them alive (gclab.h: the cleanup then never runs). */
    gc_obj **refs = gc_push(mut, array(20));
    gc_obj **tokens = gc_push(mut, array(20));
    register_self_held(r1, refs, tokens);
    collect();
    unsigned alive = 0;
    for (uint32_t i = 0; i < 20; i++) alive += gc_weakref_get(mut, gc_read(*refs, i)) != NULL;
    ran = run_finalizers(mut);
    unsigned self_runs = 0;
    for (uint32_t i = 40; i < 60; i++) self_runs += runs1[i];
    CHECK(alive == 20 && ran == 0 && self_runs == 0, "a held value that reaches its target keeps it alive",
          "%u of 20 targets alive, %zu cleanups ran", alive, ran);
    /* Unregistering lets the held value go, and with it the target. */
    n = 0;
    for (uint32_t i = 0; i < 20; i++) n += gc_finalizer_unregister(mut, r1, gc_read(*tokens, i));
    for (uint32_t i = 0; i < 20; i++) gc_write(mut, *tokens, i, NULL);
    collect();
    unsigned cleared = 0;
    for (uint32_t i = 0; i < 20; i++) cleared += gc_weakref_get(mut, gc_read(*refs, i)) == NULL;
    CHECK(n == 20 && cleared >= 18, "unregister lets go of the held value (and so of the target)",
          "%zu cancelled, %u of 20 targets cleared", n, cleared);

    /* Tokens are held weakly. */
    gc_obj **target = gc_push(mut, node(7));
    register_weak_token(r2, target, refs);
    collect();
    cleared = 0;
    for (uint32_t i = 0; i < 20; i++) cleared += gc_weakref_get(mut, gc_read(*refs, i)) == NULL;
    CHECK(cleared >= 18, "a cell does not keep its token alive", "%u of 20 tokens cleared", cleared);
    problems = gc_verify_now(mut, msg, sizeof msg);
    CHECK(problems == 0, "the verifier accepts cells whose token died", "%zu: %s", problems, msg);

    /* gc_registry_free drops everything, queued or not. */
    *target = NULL;
    collect();
    gc_registry_free(mut, r2);
    gc_registry_free(mut, r1);
    CHECK(gc_finalizers_pending(heap) == 0 && run_finalizers(mut) == 0, "gc_registry_free drops queued cleanups",
          "%zu pending", gc_finalizers_pending(heap));
    unsigned r2_runs = 0;
    for (uint32_t i = 60; i < 80; i++) r2_runs += runs2[i];
    CHECK(r2_runs == 0, "a freed registry's cleanups never run", "%u ran", r2_runs);
    collect();
    CHECK(run_finalizers(mut) == 0, "targets of a freed registry die quietly", "cleanups ran");
    gc_scope_close(mut, scope);
}

/* ---- refused: ephemerons, bad input ---- */

static void nop_cleanup(gc_mut *m, gc_obj *held, void *ctx) { (void)m, (void)held, (void)ctx; }

static void test_refusals(void) {
    CHECK(!gc_has_ephemerons(), "gc_has_ephemerons is false on bdw", "true");
    size_t scope = gc_scope_open(mut);
    gc_obj **k = gc_push(mut, node(1));
    EXPECT_FATAL("gc_ephemeron_new is fatal", "ephemerons are not supported by the bdw collector",
                 gc_ephemeron_new(mut, *k, *k));
    EXPECT_FATAL("gc_ephemeron_key is fatal", "ephemerons are not supported", gc_ephemeron_key(mut, *k));
    EXPECT_FATAL("gc_ephemeron_value is fatal", "ephemerons are not supported", gc_ephemeron_value(mut, *k));
    EXPECT_FATAL("gc_ephemeron_set_value is fatal", "ephemerons are not supported",
                 gc_ephemeron_set_value(mut, *k, *k));

    EXPECT_FATAL("gc_weakref_get of a plain object is fatal", "is not a WeakRef", gc_weakref_get(mut, *k));
    EXPECT_FATAL("gc_weakref_get(NULL) is fatal", "is not a WeakRef", gc_weakref_get(mut, NULL));
    /* A workload may name a type "WeakRef" and get the built-in id; its objects are still not WeakRefs. */
    gc_type wt = gc_register_type(heap, "WeakRef");
    gc_obj **forged = gc_push(mut, gc_alloc(mut, wt, 1, 0));
    gc_write(mut, *forged, 0, *k);
    EXPECT_FATAL("gc_weakref_get of a forged WeakRef is fatal", "is not a WeakRef", gc_weakref_get(mut, *forged));
    char msg[256];
    size_t problems = gc_verify_now(mut, msg, sizeof msg);
    CHECK(problems == 1 && strstr(msg, "not made by gclab"), "the verifier reports a forged WeakRef",
          "%zu problems: %s", problems, msg);
    *forged = NULL;
    uint64_t local = 0;
    EXPECT_FATAL("gc_weakref_new of a non-heap pointer is fatal", "is not an object of this heap",
                 gc_weakref_new(mut, (gc_obj *)&local));

    gc_registry *r = gc_registry_new(heap, nop_cleanup, NULL);
    EXPECT_FATAL("registering a NULL target is fatal", "target is NULL",
                 gc_finalizer_register(mut, r, NULL, *k, NULL));
    EXPECT_FATAL("registering a non-heap token is fatal", "token",
                 gc_finalizer_register(mut, r, *k, NULL, (gc_obj *)&local));
    gc_registry_free(mut, r);
    EXPECT_FATAL("registering with a freed registry is fatal", "is not a live registry",
                 gc_finalizer_register(mut, r, *k, NULL, NULL));
    EXPECT_FATAL("unregistering with a freed registry is fatal", "is not a live registry",
                 gc_finalizer_unregister(mut, r, *k));
    EXPECT_FATAL("a registry without a cleanup is fatal", "cleanup is NULL", gc_registry_new(heap, NULL, NULL));
    gc_scope_close(mut, scope);
}

int main(void) {
    char err[256];
    gc_options o = {.on_fatal = on_fatal, .ctx = "bdw_weak heap", .max_heap = (size_t)256 << 20};
    heap = gc_heap_create(&o, err, sizeof err);
    if (!heap) {
        printf("FAIL - heap: %s\n", err);
        return 1;
    }
    mut = gc_attach(heap);
    T_NODE = gc_register_type(heap, "Node");

    test_weakrefs();
    test_cleanups();
    test_unregister();
    test_refusals();

    char msg[256];
    size_t problems = gc_verify_now(mut, msg, sizeof msg);
    CHECK(problems == 0, "the verifier is content at the end", "%zu: %s", problems, msg);
    gc_detach(mut);
    gc_heap_destroy(heap);
    printf("%s: %u checks, %u failed\n", program_invocation_short_name, checks, failed);
    return failed ? 1 : 0;
}
