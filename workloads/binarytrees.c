/* binarytrees: the benchmarks-game binary-trees shape, multi-threaded (docs/DESIGN.md §5).
 *
 * n = max(--depth, min_depth + 2) with min_depth 4. A stretch tree of depth n+1 is built, checked and
 * dropped; a long-lived tree of depth n is built and kept; then for d = 4, 6, ..., n, 2^(n - d + 4) trees
 * of depth d are built bottom-up and checked, the iterations of every depth split evenly across --threads
 * N threads; at the end the long-lived tree is checked again.
 *
 * A node is two pointer slots and no raw bytes. The check of a tree is its node count, which must be
 * 2^(d+1) - 1 for every tree (leaves have no children, inner nodes two); the total per depth must be
 * iterations * (2^(d+1) - 1) and the number of trees per depth must be the iterations. The stretch and
 * long-lived trees must also have pairwise distinct nodes (no subtree reached twice).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"
#include "wl_size.h"

enum { P_DEPTH, P_COUNT };

static const wl_param params[] = {
    [P_DEPTH] = {"depth",
                 "maximum tree depth n (at least 6 is used; the stretch tree is n+1; above 22 needs a heap of "
                 "several GiB)",
                 16, 1, 28},
};

#define MIN_DEPTH 4
#define MAX_DEPTHS 32
/* Subtrees at least this deep are walked through handles so the walk can poll safepoints. */
#define POLL_DEPTH 10

static uint64_t tree_size(int depth) { return ((uint64_t)1 << (depth + 1)) - 1; }

static int max_depth_of(int64_t depth) { return depth < MIN_DEPTH + 2 ? MIN_DEPTH + 2 : (int)depth; }

static uint64_t iterations(int max_depth, int d) { return (uint64_t)1 << (max_depth - d + MIN_DEPTH); }

typedef struct shared {
    gc_heap *heap;
    gc_type t_node;
    int max_depth;
    unsigned nthreads;
    atomic_int failed;
} shared;

typedef struct tree_check {
    uint64_t nodes;  /* nodes reached: the benchmark's check value */
    uint64_t bad;    /* nodes of the wrong shape */
} tree_check;

static gc_obj *make_tree(gc_mut *mut, gc_type t, int depth) {
    if (depth <= 0) return gc_alloc(mut, t, 2, 0);
    size_t scope = gc_scope_open(mut);
    gc_obj **left = gc_push(mut, make_tree(mut, t, depth - 1));
    gc_obj **right = gc_push(mut, make_tree(mut, t, depth - 1));
    gc_obj *n = gc_alloc(mut, t, 2, 0);
    gc_write(mut, n, 0, *left);
    gc_write(mut, n, 1, *right);
    gc_scope_close(mut, scope);
    return n;
}

/* Walks a subtree with raw pointers (no safepoint inside), never deeper than the expected depth. */
static void check_raw(gc_obj *n, int depth, tree_check *c) {
    c->nodes++;
    if (gc_nptrs(n) != 2) {
        c->bad++;
        return;
    }
    gc_obj *l = gc_read(n, 0), *r = gc_read(n, 1);
    if (depth == 0) {
        if (l || r) c->bad++;
        return;
    }
    if (!l || !r) c->bad++;
    if (l) check_raw(l, depth - 1, c);
    if (r) check_raw(r, depth - 1, c);
}

/* Walks the tree in *h; deep subtrees go through handles and poll safepoints. */
static void check_tree(gc_mut *mut, gc_obj **h, int depth, tree_check *c) {
    if (depth < POLL_DEPTH) {
        check_raw(*h, depth, c);
        return;
    }
    gc_safepoint(mut);
    c->nodes++;
    if (gc_nptrs(*h) != 2) {
        c->bad++;
        return;
    }
    size_t scope = gc_scope_open(mut);
    for (size_t k = 0; k < 2; k++) {
        gc_obj *child = gc_read(*h, k);  /* *h reloaded: the previous walk polled safepoints */
        if (!child) {
            c->bad++;
            continue;
        }
        check_tree(mut, gc_push(mut, child), depth - 1, c);
    }
    gc_scope_close(mut, scope);
}

