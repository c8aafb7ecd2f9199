/* gcbench_malloc.c: the malloc/free baseline of gcbench (issue 4): the same program as
 * workloads/gcbench.c, the same allocations in the same order, each node allocated with glibc malloc
 * and every tree freed with free() as soon as it has been checked (the long-lived tree and array at
 * the end), as in the explicit-free versions of the Ellis/Kovac/Boehm GCBench.
 *
 * A node has the layout of a gclab object: a header word (type, pointer count, raw size, checked as
 * gclab's are), two child pointers and the raw {i, j}: 32 bytes, malloc'd and initialised field by
 * field (gc_alloc hands out zeroed objects; here every field is written, which costs the same). The
 * checks are gcbench's: every tree's node count, every node's i and j against its position, leaves
 * without children, the long-lived tree's checksum against its closed form, the array's values.
 *
 * It speaks `gclab run gcbench` so suites and make bench can run it as variant "malloc"
 * (collector/malloc.mk builds it as build/malloc/gclab): the workload options, --threads, --repeat,
 * --first-rep N (the first repetition's number, for the suite runner's interleaved rounds),
 * --quiet and --out DIR (a runs.csv row per repetition, in the columns the folder's runs.csv already
 * has, or results.c's when it is new; GC columns 0). Collector options (--gc-threads, --heap, ...)
 * are accepted and ignored. Wall time is the run of the workload, as the harness measures it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* RUNS_HEADER: runs.csv's columns, for a folder that has no runs.csv yet. */
#include "columns.h"

#include "clock.h"

enum { P_MIN_DEPTH, P_MAX_DEPTH, P_LONG_DEPTH, P_ARRAY_SIZE, P_COUNT };
static const struct {
    const char *name;
    int64_t def, min, max;
} params[P_COUNT] = {
    {"min-depth", 4, 0, 28}, {"max-depth", 16, 0, 28}, {"long-lived-depth", 16, 0, 28}, {"array-size", 500000, 0, 1 << 27}};

#define T_NODE 1u
#define T_ARRAY 2u
#define HDR(type, nptrs, nbytes) ((uint64_t)(type) << 8 | (uint64_t)(nptrs) << 24 | (uint64_t)(nbytes) << 44)

typedef struct node {
    uint64_t hdr;
    struct node *slot[2];
    uint32_t i, j;
} node;

typedef struct tree_check {
    uint64_t nodes, bad, checksum;
} tree_check;

typedef struct shared {
    int min_depth, max_depth, stretch_depth;
    _Atomic int failed;
} shared;

static uint64_t tree_size(int depth) { return ((uint64_t)1 << (depth + 1)) - 1; }

static uint64_t expected_checksum(int depth) {
    uint64_t n = tree_size(depth), sum = 3 * (n * (n + 1) / 2);
    for (int level = 0; level <= depth; level++) sum += ((uint64_t)1 << level) * (uint64_t)(depth - level);
    return sum;
}

