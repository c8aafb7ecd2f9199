/* collectrace: explicit collections racing allocation, thread churn and blocking regions.
 *
 * The shape of a server whose request handler forces a collection (gc_collect) while worker threads
 * allocate: every way a thread can ask the collector for something at the moment another holds it.
 *   - --threads N workers each keep a ring of --ring lists of --list nodes live in a handle and, per
 *     operation, build a new list and put it in a random ring slot (the old one becomes garbage);
 *     every --block-every operations a worker sleeps briefly inside a blocking region;
 *   - --collectors C threads call gc_collect in a loop, each checking a list of its own across the
 *     collections, with a blocking-region sleep between calls;
 *   - one thread starts --spawn short-lived threads one after another, each attaching, building and
 *     checking a list (every tenth also calling gc_collect), and detaching.
 * Every node carries its list's tag and its position, so a list that lost or mixed up a node fails
 * the run: each worker checks its whole ring every --ring operations and at the end, and every
 * thread checks each list it builds. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workload.h"
#include "wl_fail.h"
#include "wl_rand.h"
#include "wl_size.h"

enum { P_COLLECTORS, P_OPS, P_RING, P_LIST, P_SPAWN, P_BLOCK_EVERY, P_COUNT };

static const wl_param params[] = {
    [P_COLLECTORS] = {"collectors", "threads calling gc_collect in a loop", 2, 1, 64},
    [P_OPS] = {"ops", "operations (a list built and stored) per worker thread", 100000, 1, 1000000000},
    [P_RING] = {"ring", "lists each worker keeps live", 256, 1, 1 << 20},
    [P_LIST] = {"list", "nodes per list", 8, 1, 4096},
    [P_SPAWN] = {"spawn", "short-lived threads started, one after another", 100, 0, 1000000},
    [P_BLOCK_EVERY] = {"block-every", "worker operations between blocking-region sleeps (0: never)", 1000, 0,
                       1000000000},
};

/* A node: one pointer (the next node) and raw bytes {tag of its list, position in it}. */
typedef struct node_data {
    uint64_t tag, pos;
} node_data;

typedef struct shared {
    gc_heap *heap;
    gc_type t_node, t_ring;
    int64_t ops, ring, list, spawn, block_every;
    atomic_int workers_done;
    wl_failure failure;
} shared;

/* Builds a list of n nodes tagged `tag`, last node first, so every allocation keeps the part built
 * so far in a handle. */
static gc_obj *make_list(gc_mut *mut, gc_type t, uint64_t tag, int64_t n) {
    size_t scope = gc_scope_open(mut);
    gc_obj **head = gc_push(mut, NULL);
    for (int64_t pos = n - 1; pos >= 0; pos--) {
        gc_obj *node = gc_alloc(mut, t, 1, sizeof(node_data));
        node_data d = {tag, (uint64_t)pos};
        memcpy(gc_raw(node), &d, sizeof d);
        gc_write(mut, node, 0, *head);
        *head = node;
    }
    gc_obj *l = *head;
    gc_scope_close(mut, scope);
    return l;
}

/* 0 when the list is n nodes tagged `tag` at positions 0..n-1; else writes why. No allocation or
 * safepoint inside: raw pointers are safe here. */
static int check_list(gc_obj *l, uint64_t tag, int64_t n, char *why, size_t len) {
    for (int64_t pos = 0; pos < n; pos++, l = gc_read(l, 0)) {
        if (!l) {
            snprintf(why, len, "list %#llx ends after %lld of %lld nodes", (unsigned long long)tag, (long long)pos,
                     (long long)n);
            return -1;
        }
        node_data d;
        memcpy(&d, gc_raw(l), sizeof d);
        if (d.tag != tag || d.pos != (uint64_t)pos) {
            snprintf(why, len, "list %#llx: node %lld holds tag %#llx position %llu", (unsigned long long)tag,
                     (long long)pos, (unsigned long long)d.tag, (unsigned long long)d.pos);
            return -1;
        }
    }
    if (l) {
        snprintf(why, len, "list %#llx is longer than %lld nodes", (unsigned long long)tag, (long long)n);
        return -1;
    }
    return 0;
}

