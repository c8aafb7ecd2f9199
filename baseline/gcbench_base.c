/* gcbench_base.c: the driver and the checks gcbench's baselines share (gcbench_base.h): option parsing,
 * the summary, runs.csv rows, and the tree walk that checks what a baseline built, the same checks as
 * workloads/gcbench.c. Wall time is the run of the workload, as the harness measures it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "gcbench_base.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* RUNS_HEADER: runs.csv's columns, for a folder that has no runs.csv yet. */
#include "columns.h"

#include "clock.h"
#include "procmem.h"

/* workloads/gcbench.c's parameters: the same names, defaults and ranges (tests/areas/20-workloads.sh
 * runs both with the same options). */
static const struct {
    const char *name;
    int64_t def, min, max;
} params[P_COUNT] = {
    [P_MIN_DEPTH] = {"min-depth", 4, 0, 28},          [P_MAX_DEPTH] = {"max-depth", 16, 0, 28},
    [P_LONG_DEPTH] = {"long-lived-depth", 16, 0, 28}, [P_ARRAY_SIZE] = {"array-size", 500000, 0, 1 << 27},
    [P_LOOPS] = {"loops", 1, 1, 1000},                [P_STRETCH_DEPTH] = {"stretch-depth", 0, 0, 29},
};

uint64_t bl_tree_size(int depth) { return ((uint64_t)1 << (depth + 1)) - 1; }

uint64_t bl_expected_checksum(int depth) {
    uint64_t n = bl_tree_size(depth), sum = 3 * (n * (n + 1) / 2);
    for (int level = 0; level <= depth; level++) sum += ((uint64_t)1 << level) * (uint64_t)(depth - level);
    return sum;
}

int bl_stretch_depth(const int64_t *p) {
    return p[P_STRETCH_DEPTH] ? (int)p[P_STRETCH_DEPTH] : (int)p[P_MAX_DEPTH] + 1;
}

typedef struct tree_check {
    uint64_t nodes, bad, checksum;
} tree_check;

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

int bl_verify_tree(const node *h, int depth, const char *what, char *err, size_t errlen, uint64_t *checksum) {
    tree_check c = {0, 0, 0};
    check_raw(h, depth, 1, &c);
    if (c.nodes != bl_tree_size(depth) || c.bad) {
        snprintf(err, errlen, "%s (depth %d): %" PRIu64 " nodes, expected %" PRIu64 "; %" PRIu64 " wrong", what, depth,
                 c.nodes, bl_tree_size(depth), c.bad);
        return -1;
    }
    if (checksum) *checksum = c.checksum;
    return 0;
}

int bl_verify_long_lived(const node *tree, int depth, const double *array, size_t array_size, char *err,
                         size_t errlen) {
    uint64_t checksum = 0;
    if (bl_verify_tree(tree, depth, "long-lived tree", err, errlen, &checksum)) return -1;
    if (checksum != bl_expected_checksum(depth)) {
        snprintf(err, errlen, "long-lived tree checksum %" PRIu64 ", expected %" PRIu64, checksum,
                 bl_expected_checksum(depth));
        return -1;
    }
    for (size_t i = 0; i < array_size; i++) {
        double want = i >= 1 && i < array_size / 2 ? 1.0 / (double)i : 0.0;
        if (array[i] != want) {
            snprintf(err, errlen, "long-lived array[%zu] = %.17g, expected %.17g", i, array[i], want);
            return -1;
        }
    }
    return 0;
}

void bl_begin(bl_result *r, uint64_t *t0, uint64_t *c0) {
    memset(r, 0, sizeof *r);
    gc_process_peak_rss_reset();
    *t0 = gc_now_ns();
    *c0 = gc_process_cpu_ns();
}

void bl_end(bl_result *r, uint64_t t0, uint64_t c0) {
    r->wall_ns = gc_now_ns() - t0;
    r->cpu_ns = gc_process_cpu_ns() - c0;
    r->peak_rss = gc_process_peak_rss();
}