static node *new_node(uint32_t idx, int depth, uint64_t *bytes) {
    node *n = malloc(sizeof *n);
    if (!n) {
        fputs("gclab: gcbench on malloc: out of memory\n", stderr);
        exit(3);
    }
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

static void check_node(const node *n, int depth, uint32_t idx, tree_check *c) {
    c->nodes++;
    c->checksum += 3 * (uint64_t)n->i + n->j;
    if (n->i != idx || n->j != (uint32_t)depth) c->bad++;
    if (((n->hdr >> 24) & 0xfffff) != 2 || (n->hdr >> 44) < 8) c->bad++;
}

static void check_raw(const node *n, int depth, uint32_t idx, tree_check *c) {
    check_node(n, depth, idx, c);
    const node *l = n->slot[0], *r = n->slot[1];
    if (depth == 0) {
        if (l || r) c->bad++;
        return;
    }
    if (!l || !r) c->bad++;
    if (l) check_raw(l, depth - 1, 2 * idx, c);
    if (r) check_raw(r, depth - 1, 2 * idx + 1, c);
}

static int verify_tree(const node *h, int depth, const char *what, char *err, size_t errlen, uint64_t *checksum) {
    tree_check c = {0, 0, 0};
    check_raw(h, depth, 1, &c);
    if (c.nodes != tree_size(depth) || c.bad) {
        snprintf(err, errlen, "%s (depth %d): %" PRIu64 " nodes, expected %" PRIu64 "; %" PRIu64 " wrong", what, depth,
                 c.nodes, tree_size(depth), c.bad);
        return -1;
    }
    if (checksum) *checksum = c.checksum;
    return 0;
}

static void free_tree(node *n) {
    if (!n) return;
    free_tree(n->slot[0]);
    free_tree(n->slot[1]);
    free(n);
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
    uint64_t stretch_size = tree_size(sh->stretch_depth);
    for (int d = sh->min_depth; d <= sh->max_depth && !w->status; d += 2) {
        uint64_t iters = 2 * stretch_size / tree_size(d);
        for (uint64_t i = 0; i < iters && !w->status && !sh->failed; i++) {
            node *h = new_node(1, d, &w->bytes);
            populate(d, h, 1, &w->bytes);
            if (verify_tree(h, d, "top-down tree", w->err, sizeof w->err, NULL)) w->status = -1;
            free_tree(h);
            w->trees++;
        }
        for (uint64_t i = 0; i < iters && !w->status && !sh->failed; i++) {
            node *h = make_tree(d, 1, &w->bytes);
            if (verify_tree(h, d, "bottom-up tree", w->err, sizeof w->err, NULL)) w->status = -1;
            free_tree(h);
            w->trees++;
        }
    }
    if (w->status) sh->failed = 1;
    return NULL;
}

typedef struct result {
    int status;
    char err[256];
    uint64_t wall_ns, cpu_ns, ops, bytes, peak_rss;
} result;

static void run(const int64_t *p, unsigned nthreads, result *res) {
    memset(res, 0, sizeof *res);
    shared sh = {.min_depth = (int)p[P_MIN_DEPTH], .max_depth = (int)p[P_MAX_DEPTH]};
    sh.stretch_depth = sh.max_depth + 1;
    int long_depth = (int)p[P_LONG_DEPTH];
    size_t array_size = (size_t)p[P_ARRAY_SIZE];
    worker *workers = calloc(nthreads, sizeof *workers);
    uint64_t bytes = 0, trees = 0;
    int fd = open("/proc/self/clear_refs", O_WRONLY);
    if (fd >= 0) {
        if (write(fd, "5", 1) < 0) {}
        close(fd);
    }
    uint64_t t0 = gc_now_ns(), c0 = gc_process_cpu_ns();

    node *stretch = make_tree(sh.stretch_depth, 1, &bytes);
    res->status = verify_tree(stretch, sh.stretch_depth, "stretch tree", res->err, sizeof res->err, NULL);
    free_tree(stretch);
    trees++;
    node *long_lived = NULL;
    double *array = NULL;
    if (!res->status) {
        long_lived = new_node(1, long_depth, &bytes);
        populate(long_depth, long_lived, 1, &bytes);
        trees++;
        /* A gclab raw array: a header word, then the doubles, zeroed. */
        uint64_t *a = calloc(1, sizeof(uint64_t) + 8 * array_size);
        if (!a) {
            fputs("gclab: gcbench on malloc: out of memory\n", stderr);
            exit(3);
        }
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
    if (!res->status) {
        uint64_t checksum = 0;
        res->status = verify_tree(long_lived, long_depth, "long-lived tree", res->err, sizeof res->err, &checksum);
        if (!res->status && checksum != expected_checksum(long_depth)) {
            snprintf(res->err, sizeof res->err, "long-lived tree checksum %" PRIu64 ", expected %" PRIu64, checksum,
                     expected_checksum(long_depth));
            res->status = -1;
        }
    }
    if (!res->status)
        for (size_t i = 0; i < array_size; i++) {
            double want = i >= 1 && i < array_size / 2 ? 1.0 / (double)i : 0.0;
            if (array[i] != want) {
                snprintf(res->err, sizeof res->err, "long-lived array[%zu] = %.17g, expected %.17g", i, array[i], want);
                res->status = -1;
                break;
            }
        }
    free_tree(long_lived);
    if (array) free((uint64_t *)array - 1);
    res->wall_ns = gc_now_ns() - t0;
    res->cpu_ns = gc_process_cpu_ns() - c0;
    res->ops = trees;
    res->bytes = bytes;
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    uint64_t kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %" SCNu64, &kb) == 1) break;
    if (f) fclose(f);
    res->peak_rss = kb * 1024;
    free(workers);
}

_Noreturn static void usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("gclab: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (see gclab --help)\n", stderr);
    va_end(ap);
    exit(2);
}

static int64_t parse_int(const char *flag, const char *s, int64_t min, int64_t max) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end) usage_error("%s expects a whole number, not '%s'", flag, s);
    if (v < min || v > max) usage_error("%s %lld is out of range [%lld, %lld]", flag, v, (long long)min, (long long)max);
    return v;
}

/* Splits a CSV header into names; returns the count. */
static size_t split_header(char *h, char **names, size_t max) {
    size_t n = 0;
    for (char *tok = strtok(h, ",\r\n"); tok && n < max; tok = strtok(NULL, ",\r\n")) names[n++] = tok;
    return n;
}

/* Collector options: ignored, but recorded in the rows as given (gclab's defaults otherwise), so a
 * suite's comparison puts the baseline in the same configuration as the collectors beside it. */
