/* test_weak: weak references, ephemerons and finalization registries (gclab.h's semantics), on every
 * precise collector, each check with the heap verifier on (which also checks that no weak slot or
 * ephemeron points at a dead object) and again in stress mode.
 *
 * Objects are found again through handles and checked by an id in their raw bytes, so a moving
 * collector that forgot to update a weak slot shows up as a wrong id or a verifier failure. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "gclab.h"
#include "check.h"

/* The generational collector's scavenge-only entry point; NULL elsewhere (then gc_collect). */
void gc_gen_scavenge(gc_mut *mut) __attribute__((weak));

static gc_type t_node;
static bool stress_mode;

static gc_heap *make(const char *what) {
    char err[256] = "";
    gc_options o = {.max_heap = 256u << 20, .verify = true, .on_fatal = check_fatal, .ctx = (void *)what,
                    .stress_every = stress_mode ? 37 : 0, .gc_threads = 2};
    gc_heap *h = gc_heap_create(&o, err, sizeof err);
    if (!h) {
        printf("FAIL - %s: gc_heap_create: %s\n", what, err);
        exit(1);
    }
    t_node = gc_register_type(h, "node");
    return h;
}

static gc_obj *node(gc_mut *mut, uint64_t id) {
    gc_obj *o = gc_alloc(mut, t_node, 2, sizeof id);
    memcpy(gc_raw(o), &id, sizeof id);
    return o;
}

static uint64_t id_of(gc_obj *o) {
    uint64_t id;
    memcpy(&id, gc_raw(o), sizeof id);
    return id;
}

/* Sums a figure over the pauses recorded since `from`. */
#define SUM_SINCE(h, from, field)                                                                  \
    ({                                                                                             \
        size_t n_;                                                                                 \
        const gc_pause *p_ = gc_pause_log((h), &n_);                                               \
        uint64_t s_ = 0;                                                                           \
        for (size_t i_ = (from); i_ < n_; i_++) s_ += p_[i_].field;                                \
        s_;                                                                                        \
    })

static size_t npauses(gc_heap *h) {
    size_t n;
    gc_pause_log(h, &n);
    return n;
}

/* ---- weak references ---- */

static void weakref_basic(void) {
    gc_heap *h = make("weakref");
    gc_mut *m = gc_attach(h);
    size_t sc = gc_scope_open(m);
    gc_obj **t = gc_push(m, node(m, 7));
    gc_obj **w = gc_push(m, gc_weakref_new(m, *t));
    gc_obj **wnull = gc_push(m, gc_weakref_new(m, NULL));
    gc_collect(m);
    gc_obj *got = gc_weakref_get(m, *w);
    CHECK(got == *t && id_of(got) == 7, "weakref: get returns the live target", "got %p, target %p", (void *)got, (void *)*t);
    CHECK(gc_typeof(*w) == 1 && strcmp(gc_type_name(h, gc_typeof(*w)), "WeakRef") == 0, "weakref: built-in type",
          "type %u %s", gc_typeof(*w), gc_type_name(h, gc_typeof(*w)));
    size_t p0 = npauses(h);
    *t = NULL;
    gc_collect(m);
    CHECK(gc_weakref_get(m, *w) == NULL, "weakref: cleared once the target dies", "still %p", (void *)gc_weakref_get(m, *w));
    CHECK(SUM_SINCE(h, p0, weak_cleared) >= 1, "weakref: the pause counts it cleared", "weak_cleared %llu",
          (unsigned long long)SUM_SINCE(h, p0, weak_cleared));
    CHECK(gc_weakref_get(m, *wnull) == NULL, "weakref: to NULL stays NULL", "%p", (void *)gc_weakref_get(m, *wnull));
    /* Many weak references to one object, and a weak reference to a weak reference. */
    *t = node(m, 8);
    gc_obj **ws = gc_push(m, gc_alloc(m, t_node, 64, 0));
    for (int i = 0; i < 64; i++) gc_write(m, *ws, i, gc_weakref_new(m, *t));
    gc_obj **ww = gc_push(m, gc_weakref_new(m, gc_read(*ws, 0)));
    gc_collect(m);
    int live = 0;
    for (int i = 0; i < 64; i++) live += gc_weakref_get(m, gc_read(*ws, i)) == *t;
    CHECK(live == 64 && gc_weakref_get(m, *ww) == gc_read(*ws, 0), "weakref: 64 to one live object", "%d live", live);
    *t = NULL;
    gc_write(m, *ws, 0, NULL);
    gc_collect(m);
    int cleared = 0;
    for (int i = 1; i < 64; i++) cleared += gc_weakref_get(m, gc_read(*ws, i)) == NULL;
    CHECK(cleared == 63 && gc_weakref_get(m, *ww) == NULL, "weakref: all cleared in one cycle, and a weak ref to a dead weak ref",
          "%d cleared", cleared);
    gc_scope_close(m, sc);
    gc_detach(m);
    gc_heap_destroy(h);
}

