/* graphchurn: a live random graph whose pointer fields are overwritten continually (barrier stress).
 *
 * Each thread owns a graph of --nodes nodes reachable only through ROOTS root slots: nodes are found
 * by random walks from the roots, never through a table, so an object the collector loses is truly
 * unreachable to the collector while the mutator still holds a path to it. Every operation overwrites
 * one edge u.k of a node found by a walk:
 *   rewire   u.k = v, another node found by a walk (an existing, possibly white, object moves under a
 *            possibly black one: what Dijkstra and Steele barriers exist for);
 *   replace  u.k = a new node whose edges go to nodes found by walks (black allocation);
 *   cut      u.k = NULL (what deletion barriers, Yuasa's, exist for).
 * Old targets become garbage when that was their last edge.
 *
 * Verification: a shadow model outside the heap records every edge by node id. Every --check-every
 * operations, and at the end, the thread walks all of its graph reachable from the roots and checks
 * that every node's id and payload are intact and every edge leads to the node id the model says.
 * A node the collector freed while reachable is reused by a later allocation, so its id, payload or
 * edges no longer match. The check polls safepoints (its stack is handles), and so does every
 * operation. ops = operations done, for throughput.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "workload.h"
#include "wl_rand.h"
#include "wl_size.h"

enum { P_NODES, P_OPS, P_EDGES, P_CHECK_EVERY, P_COUNT };

static const wl_param params[] = {
    [P_NODES] = {"nodes", "nodes in each thread's initial graph", 100000, 16, 1000000},
    [P_OPS] = {"ops", "edge overwrites in total (split across threads)", 2000000, 1, (int64_t)1 << 40},
    [P_EDGES] = {"edges", "pointer fields per node", 4, 1, 64},
    [P_CHECK_EVERY] = {"check-every", "operations between whole-graph checks (0: only at the end)", 500000, 0,
                       (int64_t)1 << 40},
};

#define ROOTS 16
#define NONE UINT32_MAX
#define WALK_MAX 24

typedef struct payload {
    uint64_t id, check;     /* check = ~id * golden: a reused cell's bytes will not match */
} payload;

static uint64_t check_of(uint64_t id) { return ~id * 0x9e3779b97f4a7c15ull; }

typedef struct shared {
    gc_heap *heap;
    gc_type t_node, t_roots;
    uint64_t nodes, edges, check_every;
} shared;

typedef struct worker {
    shared *sh;
    pthread_t thread;
    uint64_t ops, done;
    uint64_t rng;
    uint32_t *model;        /* model[id * edges + k]: the id node id's edge k leads to, or NONE */
    uint64_t nids, capids;
    uint8_t *seen;          /* scratch for the check walks */
    int status;
    char err[256];
} worker;

static uint64_t node_id(gc_obj *n) {
    payload p;
    memcpy(&p, gc_raw(n), sizeof p);
    return p.id;
}

/* A new node with id = the next id and all edges NULL; the model gets a row of NONE. */
static gc_obj *new_node(gc_mut *mut, worker *w) {
    shared *sh = w->sh;
    if (w->nids == w->capids) {
        uint64_t cap = w->capids ? w->capids * 2 : 1024;
        uint32_t *m = realloc(w->model, cap * sh->edges * sizeof *m);
        if (!m) return NULL;
        w->model = m;
        w->capids = cap;
    }
    uint64_t id = w->nids++;
    for (uint64_t k = 0; k < sh->edges; k++) w->model[id * sh->edges + k] = NONE;
    gc_obj *n = gc_alloc(mut, sh->t_node, (uint32_t)sh->edges, sizeof(payload));
    payload p = {id, check_of(id)};
    memcpy(gc_raw(n), &p, sizeof p);
    return n;
}

/* Sets u.k = v in the heap (through the barrier) and in the model. */
static void set_edge(gc_mut *mut, worker *w, gc_obj *u, uint64_t k, gc_obj *v) {
    gc_write(mut, u, k, v);
    w->model[node_id(u) * w->sh->edges + k] = v ? (uint32_t)node_id(v) : NONE;
}

