/* finalizers: objects registered in finalization registries, some kept, some dropped, some
 * unregistered; every cleanup counted against a model (docs/DESIGN.md §5).
 *
 * Each thread, per round, makes --objects targets, each with a weak reference to it and a registered
 * cell whose held value is a distinct object naming (thread, round, index). A target is one of:
 *   - dropped (--drop-percent): let go at once, registered with itself as the token (a token is held
 *     weakly, so this must not keep it alive);
 *   - unregistered (--unregister-percent): registered in groups of up to UNREG_GROUP under one token
 *     the thread holds; gc_finalizer_unregister(token) must cancel exactly the group, a second call
 *     none; then let go;
 *   - self-kept (one in SELF_EVERY): its held value points at it, so the registry keeps it alive and
 *     its cleanup never runs (nothing is resurrected); let go;
 *   - kept: held in an array until the second half of the round, registered with a token that dies
 *     at once (the cell can no longer be unregistered, and must still be cleaned up).
 * Phase A: gc_collect, gc_run_finalizers; then every dropped target's cleanup has run exactly once
 * with its own held value, no other has, nothing is pending, and the weak references say the same
 * (dropped and unregistered: cleared; kept and self-kept: alive). Phase B lets the kept targets go and
 * checks again: their cleanups ran once more each, no other. Each cleanup also checks, when it runs,
 * that its target's weak reference is already cleared and that it is the first for its held value.
 * With one registry per thread (--shared 0) each round ends with gc_registry_free, after which the
 * self-kept targets die (after a gc_collect their weak references are cleared) with no cleanup;
 * with --shared 1 all threads register into one registry, freed at the end.
 * Threads meet at barriers around each collect-and-run, so whichever thread runs a cleanup, every
 * cleanup queued by the collections has run before anyone checks.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"
#include "wl_fail.h"
#include "wl_gate.h"
#include "wl_rand.h"
#include "wl_size.h"

enum { P_OBJECTS, P_ROUNDS, P_DROP, P_UNREG, P_SHARED, P_COUNT };

static const wl_param params[] = {
    [P_OBJECTS] = {"objects", "targets registered per thread and round", 20000, 1, 1 << 22},
    [P_ROUNDS] = {"rounds", "rounds per thread", 10, 1, 1000000},
    [P_DROP] = {"drop-percent", "targets dropped in the first half of a round", 40, 0, 100},
    [P_UNREG] = {"unregister-percent", "targets unregistered, then dropped", 20, 0, 100},
    [P_SHARED] = {"shared", "1: one registry for every thread; 0: one per thread and round", 0, 0, 1},
};

#define UNREG_GROUP 4   /* targets sharing an unregister token */
#define SELF_EVERY 50   /* one target in this many is kept alive by its own held value */
#define HELD_MAGIC 0x68656c64u

typedef enum { KEPT, DROPPED, UNREGISTERED, SELF_KEPT } category;

typedef struct held_data {
    uint32_t magic, thread;
    uint64_t round;
    uint32_t index, pad;
} held_data;

typedef struct shared shared;

typedef struct retained_target {
    int64_t round;
    uint32_t index;
    bool cleaned;
} retained_target;

typedef struct worker {
    shared *sh;
    unsigned index;
    pthread_t thread;
    gc_obj *wrefs;                /* global root: this round's weak references, by index */
    _Atomic int64_t round;        /* read by cleanups running on other threads */
    uint8_t *cat;                 /* this round's category of each target */
    _Atomic uint32_t *runs;       /* cleanups run for each target this round */
    uint32_t *group_size;         /* targets under each unregister token this round */
    _Atomic bool phase_b;         /* kept targets have been let go */
    uint64_t ops;                 /* targets registered */
    /* Conservative collectors: targets let go and found alive at their round's last check. Written
     * in checks, read by cleanups: never at once, the meetings keep them apart. */
    retained_target *retained;
    size_t nretained, cap_retained;
} worker;