/* ---- ephemerons ---- */

static void ephemeron_self(void) {
    gc_heap *h = make("ephemeron self");
    gc_mut *m = gc_attach(h);
    size_t sc = gc_scope_open(m);
    gc_obj **k = gc_push(m, node(m, 1));
    gc_obj **v = gc_push(m, node(m, 2));
    gc_write(m, *v, 0, *k);   /* the value reaches the key */
    gc_obj **e = gc_push(m, gc_ephemeron_new(m, *k, *v));
    gc_collect(m);
    CHECK(gc_ephemeron_key(m, *e) == *k && gc_ephemeron_value(m, *e) == *v, "ephemeron: live key keeps its value",
          "key %p value %p", (void *)gc_ephemeron_key(m, *e), (void *)gc_ephemeron_value(m, *e));
    *k = *v = NULL;
    size_t p0 = npauses(h);
    gc_collect(m);
    CHECK(gc_ephemeron_key(m, *e) == NULL && gc_ephemeron_value(m, *e) == NULL,
          "ephemeron: a key reachable only through its own value dies", "key %p value %p",
          (void *)gc_ephemeron_key(m, *e), (void *)gc_ephemeron_value(m, *e));
    CHECK(SUM_SINCE(h, p0, eph_cleared) >= 1, "ephemeron: the pause counts it cleared", "%llu",
          (unsigned long long)SUM_SINCE(h, p0, eph_cleared));
    gc_ephemeron_set_value(m, *e, *e);
    CHECK(gc_ephemeron_value(m, *e) == NULL, "ephemeron: set_value on a cleared one does nothing", "%p",
          (void *)gc_ephemeron_value(m, *e));
    /* set_value: the old value dies, the new one lives. */
    *k = node(m, 3);
    *e = gc_ephemeron_new(m, *k, node(m, 4));
    gc_obj **old = gc_push(m, gc_weakref_new(m, gc_ephemeron_value(m, *e)));
    gc_ephemeron_set_value(m, *e, node(m, 5));
    gc_collect(m);
    gc_obj *nv = gc_ephemeron_value(m, *e);
    CHECK(nv && id_of(nv) == 5 && gc_weakref_get(m, *old) == NULL, "ephemeron: set_value replaces the value",
          "value id %llu, old %p", nv ? (unsigned long long)id_of(nv) : 0ull, (void *)gc_weakref_get(m, *old));
    gc_scope_close(m, sc);
    gc_detach(m);
    gc_heap_destroy(h);
}

/* A chain: e[i] maps key[i] to value[i], and value[i] holds key[i+1]; only key[0] is held. The
 * ephemerons sit in an array in chain order or reversed (the order in which marking meets them). */
