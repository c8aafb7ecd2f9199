/* barrier_weak_read: weak references and ephemerons against an incremental or concurrent marker.
 *
 * A weak slot is the one place a mutator can fetch a pointer the marker has decided not to follow,
 * so it is where a barrier's argument is easiest to break: Yuasa's snapshot does not contain objects
 * reachable only weakly at initial mark (weakref.c's keep-alive covers the read); Dijkstra and Steele
 * rely on their store barrier and root rescan instead (cmark.c, gc_cmark_weak_read). As in
 * barrier_lost_object.c, the marker and the mutator are driven step by step, with no timing luck,
 * through the schedules that would lose an object, clear a weak reference too early, resurrect a dead
 * target, leave a new weak reference dangling, or miss an ephemeron whose key is marked late:
 *
 *   1. a weak get hides its target in a black object, a global root or a handle;
 *   2. the same through an ephemeron's value, the key dead (from the start, or cut during marking);
 *   3. no resurrection: a target nobody reads is cleared and stays unmarked;
 *   4. weak references and ephemerons made during marking to objects that die in that cycle;
 *   5. an ephemeron traced while its key is white, the key marked afterwards by a marker step, by a
 *      barrier, by the root rescan, or through a read of the key itself; and a value replaced while
 *      the ephemeron is pending.
 *
 * Each schedule ends with gc_test_cycle_finish, whose verifier walks the heap on its own and reports
 * a reachable object the cycle did not mark, and a weak slot or ephemeron holding an unmarked object
 * (one the cycle failed to clear). The expectation follows the variant's barrier: every real barrier
 * keeps what is reachable; BARRIER=none must lose it where the mutator's store is the only thing that
 * could save it, and the verifier must say so.
 *
 * Roots: the globals g[0..3], registered in that order, and no handle open at initial mark, so the
 * initial mark puts the non-NULL globals in one grey packet in that order. The first marker step
 * scans the packet's first entry (g[0], always A, a black leaf from then on) and keeps the rest on its
 * stack, which it then pops from the top: the last global first, then that object's children. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gclab.h"
#include "../../collector/common/cmark.h"

#include "barrier_fixture.h"
#include "check.h"

#define NROOTS 4

typedef struct world {
    gc_heap *heap;
    gc_mut *mut;
    gc_type node;
    gc_obj *g[NROOTS];          /* global roots; g[0] is A */
    size_t pauses;              /* pause records when the cycle started */
} world;

static size_t npauses(gc_heap *h) {
    size_t n;
    gc_pause_log(h, &n);
    return n;
}

static gc_obj *node(world *w, const char *tag) {
    gc_obj *o = gc_alloc(w->mut, w->node, 2, 8);
    strncpy(gc_raw(o), tag, 8);
    return o;
}

static bool tagged(gc_obj *o, const char *tag) { return o && !strncmp(gc_raw(o), tag, 8); }

/* Marked with the colour of the cycle running now (grey or black). */
static bool marking_marked(world *w, gc_obj *o) { return gc_is_marked(o, gc_cmark_of(w->heap)->colour); }

/* Between cycles: carries the heap's live colour, i.e. the last cycle marked it (an unmarked one is
 * swept). */
static bool live(world *w, gc_obj *o) {
    return (atomic_load_explicit(&o->header, memory_order_relaxed) & GC_HDR_MARK) == w->heap->colour;
}

static void open_world(world *w) {
    w->heap = schedule_heap(check_fatal, "barrier_weak_read");
    w->node = gc_register_type(w->heap, "node");
    w->mut = gc_attach(w->heap);
    for (int i = 0; i < NROOTS; i++) {
        w->g[i] = NULL;
        gc_add_root(w->heap, &w->g[i]);
    }
    /* The schedules allocate weak references and ephemerons while the cycle marks. An allocation
     * slow path there would run an increment (incremental) or an assist (concurrent) and move the
     * marker; one allocation of each kind now leaves free lists for them, so theirs are fast paths.
     * finish() checks that no pause happened in between all the same. */
    gc_obj *k = node(w, "warm");
    gc_weakref_new(w->mut, NULL);
    gc_ephemeron_new(w->mut, k, NULL);
    w->g[0] = node(w, "A");
}

static void close_world(world *w) {
    for (int i = 0; i < NROOTS; i++) gc_remove_root(w->heap, &w->g[i]);
    gc_detach(w->mut);
    gc_heap_destroy(w->heap);
}