struct shared {
    gc_heap *heap;
    gc_type t_target, t_held, t_token, t_array;
    uint32_t objects;
    int64_t rounds, drop, unreg;
    bool one_registry;
    /* libgc (bdw) scans stacks and registers conservatively: a stale word may keep a dead target
     * alive for any number of cycles, and that is no bug. There a target that should have died may
     * instead be found wholly alive (weak reference set, no cleanup run); what must live, and
     * "exactly once", stay exact; and some target of each batch must die. */
    bool conservative;
    size_t pending;               /* cleanups queued after a run (written by worker 0 between meetings) */
    gc_registry *registry;        /* --shared 1 */
    unsigned nthreads;
    worker *workers;
    wl_meeting meeting;
    wl_gate gate;
    atomic_int stop;
    _Atomic uint64_t cleanups;
    wl_failure failure;
};

static const char *const cat_name[] = {"kept", "dropped", "unregistered", "self-kept"};

static void cleanup(gc_mut *mut, gc_obj *held, void *ctx) {
    shared *sh = ctx;
    atomic_fetch_add(&sh->cleanups, 1);
    held_data d;
    if (!held || gc_nbytes(held) < sizeof d) {
        wl_fail(&sh->failure, "a cleanup received a held value that is not one");
        return;
    }
    memcpy(&d, gc_raw(held), sizeof d);
    if (d.magic != HELD_MAGIC || d.thread >= sh->nthreads || d.index >= sh->objects) {
        wl_fail(&sh->failure, "a cleanup received a held value with a bad magic, thread or index");
        return;
    }
    worker *w = &sh->workers[d.thread];
    int64_t now = atomic_load(&w->round);
    if ((int64_t)d.round != now && sh->conservative) {
        for (size_t k = 0; k < w->nretained; k++) {
            retained_target *r = &w->retained[k];
            if (r->round != (int64_t)d.round || r->index != d.index) continue;
            if (r->cleaned)
                wl_fail(&sh->failure, "thread %u: the cleanup of target %u of round %llu ran twice", d.thread, d.index,
                        (unsigned long long)d.round);
            r->cleaned = true;
            return;
        }
    }
    if ((int64_t)d.round != now) {
        wl_fail(&sh->failure, "the cleanup of thread %u's target %u of round %llu ran in its round %lld", d.thread,
                d.index, (unsigned long long)d.round, (long long)now);
        return;
    }
    category c = (category)w->cat[d.index];
    bool phase_b = atomic_load(&w->phase_b);
    if (!(c == DROPPED || (c == KEPT && phase_b))) {
        wl_fail(&sh->failure, "thread %u, round %lld: target %u is %s%s, yet its cleanup ran", d.thread, (long long)now,
                d.index, cat_name[c], c == KEPT ? " (still held)" : "");
        return;
    }
    if (atomic_fetch_add(&w->runs[d.index], 1) != 0) {
        wl_fail(&sh->failure, "thread %u, round %lld: the cleanup of target %u ran twice", d.thread, (long long)now,
                d.index);
        return;
    }
    /* The target's weak references are cleared in the pause that queued this cleanup. */
    gc_obj *ref = gc_read(w->wrefs, d.index);
    if (gc_weakref_get(mut, ref)) {
        wl_fail(&sh->failure, "thread %u, round %lld: target %u's cleanup runs while its weak reference still gives it",
                d.thread, (long long)now, d.index);
        return;
    }
    /* Some cleanups allocate: a collection may then run in the middle of gc_run_finalizers. */
    if (d.index % 16 == 0) {
        gc_obj *scratch = gc_alloc(mut, sh->t_token, 0, 64);
        memset(gc_raw(scratch), 0x5a, 64);
    }
}

/* Records a target that outlived its round only through a stale word (conservative collectors): its
 * cleanup may still run in a later round, once. */
static bool note_retained(worker *w, int64_t round, uint32_t index) {
    if (w->nretained == w->cap_retained) {
        size_t cap = w->cap_retained ? 2 * w->cap_retained : 64;
        retained_target *r = realloc(w->retained, cap * sizeof *r);
        if (!r) {
            wl_fail(&w->sh->failure, "out of memory noting retained targets");
            return false;
        }
        w->retained = r;
        w->cap_retained = cap;
    }
    w->retained[w->nretained++] = (retained_target){round, index, false};
    return true;
}