static void ephemeron_chain(size_t k, bool reversed, bool check_counts) {
    char name[96];
    snprintf(name, sizeof name, "ephemeron chain of %zu, %s", k, reversed ? "reversed" : "in order");
    gc_heap *h = make(name);
    gc_mut *m = gc_attach(h);
    size_t sc = gc_scope_open(m);
    gc_obj **arr = gc_push(m, gc_alloc(m, t_node, (uint32_t)k, 0));
    gc_obj **first = gc_push(m, node(m, 0));
    gc_obj **key = gc_push(m, *first);
    for (size_t i = 0; i < k; i++) {
        size_t inner = gc_scope_open(m);
        gc_obj **val = gc_push(m, node(m, i + 1));
        gc_obj *e = gc_ephemeron_new(m, *key, *val);
        gc_write(m, *arr, reversed ? k - 1 - i : i, e);
        if (i + 1 < k) {
            gc_obj *next = node(m, 1000000 + i + 1);
            gc_write(m, *val, 0, next);
            *key = next;
        }
        gc_scope_close(m, inner);
    }
    *key = NULL;
    size_t p0 = npauses(h);
    gc_collect(m);
    size_t bad = 0;
    for (size_t i = 0; i < k; i++) {
        gc_obj *e = gc_read(*arr, reversed ? k - 1 - i : i);
        gc_obj *v = gc_ephemeron_value(m, e);
        if (!v || id_of(v) != i + 1 || !gc_ephemeron_key(m, e)) bad++;
    }
    snprintf(name, sizeof name, "ephemeron: chain of %zu (%s) all live", k, reversed ? "reversed" : "in order");
    CHECK(bad == 0, name, "%zu of %zu entries lost", bad, k);
    if (check_counts) {
        uint64_t pending = SUM_SINCE(h, p0, eph_pending), resolved = SUM_SINCE(h, p0, eph_resolved);
        snprintf(name, sizeof name, "ephemeron: chain of %zu (%s) resolved in marking", k, reversed ? "reversed" : "in order");
        /* One pass per tracing phase: a generational full cycle has two (its mark, then its scavenge). */
        CHECK(pending == resolved && SUM_SINCE(h, p0, eph_cleared) == 0 && SUM_SINCE(h, p0, eph_rounds) <= 2 * (npauses(h) - p0),
              name, "pending %llu resolved %llu cleared %llu", (unsigned long long)pending, (unsigned long long)resolved,
              (unsigned long long)SUM_SINCE(h, p0, eph_cleared));
    }
    *first = NULL;
    gc_collect(m);
    size_t left = 0;
    for (size_t i = 0; i < k; i++) left += gc_ephemeron_key(m, gc_read(*arr, i)) != NULL || gc_ephemeron_value(m, gc_read(*arr, i)) != NULL;
    snprintf(name, sizeof name, "ephemeron: chain of %zu (%s) all cleared with its head", k, reversed ? "reversed" : "in order");
    CHECK(left == 0, name, "%zu of %zu left", left, k);
    gc_scope_close(m, sc);
    gc_detach(m);
    gc_heap_destroy(h);
}

/* ---- finalization ---- */

typedef struct fin_log {
    uint64_t ids[64];
    unsigned n;
    gc_obj *weak;                   /* a weak reference to the object whose cleanup runs (a global root) */
    bool weak_was_clear;
    pthread_t thread;
    bool same_thread;
} fin_log;

static void cleanup(gc_mut *mut, gc_obj *held, void *ctx) {
    fin_log *l = ctx;
    if (l->n < 64) l->ids[l->n] = held ? id_of(held) : 0;
    l->n++;
    if (l->weak) l->weak_was_clear = gc_weakref_get(mut, l->weak) == NULL;
    l->same_thread = pthread_equal(pthread_self(), l->thread);
}

