/* gcbench_base.h: what gcbench's baselines share (issues 4 and 14): the program's shape and checks, and
 * the driver that makes a baseline speak `gclab run gcbench`. A baseline is gcbench_base.c (this
 * driver, the node checks), gcbench_trees.h (the allocating half of the program, included so that its
 * allocation calls are direct) and one file that says how a node is allocated and dropped:
 *
 *   baseline/gcbench_malloc.c  glibc malloc, every tree freed once checked (variant malloc)
 *   baseline/gcbench_libgc.c   libgc called directly, trees dropped (variant libgc)
 *
 * Each builds as build/<variant>/gclab (baseline/baseline.mk), takes `gclab run gcbench` with the
 * workload's options (workloads/gcbench.c: the same names, defaults and ranges), --threads, --repeat,
 * --first-rep, --quiet and --out DIR (a runs.csv row per repetition, in the columns the folder's
 * runs.csv already has, or util/columns.h's when it is new), and accepts the collector options, which
 * a baseline may honour (bl_opts) and which are recorded in its rows as given. */
#ifndef GCLAB_GCBENCH_BASE_H
#define GCLAB_GCBENCH_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { P_MIN_DEPTH, P_MAX_DEPTH, P_LONG_DEPTH, P_ARRAY_SIZE, P_LOOPS, P_STRETCH_DEPTH, P_COUNT };

#define T_NODE 1u
#define T_ARRAY 2u
#define HDR(type, nptrs, nbytes) ((uint64_t)(type) << 8 | (uint64_t)(nptrs) << 24 | (uint64_t)(nbytes) << 44)

/* A node has the layout of a gclab object: a header word (type, pointer count, raw size, checked as
 * gclab's are), two child pointers and the raw {i, j}: 32 bytes. */
typedef struct node {
    uint64_t hdr;
    struct node *slot[2];
    uint32_t i, j;
} node;

/* The collector options as given (gclab's defaults otherwise). */
typedef struct bl_opts {
    unsigned gc_threads;            /* --gc-threads; one per online CPU when not given */
    unsigned long long max_heap;    /* --heap; 1 GiB */
    unsigned long long initial_heap;/* --initial-heap; 0 when not given */
    double heap_factor;             /* --heap-factor; 2 */
    char given[512];                /* the collector options given, as runs.csv's gc_options writes them */
} bl_opts;

/* One repetition. */
typedef struct bl_result {
    int status;
    char err[256];
    uint64_t wall_ns, cpu_ns, ops, bytes, peak_rss;
    /* What a collecting baseline reports (0 for malloc). */
    uint64_t collections, peak_heap, heap_end, initial_heap;
} bl_result;

typedef struct bl_baseline {
    const char *name;               /* the variant: "malloc", "libgc" */
    const char *what;               /* for the summary and --help: "glibc malloc/free" */
    /* Once, before the first repetition, with the options (may be NULL). */
    void (*setup)(const bl_opts *o);
    /* The program once, filling r (bl_run_shape does the shape; the baseline adds its figures). */
    void (*run)(const int64_t *p, unsigned threads, bl_result *r);
} bl_baseline;

/* gcbench_base.c */
uint64_t bl_tree_size(int depth);
uint64_t bl_expected_checksum(int depth);
/* --stretch-depth, its default (max-depth + 1) resolved. */
int bl_stretch_depth(const int64_t *p);
/* Checks the tree h of the given depth: node count, every node's fields against its position, leaves
 * without children. 0 if intact, else -1 with the reason in err. checksum may be NULL. */
int bl_verify_tree(const node *h, int depth, const char *what, char *err, size_t errlen, uint64_t *checksum);
/* The long-lived checks at the end: the tree's count and checksum, the array's values. */
int bl_verify_long_lived(const node *tree, int depth, const double *array, size_t array_size, char *err,
                         size_t errlen);
/* What a run records around the program: the clock, the process CPU and the peak RSS. */
void bl_begin(bl_result *r, uint64_t *t0, uint64_t *c0);
void bl_end(bl_result *r, uint64_t t0, uint64_t c0);
_Noreturn void bl_out_of_memory(const bl_baseline *b);
/* `gclab run gcbench ...` (or --help, list) for baseline b: parses, runs, prints, writes the rows. */
int bl_main(int argc, char **argv, const bl_baseline *b);

#endif
