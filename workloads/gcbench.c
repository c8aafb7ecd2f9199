/* gcbench: the Ellis/Kovac/Boehm GCBench shape (docs/DESIGN.md §5).
 *
 * A stretch tree of depth stretch-depth (default max-depth+1) is built and dropped; then a long-lived tree (Populate, top-down)
 * of depth long-lived-depth and a raw array of doubles (array[i] = 1.0/i for the first half) are kept
 * live in global roots; then for d = min-depth, min-depth+2, ..., max-depth, iterations(d) =
 * 2*treesize(stretch)/treesize(d) trees are built top-down (Populate) and as many bottom-up (MakeTree);
 * --loops L runs that whole depth loop L times (the long form of the benchmark: 20 loops of depths 4..16).
 * With --threads N, N threads each run that short-lived part while the long-lived tree and the array stay
 * live (read only).
 *
 * Every node records its heap index i (root 1, children 2i and 2i+1) and its remaining depth j in its raw
 * bytes. Every tree built is walked afterwards: its node count must be treesize(depth), every node's i,j
 * must match its position, and leaves must have no children. At the end the long-lived tree is walked the
 * same way and its checksum compared with the closed form, and every array element is compared.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"
#include "wl_size.h"

enum { P_MIN_DEPTH, P_MAX_DEPTH, P_LONG_DEPTH, P_ARRAY_SIZE, P_LOOPS, P_STRETCH_DEPTH, P_COUNT };

static const wl_param params[] = {
    [P_MIN_DEPTH] = {"min-depth", "depth of the smallest short-lived trees", 4, 0, 28},
    [P_MAX_DEPTH] = {"max-depth",
                     "depth of the largest short-lived trees (the stretch tree is one deeper by default; "
                     "above 22 needs a heap of several GiB)",
                     16, 0, 28},
    [P_LONG_DEPTH] = {"long-lived-depth", "depth of the long-lived tree (above 22 needs a big heap)", 16, 0,
                      28},
    [P_ARRAY_SIZE] = {"array-size", "doubles in the long-lived raw array", 500000, 0, 1 << 27},
    [P_LOOPS] = {"loops",
                 "times the short-lived part (every depth, min-depth to max-depth) runs; the classic "
                 "long GCBench is --max-depth 16 --loops 20",
                 1, 1, 1000},
    [P_STRETCH_DEPTH] = {"stretch-depth",
                         "depth of the stretch tree, which also sets the trees built per depth "
                         "(2 x its size / their size); 0: max-depth + 1; the classic GCBench's is 18",
                         0, 0, 29},
};

typedef struct node_raw {
    uint32_t i;  /* heap index: root 1, children 2i and 2i+1 */
    uint32_t j;  /* remaining depth: leaves 0 */
} node_raw;

/* Subtrees at least this deep are walked through handles so the walk can poll safepoints. */
#define POLL_DEPTH 10

static uint64_t tree_size(int depth) { return ((uint64_t)1 << (depth + 1)) - 1; }

/* Closed form of the checksum below for a correct tree: sum over nodes of 3*i + j. */
static uint64_t expected_checksum(int depth) {
    uint64_t n = tree_size(depth), sum = 3 * (n * (n + 1) / 2);
    for (int level = 0; level <= depth; level++) sum += ((uint64_t)1 << level) * (uint64_t)(depth - level);
    return sum;
}

typedef struct shared {
    gc_heap *heap;
    gc_type t_node, t_array;
    int min_depth, max_depth, stretch_depth, loops;
    atomic_int failed;
} shared;

typedef struct tree_check {
    uint64_t nodes;     /* nodes reached */
    uint64_t bad;       /* nodes whose fields or shape are wrong */
    uint64_t checksum;  /* sum of 3*i + j */
} tree_check;

static gc_obj *new_node(gc_mut *mut, const shared *sh, uint32_t idx, int depth) {
    gc_obj *n = gc_alloc(mut, sh->t_node, 2, sizeof(node_raw));
    node_raw *r = gc_raw(n);
    r->i = idx;
    r->j = (uint32_t)depth;
    return n;
}

