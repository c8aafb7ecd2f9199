/* test_role_race: a collection asked for while another thread holds the collector role.
 *
 * The collector role is taken by one thread at a time; a thread that asks for a collection while
 * another holds it waits, and by the time it holds the role the collector may have moved on. The
 * rule (handshake.c, gc_role_take) is that the holder decides what to run from the state it finds
 * then. Each schedule below is driven step by step through the heap's test hook, with no timing
 * luck: a thread is held at a hook until the other has reached the point the schedule needs.
 *
 * 1. role race (every variant whose mutators run cycles: stw, incremental, generational): thread A
 *    takes the role for the start of a cycle (an initial mark; stw a full cycle; generational a
 *    scavenge), thread B calls gc_collect and waits for the role, A finishes, B proceeds. B must not
 *    run a full mark in the middle of A's incremental cycle (its grey objects would look marked and
 *    their white children be swept while reachable: the heap verifier, on, reports the loss); the
 *    generational B must still get a full cycle, though a scavenge completed while it waited.
 * 2. explicit collection mid-cycle (incremental and concurrent): once a cycle's initial mark is
 *    done, an object reachable then is made to float (stored into a new black object: every
 *    barrier shades it) and then dropped; gc_collect must return with it dead, since gc_collect
 *    promises that every object unreachable at the call is found dead, and the cycle that was
 *    marking began before the call. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gclab.h"
#include "../../collector/common/heap.h"
#include "../../collector/common/cmark.h"
#include "check.h"

#if defined(GCLAB_COLLECTOR_INCREMENTAL) || defined(GCLAB_COLLECTOR_CONCURRENT)
#define MARKS_CONCURRENTLY 1
#else
#define MARKS_CONCURRENTLY 0
#endif

void gc_gen_scavenge(gc_mut *mut) __attribute__((weak));   /* generational only */

typedef struct world {
    gc_heap *heap;
    gc_type node;
    gc_obj *R;                  /* global root: slot 0 -> P -> C (payload), slot 1 -> D */
    gc_mut *a, *b;              /* b: published to A's hook by b_asking */
    _Atomic int a_has_role;     /* schedule 1: A holds the role, B may ask */
    _Atomic int b_asking;       /* B is about to call gc_collect */
    _Atomic int marked_start;   /* schedule 2: the initial mark is over, the collector is held */
    _Atomic int hooked;         /* the hook held its thread once already */
} world;

static world W;

static void setup(const char *what) {
    char err[256];
    memset(&W, 0, sizeof W);
    /* A big initial heap: no cycle but the ones the schedule asks for. */
    gc_options o = {.max_heap = 256u << 20, .initial_heap = 128u << 20, .gc_threads = 1, .verify = true,
                    .on_fatal = check_fatal, .ctx = (void *)what};
    W.heap = gc_heap_create(&o, err, sizeof err);
    if (!W.heap) {
        printf("FAIL - heap: %s\n", err);
        exit(1);
    }
    W.node = gc_register_type(W.heap, "node");
    W.a = gc_attach(W.heap);
    gc_add_root(W.heap, &W.R);
    W.R = gc_alloc(W.a, W.node, 2, 8);
    gc_obj *p = gc_alloc(W.a, W.node, 1, 8);
    gc_write(W.a, W.R, 0, p);
    gc_obj *c = gc_alloc(W.a, W.node, 0, 8);
    memcpy(gc_raw(c), "payload", 8);
    gc_write(W.a, gc_read(W.R, 0), 0, c);
    gc_write(W.a, W.R, 1, gc_alloc(W.a, W.node, 0, 8));
}

static void teardown(void) {
    gc_remove_root(W.heap, &W.R);
    gc_detach(W.a);
    gc_heap_destroy(W.heap);
}

static bool payload_intact(void) {
    gc_obj *p = gc_read(W.R, 0);
    gc_obj *c = p ? gc_read(p, 0) : NULL;
    return c && memcmp(gc_raw(c), "payload", 8) == 0;
}

/* Found dead by the last cycle: swept (header 0) or not marked with the heap's colour. */
__attribute__((unused)) static bool dead(const gc_obj *o) {
    uint64_t h = atomic_load(&o->header);
    return h == 0 || (h & GC_HDR_MARK) != W.heap->colour;
}

/* The kinds of the pauses recorded so far, space-separated ("increment" pauses left out). */
static void pause_kinds(char *buf, size_t len) {
    size_t n, at = 0;
    const gc_pause *log = gc_pause_log(W.heap, &n);
    buf[0] = 0;
    for (size_t i = 0; i < n && at < len; i++)
        if (log[i].kind != GC_PAUSE_INCREMENT)
            at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? " " : "", gc_pause_kind_name(log[i].kind));
}

/* ---- schedule 1: the role race ---- */

static void hold_a_until_b_waits(gc_heap *heap, gc_mut *self, const char *event) {
    (void)heap;
    if (self != W.a || strcmp(event, "role") || atomic_exchange(&W.hooked, 1)) return;
    atomic_store(&W.a_has_role, 1);
    /* B says it is about to ask, then waits for the role as a blocked thread. */
    while (!atomic_load(&W.b_asking) || atomic_load(&W.b->state) != GC_MUT_BLOCKED) sched_yield();
}