/* A random walk from a random root; returns a node (never NULL while the roots are non-empty). The
 * walk allocates nothing, so raw pointers are safe within it. */
static gc_obj *walk(worker *w, gc_obj *roots) {
    gc_obj *n = NULL;
    for (int tries = 0; !n && tries < ROOTS * 4; tries++) n = gc_read(roots, wl_next_rand(&w->rng) % ROOTS);
    if (!n) return NULL;
    uint64_t steps = wl_next_rand(&w->rng) % WALK_MAX;
    for (uint64_t s = 0; s < steps; s++) {
        gc_obj *next = gc_read(n, wl_next_rand(&w->rng) % w->sh->edges);
        if (!next) break;
        n = next;
    }
    return n;
}

/* One node of the check: its id and payload intact, each edge leading where the model says. Returns
 * 1 when the node was seen before (nothing to follow), 0 when it is new and right, -1 when wrong. */
static int check_node(worker *w, gc_obj *n) {
    const shared *sh = w->sh;
    payload p;
    memcpy(&p, gc_raw(n), sizeof p);
    if (p.id >= w->nids || p.check != check_of(p.id) || gc_nptrs(n) != sh->edges) {
        snprintf(w->err, sizeof w->err, "a reachable node is corrupt (id %llu, payload check %s)",
                 (unsigned long long)p.id, p.check == check_of(p.id) ? "ok" : "wrong");
        return -1;
    }
    if (w->seen[p.id]) return 1;
    w->seen[p.id] = 1;
    for (uint64_t k = 0; k < sh->edges; k++) {
        gc_obj *t = gc_read(n, k);
        uint32_t want = w->model[p.id * sh->edges + k];
        uint32_t got = t ? (uint32_t)node_id(t) : NONE;
        if (got != want) {
            snprintf(w->err, sizeof w->err, "node %llu edge %llu leads to node %lld, the model says %lld",
                     (unsigned long long)p.id, (unsigned long long)k, got == NONE ? -1LL : (long long)got,
                     want == NONE ? -1LL : (long long)want);
            return -1;
        }
    }
    return 0;
}

/* The check walks depth-first, each node checked when it is pushed (so pushed once), from the roots.
 * Its stack is handles on the thread's shadow stack, so the walk polls safepoints (every 256 nodes; a
 * collector that moves objects updates the handles): a stop waited for a whole walk before, up to
 * 15 ms on the concurrent collectors. Handles, not a heap array: Steele's barrier re-greys an array on
 * every store of a white pointer into it, and rescanning the whole stack at each push made the
 * incremental-steele runs 6-8x as long as stw's (results/published/polls-20261202/). A walk whose stack grows past CHECK_HANDLES entries (the shadow stack holds 1 Mi
 * handles) goes on with raw pointers on a malloc'd stack, polling nothing. */
#define CHECK_HANDLES ((uint64_t)1 << 19)

typedef struct walk_stack {
    bool handles;
    gc_obj **raw;        /* !handles: the nodes */
    gc_obj ***slot;      /* handles: each entry's handle, and the scope to close to drop it */
    size_t *pos;
    size_t depth, cap;
} walk_stack;

static bool stack_push(gc_mut *mut, walk_stack *st, gc_obj *n) {
    if (st->depth == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 4096;
        void *a = realloc(st->raw, cap * sizeof *st->raw), *b = NULL, *c = NULL;
        if (a) st->raw = a;
        if (a && st->handles && (b = realloc(st->slot, cap * sizeof *st->slot))) st->slot = b;
        if (b && (c = realloc(st->pos, cap * sizeof *st->pos))) st->pos = c;
        if (!a || (st->handles && !c)) return false;
        st->cap = cap;
    }
    if (st->handles && st->depth == CHECK_HANDLES) {
        /* Too deep for the shadow stack's room: the rest of the walk holds raw pointers, polling nothing. */
        for (size_t i = 0; i < st->depth; i++) st->raw[i] = *st->slot[i];
        gc_scope_close(mut, st->pos[0]);
        st->handles = false;
    }
    if (st->handles) {
        st->pos[st->depth] = gc_scope_open(mut);
        st->slot[st->depth] = gc_push(mut, n);
    } else {
        st->raw[st->depth] = n;
    }
    st->depth++;
    return true;
}

