/* gcbench_malloc.c: the malloc/free baseline of gcbench (issue 4): the same program as
 * workloads/gcbench.c, the same allocations in the same order (gcbench_trees.h), each node allocated
 * with glibc malloc and every tree freed with free() as soon as it has been checked (the long-lived
 * tree and array at the end), as in the explicit-free versions of the Ellis/Kovac/Boehm GCBench.
 *
 * It speaks `gclab run gcbench` so suites and make bench can run it as variant "malloc"
 * (collector/malloc.mk builds it as build/malloc/gclab; the driver is gcbench_base.c). Collector
 * options (--gc-threads, --heap, ...) are accepted, ignored and recorded as given; the GC columns of
 * its rows are 0. */
#include <stdlib.h>

#include "gcbench_base.h"

static const bl_baseline bl_self;

static node *bl_node(void) { return malloc(sizeof(node)); }

static void bl_drop_tree(node *n) {
    if (!n) return;
    bl_drop_tree(n->slot[0]);
    bl_drop_tree(n->slot[1]);
    free(n);
}

static uint64_t *bl_array(size_t bytes) { return calloc(1, bytes); }
static void bl_drop_array(uint64_t *a) { free(a); }

#include "gcbench_trees.h"

static const bl_baseline bl_self = {.name = "malloc", .what = "glibc malloc/free", .run = bl_run_shape};

int main(int argc, char **argv) { return bl_main(argc, argv, &bl_self); }