/* Returns the tree's check (node count); writes a reason and returns 0 if the tree is wrong. */
static uint64_t verify_tree(gc_mut *mut, gc_obj **h, int depth, const char *what, char *err, size_t errlen) {
    tree_check c = {0, 0};
    if (!*h) {
        snprintf(err, errlen, "%s (depth %d) is NULL", what, depth);
        return 0;
    }
    check_tree(mut, h, depth, &c);
    if (c.nodes != tree_size(depth) || c.bad) {
        snprintf(err, errlen, "%s of depth %d: check %llu, expected %llu; %llu nodes of the wrong shape", what,
                 depth, (unsigned long long)c.nodes, (unsigned long long)tree_size(depth),
                 (unsigned long long)c.bad);
        return 0;
    }
    return c.nodes;
}

/* Nodes carry no data, so a count cannot see two slots sharing one subtree of the right shape. For the
 * stretch and long-lived trees the node addresses are collected in one raw walk (no safepoint, so nothing
 * moves meanwhile) and must all differ. Returns 0 when they do (or the tree is too big to check). */
#define DISTINCT_MAX_DEPTH 22

static int cmp_ptr(const void *a, const void *b) {
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

static void collect_nodes(gc_obj *n, int depth, uintptr_t *out, size_t *count, size_t cap) {
    if (*count == cap) return;
    out[(*count)++] = (uintptr_t)n;
    if (depth == 0) return;
    for (size_t k = 0; k < 2; k++) {
        gc_obj *child = gc_read(n, k);
        if (child) collect_nodes(child, depth - 1, out, count, cap);
    }
}

static int verify_distinct(gc_mut *mut, gc_obj *root, int depth, const char *what, char *err, size_t errlen) {
    if (depth > DISTINCT_MAX_DEPTH) return 0;
    size_t cap = (size_t)tree_size(depth), count = 0;
    uintptr_t *nodes = malloc(cap * sizeof *nodes);
    if (!nodes) return 0;
    /* The walk polls no safepoint, so nothing moves meanwhile: a stop waits for it (1-5 ms for the
     * stretch tree at the default depth, once a run; results/published/polls-20261202/). */
    collect_nodes(root, depth, nodes, &count, cap);
    /* The sort touches no object (addresses only): outside the heap, where a stop need not wait for it
     * (it kept a concurrent remark waiting 28 ms, the stretch tree's 2^(max-depth + 2) addresses). */
    gc_block_enter(mut);
    qsort(nodes, count, sizeof *nodes, cmp_ptr);
    size_t dup = 0;
    for (size_t i = 1; i < count; i++) dup += nodes[i] == nodes[i - 1];
    gc_block_leave(mut);
    free(nodes);
    if (dup) {
        snprintf(err, errlen, "%s of depth %d: %zu nodes reached twice (shared subtrees)", what, depth, dup);
        return -1;
    }
    return 0;
}

typedef struct worker {
    shared *sh;
    unsigned index;
    pthread_t thread;
    uint64_t trees[MAX_DEPTHS];  /* trees built per depth */
    uint64_t check[MAX_DEPTHS];  /* sum of their checks */
    int status;
    char err[256];
} worker;

static void *worker_main(void *arg) {
    worker *w = arg;
    shared *sh = w->sh;
    gc_mut *mut = gc_attach(sh->heap);
    size_t base = gc_scope_open(mut);
    for (int d = MIN_DEPTH; d <= sh->max_depth; d += 2) {
        uint64_t total = iterations(sh->max_depth, d);
        uint64_t mine = total / sh->nthreads + (w->index < total % sh->nthreads);
        for (uint64_t i = 0; i < mine; i++) {
            if (atomic_load_explicit(&sh->failed, memory_order_relaxed)) goto out;
            size_t scope = gc_scope_open(mut);
            gc_obj **h = gc_push(mut, make_tree(mut, sh->t_node, d));
            uint64_t check = verify_tree(mut, h, d, "tree", w->err, sizeof w->err);
            gc_scope_close(mut, scope);
            if (!check) {
                w->status = -1;
                goto out;
            }
            w->trees[d]++;
            w->check[d] += check;
        }
    }
out:
    if (w->status) atomic_store(&sh->failed, 1);
    gc_scope_close(mut, base);
    gc_detach(mut);
    return NULL;
}

static uint64_t live_bytes(const int64_t *param, unsigned threads) {
    (void)threads;  /* other threads' trees need not be live at the same moment */
    int n = max_depth_of(param[P_DEPTH]);
    uint64_t node = wl_obj_size(2, 0);
    uint64_t stretch = tree_size(n + 1) * node, steady = 2 * tree_size(n) * node;
    return stretch > steady ? stretch : steady;
}

static int run(wl_ctx *ctx, char *err, size_t errlen) {
    shared sh;
    sh.heap = ctx->heap;
    sh.max_depth = max_depth_of(ctx->param[P_DEPTH]);
    sh.nthreads = ctx->threads ? ctx->threads : 1;
    atomic_init(&sh.failed, 0);
    sh.t_node = gc_register_type(ctx->heap, "binarytrees.node");

    worker *workers = calloc(sh.nthreads, sizeof *workers);
    if (!workers) {
        snprintf(err, errlen, "out of memory for %u workers", sh.nthreads);
        return -1;
    }
    int status = 0;
    uint64_t trees = 0;
    gc_mut *mut = gc_attach(ctx->heap);
    size_t base = gc_scope_open(mut);

    /* The stretch tree. */
    {
        size_t scope = gc_scope_open(mut);
        gc_obj **h = gc_push(mut, make_tree(mut, sh.t_node, sh.max_depth + 1));
        uint64_t check = verify_tree(mut, h, sh.max_depth + 1, "stretch tree", err, errlen);
        if (check && verify_distinct(mut, *h, sh.max_depth + 1, "stretch tree", err, errlen)) check = 0;
        gc_scope_close(mut, scope);
        trees++;
        if (!check) {
            status = -1;
            goto out;
        }
    }

    /* The long-lived tree, held in a handle of this thread, which stays attached but blocked while the
     * workers run. */
    gc_obj **long_lived = gc_push(mut, make_tree(mut, sh.t_node, sh.max_depth));
    trees++;
    gc_block_enter(mut);
    unsigned started = 0;
    for (; started < sh.nthreads; started++) {
        workers[started].sh = &sh;
        workers[started].index = started;
        if (pthread_create(&workers[started].thread, NULL, worker_main, &workers[started])) {
            atomic_store(&sh.failed, 1);
            snprintf(err, errlen, "cannot create thread %u", started);
            status = -1;
            break;
        }
    }
    for (unsigned t = 0; t < started; t++) pthread_join(workers[t].thread, NULL);
    gc_block_leave(mut);
    for (unsigned t = 0; t < started && !status; t++) {
        if (workers[t].status) {
            snprintf(err, errlen, "thread %u: %s", t, workers[t].err);
            status = -1;
        }
    }
    for (int d = MIN_DEPTH; d <= sh.max_depth && !status; d += 2) {
        uint64_t n = 0, check = 0, iters = iterations(sh.max_depth, d);
        for (unsigned t = 0; t < started; t++) {
            n += workers[t].trees[d];
            check += workers[t].check[d];
        }
        trees += n;
        if (n != iters || check != iters * tree_size(d)) {
            snprintf(err, errlen, "depth %d: %llu trees, total check %llu; expected %llu trees, check %llu", d,
                     (unsigned long long)n, (unsigned long long)check, (unsigned long long)iters,
                     (unsigned long long)(iters * tree_size(d)));
            status = -1;
        }
    }
    if (!status && !verify_tree(mut, long_lived, sh.max_depth, "long-lived tree", err, errlen)) status = -1;
    if (!status && verify_distinct(mut, *long_lived, sh.max_depth, "long-lived tree", err, errlen)) status = -1;
out:
    gc_scope_close(mut, base);
    gc_detach(mut);
    free(workers);
    ctx->ops = trees;
    return status;
}

const workload wl_binarytrees = {
    .name = "binarytrees",
    .summary = "benchmarks-game binary-trees: a long-lived tree and many short-lived trees, split across threads",
    .params = params,
    .nparams = P_COUNT,
    .multithreaded = true,
    .latency = false,
    .live_bytes = live_bytes,
    .run = run,
};