static gc_obj *stack_pop(gc_mut *mut, walk_stack *st) {
    size_t d = --st->depth;
    if (!st->handles) return st->raw[d];
    gc_obj *n = *st->slot[d];
    gc_scope_close(mut, st->pos[d]);
    return n;
}

static int check_graph(gc_mut *mut, worker *w, gc_obj **roots) {
    free(w->seen);
    w->seen = calloc(w->nids, 1);
    if (!w->seen) {
        snprintf(w->err, sizeof w->err, "out of memory for the check");
        return -1;
    }
    walk_stack st = {.handles = true};
    size_t scope = gc_scope_open(mut), visited = 0;
    int rc = 0;
    for (uint64_t r = 0; r < ROOTS && !rc; r++) {
        gc_obj *n = gc_read(*roots, r);
        int c = n ? check_node(w, n) : 1;
        if (c < 0) rc = -1;
        else if (c == 0 && (++visited, !stack_push(mut, &st, n))) rc = -2;
    }
    for (uint64_t steps = 0; st.depth && !rc; steps++) {
        if (st.handles && (steps & 255) == 0) gc_safepoint(mut);
        gc_obj *n = stack_pop(mut, &st);
        /* n stays valid to the end of this node: nothing below polls (a push is no safepoint). */
        for (uint64_t k = 0; k < w->sh->edges && !rc; k++) {
            gc_obj *t = gc_read(n, k);
            int c = t ? check_node(w, t) : 1;
            if (c < 0) rc = -1;
            else if (c == 0 && (++visited, !stack_push(mut, &st, t))) rc = -2;
        }
    }
    free(st.raw);
    free(st.slot);
    free(st.pos);
    gc_scope_close(mut, scope);
    if (rc == -2) snprintf(w->err, sizeof w->err, "out of memory for the check");
    if (!rc && visited == 0) {
        snprintf(w->err, sizeof w->err, "no node is reachable from the roots");
        rc = -1;
    }
    return rc ? -1 : 0;
}

static void *worker_main(void *arg) {
    worker *w = arg;
    shared *sh = w->sh;
    gc_mut *mut = gc_attach(sh->heap);
    size_t scope = gc_scope_open(mut);
    gc_obj **roots = gc_push(mut, gc_alloc(mut, sh->t_roots, ROOTS, 0));
    gc_obj **u = gc_push(mut, NULL), **v = gc_push(mut, NULL);

    /* The initial graph: a complete tree of fan-out `edges` under each root, built through handles
     * (node i hangs from node (i - ROOTS) / edges), so all of it is live; afterwards the handles go and
     * nodes are reachable only through the roots and each other. */
    size_t build = gc_scope_open(mut);
    gc_obj **first = NULL;
    for (uint64_t i = 0; i < sh->nodes && !w->status; i++) {
        gc_obj *n = new_node(mut, w);
        if (!n) {
            snprintf(w->err, sizeof w->err, "out of memory for the model");
            w->status = -1;
            break;
        }
        gc_obj **h = gc_push(mut, n);
        if (i == 0) first = h;
        if (i < ROOTS) gc_write(mut, *roots, i, *h);
        else set_edge(mut, w, first[(i - ROOTS) / sh->edges], (i - ROOTS) % sh->edges, *h);
    }
    gc_scope_close(mut, build);

    for (uint64_t op = 0; op < w->ops && !w->status; op++) {
        *u = walk(w, *roots);
        uint64_t k = wl_next_rand(&w->rng) % sh->edges, kind = wl_next_rand(&w->rng) % 4;
        if (kind < 2) {                       /* rewire */
            *v = walk(w, *roots);
            set_edge(mut, w, *u, k, *v);
        } else if (kind == 2) {               /* replace */
            gc_obj *n = new_node(mut, w);     /* may collect: *u is reloaded through its handle */
            if (!n) {
                snprintf(w->err, sizeof w->err, "out of memory for the model");
                w->status = -1;
                break;
            }
            *v = n;
            for (uint64_t e = 0; e < sh->edges; e++) set_edge(mut, w, *v, e, wl_next_rand(&w->rng) % 2 ? walk(w, *roots) : NULL);
            set_edge(mut, w, *u, k, *v);
        } else {                              /* cut */
            set_edge(mut, w, *u, k, NULL);
        }
        w->done++;
        if (sh->check_every && w->done % sh->check_every == 0 && check_graph(mut, w, roots)) w->status = -1;
        gc_safepoint(mut);   /* an operation's walks read up to 24 x (edges + 1) nodes, cache misses most: polling
                              * every 1024 operations kept a stop waiting milliseconds */
    }
    if (!w->status && check_graph(mut, w, roots)) w->status = -1;
    gc_scope_close(mut, scope);
    gc_detach(mut);
    return NULL;
}