/* Populate: gives the node in *h (already made for depth, index idx) its children, top-down. */
static void populate(gc_mut *mut, const shared *sh, int depth, gc_obj **h, uint32_t idx) {
    if (depth <= 0) return;
    depth--;
    size_t scope = gc_scope_open(mut);
    gc_obj **left = gc_push(mut, new_node(mut, sh, 2 * idx, depth));
    gc_write(mut, *h, 0, *left);
    gc_obj **right = gc_push(mut, new_node(mut, sh, 2 * idx + 1, depth));
    gc_write(mut, *h, 1, *right);
    populate(mut, sh, depth, left, 2 * idx);
    populate(mut, sh, depth, right, 2 * idx + 1);
    gc_scope_close(mut, scope);
}

/* MakeTree: builds a tree bottom-up. */
static gc_obj *make_tree(gc_mut *mut, const shared *sh, int depth, uint32_t idx) {
    if (depth <= 0) return new_node(mut, sh, idx, 0);
    size_t scope = gc_scope_open(mut);
    gc_obj **left = gc_push(mut, make_tree(mut, sh, depth - 1, 2 * idx));
    gc_obj **right = gc_push(mut, make_tree(mut, sh, depth - 1, 2 * idx + 1));
    gc_obj *n = new_node(mut, sh, idx, depth);
    gc_write(mut, n, 0, *left);
    gc_write(mut, n, 1, *right);
    gc_scope_close(mut, scope);
    return n;
}

/* Counts one node and checks its fields against its position. */
static void check_node(gc_obj *n, int depth, uint32_t idx, tree_check *c) {
    const node_raw *r = gc_raw(n);
    c->nodes++;
    c->checksum += 3 * (uint64_t)r->i + r->j;
    if (r->i != idx || r->j != (uint32_t)depth) c->bad++;
    if (gc_nptrs(n) != 2 || gc_nbytes(n) < sizeof(node_raw)) c->bad++;
}

/* Walks a subtree with raw pointers (no safepoint inside). The walk never goes deeper than the expected
 * depth, so a corrupted tree cannot make it loop. */
static void check_raw(gc_obj *n, int depth, uint32_t idx, tree_check *c) {
    check_node(n, depth, idx, c);
    gc_obj *l = gc_read(n, 0), *r = gc_read(n, 1);
    if (depth == 0) {
        if (l || r) c->bad++;
        return;
    }
    if (!l || !r) c->bad++;
    if (l) check_raw(l, depth - 1, 2 * idx, c);
    if (r) check_raw(r, depth - 1, 2 * idx + 1, c);
}

/* Walks the tree in *h; deep subtrees go through handles and poll safepoints. */
static void check_tree(gc_mut *mut, gc_obj **h, int depth, uint32_t idx, tree_check *c) {
    if (depth < POLL_DEPTH) {
        check_raw(*h, depth, idx, c);
        return;
    }
    gc_safepoint(mut);
    check_node(*h, depth, idx, c);
    size_t scope = gc_scope_open(mut);
    for (size_t k = 0; k < 2; k++) {
        gc_obj *child = gc_read(*h, k);  /* *h reloaded: the previous walk polled safepoints */
        if (!child) {
            c->bad++;
            continue;
        }
        check_tree(mut, gc_push(mut, child), depth - 1, 2 * idx + (uint32_t)k, c);
    }
    gc_scope_close(mut, scope);
}

/* Walks the tree in *h and reports the first problem; returns 0 if it is intact. */
static int verify_tree(gc_mut *mut, gc_obj **h, int depth, const char *what, char *err, size_t errlen,
                       uint64_t *checksum) {
    tree_check c = {0, 0, 0};
    if (!*h) {
        snprintf(err, errlen, "%s (depth %d) is NULL", what, depth);
        return -1;
    }
    check_tree(mut, h, depth, 1, &c);
    if (c.nodes != tree_size(depth) || c.bad) {
        snprintf(err, errlen, "%s (depth %d): %llu nodes, expected %llu; %llu nodes with wrong fields or shape",
                 what, depth, (unsigned long long)c.nodes, (unsigned long long)tree_size(depth),
                 (unsigned long long)c.bad);
        return -1;
    }
    if (checksum) *checksum = c.checksum;
    return 0;
}