static void sleep_blocked(gc_mut *mut, long ns) {
    gc_block_enter(mut);
    struct timespec ts = {0, ns};
    nanosleep(&ts, NULL);
    gc_block_leave(mut);
}

/* ---- the threads ---- */

typedef struct worker {
    shared *sh;
    unsigned index;
    pthread_t thread;
    uint64_t *expect;   /* the tag of the list in each ring slot */
} worker;

static int check_ring(shared *sh, worker *w, gc_obj *ring) {
    char why[200];
    for (int64_t s = 0; s < sh->ring; s++)
        if (check_list(gc_read(ring, (size_t)s), w->expect[s], sh->list, why, sizeof why)) {
            wl_fail(&sh->failure, "worker %u, ring slot %lld: %s", w->index, (long long)s, why);
            return -1;
        }
    return 0;
}

static void *worker_main(void *arg) {
    worker *w = arg;
    shared *sh = w->sh;
    gc_mut *mut = gc_attach(sh->heap);
    size_t base = gc_scope_open(mut);
    gc_obj **ring = gc_push(mut, gc_alloc(mut, sh->t_ring, (uint32_t)sh->ring, 0));
    uint64_t seq = 0, rnd = wl_rand_seed(w->index);
    for (int64_t s = 0; s < sh->ring; s++) {
        uint64_t tag = (uint64_t)w->index << 40 | ++seq;
        gc_obj *l = make_list(mut, sh->t_node, tag, sh->list);
        gc_write(mut, *ring, (size_t)s, l);
        w->expect[s] = tag;
    }
    for (int64_t op = 1; op <= sh->ops && !atomic_load_explicit(&sh->failure.failed, memory_order_relaxed); op++) {
        int64_t s = (int64_t)(wl_next_rand(&rnd) % (uint64_t)sh->ring);
        uint64_t tag = (uint64_t)w->index << 40 | ++seq;
        gc_obj *l = make_list(mut, sh->t_node, tag, sh->list);
        gc_write(mut, *ring, (size_t)s, l);
        w->expect[s] = tag;
        if (sh->block_every && op % sh->block_every == 0) sleep_blocked(mut, 20000);
        if (op % sh->ring == 0 && check_ring(sh, w, *ring)) break;
    }
    if (!wl_failed(&sh->failure)) check_ring(sh, w, *ring);
    gc_scope_close(mut, base);
    gc_detach(mut);
    return NULL;
}

static void *collector_main(void *arg) {
    shared *sh = arg;
    gc_mut *mut = gc_attach(sh->heap);
    size_t base = gc_scope_open(mut);
    uint64_t tag = (uint64_t)0xc0 << 40 | (uint64_t)(uintptr_t)mut >> 4;
    gc_obj **mine = gc_push(mut, make_list(mut, sh->t_node, tag, sh->list));
    char why[200];
    /* At least one collection, however soon the workers finish. */
    for (uint64_t k = 1; k == 1 || (!atomic_load(&sh->workers_done) && !wl_failed(&sh->failure)); k++) {
        gc_collect(mut);
        if (check_list(*mine, tag, sh->list, why, sizeof why)) {
            wl_fail(&sh->failure, "collector thread after gc_collect: %s", why);
            break;
        }
        if (k % 4 == 0) *mine = make_list(mut, sh->t_node, ++tag, sh->list);
        sleep_blocked(mut, 50000);
    }
    gc_scope_close(mut, base);
    gc_detach(mut);
    return NULL;
}

typedef struct spawned {
    shared *sh;
    uint64_t n;
} spawned;

static void *short_lived_main(void *arg) {
    spawned *s = arg;
    shared *sh = s->sh;
    gc_mut *mut = gc_attach(sh->heap);
    size_t base = gc_scope_open(mut);
    uint64_t tag = (uint64_t)0x5b << 40 | s->n;
    gc_obj **l = gc_push(mut, make_list(mut, sh->t_node, tag, sh->list));
    if (s->n % 10 == 0) gc_collect(mut);
    gc_safepoint(mut);
    char why[200];
    if (check_list(*l, tag, sh->list, why, sizeof why))
        wl_fail(&sh->failure, "short-lived thread %llu: %s", (unsigned long long)s->n, why);
    gc_scope_close(mut, base);
    gc_detach(mut);
    return NULL;
}