static void start(world *w) {
    w->pauses = npauses(w->heap);
    gc_test_cycle_start(w->mut);
}

/* Exactly n marker steps. */
static void steps(world *w, size_t n, const char *schedule) {
    char name[320];
    snprintf(name, sizeof name, "%s: the marker took %zu steps", schedule, n);
    size_t done = gc_test_mark_steps(w->mut, n);
    CHECK(done == n, name, "it took %zu", done);
}

/* The marker runs until it finds no grey object (the barrier buffers are not in the pool before the
 * remark). */
static void drain(world *w) { gc_test_mark_steps(w->mut, SIZE_MAX); }

static size_t finish(world *w, const char *schedule, char *msg, size_t len) {
    char name[320];
    snprintf(name, sizeof name, "%s: no increment, assist or pause moved the marker", schedule);
    CHECK_U64(name, npauses(w->heap) - w->pauses, 0);
    return gc_test_cycle_finish(w->mut, msg, len);
}

/* The verdict on a schedule in which only the barrier (or the keep-alive, or the root rescan) can
 * keep an object the mutator made reachable: every barrier keeps it; none loses it, and the verifier
 * must report the reachable object the cycle did not mark. Returns whether the object should be
 * intact (the caller then checks it further). */
static bool expect_kept_in(const char *schedule, size_t problems, const char *msg, const char *holder) {
    char name[320];
    if (EXPECT_LOSS) {
        /* holder: the type of object the verifier must find pointing at the unmarked one, where that
         * tells a dangling weak slot from a lost strong reference. */
        snprintf(name, sizeof name, "%s: BARRIER=none loses the object, the verifier reports it%s%s", schedule,
                 holder ? " in a " : "", holder ? holder : "");
        CHECK(problems > 0 && strstr(msg, "not marked live") && (!holder || strstr(msg, holder)), name,
              "the verifier found %s", problems ? msg : "nothing");
        if (problems) printf("# %s: the verifier: %s\n", schedule, msg);
        return false;
    }
    snprintf(name, sizeof name, "%s: BARRIER=" BARRIER_NAME " keeps the object", schedule);
    CHECK(problems == 0, name, "the verifier found %s", msg);
    return problems == 0;
}

static bool expect_kept(const char *schedule, size_t problems, const char *msg) {
    return expect_kept_in(schedule, problems, msg, NULL);
}

/* A schedule no barrier is needed for (nothing the mutator does can hide an object): every variant,
 * none included, must come out clean. */
static void expect_clean(const char *schedule, size_t problems, const char *msg) {
    char name[320];
    snprintf(name, sizeof name, "%s: the verifier finds nothing", schedule);
    CHECK(problems == 0, name, "it found %s", msg);
}

/* ---- 1. a weak get hides its target ----
 * g: [A, H]; H.0 = W, W -> T; T is reachable only through W. The marker drains everything it can
 * reach: A, H and W are black, W's slot is recorded for the end of marking, T is white. */

static gc_obj *weak_world(world *w, const char *schedule) {
    open_world(w);
    gc_obj *t = node(w, "T");
    w->g[1] = node(w, "H");
    gc_write(w->mut, w->g[1], 0, gc_weakref_new(w->mut, t));
    start(w);
    drain(w);
    char name[320];
    gc_obj *wr = gc_read(w->g[1], 0);
    snprintf(name, sizeof name, "%s: the marker traced W and left T white", schedule);
    CHECK(marking_marked(w, wr) && !marking_marked(w, t) && gc_cmark_of(w->heap)->step.weak.n == 1, name,
          "W %s, T %s, %zu weak slots recorded", marking_marked(w, wr) ? "marked" : "white",
          marking_marked(w, t) ? "marked" : "white", gc_cmark_of(w->heap)->step.weak.n);
    return wr;
}

/* 1a. get, store into black A; T had no other strong path. */
static void weak_get_into_black(void) {
    const char *s = "1a weak get stored into a black object";
    world w;
    gc_obj *wr = weak_world(&w, s);
    gc_obj *t = gc_weakref_get(w.mut, wr);
    gc_write(w.mut, w.g[0], 0, t);    /* black A -> white T */
    char msg[256] = "";
    size_t problems = finish(&w, s, msg, sizeof msg);
    if (expect_kept(s, problems, msg)) {
        CHECK(gc_weakref_get(w.mut, wr) == t && tagged(t, "T") && live(&w, t),
              "1a: W is not cleared, its target is marked live and intact", "get %p, target %p (%s)",
              (void *)gc_weakref_get(w.mut, wr), (void *)t, live(&w, t) ? "live" : "unmarked");
    } else {
        /* What none does: the end of marking sees T unmarked and clears W, while A still holds T. */
        CHECK(gc_weakref_get(w.mut, wr) == NULL && gc_read(w.g[0], 0) == t,
              "1a: BARRIER=none clears W while T is strongly reachable", "get %p", (void *)gc_weakref_get(w.mut, wr));
    }
    close_world(&w);
}

