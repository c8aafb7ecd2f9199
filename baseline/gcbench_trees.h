/* gcbench_trees.h: the allocating half of gcbench's baselines (gcbench_base.h), included by each so
 * that its allocation calls are direct, as a program written against that allocator makes them. The
 * same allocations in the same order as workloads/gcbench.c: a stretch tree, a long-lived tree and
 * array, then --loops times, for d = min-depth, min-depth+2, ..., max-depth, 2*treesize(stretch) /
 * treesize(d) trees top-down (Populate) and as many bottom-up (MakeTree), each checked, on --threads
 * threads; at the end the long-lived tree and array are checked.
 *
 * The includer defines, before including this file:
 *   static node *bl_node(void);                 32 bytes for a node (every field is written here)
 *   static void bl_drop_tree(node *n);          a checked tree is garbage (malloc: free it whole)
 *   static uint64_t *bl_array(size_t bytes);    zeroed bytes for the long-lived array
 *   static void bl_drop_array(uint64_t *a);
 *   static const bl_baseline bl_self;           for errors
 * and includes whatever makes pthread_create register threads with its allocator (libgc's gc.h). */
#ifndef GCLAB_GCBENCH_TREES_H
#define GCLAB_GCBENCH_TREES_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcbench_base.h"

typedef struct shared {
    int min_depth, max_depth, stretch_depth, loops;
    _Atomic int failed;
} shared;

static node *new_node(uint32_t idx, int depth, uint64_t *bytes) {
    node *n = bl_node();
    if (!n) bl_out_of_memory(&bl_self);
    n->hdr = HDR(T_NODE, 2, 8);
    n->slot[0] = n->slot[1] = NULL;
    n->i = idx;
    n->j = (uint32_t)depth;
    *bytes += sizeof *n;
    return n;
}

static void populate(int depth, node *h, uint32_t idx, uint64_t *bytes) {
    if (depth <= 0) return;
    depth--;
    h->slot[0] = new_node(2 * idx, depth, bytes);
    h->slot[1] = new_node(2 * idx + 1, depth, bytes);
    populate(depth, h->slot[0], 2 * idx, bytes);
    populate(depth, h->slot[1], 2 * idx + 1, bytes);
}

static node *make_tree(int depth, uint32_t idx, uint64_t *bytes) {
    if (depth <= 0) return new_node(idx, 0, bytes);
    node *l = make_tree(depth - 1, 2 * idx, bytes);
    node *r = make_tree(depth - 1, 2 * idx + 1, bytes);
    node *n = new_node(idx, depth, bytes);
    n->slot[0] = l;
    n->slot[1] = r;
    return n;
}

typedef struct worker {
    shared *sh;
    pthread_t thread;
    uint64_t trees, bytes;
    int status;
    char err[256];
} worker;

static void *worker_main(void *arg) {
    worker *w = arg;
    shared *sh = w->sh;
    uint64_t stretch_size = bl_tree_size(sh->stretch_depth);
    for (int loop = 0; loop < sh->loops && !w->status; loop++) {
        for (int d = sh->min_depth; d <= sh->max_depth && !w->status; d += 2) {
            uint64_t iters = 2 * stretch_size / bl_tree_size(d);
            for (uint64_t i = 0; i < iters && !w->status && !sh->failed; i++) {
                node *h = new_node(1, d, &w->bytes);
                populate(d, h, 1, &w->bytes);
                if (bl_verify_tree(h, d, "top-down tree", w->err, sizeof w->err, NULL)) w->status = -1;
                bl_drop_tree(h);
                w->trees++;
            }
            for (uint64_t i = 0; i < iters && !w->status && !sh->failed; i++) {
                node *h = make_tree(d, 1, &w->bytes);
                if (bl_verify_tree(h, d, "bottom-up tree", w->err, sizeof w->err, NULL)) w->status = -1;
                bl_drop_tree(h);
                w->trees++;
            }
        }
    }
    if (w->status) sh->failed = 1;
    return NULL;
}

/* The long-lived tree and array while the program runs, each by its start: a collecting allocator sees
 * them in the data segment (gclab's workload holds them in global roots). volatile: the stores are made
 * although nothing here reads them back. */
static node *volatile bl_long_lived_root;
static uint64_t *volatile bl_array_root;

/* The program once: r's status, error, wall and CPU time, trees, bytes and peak RSS. */
static void bl_run_shape(const int64_t *p, unsigned nthreads, bl_result *res) {
    shared sh = {.min_depth = (int)p[P_MIN_DEPTH], .max_depth = (int)p[P_MAX_DEPTH], .loops = (int)p[P_LOOPS]};
    sh.stretch_depth = bl_stretch_depth(p);
    int long_depth = (int)p[P_LONG_DEPTH];
    size_t array_size = (size_t)p[P_ARRAY_SIZE];
    worker *workers = calloc(nthreads, sizeof *workers);
    if (!workers) bl_out_of_memory(&bl_self);
    uint64_t bytes = 0, trees = 0, t0, c0;
    bl_begin(res, &t0, &c0);

    node *stretch = make_tree(sh.stretch_depth, 1, &bytes);
    res->status = bl_verify_tree(stretch, sh.stretch_depth, "stretch tree", res->err, sizeof res->err, NULL);
    bl_drop_tree(stretch);
    trees++;
    node *long_lived = NULL;
    double *array = NULL;
    if (!res->status) {
        long_lived = new_node(1, long_depth, &bytes);
        bl_long_lived_root = long_lived;
        populate(long_depth, long_lived, 1, &bytes);
        trees++;
        /* A gclab raw array: a header word, then the doubles, zeroed. */
        uint64_t *a = bl_array(sizeof(uint64_t) + 8 * array_size);
        if (!a) bl_out_of_memory(&bl_self);
        bl_array_root = a;
        a[0] = HDR(T_ARRAY, 0, 8 * array_size);
        bytes += sizeof(uint64_t) + 8 * array_size;
        array = (double *)(a + 1);
        for (size_t i = 1; i < array_size / 2; i++) array[i] = 1.0 / (double)i;
        unsigned started = 0;
        for (; started < nthreads; started++) {
            workers[started].sh = &sh;
            if (pthread_create(&workers[started].thread, NULL, worker_main, &workers[started])) {
                sh.failed = 1;
                snprintf(res->err, sizeof res->err, "cannot create thread %u", started);
                res->status = -1;
                break;
            }
        }
        for (unsigned t = 0; t < started; t++) {
            pthread_join(workers[t].thread, NULL);
            trees += workers[t].trees;
            bytes += workers[t].bytes;
            if (workers[t].status && !res->status) {
                snprintf(res->err, sizeof res->err, "thread %u: %s", t, workers[t].err);
                res->status = -1;
            }
        }
    }
    if (!res->status) res->status = bl_verify_long_lived(long_lived, long_depth, array, array_size, res->err, sizeof res->err);
    bl_long_lived_root = NULL;
    bl_array_root = NULL;
    if (long_lived) bl_drop_tree(long_lived);
    if (array) bl_drop_array((uint64_t *)array - 1);
    bl_end(res, t0, c0);
    res->ops = trees;
    res->bytes = bytes;
    free(workers);
}

#endif