/* Phase checks against the model: cleanups run and weak references. exact: after gc_collect. */
static void check_phase(gc_mut *mut, worker *w, bool phase_b, const char *when) {
    shared *sh = w->sh;
    int64_t round = atomic_load(&w->round);
    uint32_t due = 0, retained = 0;   /* targets that should have died, and of them found wholly alive */
    for (uint32_t i = 0; i < sh->objects; i++) {
        category c = (category)w->cat[i];
        uint32_t want = c == DROPPED || (c == KEPT && phase_b);
        uint32_t ran = atomic_load(&w->runs[i]);
        bool alive = gc_weakref_get(mut, gc_read(w->wrefs, i)) != NULL;
        bool want_alive = c == SELF_KEPT || (c == KEPT && !phase_b);
        if (!want_alive) due++;
        if (!want_alive && alive && ran == 0 && sh->conservative) {
            retained++;
            if (phase_b && c != UNREGISTERED && !note_retained(w, round, i)) return;
            continue;
        }
        if (ran != want) {
            wl_fail(&sh->failure, "thread %u, round %lld, %s: %s target %u: its cleanup ran %u times, expected %u",
                    w->index, (long long)round, when, cat_name[c], i, ran, want);
            return;
        }
        if (alive != want_alive) {
            wl_fail(&sh->failure, "thread %u, round %lld, %s: %s target %u: its weak reference is %s after gc_collect",
                    w->index, (long long)round, when, cat_name[c], i, alive ? "alive" : "cleared");
            return;
        }
    }
    if (due && retained == due)
        wl_fail(&sh->failure, "thread %u, round %lld, %s: none of the %u targets let go died", w->index,
                (long long)round, when, due);
}

static void collect_and_run(gc_mut *mut, worker *w, const char *when) {
    shared *sh = w->sh;
    gc_collect(mut);
    wl_meet(mut, &sh->meeting);   /* every thread's collection is done: every dead target's cleanup is queued */
    for (;;) {
        gc_run_finalizers(mut);
        wl_meet(mut, &sh->meeting);   /* ... and has run, on whichever thread */
        /* Decided by one thread while the others wait, so that all go round again or none does. */
        if (w->index == 0) sh->pending = gc_finalizers_pending(sh->heap);
        wl_meet(mut, &sh->meeting);
        if (!sh->pending) return;
        /* A conservative collector may find a target dead only now, in a collection some cleanup's
         * allocation started: its cleanup is queued after the runs; another run takes it. A precise
         * one found every such target in the gc_collects above. */
        if (!sh->conservative) {
            wl_fail(&sh->failure, "%s: %zu cleanups still pending after every thread ran gc_run_finalizers", when,
                    sh->pending);
            return;
        }
    }
}