_Noreturn void bl_out_of_memory(const bl_baseline *b) {
    fprintf(stderr, "gclab: gcbench on %s: out of memory\n", b->name);
    exit(3);
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

/* A size as gclab takes it: a number with an optional K, M, G or T suffix (powers of 1024). */
static unsigned long long parse_size(const char *flag, const char *s) {
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    double unit = *end == 'K' || *end == 'k' ? 1024.0 : *end == 'M' || *end == 'm' ? 1048576.0
                : *end == 'G' || *end == 'g' ? 1073741824.0 : *end == 'T' || *end == 't' ? 1099511627776.0 : 1.0;
    if (unit != 1.0) end++;
    if (errno || end == s || *end || !(x >= 0) || x * unit > 1.8e19) usage_error("%s expects a size, not '%s'", flag, s);
    return (unsigned long long)(x * unit);
}

/* Splits a CSV header into names; returns the count. */
static size_t split_header(char *h, char **names, size_t max) {
    size_t n = 0;
    for (char *tok = strtok(h, ",\r\n"); tok && n < max; tok = strtok(NULL, ",\r\n")) names[n++] = tok;
    return n;
}

static unsigned first_rep = 1;   /* --first-rep: the number of the first repetition */

static void params_string(const int64_t *p, char *s, size_t len) {
    size_t used = 0;
    for (int k = 0; k < P_COUNT && used < len; k++)
        used += (size_t)snprintf(s + used, len - used, "%s%s=%lld", k ? " " : "", params[k].name, (long long)p[k]);
}

static int write_rows(const char *dir, const bl_baseline *b, const bl_opts *o, const int64_t *p, unsigned threads,
                      const bl_result *r, unsigned n) {
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
    char params_s[512];
    params_string(p, params_s, sizeof params_s);
    for (unsigned k = 0; k < n; k++) {
        char id[64], v[1024];
        snprintf(id, sizeof id, "%llx-%d-%u", (unsigned long long)time(NULL), (int)getpid(), first_rep + k);
        double secs = (double)r[k].wall_ns / 1e9;
        for (size_t c = 0; c < ncols; c++) {
            const char *name = names[c];
            v[0] = '0', v[1] = 0;
            if (!strcmp(name, "run_id")) snprintf(v, sizeof v, "%s", id);
            else if (!strcmp(name, "variant") || !strcmp(name, "collector")) snprintf(v, sizeof v, "%s", b->name);
            else if (!strcmp(name, "workload")) snprintf(v, sizeof v, "gcbench");
            else if (!strcmp(name, "params")) snprintf(v, sizeof v, "\"%s\"", params_s);
            else if (!strcmp(name, "threads")) snprintf(v, sizeof v, "%u", threads);
            else if (!strcmp(name, "gc_threads")) snprintf(v, sizeof v, "%u", o->gc_threads);
            else if (!strcmp(name, "heap_factor")) snprintf(v, sizeof v, "%g", o->heap_factor);
            else if (!strcmp(name, "max_heap_bytes")) snprintf(v, sizeof v, "%llu", o->max_heap);
            else if (!strcmp(name, "rep")) snprintf(v, sizeof v, "%u", first_rep + k);
            else if (!strcmp(name, "status")) snprintf(v, sizeof v, "%s", r[k].status ? "failed" : "ok");
            else if (!strcmp(name, "wall_ns")) snprintf(v, sizeof v, "%" PRIu64, r[k].wall_ns);
            else if (!strcmp(name, "cpu_ns")) snprintf(v, sizeof v, "%" PRIu64, r[k].cpu_ns);
            else if (!strcmp(name, "collections") || !strcmp(name, "pauses"))
                snprintf(v, sizeof v, "%" PRIu64, r[k].collections);
            else if (!strcmp(name, "allocated_bytes")) snprintf(v, sizeof v, "%" PRIu64, r[k].bytes);
            else if (!strcmp(name, "alloc_rate_mb_s")) snprintf(v, sizeof v, "%.1f", secs > 0 ? (double)r[k].bytes / 1048576.0 / secs : 0.0);
            else if (!strcmp(name, "peak_heap_bytes")) snprintf(v, sizeof v, "%" PRIu64, r[k].peak_heap);
            else if (!strcmp(name, "heap_total_bytes")) snprintf(v, sizeof v, "%" PRIu64, r[k].heap_end);
            else if (!strcmp(name, "initial_heap_bytes")) snprintf(v, sizeof v, "%" PRIu64, r[k].initial_heap);
            else if (!strcmp(name, "peak_rss_bytes")) snprintf(v, sizeof v, "%" PRIu64, r[k].peak_rss);
            else if (!strcmp(name, "ops")) snprintf(v, sizeof v, "%" PRIu64, r[k].ops);
            else if (!strcmp(name, "error")) snprintf(v, sizeof v, "\"%s\"", r[k].err);
            else if (!strcmp(name, "pin")) snprintf(v, sizeof v, "none");
            else if (!strcmp(name, "gc_options")) snprintf(v, sizeof v, "\"%s\"", o->given);
            /* No collector, no pause: MMU 1. A collecting baseline's pauses are not measured: empty. */
            else if (!strncmp(name, "mmu_", 4)) snprintf(v, sizeof v, "%s", r[k].collections ? "" : "1.0000");
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

/* The median (lower middle), min and max of one figure over the repetitions. */
static void print_row(const char *label, const bl_result *r, unsigned n, size_t field, double scale, const char *unit) {
    uint64_t *v = calloc(n, sizeof *v);
    if (!v) return;
    for (unsigned k = 0; k < n; k++) v[k] = *(const uint64_t *)((const char *)&r[k] + field);
    qsort(v, n, sizeof *v, cmp_u64);
    printf("  %-22s %9.1f %-3s %9.1f %-3s %9.1f %s\n", label, v[(n - 1) / 2] / scale, unit, v[0] / scale, unit,
           v[n - 1] / scale, unit);
    free(v);
}

/* Records a collector option as given, for gc_options (the harness records only those; --gc-threads,
 * --heap and --heap-factor have columns of their own). */
static void note_given(bl_opts *o, const char *flag, const char *value) {
    if (!strcmp(flag, "--gc-threads") || !strcmp(flag, "--heap") || !strcmp(flag, "--heap-factor") ||
        !strcmp(flag, "--pin") || !strcmp(flag, "--dry-pin"))
        return;
    size_t used = strlen(o->given);
    snprintf(o->given + used, sizeof o->given - used, "%s%s%s%s", used ? " " : "", flag + 2, value ? "=" : "",
             value ? value : "");
}

int bl_main(int argc, char **argv, const bl_baseline *b) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h"))) {
        printf("usage: gclab run gcbench [--threads N] [--repeat R] [--first-rep N] [--quiet] [--out DIR] [gcbench options]\n"
               "This binary is the '%s' baseline (%s, no gclab collector): gcbench only.\n"
               "  --gc-threads N     default: one per core, %ld here, from sysconf\n"
               "  gcbench options: --min-depth --max-depth --long-lived-depth --array-size --loops --stretch-depth\n"
               "  collector options (--heap, --heap-factor, --initial-heap, --pin, ...) are accepted; see README\n"
               "  for the ones this baseline honours\n",
               b->name, b->what, cores > 0 ? cores : 1);
        return 0;
    }
    if (argc >= 2 && !strcmp(argv[1], "list")) {
        printf("gcbench      GCBench on %s (the baseline) [--threads]\n", b->what);
        return 0;
    }
    if (argc < 3 || strcmp(argv[1], "run")) usage_error(argc < 2 ? "missing command" : "unknown command '%s'", argv[1]);
    if (strcmp(argv[2], "gcbench")) usage_error("unknown workload '%s' (the %s baseline runs gcbench only)", argv[2], b->name);
    int64_t p[P_COUNT];
    for (int k = 0; k < P_COUNT; k++) p[k] = params[k].def;
    bl_opts o = {.gc_threads = cores > 0 ? (unsigned)cores : 1, .max_heap = 1ull << 30, .heap_factor = 2.0};
    unsigned threads = 1, repeat = 1;
    bool quiet = false;
    const char *out = NULL;
    static const char *flags[] = {"--verify", "--dry-pin", "--census"};
    static const char *collector_values[] = {"--stress-every", "--pin",           "--nursery",      "--promote-age",
                                             "--mark-per-alloc", "--snapshot-every", "--leak-check"};
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i];
        bool flag = !strcmp(a, "--quiet");
        for (size_t k = 0; k < sizeof flags / sizeof *flags; k++)
            if (!strcmp(a, flags[k])) flag = true, note_given(&o, a, NULL);
        if (!strcmp(a, "--quiet")) quiet = true;
        if (flag) continue;
        if (strncmp(a, "--", 2)) usage_error("unexpected argument '%s'", a);
        if (i + 1 >= argc) usage_error("%s needs a value", a);
        const char *v = argv[++i];
        bool collector = false;
        for (size_t k = 0; k < sizeof collector_values / sizeof *collector_values; k++) collector |= !strcmp(a, collector_values[k]);
        if (collector) {
            note_given(&o, a, v);
        } else if (!strcmp(a, "--gc-threads")) {
            o.gc_threads = (unsigned)parse_int(a, v, 1, 1024);
        } else if (!strcmp(a, "--heap")) {
            o.max_heap = parse_size(a, v);
            if (o.max_heap < (1ull << 20)) usage_error("--heap %llu KiB is too small (the minimum is 1 MiB)", o.max_heap >> 10);
        } else if (!strcmp(a, "--initial-heap")) {
            o.initial_heap = parse_size(a, v);
            note_given(&o, a, v);
        } else if (!strcmp(a, "--heap-factor")) {
            char *end;
            o.heap_factor = strtod(v, &end);
            if (end == v || *end || !(o.heap_factor > 1.0 && o.heap_factor <= 100.0))
                usage_error("--heap-factor %s is out of range (more than 1, at most 100)", v);
        } else if (!strcmp(a, "--threads")) {
            threads = (unsigned)parse_int(a, v, 1, 4096);
        } else if (!strcmp(a, "--repeat")) {
            repeat = (unsigned)parse_int(a, v, 1, 1000);
        } else if (!strcmp(a, "--first-rep")) {
            first_rep = (unsigned)parse_int(a, v, 1, 1000000);
        } else if (!strcmp(a, "--out")) {
            out = v;
        } else {
            int k = 0;
            while (k < P_COUNT && strcmp(a + 2, params[k].name)) k++;
            if (k == P_COUNT) usage_error("unknown option %s for workload gcbench", a);
            p[k] = parse_int(a, v, params[k].min, params[k].max);
        }
    }
    if (p[P_MIN_DEPTH] > p[P_MAX_DEPTH])
        usage_error("gcbench: --min-depth %lld is greater than --max-depth %lld", (long long)p[P_MIN_DEPTH],
                    (long long)p[P_MAX_DEPTH]);
    if (bl_stretch_depth(p) < p[P_MAX_DEPTH])
        usage_error("gcbench: --stretch-depth %d is less than --max-depth %lld", bl_stretch_depth(p),
                    (long long)p[P_MAX_DEPTH]);
    if (o.initial_heap > o.max_heap) usage_error("--initial-heap exceeds the maximum heap");
    if (b->setup) b->setup(&o);
    bl_result *r = calloc(repeat, sizeof *r);
    if (!r) bl_out_of_memory(b);
    int failed = 0;
    for (unsigned k = 0; k < repeat; k++) {
        b->run(p, threads, &r[k]);
        failed |= r[k].status != 0;
    }
    if (!quiet) {
        char params_s[512];
        params_string(p, params_s, sizeof params_s);
        printf("gcbench on %s: %u run%s (%d failed), %u mutator thread%s, %s\n", b->name, repeat, repeat == 1 ? "" : "s",
               failed, threads, threads == 1 ? "" : "s", b->what);
        printf("  params: %s\n", params_s);
        printf("                               median          min          max\n");
        print_row("wall", r, repeat, offsetof(bl_result, wall_ns), 1e6, "ms");
        if (r[0].collections || r[0].peak_heap) {
            print_row("collections", r, repeat, offsetof(bl_result, collections), 1, "  ");
            print_row("peak heap", r, repeat, offsetof(bl_result, peak_heap), 1048576.0, "MiB");
        }
        print_row("peak RSS", r, repeat, offsetof(bl_result, peak_rss), 1048576.0, "MiB");
    }
    int rc = failed ? 1 : 0;
    if (out && write_rows(out, b, &o, p, threads, r, repeat)) rc = 2;
    for (unsigned k = 0; k < repeat; k++)
        if (r[k].status) fprintf(stderr, "gclab: gcbench on %s failed its check: %s\n", b->name, r[k].err);
    free(r);
    return rc;
}