/* 1b. get, store into a global root that was NULL at initial mark (root stores have no barrier). */
static void weak_get_into_root(void) {
    const char *s = "1b weak get stored into a global root";
    world w;
    gc_obj *wr = weak_world(&w, s);
    w.g[2] = gc_weakref_get(w.mut, wr);
    gc_obj *t = w.g[2];
    char msg[256] = "";
    size_t problems = finish(&w, s, msg, sizeof msg);
    if (expect_kept(s, problems, msg))
        CHECK(gc_weakref_get(w.mut, wr) == t && tagged(t, "T") && live(&w, t),
              "1b: W is not cleared, its target is marked live and intact", "get %p, target %p", (void *)gc_weakref_get(w.mut, wr),
              (void *)t);
    close_world(&w);
}

/* 1c. get into a handle (a local on the shadow stack), held across the remark. */
static void weak_get_into_handle(void) {
    const char *s = "1c weak get held in a handle";
    world w;
    gc_obj *wr = weak_world(&w, s);
    size_t scope = gc_scope_open(w.mut);
    gc_obj **t = gc_push(w.mut, gc_weakref_get(w.mut, wr));
    char msg[256] = "";
    size_t problems = finish(&w, s, msg, sizeof msg);
    if (expect_kept(s, problems, msg))
        CHECK(gc_weakref_get(w.mut, wr) == *t && tagged(*t, "T") && live(&w, *t),
              "1c: W is not cleared, its target is marked live and intact", "get %p, target %p", (void *)gc_weakref_get(w.mut, wr),
              (void *)*t);
    gc_scope_close(w.mut, scope);
    close_world(&w);
}

/* 1d. get, then the only strong reference the mutator made is overwritten before the remark: T is
 * unreachable at the end, so clearing W now is correct (and keeping T as floating garbage too); what
 * must not happen is a W that still points at T while T is unmarked. gclab.h promises more (an object
 * read through a weak reference while marking runs survives that cycle); what each barrier does is
 * reported on a "# note" line, not checked here. */
static void weak_get_then_dropped(void) {
    const char *s = "1d weak get stored, then dropped before the remark";
    world w;
    gc_obj *wr = weak_world(&w, s);
    gc_obj *t = gc_weakref_get(w.mut, wr);
    gc_write(w.mut, w.g[0], 0, t);
    gc_write(w.mut, w.g[0], 0, NULL);
    char msg[256] = "";
    size_t problems = finish(&w, s, msg, sizeof msg);
    expect_clean(s, problems, msg);
    gc_obj *got = gc_weakref_get(w.mut, wr);
    CHECK(got == NULL || (got == t && live(&w, t)), "1d: W is cleared or its target is live, never dangling",
          "get %p, target %s", (void *)got, live(&w, t) ? "live" : "unmarked");
    printf("# note: 1d (" BARRIER_NAME "): a target read and dropped during marking was %s\n",
           got ? "kept for the cycle" : "cleared in that cycle");
    close_world(&w);
}

/* 1e. get into a handle only, the handle closed before the remark: no store at all, so only a
 * keep-alive on the read itself can keep T (Yuasa's does; Dijkstra and Steele have none). Either
 * outcome is safe; the note says which one this barrier gives. */
static void weak_get_handle_dropped(void) {
    const char *s = "1e weak get held in a handle, dropped before the remark";
    world w;
    gc_obj *wr = weak_world(&w, s);
    size_t scope = gc_scope_open(w.mut);
    gc_obj *t = *gc_push(w.mut, gc_weakref_get(w.mut, wr));
    gc_scope_close(w.mut, scope);
    char msg[256] = "";
    size_t problems = finish(&w, s, msg, sizeof msg);
    expect_clean(s, problems, msg);
    gc_obj *got = gc_weakref_get(w.mut, wr);
    CHECK(got == NULL || (got == t && live(&w, t)), "1e: W is cleared or its target is live, never dangling",
          "get %p, target %s", (void *)got, live(&w, t) ? "live" : "unmarked");
    printf("# note: 1e (" BARRIER_NAME "): a target read (never stored) during marking was %s\n",
           got ? "kept for the cycle" : "cleared in that cycle");
    close_world(&w);
}