static void one_round(gc_mut *mut, worker *w, gc_registry *reg, uint64_t *rnd) {
    shared *sh = w->sh;
    const uint32_t n = sh->objects;
    size_t scope = gc_scope_open(mut);
    gc_obj **targets = gc_push(mut, gc_alloc(mut, sh->t_array, n, 0));
    gc_obj **tokens = gc_push(mut, gc_alloc(mut, sh->t_array, n / UNREG_GROUP + 1, 0));
    w->wrefs = gc_alloc(mut, sh->t_array, n, 0);
    atomic_store(&w->phase_b, false);
    for (uint32_t i = 0; i < n; i++) {
        atomic_store(&w->runs[i], 0);
        uint64_t p = wl_next_rand(rnd) % 100;
        w->cat[i] = i % SELF_EVERY == SELF_EVERY - 1 ? SELF_KEPT
                    : (int64_t)p < sh->drop          ? DROPPED
                    : (int64_t)p < sh->drop + sh->unreg ? UNREGISTERED
                                                     : KEPT;
    }
    /* Unregister groups: consecutive unregistered targets, up to UNREG_GROUP under one token. */
    uint32_t *group_size = w->group_size;
    uint32_t ngroups = 0;
    memset(group_size, 0, (n / UNREG_GROUP + 1) * sizeof *group_size);
    gc_obj **t = gc_push(mut, NULL), **held = gc_push(mut, NULL), **token = gc_push(mut, NULL);
    for (uint32_t i = 0; i < n; i++) {
        category c = (category)w->cat[i];
        *t = gc_alloc(mut, sh->t_target, 0, 16);
        memcpy(gc_raw(*t), &i, sizeof i);
        gc_write(mut, *targets, i, *t);
        gc_obj *ref = gc_weakref_new(mut, *t);
        gc_write(mut, w->wrefs, i, ref);
        *held = gc_alloc(mut, sh->t_held, c == SELF_KEPT ? 1 : 0, sizeof(held_data));
        held_data d = {HELD_MAGIC, w->index, (uint64_t)atomic_load(&w->round), i, 0};
        memcpy(gc_raw(*held), &d, sizeof d);
        if (c == SELF_KEPT) gc_write(mut, *held, 0, *t);
        switch (c) {
        case DROPPED:
        case SELF_KEPT:
            *token = *t;
            break;
        case UNREGISTERED:
            if (!ngroups || group_size[ngroups - 1] == UNREG_GROUP) {
                gc_obj *tok = gc_alloc(mut, sh->t_token, 0, 16);
                gc_write(mut, *tokens, ngroups++, tok);
            }
            group_size[ngroups - 1]++;
            *token = gc_read(*tokens, ngroups - 1);
            break;
        case KEPT:
            *token = gc_alloc(mut, sh->t_token, 0, 16);   /* dies at once: the cell stays registered */
            break;
        }
        gc_finalizer_register(mut, reg, *t, *held, *token);
        w->ops++;
    }
    *t = *held = *token = NULL;
    for (uint32_t g = 0; g < ngroups; g++) {
        size_t got = gc_finalizer_unregister(mut, reg, gc_read(*tokens, g));
        size_t again = gc_finalizer_unregister(mut, reg, gc_read(*tokens, g));
        if (got != group_size[g] || again != 0) {
            wl_fail(&sh->failure,
                    "thread %u, round %lld: unregistering group %u of %u targets cancelled %zu cells, then %zu "
                    "(expected %u, then 0)",
                    w->index, (long long)atomic_load(&w->round), g, group_size[g], got, again, group_size[g]);
            break;
        }
    }
    for (uint32_t i = 0; i < n; i++)
        if (w->cat[i] != KEPT) gc_write(mut, *targets, i, NULL);
    *tokens = NULL;

    collect_and_run(mut, w, "after the first collection");
    check_phase(mut, w, false, "after the first collection");
    wl_meet(mut, &sh->meeting);   /* no thread lets its kept targets go while another checks */

    atomic_store(&w->phase_b, true);
    *targets = NULL;
    collect_and_run(mut, w, "after the kept targets were let go");
    check_phase(mut, w, true, "after the kept targets were let go");
    wl_meet(mut, &sh->meeting);
    gc_scope_close(mut, scope);
}

static void *worker_main(void *arg) {
    worker *w = arg;
    shared *sh = w->sh;
    if (!wl_gate_wait(&sh->gate)) return NULL;
    gc_mut *mut = gc_attach(sh->heap);
    gc_add_root(sh->heap, &w->wrefs);
    uint64_t rnd = wl_rand_seed(w->index);
    for (int64_t round = 0; round < sh->rounds; round++) {
        /* Every thread stops after the same round: the serial thread samples the failure between two
         * meetings, so all read the same decision. */
        wl_meet(mut, &sh->meeting);
        if (w->index == 0) atomic_store(&sh->stop, wl_failed(&sh->failure));
        wl_meet(mut, &sh->meeting);
        if (atomic_load(&sh->stop)) break;
        atomic_store(&w->round, round);
        gc_registry *reg = sh->one_registry ? sh->registry : gc_registry_new(sh->heap, cleanup, sh);
        if (!reg) {
            wl_fail(&sh->failure, "gc_registry_new failed");
            continue;
        }
        one_round(mut, w, reg, &rnd);
        if (!sh->one_registry) {
            /* The registry's cells go with it, the self-kept targets' too: those die with no cleanup. */
            gc_registry_free(mut, reg);
            gc_collect(mut);
            for (uint32_t i = 0; i < sh->objects; i++) {
                if (w->cat[i] != SELF_KEPT) continue;
                bool alive = gc_weakref_get(mut, gc_read(w->wrefs, i)) != NULL;
                if ((alive && !sh->conservative) || atomic_load(&w->runs[i])) {
                    wl_fail(&sh->failure, "thread %u, round %lld: self-kept target %u %s after its registry was freed",
                            w->index, (long long)round, i,
                            atomic_load(&w->runs[i]) ? "was cleaned up" : "is still alive");
                    break;
                }
            }
        }
    }
    gc_remove_root(sh->heap, &w->wrefs);
    gc_detach(mut);
    return NULL;
}