static void *thread_b(void *arg) {
    (void)arg;
    W.b = gc_attach(W.heap);   /* a thread attaches itself (gclab.h) */
    gc_block_enter(W.b);   /* A's pause must not wait for B while B waits for A */
    while (!atomic_load(&W.a_has_role)) sched_yield();
    gc_block_leave(W.b);
    atomic_store(&W.b_asking, 1);
    gc_collect(W.b);
    gc_detach(W.b);
    return NULL;
}

__attribute__((unused)) static void role_race(void) {
    setup("role race");
    W.heap->test_hook = hold_a_until_b_waits;
    pthread_t tb;
    if (pthread_create(&tb, NULL, thread_b, NULL)) {
        printf("FAIL - role race: cannot start thread B\n");
        exit(1);
    }
    /* A starts what its allocation would start: a cycle (incremental: its initial mark). */
    if (gc_gen_scavenge) gc_gen_scavenge(W.a);
    else gc_collector.collect(W.a, GC_WHY_DUE);
    /* A waits for B as a blocked thread: B's pauses must not wait for A. */
    gc_block_enter(W.a);
    pthread_join(tb, NULL);
    gc_block_leave(W.a);
    W.heap->test_hook = NULL;

    char kinds[256];
    pause_kinds(kinds, sizeof kinds);
    const char *want = MARKS_CONCURRENTLY ? "initial-mark remark full"
                       : gc_gen_scavenge  ? "scavenge full"
                                          : "full";
    CHECK(strcmp(kinds, want) == 0, "role race: B's gc_collect runs what the collector's phase calls for",
          "pauses '%s', want '%s'", kinds, want);
    CHECK(payload_intact(), "role race: the object below the grey one survives", "lost");
    char msg[256] = "";
    size_t problems = gc_verify_now(W.a, msg, sizeof msg);
    CHECK(problems == 0, "role race: the heap verifies afterwards", "%zu problems: %s", problems, msg);
#if MARKS_CONCURRENTLY
    CHECK(!gc_cmark_active(gc_cmark_of(W.heap)), "role race: no cycle is left marking with its barrier off", "still marking");
#endif
    teardown();
}

/* ---- schedule 2: an explicit collection in the middle of a marking cycle ---- */
#if MARKS_CONCURRENTLY

/* Concurrent: the collector thread, its initial mark done, waits until A has made D float, dropped
 * it and called gc_collect (A blocked, waiting for a cycle). */
static void hold_collector_after_initial_mark(gc_heap *heap, gc_mut *self, const char *event) {
    (void)heap;
    if (self || strcmp(event, "initial-mark") || atomic_exchange(&W.hooked, 1)) return;
    atomic_store(&W.marked_start, 1);
    while (!atomic_load(&W.b_asking) || atomic_load(&W.a->state) != GC_MUT_BLOCKED) sched_yield();
}

static void explicit_mid_cycle(void) {
    setup("explicit mid-cycle");
    gc_obj *d = gc_read(W.R, 1);
    W.heap->test_hook = hold_collector_after_initial_mark;
    gc_collector.collect(W.a, GC_WHY_DUE);   /* incremental: the initial mark, here and now */
#if defined(GCLAB_COLLECTOR_CONCURRENT)
    while (!atomic_load(&W.marked_start)) {
        gc_safepoint(W.a);   /* the initial mark stops A too */
        sched_yield();
    }
#endif
    CHECK(gc_cmark_active(gc_cmark_of(W.heap)), "explicit mid-cycle: a cycle is marking", "none is");
    /* D, reachable at the initial mark, is stored into a new (black) object and dropped: Dijkstra
     * shades it at the store, Steele re-greys the holder, Yuasa shades it at the drop. */
    size_t scope = gc_scope_open(W.a);
    gc_obj **n = gc_push(W.a, gc_alloc(W.a, W.node, 1, 8));
    gc_write(W.a, *n, 0, gc_read(W.R, 1));
    gc_write(W.a, W.R, 1, NULL);
    gc_scope_close(W.a, scope);
    atomic_store(&W.b_asking, 1);
    gc_collect(W.a);
    W.heap->test_hook = NULL;
    CHECK(!gc_cmark_active(gc_cmark_of(W.heap)), "explicit mid-cycle: gc_collect leaves no cycle marking", "still marking");
    CHECK(dead(d), "explicit mid-cycle: an object dropped before gc_collect is dead when it returns",
          "it was kept (header %#llx, colour %llu)", (unsigned long long)atomic_load(&d->header),
          (unsigned long long)W.heap->colour);
    CHECK(payload_intact(), "explicit mid-cycle: the live objects survive", "lost");
    teardown();
}
#endif

int main(void) {
#if !defined(GCLAB_COLLECTOR_CONCURRENT)
    role_race();
#endif
#if MARKS_CONCURRENTLY
    explicit_mid_cycle();
#endif
    printf("test_role_race: %u checks, %u failed\n", checks, failed);
    return failed ? 1 : 0;
}