/* ---- 2. an ephemeron's value read while its key is white ---- */

/* 2a. g: [A, H]; H.0 = E(K, V); K and V are reachable only through E (K is dead from the start). The
 * marker drains: E is traced with K white (pending) and V is not followed. The mutator reads V and
 * stores it into black A. V is strongly reachable now and must survive; K stays dead, so E is
 * cleared. */
static void eph_value_key_dead(void) {
    const char *s = "2a ephemeron value (key dead) stored into a black object";
    world w;
    open_world(&w);
    gc_obj *k = node(&w, "K"), *v = node(&w, "V");
    w.g[1] = node(&w, "H");
    gc_obj *e = gc_ephemeron_new(w.mut, k, v);
    gc_write(w.mut, w.g[1], 0, e);
    start(&w);
    drain(&w);
    CHECK(gc_cmark_of(w.heap)->step.eph.pending == 1 && !marking_marked(&w, k) && !marking_marked(&w, v),
          "2a: E was traced with its key white, the value not followed", "pending %llu",
          (unsigned long long)gc_cmark_of(w.heap)->step.eph.pending);
    gc_obj *got = gc_ephemeron_value(w.mut, e);
    CHECK(got == v, "2a: the value read is V", "got %p", (void *)got);
    gc_write(w.mut, w.g[0], 0, got);
    char msg[256] = "";
    size_t problems = finish(&w, s, msg, sizeof msg);
    if (expect_kept(s, problems, msg)) {
        CHECK(gc_read(w.g[0], 0) == v && live(&w, v) && tagged(v, "V"), "2a: the value is marked live and intact",
              "A.0 %p, V %s", (void *)gc_read(w.g[0], 0), live(&w, v) ? "live" : "unmarked");
        CHECK(!gc_ephemeron_key(w.mut, e) && !gc_ephemeron_value(w.mut, e) && !live(&w, k),
              "2a: the key died: E is cleared (key and value NULL), K unmarked", "key %p, value %p",
              (void *)gc_ephemeron_key(w.mut, e), (void *)gc_ephemeron_value(w.mut, e));
    }
    close_world(&w);
}

/* 2b. g: [A, X, H]; X.0 = K (the key's only strong path), H.0 = E(K, V). Steps: A, H, E: E pending,
 * X still grey. The mutator reads V into black A, then cuts X.0, so the key dies during marking.
 * Yuasa's snapshot still has K (floating garbage: E is cleared one cycle later); Dijkstra and Steele
 * clear E in this cycle. V must survive both cycles. */
static void eph_value_key_cut(void) {
    const char *s = "2b ephemeron value stored into a black object, key cut during marking";
    world w;
    open_world(&w);
    gc_obj *k = node(&w, "K"), *v = node(&w, "V");
    w.g[1] = node(&w, "X");
    gc_write(w.mut, w.g[1], 0, k);
    w.g[2] = node(&w, "H");
    gc_obj *e = gc_ephemeron_new(w.mut, k, v);
    gc_write(w.mut, w.g[2], 0, e);
    start(&w);
    steps(&w, 3, s);
    CHECK(gc_cmark_of(w.heap)->step.eph.pending == 1 && !marking_marked(&w, k),
          "2b: E was traced with its key white", "pending %llu", (unsigned long long)gc_cmark_of(w.heap)->step.eph.pending);
    gc_write(w.mut, w.g[0], 0, gc_ephemeron_value(w.mut, e));
    gc_write(w.mut, w.g[1], 0, NULL);
    char msg[256] = "";
    size_t problems = finish(&w, s, msg, sizeof msg);
    if (!expect_kept(s, problems, msg)) {
        close_world(&w);
        return;
    }
    CHECK(gc_read(w.g[0], 0) == v && live(&w, v) && tagged(v, "V"), "2b: the value is marked live and intact",
          "V %s", live(&w, v) ? "live" : "unmarked");
#if defined(GCLAB_BARRIER_YUASA)
    CHECK(gc_ephemeron_key(w.mut, e) == k && gc_ephemeron_value(w.mut, e) == v && live(&w, k),
          "2b: yuasa: the key was in the snapshot, E survives this cycle (floating)", "key %p", (void *)gc_ephemeron_key(w.mut, e));
#else
    CHECK(!gc_ephemeron_key(w.mut, e) && !gc_ephemeron_value(w.mut, e),
          "2b: " BARRIER_NAME ": the key died in this cycle, E is cleared", "key %p", (void *)gc_ephemeron_key(w.mut, e));
#endif
    /* The next cycle, with nothing happening during it: E cleared in every variant, V still live. */
    gc_test_cycle_start(w.mut);
    problems = gc_test_cycle_finish(w.mut, msg, sizeof msg);
    CHECK(problems == 0 && !gc_ephemeron_key(w.mut, e) && !gc_ephemeron_value(w.mut, e) && live(&w, v) && tagged(v, "V"),
          "2b: after the next cycle E is cleared and V still live", "problems %zu (%s), key %p", problems, msg,
          (void *)gc_ephemeron_key(w.mut, e));
    close_world(&w);
}