static uint64_t live_bytes(const int64_t *param, unsigned threads) {
    uint64_t n = (uint64_t)param[P_OBJECTS];
    uint64_t per = wl_obj_size(0, 16) + wl_obj_size(1, 0) + wl_obj_size(1, sizeof(held_data)) + wl_obj_size(3, 0);
    return (threads ? threads : 1) * (n * per + 2 * wl_obj_size(n, 0));
}

static int run(wl_ctx *ctx, char *err, size_t errlen) {
    shared sh;
    memset(&sh, 0, sizeof sh);
    sh.heap = ctx->heap;
    sh.objects = (uint32_t)ctx->param[P_OBJECTS];
    sh.rounds = ctx->param[P_ROUNDS];
    sh.drop = ctx->param[P_DROP];
    sh.unreg = ctx->param[P_UNREG];
    sh.one_registry = ctx->param[P_SHARED] != 0;
    sh.conservative = !gc_collector_precise();
    sh.nthreads = ctx->threads ? ctx->threads : 1;
    if (sh.drop + sh.unreg > 100) {
        snprintf(err, errlen, "--drop-percent %lld plus --unregister-percent %lld is more than 100", (long long)sh.drop,
                 (long long)sh.unreg);
        return WL_BAD_PARAMS;
    }
    atomic_init(&sh.stop, 0);
    atomic_init(&sh.cleanups, 0);
    wl_fail_init(&sh.failure);
    wl_gate_init(&sh.gate);
    wl_meeting_init(&sh.meeting, sh.nthreads);
    sh.t_target = gc_register_type(ctx->heap, "finalizers.target");
    sh.t_held = gc_register_type(ctx->heap, "finalizers.held");
    sh.t_token = gc_register_type(ctx->heap, "finalizers.token");
    sh.t_array = gc_register_type(ctx->heap, "finalizers.array");
    if (sh.one_registry) sh.registry = gc_registry_new(ctx->heap, cleanup, &sh);

    int status = 0;
    sh.workers = calloc(sh.nthreads, sizeof *sh.workers);
    if (!sh.workers) {
        snprintf(err, errlen, "out of memory for %u workers", sh.nthreads);
        status = -1;
    }
    for (unsigned t = 0; !status && t < sh.nthreads; t++) {
        worker *w = &sh.workers[t];
        w->sh = &sh;
        w->index = t;
        atomic_init(&w->round, -1);
        w->cat = calloc(sh.objects, 1);
        w->runs = calloc(sh.objects, sizeof *w->runs);
        w->group_size = calloc(sh.objects / UNREG_GROUP + 1, sizeof *w->group_size);
        if (!w->cat || !w->runs || !w->group_size) {
            snprintf(err, errlen, "out of memory for the model of %u targets", sh.objects);
            status = -1;
        }
    }
    unsigned started = 0;
    for (; !status && started < sh.nthreads; started++)
        if (pthread_create(&sh.workers[started].thread, NULL, worker_main, &sh.workers[started])) {
            snprintf(err, errlen, "cannot create thread %u", started);
            status = -1;
            break;
        }
    wl_gate_open(&sh.gate, !status);
    for (unsigned t = 0; t < started; t++) pthread_join(sh.workers[t].thread, NULL);
    uint64_t ops = 0;
    for (unsigned t = 0; t < started; t++) ops += sh.workers[t].ops;
    if (sh.one_registry && sh.registry) {
        gc_mut *mut = gc_attach(ctx->heap);
        gc_registry_free(mut, sh.registry);
        gc_detach(mut);
    }
    if (!status && wl_fail_report(&sh.failure, err, errlen)) status = -1;
    for (unsigned t = 0; sh.workers && t < sh.nthreads; t++) {
        free(sh.workers[t].cat);
        free(sh.workers[t].runs);
        free(sh.workers[t].group_size);
        free(sh.workers[t].retained);
    }
    free(sh.workers);
    wl_meeting_destroy(&sh.meeting);
    wl_fail_destroy(&sh.failure);
    wl_gate_destroy(&sh.gate);
    ctx->ops = ops;
    return status;
}

const workload wl_finalizers = {
    .name = "finalizers",
    .summary = "finalization registries: targets kept, dropped, unregistered, self-kept; every cleanup exactly once",
    .params = params,
    .nparams = P_COUNT,
    .multithreaded = true,
    .latency = false,
    .live_bytes = live_bytes,
    .run = run,
};