static void finalizers(void) {
    gc_heap *h = make("finalizers");
    gc_mut *m = gc_attach(h);
    fin_log log = {.thread = pthread_self()};
    gc_add_root(h, &log.weak);
    gc_registry *r = gc_registry_new(h, cleanup, &log);
    size_t sc = gc_scope_open(m);

    /* Weak references are cleared before a cleanup runs; the cleanup runs once, here, with held. */
    gc_obj **t = gc_push(m, node(m, 10));
    log.weak = gc_weakref_new(m, *t);
    gc_finalizer_register(m, r, *t, node(m, 11), NULL);
    gc_collect(m);
    CHECK(gc_run_finalizers(m) == 0 && log.n == 0, "finalizer: none for a live object", "%u ran", log.n);
    *t = NULL;
    size_t p0 = npauses(h);
    gc_collect(m);
    CHECK(gc_finalizers_pending(h) == 1 && SUM_SINCE(h, p0, fin_queued) == 1, "finalizer: queued by the cycle",
          "pending %zu, queued %llu", gc_finalizers_pending(h), (unsigned long long)SUM_SINCE(h, p0, fin_queued));
    CHECK(log.n == 0, "finalizer: not run inside the cycle", "%u ran", log.n);
    size_t ran = gc_run_finalizers(m);
    CHECK(ran == 1 && log.n == 1 && log.ids[0] == 11, "finalizer: cleanup runs once with its held value",
          "ran %zu, n %u, id %llu", ran, log.n, (unsigned long long)log.ids[0]);
    CHECK(log.weak_was_clear && log.same_thread, "finalizer: weak refs cleared before it, on the calling thread",
          "weak clear %d same thread %d", log.weak_was_clear, log.same_thread);
    gc_collect(m);
    CHECK(gc_run_finalizers(m) == 0 && log.n == 1, "finalizer: never twice", "%u ran", log.n);
    log.weak = NULL;

    /* A held value that reaches its target keeps it alive: the cleanup never runs. */
    log.n = 0;
    *t = node(m, 20);
    gc_obj **held = gc_push(m, node(m, 21));
    gc_write(m, *held, 0, *t);
    gc_obj **w = gc_push(m, gc_weakref_new(m, *t));
    gc_finalizer_register(m, r, *t, *held, NULL);
    *t = *held = NULL;
    gc_collect(m);
    gc_collect(m);
    CHECK(gc_run_finalizers(m) == 0 && gc_weakref_get(m, *w) != NULL, "finalizer: a held value reaching the target keeps it",
          "%u ran, target %p", log.n, (void *)gc_weakref_get(m, *w));

    /* A cycle of finalizable objects: every cleanup runs. */
    log.n = 0;
    gc_obj **a = gc_push(m, node(m, 30));
    gc_obj **b = gc_push(m, node(m, 31));
    gc_write(m, *a, 0, *b);
    gc_write(m, *b, 0, *a);
    gc_finalizer_register(m, r, *a, node(m, 32), NULL);
    gc_finalizer_register(m, r, *b, node(m, 33), NULL);
    gc_finalizer_register(m, r, *a, node(m, 34), NULL);   /* twice the same object */
    *a = *b = NULL;
    gc_collect(m);
    ran = gc_run_finalizers(m);
    uint64_t sum = 0;
    for (unsigned i = 0; i < log.n && i < 64; i++) sum += log.ids[i];
    CHECK(ran == 3 && sum == 32 + 33 + 34, "finalizer: a dead cycle gets every cleanup", "ran %zu, id sum %llu", ran,
          (unsigned long long)sum);

    /* Unregister: before the target dies, and after (queued, not yet run). */
    log.n = 0;
    gc_obj **tok = gc_push(m, node(m, 40));
    *a = node(m, 41);
    *b = node(m, 42);
    gc_finalizer_register(m, r, *a, node(m, 43), *tok);
    gc_finalizer_register(m, r, *b, node(m, 44), *tok);
    gc_finalizer_register(m, r, *b, node(m, 45), NULL);
    CHECK(gc_finalizer_unregister(m, r, *a) == 0, "finalizer: unregister by a token never used", "cancelled some");
    *a = NULL;
    gc_collect(m);
    CHECK(gc_finalizers_pending(h) == 1, "finalizer: one queued", "pending %zu", gc_finalizers_pending(h));
    size_t cancelled = gc_finalizer_unregister(m, r, *tok);
    CHECK(cancelled == 2 && gc_finalizers_pending(h) == 0, "finalizer: unregister cancels queued and waiting cells",
          "cancelled %zu pending %zu", cancelled, gc_finalizers_pending(h));
    *b = NULL;
    gc_collect(m);
    ran = gc_run_finalizers(m);
    CHECK(ran == 1 && log.ids[0] == 45, "finalizer: only the cell without the token runs", "ran %zu id %llu", ran,
          (unsigned long long)log.ids[0]);

    /* The token is held weakly: a dead token is cleared, and its cells stay registered. */
    log.n = 0;
    *a = node(m, 50);
    *tok = node(m, 51);
    gc_finalizer_register(m, r, *a, node(m, 52), *tok);
    *tok = NULL;
    gc_collect(m);
    *a = NULL;
    gc_collect(m);
    ran = gc_run_finalizers(m);
    CHECK(ran == 1 && log.ids[0] == 52, "finalizer: a dead token leaves its cell registered", "ran %zu", ran);

    /* Freeing a registry drops its queued cells. */
    fin_log log2 = {.thread = pthread_self()};
    gc_registry *r2 = gc_registry_new(h, cleanup, &log2);
    *a = node(m, 60);
    gc_finalizer_register(m, r2, *a, node(m, 61), NULL);
    *a = NULL;
    gc_collect(m);
    gc_registry_free(m, r2);
    ran = gc_run_finalizers(m);
    CHECK(ran == 0 && log2.n == 0 && gc_finalizers_pending(h) == 0, "finalizer: a freed registry runs nothing", "ran %zu", ran);

    gc_scope_close(m, sc);
    gc_remove_root(h, &log.weak);
    gc_detach(m);
    gc_heap_destroy(h);
}