/* ---- 3. no resurrection ----
 * T reachable only through W (and K, V only through E, K dead) at initial mark; the mutator never
 * reads them. After the cycle W and E are cleared and T, K, V unmarked: the sweep takes them. Run
 * with the marker drained before the remark (W and E traced while marking), and with no step at all
 * (the remark traces everything). Nothing here depends on the barrier. */
static void no_resurrection(size_t nsteps) {
    char s[96];
    snprintf(s, sizeof s, "3 no resurrection (%s)", nsteps ? "marker drained" : "no marker step");
    world w;
    open_world(&w);
    gc_obj *t = node(&w, "T"), *k = node(&w, "K"), *v = node(&w, "V");
    w.g[1] = node(&w, "H");
    gc_write(w.mut, w.g[1], 0, gc_weakref_new(w.mut, t));
    gc_write(w.mut, w.g[1], 1, gc_ephemeron_new(w.mut, k, v));
    gc_obj *wr = gc_read(w.g[1], 0), *e = gc_read(w.g[1], 1);
    start(&w);
    if (nsteps) drain(&w);
    /* The mutator works, but not with them: a barriered store elsewhere. */
    gc_write(w.mut, w.g[0], 1, w.g[1]);
    char msg[256] = "";
    size_t problems = finish(&w, s, msg, sizeof msg);
    expect_clean(s, problems, msg);
    char name[160];
    snprintf(name, sizeof name, "%s: W is cleared, get after the remark returns NULL, T unmarked", s);
    CHECK(gc_weakref_get(w.mut, wr) == NULL && !live(&w, t), name, "get %p, T %s", (void *)gc_weakref_get(w.mut, wr),
          live(&w, t) ? "live" : "unmarked");
    snprintf(name, sizeof name, "%s: E is cleared, K and V unmarked", s);
    CHECK(!gc_ephemeron_key(w.mut, e) && !gc_ephemeron_value(w.mut, e) && !live(&w, k) && !live(&w, v), name,
          "key %p, value %p, K %s, V %s", (void *)gc_ephemeron_key(w.mut, e), (void *)gc_ephemeron_value(w.mut, e),
          live(&w, k) ? "live" : "unmarked", live(&w, v) ? "live" : "unmarked");
    close_world(&w);
}

/* ---- 4. weak objects made during marking ----
 * A new object is black and never traced in its cycle, so nothing records its weak slots for the end
 * of marking; if its target dies in that cycle, it would dangle unless the barrier either kept the
 * target (gclab.h: it "survives that cycle") or made the new object traced after all. The verifier
 * checks every weak slot and ephemeron for an unmarked object, so a dangling one is a problem. */

/* 4a. g: [A, X]; X.0 = T. Step: A. The mutator reads T from grey X, makes W = weakref(T), stores W
 * into black A, and cuts X.0: T dies in this cycle (nothing strong reaches it at the remark). */