static unsigned opt_gc_threads;
static unsigned first_rep = 1;   /* --first-rep: the number of the first repetition */
static const char *opt_heap_factor = "2";
static unsigned long long opt_max_heap = 1ull << 30;

static int write_rows(const char *dir, const int64_t *p, unsigned threads, const result *r, unsigned n) {
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "gclab: cannot create results folder %s: %s\n", dir, strerror(errno));
        return -1;
    }
    char path[4096], header[8192] = "";
    snprintf(path, sizeof path, "%s/runs.csv", dir);
    FILE *in = fopen(path, "r");
    bool fresh = !in || !fgets(header, sizeof header, in) || !header[0];
    if (in) fclose(in);
    if (fresh) snprintf(header, sizeof header, "%s", RUNS_HEADER);
    char copy[8192], *names[256];
    snprintf(copy, sizeof copy, "%s", header);
    size_t ncols = split_header(copy, names, 256);
    FILE *f = fopen(path, "a");
    if (!f) {
        fprintf(stderr, "gclab: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (fresh) fprintf(f, "%s\n", RUNS_HEADER);
    char params_s[256];
    snprintf(params_s, sizeof params_s, "\"min-depth=%lld max-depth=%lld long-lived-depth=%lld array-size=%lld\"",
             (long long)p[0], (long long)p[1], (long long)p[2], (long long)p[3]);
    for (unsigned k = 0; k < n; k++) {
        char id[64], v[512];
        snprintf(id, sizeof id, "%llx-%d-%u", (unsigned long long)time(NULL), (int)getpid(), first_rep + k);
        double secs = (double)r[k].wall_ns / 1e9;
        for (size_t c = 0; c < ncols; c++) {
            const char *name = names[c];
            v[0] = '0', v[1] = 0;
            if (!strcmp(name, "run_id")) snprintf(v, sizeof v, "%s", id);
            else if (!strcmp(name, "variant") || !strcmp(name, "collector")) snprintf(v, sizeof v, "malloc");
            else if (!strcmp(name, "workload")) snprintf(v, sizeof v, "gcbench");
            else if (!strcmp(name, "params")) snprintf(v, sizeof v, "%s", params_s);
            else if (!strcmp(name, "threads")) snprintf(v, sizeof v, "%u", threads);
            else if (!strcmp(name, "gc_threads")) snprintf(v, sizeof v, "%u", opt_gc_threads);
            else if (!strcmp(name, "heap_factor")) snprintf(v, sizeof v, "%g", atof(opt_heap_factor));
            else if (!strcmp(name, "max_heap_bytes")) snprintf(v, sizeof v, "%llu", opt_max_heap);
            else if (!strcmp(name, "rep")) snprintf(v, sizeof v, "%u", first_rep + k);
            else if (!strcmp(name, "status")) snprintf(v, sizeof v, "%s", r[k].status ? "failed" : "ok");
            else if (!strcmp(name, "wall_ns")) snprintf(v, sizeof v, "%" PRIu64, r[k].wall_ns);
            else if (!strcmp(name, "cpu_ns")) snprintf(v, sizeof v, "%" PRIu64, r[k].cpu_ns);
            else if (!strcmp(name, "allocated_bytes")) snprintf(v, sizeof v, "%" PRIu64, r[k].bytes);
            else if (!strcmp(name, "alloc_rate_mb_s")) snprintf(v, sizeof v, "%.1f", secs > 0 ? (double)r[k].bytes / 1048576.0 / secs : 0.0);
            else if (!strcmp(name, "peak_rss_bytes")) snprintf(v, sizeof v, "%" PRIu64, r[k].peak_rss);
            else if (!strcmp(name, "ops")) snprintf(v, sizeof v, "%" PRIu64, r[k].ops);
            else if (!strcmp(name, "error")) snprintf(v, sizeof v, "\"%s\"", r[k].err);
            else if (!strcmp(name, "pin")) snprintf(v, sizeof v, "none");
            else if (!strcmp(name, "gc_options")) snprintf(v, sizeof v, "\"\"");
            else if (!strncmp(name, "mmu_", 4)) snprintf(v, sizeof v, "1.0000");
            fprintf(f, "%s%s", c ? "," : "", v);
        }
        fputc('\n', f);
    }
    fclose(f);
    return 0;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h"))) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        printf("usage: gclab run gcbench [--threads N] [--repeat R] [--first-rep N] [--quiet] [--out DIR] [gcbench options]\n"
               "This binary is the 'malloc' baseline (glibc malloc/free, no collector): gcbench only.\n"
               "  --gc-threads N     ignored (default: one per core, %ld here, from sysconf)\n"
               "  collector options (--heap, --heap-factor, --pin, ...) are accepted and ignored\n",
               cores > 0 ? cores : 1);
        return 0;
    }
    if (argc >= 2 && !strcmp(argv[1], "list")) {
        printf("gcbench      GCBench with malloc/free (the baseline) [--threads]\n");
        return 0;
    }
    if (argc < 3 || strcmp(argv[1], "run")) usage_error(argc < 2 ? "missing command" : "unknown command '%s'", argv[1]);
    if (strcmp(argv[2], "gcbench")) usage_error("unknown workload '%s' (the malloc baseline runs gcbench only)", argv[2]);
    int64_t p[P_COUNT];
    for (int k = 0; k < P_COUNT; k++) p[k] = params[k].def;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    opt_gc_threads = cores > 0 ? (unsigned)cores : 1;
    unsigned threads = 1, repeat = 1;
    bool quiet = false;
    const char *out = NULL;
    static const char *ignored_flags[] = {"--verify", "--dry-pin"};
    static const char *ignored_values[] = {"--gc-threads", "--heap",    "--initial-heap", "--heap-factor", "--stress-every",
                                           "--pin",        "--nursery", "--promote-age",  "--mark-per-alloc"};
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i];
        bool skip = false;
        for (size_t k = 0; k < sizeof ignored_flags / sizeof *ignored_flags; k++) skip |= !strcmp(a, ignored_flags[k]);
        if (!strcmp(a, "--quiet")) quiet = true, skip = true;
        if (skip) continue;
        if (strncmp(a, "--", 2)) usage_error("unexpected argument '%s'", a);
        if (i + 1 >= argc) usage_error("%s needs a value", a);
        const char *v = argv[++i];
        for (size_t k = 0; k < sizeof ignored_values / sizeof *ignored_values; k++) skip |= !strcmp(a, ignored_values[k]);
        if (!strcmp(a, "--gc-threads")) opt_gc_threads = (unsigned)parse_int(a, v, 1, 1024);
        if (!strcmp(a, "--heap-factor")) opt_heap_factor = v;
        if (!strcmp(a, "--heap")) {
            char *end;
            double x = strtod(v, &end);
            double unit = *end == 'K' || *end == 'k' ? 1024.0 : *end == 'M' || *end == 'm' ? 1048576.0
                        : *end == 'G' || *end == 'g' ? 1073741824.0 : *end == 'T' || *end == 't' ? 1099511627776.0 : 1.0;
            opt_max_heap = (unsigned long long)(x * unit);
        }
        if (skip) continue;
        if (!strcmp(a, "--threads")) threads = (unsigned)parse_int(a, v, 1, 4096);
        else if (!strcmp(a, "--repeat")) repeat = (unsigned)parse_int(a, v, 1, 1000);
        else if (!strcmp(a, "--first-rep")) first_rep = (unsigned)parse_int(a, v, 1, 1000000);
        else if (!strcmp(a, "--out")) out = v;
        else {
            int k = 0;
            while (k < P_COUNT && strcmp(a + 2, params[k].name)) k++;
            if (k == P_COUNT) usage_error("unknown option %s for workload gcbench", a);
            p[k] = parse_int(a, v, params[k].min, params[k].max);
        }
    }
    if (p[P_MIN_DEPTH] > p[P_MAX_DEPTH])
        usage_error("gcbench: --min-depth %lld is greater than --max-depth %lld", (long long)p[P_MIN_DEPTH],
                    (long long)p[P_MAX_DEPTH]);
    result *r = calloc(repeat, sizeof *r);
    uint64_t *walls = calloc(repeat, sizeof *walls);
    int failed = 0;
    for (unsigned k = 0; k < repeat; k++) {
        run(p, threads, &r[k]);
        walls[k] = r[k].wall_ns;
        failed |= r[k].status != 0;
    }
    qsort(walls, repeat, sizeof *walls, cmp_u64);
    if (!quiet) {
        printf("gcbench on malloc: %u run%s (%d failed), %u mutator thread%s, glibc malloc/free\n", repeat,
               repeat == 1 ? "" : "s", failed, threads, threads == 1 ? "" : "s");
        printf("  params: min-depth=%lld max-depth=%lld long-lived-depth=%lld array-size=%lld\n", (long long)p[0],
               (long long)p[1], (long long)p[2], (long long)p[3]);
        printf("                               median          min          max\n");
        printf("  wall                    %9.1f ms %9.1f ms %9.1f ms\n", walls[(repeat - 1) / 2] / 1e6, walls[0] / 1e6,
               walls[repeat - 1] / 1e6);
    }
    int rc = failed ? 1 : 0;
    if (out && write_rows(out, p, threads, r, repeat)) rc = 2;
    for (unsigned k = 0; k < repeat; k++)
        if (r[k].status) fprintf(stderr, "gclab: gcbench on malloc failed its check: %s\n", r[k].err);
    free(r);
    free(walls);
    return rc;
}