/* ---- the young generation (a scavenge where there is one, else a full collection) ---- */

static void minor(gc_mut *m) {
    if (gc_gen_scavenge) gc_gen_scavenge(m);
    else gc_collect(m);
}

static void nursery(void) {
    gc_heap *h = make("nursery");
    gc_mut *m = gc_attach(h);
    size_t sc = gc_scope_open(m);
    gc_obj **t = gc_push(m, node(m, 70));
    gc_obj **w = gc_push(m, gc_weakref_new(m, *t));
    gc_obj **k = gc_push(m, node(m, 71));
    gc_obj **e = gc_push(m, gc_ephemeron_new(m, *k, node(m, 72)));
    gc_obj **kd = gc_push(m, node(m, 73));
    gc_obj **ed = gc_push(m, gc_ephemeron_new(m, *kd, node(m, 74)));
    gc_obj **td = gc_push(m, node(m, 75));
    gc_obj **wd = gc_push(m, gc_weakref_new(m, *td));
    *kd = *td = NULL;
    bool ok = true;
    for (int i = 0; i < 4 && ok; i++) {   /* young, survivor, promoted, old */
        minor(m);
        gc_obj *g = gc_weakref_get(m, *w), *v = gc_ephemeron_value(m, *e);
        ok = g == *t && id_of(g) == 70 && gc_ephemeron_key(m, *e) == *k && v && id_of(v) == 72;
    }
    CHECK(ok, "nursery: weak slots follow their targets across scavenges", "target %p, key %p", (void *)gc_weakref_get(m, *w),
          (void *)gc_ephemeron_key(m, *e));
    CHECK(gc_weakref_get(m, *wd) == NULL && gc_ephemeron_key(m, *ed) == NULL && gc_ephemeron_value(m, *ed) == NULL,
          "nursery: a scavenge clears what died young", "weak %p key %p", (void *)gc_weakref_get(m, *wd),
          (void *)gc_ephemeron_key(m, *ed));
    /* Now *e and *w are old: a young value under an old key, a young target of an old weak reference. */
    gc_ephemeron_set_value(m, *e, node(m, 76));
    *t = node(m, 77);
    gc_obj **w2 = gc_push(m, gc_weakref_new(m, *t));
    minor(m);
    gc_obj *v = gc_ephemeron_value(m, *e);
    CHECK(v && id_of(v) == 76 && gc_weakref_get(m, *w2) == *t && id_of(*t) == 77,
          "nursery: an old ephemeron's young value survives a scavenge", "value %p", (void *)v);
    *k = NULL;
    gc_collect(m);
    CHECK(gc_ephemeron_value(m, *e) == NULL, "nursery: ... and dies with its old key", "%p", (void *)gc_ephemeron_value(m, *e));
    /* An old weak reference to a young object that dies young. */
    gc_obj **old_w = gc_push(m, gc_weakref_new(m, NULL));
    for (int i = 0; i < 3; i++) minor(m);
    gc_obj *young = node(m, 78);
    *old_w = gc_weakref_new(m, young);
    gc_obj **keep = gc_push(m, young);
    minor(m);
    CHECK(gc_weakref_get(m, *old_w) == *keep, "nursery: weak ref to a young object, kept", "%p", (void *)gc_weakref_get(m, *old_w));
    *keep = NULL;
    minor(m);
    CHECK(gc_weakref_get(m, *old_w) == NULL, "nursery: ... and cleared by a scavenge", "%p", (void *)gc_weakref_get(m, *old_w));
    /* A finalization cell whose target dies young. */
    fin_log log = {.thread = pthread_self()};
    gc_registry *r = gc_registry_new(h, cleanup, &log);
    gc_finalizer_register(m, r, node(m, 79), node(m, 80), NULL);
    minor(m);
    size_t ran = gc_run_finalizers(m);
    CHECK(ran == 1 && log.ids[0] == 80, "nursery: a cell whose target dies young is queued by the scavenge", "ran %zu", ran);
    gc_scope_close(m, sc);
    gc_detach(m);
    gc_heap_destroy(h);
}

/* ---- threads: weak references read while others collect ---- */

typedef struct tctx {
    gc_heap *h;
    unsigned seed;
    unsigned long bad;
} tctx;