static void new_weakref_target_dies(void) {
    const char *s = "4a weak reference made during marking, target dies";
    world w;
    open_world(&w);
    w.g[1] = node(&w, "X");
    gc_obj *t = node(&w, "T");
    gc_write(w.mut, w.g[1], 0, t);
    start(&w);
    steps(&w, 1, s);
    size_t scope = gc_scope_open(w.mut);
    gc_obj **wr = gc_push(w.mut, gc_weakref_new(w.mut, gc_read(w.g[1], 0)));
    gc_write(w.mut, w.g[0], 0, *wr);
    gc_scope_close(w.mut, scope);
    gc_write(w.mut, w.g[1], 0, NULL);
    gc_obj *W = gc_read(w.g[0], 0);
    char msg[256] = "";
    size_t problems = finish(&w, s, msg, sizeof msg);
    if (expect_kept_in(s, problems, msg, "WeakRef")) {
        gc_obj *got = gc_weakref_get(w.mut, W);
        CHECK(got == NULL || (got == t && live(&w, t) && tagged(t, "T")),
              "4a: the new W is cleared or its target kept, never dangling", "get %p, T %s", (void *)got,
              live(&w, t) ? "live" : "unmarked");
        printf("# note: 4a (" BARRIER_NAME "): the new weak reference's target was %s\n",
               got ? "kept for the cycle" : "cleared in that cycle");
    }
    close_world(&w);
}

/* 4b. g: [A, H]; H.0 = W0 -> T, T only weakly reachable. Drain (W0 traced, T white). The mutator
 * reads T through W0, makes W = weakref(T), stores W into black A and drops T. W0 and W must agree
 * (gclab.h: every weak reference to an object is cleared in the same pause), and neither dangles. */
static void new_weakref_from_weak_read(void) {
    const char *s = "4b weak reference made during marking to a weakly read target";
    world w;
    gc_obj *w0 = weak_world(&w, s);
    gc_obj *t = gc_read(w0, 0);
    size_t scope = gc_scope_open(w.mut);
    gc_obj **wr = gc_push(w.mut, gc_weakref_new(w.mut, gc_weakref_get(w.mut, w0)));
    gc_write(w.mut, w.g[0], 0, *wr);
    gc_scope_close(w.mut, scope);
    gc_obj *W = gc_read(w.g[0], 0);
    char msg[256] = "";
    size_t problems = finish(&w, s, msg, sizeof msg);
    if (expect_kept_in(s, problems, msg, "WeakRef")) {
        gc_obj *got = gc_weakref_get(w.mut, W), *got0 = gc_weakref_get(w.mut, w0);
        CHECK(got == got0 && (got == NULL || (got == t && live(&w, t) && tagged(t, "T"))),
              "4b: the old and the new weak reference agree, and neither dangles", "new %p, old %p, T %s", (void *)got,
              (void *)got0, live(&w, t) ? "live" : "unmarked");
        printf("# note: 4b (" BARRIER_NAME "): the target was %s\n", got ? "kept for the cycle" : "cleared in that cycle");
    }
    close_world(&w);
}

/* 4c. g: [A, X]; X.0 = K, X.1 = V. Step: A. The mutator makes E = ephemeron(K, V) from grey X's
 * slots, stores E into black A, and cuts both of X's slots: K and V die in this cycle. E must be
 * cleared, or K and V both kept. */
static void new_ephemeron_key_dies(void) {
    const char *s = "4c ephemeron made during marking, key and value die";
    world w;
    open_world(&w);
    w.g[1] = node(&w, "X");
    gc_obj *k = node(&w, "K"), *v = node(&w, "V");
    gc_write(w.mut, w.g[1], 0, k);
    gc_write(w.mut, w.g[1], 1, v);
    start(&w);
    steps(&w, 1, s);
    size_t scope = gc_scope_open(w.mut);
    gc_obj **e = gc_push(w.mut, gc_ephemeron_new(w.mut, gc_read(w.g[1], 0), gc_read(w.g[1], 1)));
    gc_write(w.mut, w.g[0], 0, *e);
    gc_scope_close(w.mut, scope);
    gc_write(w.mut, w.g[1], 0, NULL);
    gc_write(w.mut, w.g[1], 1, NULL);
    gc_obj *E = gc_read(w.g[0], 0);
    char msg[256] = "";
    size_t problems = finish(&w, s, msg, sizeof msg);
    if (expect_kept_in(s, problems, msg, "Ephemeron")) {
        gc_obj *gk = gc_ephemeron_key(w.mut, E), *gv = gc_ephemeron_value(w.mut, E);
        bool cleared = !gk && !gv, kept = gk == k && gv == v && live(&w, k) && live(&w, v);
        CHECK(cleared || kept, "4c: the new E is cleared or its key and value kept, never dangling",
              "key %p, value %p, K %s, V %s", (void *)gk, (void *)gv, live(&w, k) ? "live" : "unmarked",
              live(&w, v) ? "live" : "unmarked");
        printf("# note: 4c (" BARRIER_NAME "): the new ephemeron was %s\n", kept ? "kept for the cycle" : "cleared in that cycle");
    }
    close_world(&w);
}