typedef struct worker {
    shared *sh;
    unsigned index;
    pthread_t thread;
    uint64_t trees;
    int status;
    char err[256];
} worker;

static void *worker_main(void *arg) {
    worker *w = arg;
    shared *sh = w->sh;
    gc_mut *mut = gc_attach(sh->heap);
    size_t base = gc_scope_open(mut);
    uint64_t stretch_size = tree_size(sh->stretch_depth);
    for (int loop = 0; loop < sh->loops && !w->status; loop++) {
        for (int d = sh->min_depth; d <= sh->max_depth && !w->status; d += 2) {
            uint64_t iters = 2 * stretch_size / tree_size(d);
            for (uint64_t i = 0; i < iters && !w->status; i++) {
                if (atomic_load_explicit(&sh->failed, memory_order_relaxed)) goto out;
                size_t scope = gc_scope_open(mut);
                gc_obj **h = gc_push(mut, new_node(mut, sh, 1, d));
                populate(mut, sh, d, h, 1);
                if (verify_tree(mut, h, d, "top-down tree", w->err, sizeof w->err, NULL)) w->status = -1;
                gc_scope_close(mut, scope);
                w->trees++;
            }
            for (uint64_t i = 0; i < iters && !w->status; i++) {
                if (atomic_load_explicit(&sh->failed, memory_order_relaxed)) goto out;
                size_t scope = gc_scope_open(mut);
                gc_obj **h = gc_push(mut, make_tree(mut, sh, d, 1));
                if (verify_tree(mut, h, d, "bottom-up tree", w->err, sizeof w->err, NULL)) w->status = -1;
                gc_scope_close(mut, scope);
                w->trees++;
            }
        }
    }
out:
    if (w->status) atomic_store(&sh->failed, 1);
    gc_scope_close(mut, base);
    gc_detach(mut);
    return NULL;
}

/* --stretch-depth, its default resolved. */
static int stretch_depth(const int64_t *param) {
    return param[P_STRETCH_DEPTH] ? (int)param[P_STRETCH_DEPTH] : (int)param[P_MAX_DEPTH] + 1;
}

static uint64_t live_bytes(const int64_t *param, unsigned threads) {
    (void)threads;  /* other threads' trees need not be live at the same moment */
    uint64_t node = wl_obj_size(2, sizeof(node_raw));
    uint64_t stretch = tree_size(stretch_depth(param)) * node;
    uint64_t steady = tree_size((int)param[P_LONG_DEPTH]) * node + wl_obj_size(0, 8 * (uint64_t)param[P_ARRAY_SIZE]) +
                      tree_size((int)param[P_MAX_DEPTH]) * node;
    return stretch > steady ? stretch : steady;
}