static void *churn(void *arg) {
    tctx *c = arg;
    gc_mut *m = gc_attach(c->h);
    size_t sc = gc_scope_open(m);
    gc_obj **held = gc_push(m, gc_alloc(m, t_node, 32, 0));
    gc_obj **refs = gc_push(m, gc_alloc(m, t_node, 32, 0));
    gc_obj **ephs = gc_push(m, gc_alloc(m, t_node, 32, 0));
    unsigned s = c->seed;
    for (unsigned i = 0; i < 20000; i++) {
        s = s * 1103515245u + 12345u;
        unsigned j = (s >> 8) % 32;
        switch ((s >> 16) % 4) {
        case 0: {   /* a new held object, its weak reference and an ephemeron keyed by it */
            size_t inner = gc_scope_open(m);
            gc_obj **o = gc_push(m, node(m, (uint64_t)c->seed << 32 | i));
            gc_write(m, *held, j, *o);
            gc_write(m, *refs, j, gc_weakref_new(m, *o));
            gc_write(m, *ephs, j, gc_ephemeron_new(m, *o, node(m, ~((uint64_t)c->seed << 32 | i))));
            gc_scope_close(m, inner);
            break;
        }
        case 1:     /* drop the object: its weak reference may clear from now on */
            gc_write(m, *held, j, NULL);
            break;
        default: {  /* a held object's weak reference and ephemeron must still answer */
            gc_obj *o = gc_read(*held, j);
            gc_obj *r = gc_read(*refs, j), *e = gc_read(*ephs, j);
            if (!o || !r) break;
            gc_obj *got = gc_weakref_get(m, r), *v = gc_ephemeron_value(m, e);
            if (got != o || gc_ephemeron_key(m, e) != o || !v || id_of(v) != ~id_of(o)) c->bad++;
        }
        }
    }
    gc_scope_close(m, sc);
    gc_detach(m);
    return NULL;
}

static void threads(void) {
    gc_heap *h = make("threads");
    tctx c[3];
    pthread_t th[3];
    for (unsigned i = 0; i < 3; i++) {
        c[i] = (tctx){.h = h, .seed = i + 1};
        pthread_create(&th[i], NULL, churn, &c[i]);
    }
    unsigned long bad = 0;
    for (unsigned i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        bad += c[i].bad;
    }
    CHECK(bad == 0, "threads: a held object's weak reference and ephemeron always answer", "%lu wrong answers", bad);
    gc_heap_destroy(h);
}

/* ---- bad input ---- */

static void fatal_exit(void *ctx, const char *msg) {
    (void)ctx;
    printf("%s\n", msg);
    fflush(stdout);
    _exit(3);
}

static void bad_input(void) {
    int fd[2];
    if (pipe(fd)) return;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd[1], 1);
        char err[256];
        gc_options o = {.max_heap = 64u << 20, .on_fatal = fatal_exit};
        gc_heap *h = gc_heap_create(&o, err, sizeof err);
        gc_type t = gc_register_type(h, "node");
        gc_mut *m = gc_attach(h);
        gc_weakref_get(m, gc_alloc(m, t, 1, 0));
        _exit(0);
    }
    close(fd[1]);
    char buf[512] = "";
    size_t n = 0;
    for (ssize_t r; n < sizeof buf - 1 && (r = read(fd[0], buf + n, sizeof buf - 1 - n)) > 0;) n += (size_t)r;
    close(fd[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    buf[n] = 0;
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3 && strstr(buf, "not a WeakRef"), "bad input: get on a non-WeakRef is fatal",
          "status %d, message '%s'", st, buf);
}

int main(void) {
    for (int pass = 0; pass < 2; pass++) {
        stress_mode = pass == 1;
        printf("# %s\n", stress_mode ? "stress mode (--stress-every 37)" : "verifier on");
        weakref_basic();
        ephemeron_self();
        ephemeron_chain(100, false, !stress_mode);
        ephemeron_chain(100, true, !stress_mode);
        if (!stress_mode) {   /* stress mode verifies the whole heap every 37 allocations */
            ephemeron_chain(100000, false, true);
            ephemeron_chain(100000, true, true);
        }
        finalizers();
        nursery();
        threads();
    }
    bad_input();
    printf("test_weak: %u checks, %u failed\n", checks, failed);
    return failed ? 1 : 0;
}