/* ---- 5. an ephemeron's key marked after the ephemeron was traced (weak.h's pending protocol) ----
 * g: [A, X, H]; X.0 = K (the key's strong path), H.0 = E(K, V), V only through E. Steps: A, H, E:
 * E is pending under K, K white (X grey). Then the key gets marked, each schedule another way, and V
 * must be marked by the end: through the pending table, whoever marked K. */

typedef struct eph_world {
    world w;
    gc_obj *k, *v, *e;
} eph_world;

static void pending_world(eph_world *ew, const char *schedule) {
    world *w = &ew->w;
    open_world(w);
    ew->k = node(w, "K");
    ew->v = node(w, "V");
    w->g[1] = node(w, "X");
    gc_write(w->mut, w->g[1], 0, ew->k);
    w->g[2] = node(w, "H");
    ew->e = gc_ephemeron_new(w->mut, ew->k, ew->v);
    gc_write(w->mut, w->g[2], 0, ew->e);
    start(w);
    steps(w, 3, schedule);
    char name[320];
    snprintf(name, sizeof name, "%s: E is pending, K and V white", schedule);
    gc_cmark *cm = gc_cmark_of(w->heap);
    CHECK(cm->step.eph.pending == 1 && !marking_marked(w, ew->k) && !marking_marked(w, ew->v) &&
              (atomic_load(&ew->k->header) & GC_HDR_EPHKEY),
          name, "pending %llu, K %s, V %s", (unsigned long long)cm->step.eph.pending,
          marking_marked(w, ew->k) ? "marked" : "white", marking_marked(w, ew->v) ? "marked" : "white");
}

static void expect_resolved(eph_world *ew, const char *schedule, gc_obj *value) {
    char name[320];
    snprintf(name, sizeof name, "%s: K and the value are marked live, E holds them", schedule);
    world *w = &ew->w;
    gc_obj *gk = gc_ephemeron_key(w->mut, ew->e), *gv = gc_ephemeron_value(w->mut, ew->e);
    CHECK(gk == ew->k && gv == value && live(w, ew->k) && live(w, value) && tagged(value, value == ew->v ? "V" : "V2"),
          name, "key %p (K %p, %s), value %p (want %p, %s)", (void *)gk, (void *)ew->k, live(w, ew->k) ? "live" : "unmarked",
          (void *)gv, (void *)value, live(w, value) ? "live" : "unmarked");
}

/* 5a. A later marker step: X, then K (whose scan takes E out of the table and shades V), then V. */
static void key_marked_by_step(void) {
    const char *s = "5a key marked by a later marker step";
    eph_world ew;
    pending_world(&ew, s);
    drain(&ew.w);
    gc_cmark *cm = gc_cmark_of(ew.w.heap);
    CHECK(cm->step.eph.resolved == 1 && marking_marked(&ew.w, ew.v), "5a: K's scan resolved E and marked V while marking",
          "resolved %llu, V %s", (unsigned long long)cm->step.eph.resolved, marking_marked(&ew.w, ew.v) ? "marked" : "white");
    char msg[256] = "";
    size_t problems = finish(&ew.w, s, msg, sizeof msg);
    expect_clean(s, problems, msg);
    expect_resolved(&ew, s, ew.v);
    close_world(&ew.w);
}

/* 5b. The barrier: the mutator stores K into black A and cuts X.0. Dijkstra shades K at the store,
 * Yuasa at the overwrite, Steele re-greys A; none marks K nowhere and loses it. */
static void key_marked_by_barrier(void) {
    const char *s = "5b key stored into a black object, its old path overwritten";
    eph_world ew;
    pending_world(&ew, s);
    world *w = &ew.w;
    gc_write(w->mut, w->g[0], 0, gc_read(w->g[1], 0));
#if defined(GCLAB_BARRIER_DIJKSTRA)
    CHECK(marking_marked(w, ew.k), "5b: dijkstra: the store shaded K", "K is white");
#endif
    gc_write(w->mut, w->g[1], 0, NULL);
#if defined(GCLAB_BARRIER_YUASA)
    CHECK(marking_marked(w, ew.k), "5b: yuasa: the overwrite shaded K", "K is white");
#endif
    char msg[256] = "";
    size_t problems = finish(w, s, msg, sizeof msg);
    if (expect_kept(s, problems, msg)) expect_resolved(&ew, s, ew.v);
    close_world(w);
}