static uint64_t node_bytes(uint64_t edges) { return (8 + 8 * edges + sizeof(payload) + 15) & ~(uint64_t)15; }

static uint64_t live_bytes(const int64_t *param, unsigned threads) {
    /* The initial graph is all live; churn changes its size but starts from it. */
    return (uint64_t)threads * (uint64_t)param[P_NODES] * node_bytes((uint64_t)param[P_EDGES]);
}

static int run(wl_ctx *ctx, char *err, size_t errlen) {
    shared sh = {.heap = ctx->heap, .nodes = (uint64_t)ctx->param[P_NODES], .edges = (uint64_t)ctx->param[P_EDGES],
                 .check_every = (uint64_t)ctx->param[P_CHECK_EVERY]};
    if (sh.nodes < ROOTS) {
        snprintf(err, errlen, "--nodes must be at least %d", ROOTS);
        return WL_BAD_PARAMS;
    }
    sh.t_node = gc_register_type(ctx->heap, "graphchurn.node");
    sh.t_roots = gc_register_type(ctx->heap, "graphchurn.roots");
    unsigned n = ctx->threads ? ctx->threads : 1;
    worker *ws = calloc(n, sizeof *ws);
    if (!ws) {
        snprintf(err, errlen, "out of memory for %u workers", n);
        return -1;
    }
    uint64_t ops = (uint64_t)ctx->param[P_OPS];
    unsigned started = 0;
    for (; started < n; started++) {
        worker *w = &ws[started];
        w->sh = &sh;
        w->ops = wl_share(ops, n, started);
        w->rng = 0x2545f4914f6cdd1dull * (started + 1);
        if (pthread_create(&w->thread, NULL, worker_main, w)) break;
    }
    int rc = 0;
    for (unsigned t = 0; t < started; t++) pthread_join(ws[t].thread, NULL);
    if (started < n) {
        snprintf(err, errlen, "cannot start %u threads", n);
        rc = -1;
    }
    for (unsigned t = 0; t < started; t++) {
        ctx->ops += ws[t].done;
        if (!rc && ws[t].status) {
            snprintf(err, errlen, "thread %u: %s", t, ws[t].err);
            rc = -1;
        }
        free(ws[t].model);
        free(ws[t].seen);
    }
    free(ws);
    return rc;
}

const workload wl_graphchurn = {
    .name = "graphchurn",
    .summary = "a live random graph whose pointer fields are overwritten continually, checked against a model",
    .params = params,
    .nparams = P_COUNT,
    .multithreaded = true,
    .latency = false,
    .live_bytes = live_bytes,
    .run = run,
};