static void *spawner_main(void *arg) {
    shared *sh = arg;
    for (int64_t n = 0; n < sh->spawn && !wl_failed(&sh->failure); n++) {
        spawned s = {sh, (uint64_t)n};
        pthread_t t;
        if (pthread_create(&t, NULL, short_lived_main, &s)) {
            wl_fail(&sh->failure, "cannot create short-lived thread %lld", (long long)n);
            break;
        }
        pthread_join(t, NULL);
    }
    return NULL;
}

/* ---- the run ---- */

static uint64_t live_bytes(const int64_t *param, unsigned threads) {
    uint64_t lists = (uint64_t)threads * (uint64_t)param[P_RING] + (uint64_t)param[P_COLLECTORS] + 1;
    return lists * (uint64_t)param[P_LIST] * wl_obj_size(1, sizeof(node_data)) +
           threads * wl_obj_size((uint64_t)param[P_RING], 0);
}

static int run(wl_ctx *ctx, char *err, size_t errlen) {
    shared sh = {.heap = ctx->heap,
                 .ops = ctx->param[P_OPS],
                 .ring = ctx->param[P_RING],
                 .list = ctx->param[P_LIST],
                 .spawn = ctx->param[P_SPAWN],
                 .block_every = ctx->param[P_BLOCK_EVERY]};
    atomic_init(&sh.workers_done, 0);
    wl_fail_init(&sh.failure);
    sh.t_node = gc_register_type(ctx->heap, "collectrace.node");
    sh.t_ring = gc_register_type(ctx->heap, "collectrace.ring");
    unsigned nw = ctx->threads ? ctx->threads : 1, nc = (unsigned)ctx->param[P_COLLECTORS];
    worker *w = calloc(nw, sizeof *w);
    pthread_t *ct = calloc(nc, sizeof *ct);
    int status = 0;
    if (!w || !ct) {
        snprintf(err, errlen, "out of memory for %u threads", nw + nc);
        free(w);
        free(ct);
        return -1;
    }
    unsigned started_w = 0, started_c = 0;
    bool spawner = false;
    pthread_t st;
    for (; started_w < nw; started_w++) {
        w[started_w] = (worker){.sh = &sh, .index = started_w, .expect = calloc((size_t)sh.ring, sizeof(uint64_t))};
        if (!w[started_w].expect || pthread_create(&w[started_w].thread, NULL, worker_main, &w[started_w])) {
            free(w[started_w].expect);
            wl_fail(&sh.failure, "cannot start worker %u", started_w);
            break;
        }
    }
    for (; started_c < nc; started_c++)
        if (pthread_create(&ct[started_c], NULL, collector_main, &sh)) {
            wl_fail(&sh.failure, "cannot start collector thread %u", started_c);
            break;
        }
    if (pthread_create(&st, NULL, spawner_main, &sh) == 0) spawner = true;
    else wl_fail(&sh.failure, "cannot start the spawner thread");
    for (unsigned i = 0; i < started_w; i++) {
        pthread_join(w[i].thread, NULL);
        free(w[i].expect);
    }
    atomic_store(&sh.workers_done, 1);
    for (unsigned i = 0; i < started_c; i++) pthread_join(ct[i], NULL);
    if (spawner) pthread_join(st, NULL);
    if (wl_fail_report(&sh.failure, err, errlen)) status = -1;
    ctx->ops = (uint64_t)nw * (uint64_t)sh.ops;
    wl_fail_destroy(&sh.failure);
    free(w);
    free(ct);
    return status;
}

const workload wl_collectrace = {
    .name = "collectrace",
    .summary = "explicit collections from several threads racing allocation, thread churn and blocking regions",
    .params = params,
    .nparams = P_COUNT,
    .multithreaded = true,
    .latency = false,
    .live_bytes = live_bytes,
    .run = run,
};