/* 5c. The root rescan (Dijkstra, Steele) or the overwrite (Yuasa): K moves into a handle, X.0 is cut. */
static void key_moved_into_root(void) {
    const char *s = "5c key moved into a handle, its heap path overwritten";
    eph_world ew;
    pending_world(&ew, s);
    world *w = &ew.w;
    size_t scope = gc_scope_open(w->mut);
    gc_push(w->mut, gc_read(w->g[1], 0));
    gc_write(w->mut, w->g[1], 0, NULL);
    char msg[256] = "";
    size_t problems = finish(w, s, msg, sizeof msg);
    if (expect_kept(s, problems, msg)) expect_resolved(&ew, s, ew.v);
    gc_scope_close(w->mut, scope);
    close_world(w);
}

/* 5d. The key read out of the ephemeron itself: g: [A, H]; H.0 = E(K, V), K dead at initial mark.
 * Drain (E pending). The mutator reads K from E and stores it into black A: K is now strongly
 * reachable through something other than E, so V must be followed. */
static void key_read_from_ephemeron(void) {
    const char *s = "5d key read out of its ephemeron, stored into a black object";
    eph_world ew;
    world *w = &ew.w;
    open_world(w);
    ew.k = node(w, "K");
    ew.v = node(w, "V");
    w->g[1] = node(w, "H");
    ew.e = gc_ephemeron_new(w->mut, ew.k, ew.v);
    gc_write(w->mut, w->g[1], 0, ew.e);
    start(w);
    drain(w);
    CHECK(gc_cmark_of(w->heap)->step.eph.pending == 1 && !marking_marked(w, ew.k), "5d: E is pending, K white",
          "pending %llu", (unsigned long long)gc_cmark_of(w->heap)->step.eph.pending);
    gc_write(w->mut, w->g[0], 0, gc_ephemeron_key(w->mut, ew.e));
    char msg[256] = "";
    size_t problems = finish(w, s, msg, sizeof msg);
    if (expect_kept(s, problems, msg)) expect_resolved(&ew, s, ew.v);
    close_world(w);
}

/* 5e. The value replaced while E is pending: V2 comes from grey X's slot 1 (cut after), then the
 * marker goes on and K's scan resolves E. The value followed must be the one E holds then (mark.c's
 * resolve reads it again), V2: no barrier is needed for that, none included. */
static void value_replaced_while_pending(void) {
    const char *s = "5e value replaced while the ephemeron is pending";
    eph_world ew;
    world *w = &ew.w;
    open_world(w);
    ew.k = node(w, "K");
    ew.v = node(w, "V");
    gc_obj *v2 = node(w, "V2");
    w->g[1] = node(w, "X");
    gc_write(w->mut, w->g[1], 0, ew.k);
    gc_write(w->mut, w->g[1], 1, v2);
    w->g[2] = node(w, "H");
    ew.e = gc_ephemeron_new(w->mut, ew.k, ew.v);
    gc_write(w->mut, w->g[2], 0, ew.e);
    start(w);
    steps(w, 3, s);
    CHECK(gc_cmark_of(w->heap)->step.eph.pending == 1 && !marking_marked(w, ew.k), "5e: E is pending, K white",
          "pending %llu", (unsigned long long)gc_cmark_of(w->heap)->step.eph.pending);
    gc_ephemeron_set_value(w->mut, ew.e, gc_read(w->g[1], 1));
    gc_write(w->mut, w->g[1], 1, NULL);
    drain(w);
    char msg[256] = "";
    size_t problems = finish(w, s, msg, sizeof msg);
    expect_clean(s, problems, msg);
    expect_resolved(&ew, s, v2);
    close_world(w);
}

int main(void) {
    printf("# barrier: %s, collector: %s\n", BARRIER_NAME, gc_collector_name());
    weak_get_into_black();
    weak_get_into_root();
    weak_get_into_handle();
    weak_get_then_dropped();
    weak_get_handle_dropped();
    eph_value_key_dead();
    eph_value_key_cut();
    no_resurrection(SIZE_MAX);
    no_resurrection(0);
    new_weakref_target_dies();
    new_weakref_from_weak_read();
    new_ephemeron_key_dies();
    key_marked_by_step();
    key_marked_by_barrier();
    key_moved_into_root();
    key_read_from_ephemeron();
    value_replaced_while_pending();
    printf("barrier_weak_read: %u checks, %u failed\n", checks, failed);
    return failed != 0;
}