static int run(wl_ctx *ctx, char *err, size_t errlen) {
    shared sh;
    sh.heap = ctx->heap;
    sh.min_depth = (int)ctx->param[P_MIN_DEPTH];
    sh.max_depth = (int)ctx->param[P_MAX_DEPTH];
    sh.stretch_depth = stretch_depth(ctx->param);
    sh.loops = (int)ctx->param[P_LOOPS];
    atomic_init(&sh.failed, 0);
    int long_depth = (int)ctx->param[P_LONG_DEPTH];
    size_t array_size = (size_t)ctx->param[P_ARRAY_SIZE];
    unsigned nthreads = ctx->threads ? ctx->threads : 1;
    if (sh.min_depth > sh.max_depth) {
        snprintf(err, errlen, "--min-depth %d is greater than --max-depth %d", sh.min_depth, sh.max_depth);
        return WL_BAD_PARAMS;
    }
    if (sh.stretch_depth < sh.max_depth) {
        /* Fewer than 2 trees of the deepest size per depth (none once it is 2 levels shallower). */
        snprintf(err, errlen, "--stretch-depth %d is less than --max-depth %d", sh.stretch_depth, sh.max_depth);
        return WL_BAD_PARAMS;
    }
    sh.t_node = gc_register_type(ctx->heap, "gcbench.node");
    sh.t_array = gc_register_type(ctx->heap, "gcbench.array");

    worker *workers = calloc(nthreads, sizeof *workers);
    if (!workers) {
        snprintf(err, errlen, "out of memory for %u workers", nthreads);
        return -1;
    }

    int status = 0;
    uint64_t trees = 0;
    gc_obj *long_lived = NULL, *array = NULL;  /* global roots while the workers run */
    gc_mut *mut = gc_attach(ctx->heap);
    size_t base = gc_scope_open(mut);

    /* The stretch tree. */
    {
        size_t scope = gc_scope_open(mut);
        gc_obj **h = gc_push(mut, make_tree(mut, &sh, sh.stretch_depth, 1));
        status = verify_tree(mut, h, sh.stretch_depth, "stretch tree", err, errlen, NULL);
        gc_scope_close(mut, scope);
        trees++;
        if (status) goto out;
    }

    /* The long-lived tree and array. */
    gc_add_root(ctx->heap, &long_lived);
    gc_add_root(ctx->heap, &array);
    long_lived = new_node(mut, &sh, 1, long_depth);
    populate(mut, &sh, long_depth, &long_lived, 1);
    trees++;
    array = gc_alloc(mut, sh.t_array, 0, 8 * array_size);
    {
        double *a = gc_raw(array);
        for (size_t i = 1; i < array_size / 2; i++) a[i] = 1.0 / (double)i;  /* a[0] stays 0, not 1/0 */
    }

    /* The short-lived part, on N threads; this thread stays attached but blocked while it waits. */
    gc_block_enter(mut);
    unsigned started = 0;
    for (; started < nthreads; started++) {
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
    for (unsigned t = 0; t < started; t++) {
        trees += workers[t].trees;
        if (workers[t].status && !status) {
            snprintf(err, errlen, "thread %u: %s", t, workers[t].err);
            status = -1;
        }
    }

    /* The long-lived data must be intact. */
    if (!status) {
        uint64_t checksum = 0;
        status = verify_tree(mut, &long_lived, long_depth, "long-lived tree", err, errlen, &checksum);
        if (!status && checksum != expected_checksum(long_depth)) {
            snprintf(err, errlen, "long-lived tree checksum %llu, expected %llu", (unsigned long long)checksum,
                     (unsigned long long)expected_checksum(long_depth));
            status = -1;
        }
    }
    if (!status) {
        if (!array || gc_nbytes(array) < 8 * array_size) {
            snprintf(err, errlen, "long-lived array lost or shrunk");
            status = -1;
        } else {
            const double *a = gc_raw(array);
            for (size_t i = 0; i < array_size; i++) {
                double want = i >= 1 && i < array_size / 2 ? 1.0 / (double)i : 0.0;
                if (a[i] != want) {
                    snprintf(err, errlen, "long-lived array[%zu] = %.17g, expected %.17g", i, a[i], want);
                    status = -1;
                    break;
                }
            }
        }
    }
    gc_remove_root(ctx->heap, &long_lived);
    gc_remove_root(ctx->heap, &array);
out:
    gc_scope_close(mut, base);
    gc_detach(mut);
    free(workers);
    ctx->ops = trees;
    return status;
}

const workload wl_gcbench = {
    .name = "gcbench",
    .summary = "Ellis/Kovac/Boehm GCBench: long-lived tree and array, short-lived trees top-down and bottom-up",
    .params = params,
    .nparams = P_COUNT,
    .multithreaded = true,
    .latency = false,
    .live_bytes = live_bytes,
    .run = run,
};
