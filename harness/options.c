/* options.c: the table of gclab run's options (options.h) and what is derived from it: value
 * parsing with gclab run's messages, the usage lines and README's Markdown table. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "options.h"

static int factor_ok(double v) { return v > 1.0 && v <= 100.0; }
/* collector/common/options.c refuses the same range when a heap is created; checked here too so
 * that the suite checker and every variant (bdw ignores the option) refuse it alike. */
static int mark_rate_ok(double v) { return v >= 0 && v <= 1000; }
static int pin_parse(const char *s, void *dst) { return gc_pin_parse(s, dst); }
static int leak_parse(const char *s, void *dst) {
    static const char *const words[] = {[LEAK_OFF] = "off", [LEAK_REPORT] = "report", [LEAK_FAIL] = "fail"};
    for (unsigned i = 0; i < 3; i++)
        if (!strcmp(s, words[i])) return *(unsigned *)dst = i, 0;
    return -1;
}
static int percent_ok(double v) { return v >= 0 && v <= 1000; }

#define AT(field) offsetof(run_config, field)

const gclab_option gclab_options[] = {
    {.name = "threads", .metavar = "N", .kind = OPT_INT, .min = 1, .max = 4096, .def = "1",
     .suite_key = "threads", .offset = AT(threads), .help = "mutator threads"},
    {.name = "gc-threads", .metavar = "N", .kind = OPT_INT, .min = 1, .max = 1024,
     .def = "physical cores, from hwloc (sysconf without it)", .collectors = "all", .suite_key = "gc-threads",
     .offset = AT(gc.gc_threads), .help = "parallel GC workers (the collecting thread is one of them)"},
    {.name = "heap", .metavar = "SIZE", .kind = OPT_SIZE, .def = "1G", .collectors = "all", .suite_key = "heap",
     .offset = AT(gc.max_heap), .help = "maximum heap footprint (`512M`, `2G`); never exceeded"},
    {.name = "initial-heap", .metavar = "SIZE", .kind = OPT_SIZE, .def = "4M", .collectors = "all",
     .gc_options_column = true, .offset = AT(gc.initial_heap), .help = "the heap allowed before the first collection"},
    {.name = "heap-factor", .metavar = "F", .kind = OPT_REAL, .real_ok = factor_ok, .range = "more than 1, at most 100",
     .def = "2.0", .collectors = "all", .suite_key = "heap-factor", .offset = AT(gc.heap_factor),
     .help = "after a collection, the next one starts when the heap reaches live x F"},
    {.name = "repeat", .metavar = "R", .kind = OPT_INT, .min = 1, .max = 1000, .def = "1", .suite_key = "repeat",
     .offset = AT(repeat), .help = "repetitions; the summary shows median, min and max"},
    {.name = "first-rep", .metavar = "N", .kind = OPT_INT, .min = 1, .max = 1000000, .def = "1", .runner_sets = true,
     .offset = AT(first_rep), .help = "number the repetitions from N in the results (the suite runner's rounds)"},
    {.name = "verify", .kind = OPT_FLAG, .def = "off", .collectors = "all", .gc_options_column = true,
     .offset = AT(gc.verify), .help = "heap verifier after every collection", .more = "(see \"Heap verifier\")"},
    {.name = "stress-every", .metavar = "N", .kind = OPT_INT, .min = 1, .max = INT_MAX, .def = "off",
     .collectors = "all", .gc_options_column = true, .offset = AT(gc.stress_every),
     .help = "collect after exactly N allocations per thread",
     .more = "(incremental and concurrent: start or finish a marking cycle)"},
    {.name = "mark-per-alloc", .metavar = "F", .kind = OPT_REAL, .real_ok = mark_rate_ok,
     .range = "0 for paced, up to 1000", .def = "paced: the last cycle's live bytes x 1.5 over the headroom to the goal",
     .collectors = "incremental", .gc_options_column = true, .offset = AT(gc.mark_per_alloc),
     .help = "bytes marked per byte allocated while marking"},
    {.name = "nursery", .metavar = "SIZE", .kind = OPT_SIZE, .def = "16M, at most a quarter of `--heap`",
     .collectors = "generational", .gc_options_column = true, .offset = AT(gc.nursery),
     .help = "the young generation (eden and both survivor spaces), part of `--heap`; at most half of it"},
    {.name = "promote-age", .metavar = "N", .kind = OPT_INT, .min = 1, .max = 15, .def = "2",
     .collectors = "generational", .gc_options_column = true, .offset = AT(gc.promote_age),
     .help = "an object is promoted when it survives its N-th scavenge (1..15)"},
    {.name = "census", .kind = OPT_FLAG, .def = "off", .collectors = "all", .gc_options_column = true,
     .offset = AT(gc.census), .help = "count live objects by type after every full-heap collection (types.csv)",
     .more = "(see \"Heap statistics and leaks\")"},
    {.name = "leak-check", .metavar = "MODE", .kind = OPT_ENUM, .parse_enum = leak_parse, .choices = "off, report or fail",
     .def = "off", .offset = AT(leak_mode),
     .help = "`report`: flag live bytes rising over --leak-window collections (implies --census); `fail`: and fail the run"},
    {.name = "leak-window", .metavar = "N", .kind = OPT_INT, .min = 2, .max = 1000, .def = "5", .offset = AT(leak.window),
     .help = "consecutive rises of the live bytes after full collections that make a leak"},
    {.name = "leak-warmup", .metavar = "N", .kind = OPT_INT, .min = 0, .max = 1000000, .def = "3", .offset = AT(leak.warmup),
     .help = "censuses the leak check skips first (start-up fills caches and pools)"},
    {.name = "leak-min-growth", .metavar = "SIZE", .kind = OPT_SIZE, .def = "64K", .offset = AT(leak.min_bytes),
     .help = "the least growth over the window that counts as a leak"},
    {.name = "leak-min-percent", .metavar = "P", .kind = OPT_REAL, .real_ok = percent_ok, .range = "0 to 1000",
     .def = "1", .offset = AT(leak.min_percent), .help = "... and the least growth as a percentage of the live bytes"},
    {.name = "snapshot-every", .metavar = "N", .kind = OPT_INT, .min = 1, .max = 1000000, .def = "off", .collectors = "all",
     .gc_options_column = true, .offset = AT(gc.snapshot_every),
     .help = "write a V8 heap snapshot every N-th full-heap collection",
     .more = "(into DIR/snapshots/ with --out, else the current folder; see \"Heap snapshots\")"},
    {.name = "snapshot-at-end", .kind = OPT_FLAG, .def = "off", .collectors = "all", .offset = AT(snapshot_at_end),
     .help = "write a V8 heap snapshot once the workload has finished, before the heap goes",
     .more = "(`-end.heapsnapshot` where --snapshot-every's go; not with --dry-pin)"},
    {.name = "floor", .metavar = "MS", .kind = OPT_INT, .min = 1, .max = 3600000, .def = "off", .runner_sets = true,
     .offset = AT(floor_ms),
     .help = "instead of the workload, measure this machine's noise floor for MS ms on the CPUs the run would use",
     .more = "(a row of variant `floor`; suites add one per configuration and round; see \"The noise floor\")"},
    {.name = "out", .metavar = "DIR", .kind = OPT_STRING, .def = "none", .runner_sets = true, .offset = AT(out),
     .help = "append runs.csv, pauses.csv, latency.csv, workers.csv, mmu.csv (and types.csv) to DIR",
     .more = "(a row per repetition as it finishes; see Results)"},
    {.name = "pin", .metavar = "P", .kind = OPT_ENUM, .parse_enum = pin_parse, .choices = "compact, scatter or none",
     .def = "none", .suite_key = "pin", .offset = AT(pin),
     .help = "bind mutator and GC threads: `compact`, `scatter` or `none`", .more = "(see Pinning)"},
    {.name = "dry-pin", .kind = OPT_FLAG, .def = "off", .runner_sets = true, .offset = AT(dry_pin),
     .help = "print the topology and the pinning plan, run nothing"},
    {.name = "quiet", .kind = OPT_FLAG, .def = "off", .runner_sets = true, .offset = AT(quiet), .help = "no summary"},
};
const size_t gclab_noptions = sizeof gclab_options / sizeof gclab_options[0];

const gclab_option *opt_find(const char *flag) {
    if (strncmp(flag, "--", 2) != 0) return NULL;
    for (size_t i = 0; i < gclab_noptions; i++)
        if (!strcmp(flag + 2, gclab_options[i].name)) return &gclab_options[i];
    return NULL;
}

int opt_parse_value(const gclab_option *o, const char *flag, const char *v, void *cfg, char *err, size_t errlen) {
    char *field = cfg ? (char *)cfg + o->offset : NULL;
    char *end;
    switch (o->kind) {
    case OPT_FLAG:
        if (field) *(bool *)field = true;
        return 0;
    case OPT_INT: {
        errno = 0;
        long long x = strtoll(v, &end, 10);
        if (errno || end == v || *end) {
            snprintf(err, errlen, "%s expects a whole number, not '%s'", flag, v);
            return -1;
        }
        if (x < o->min || x > o->max) {
            snprintf(err, errlen, "%s %lld is out of range [%lld, %lld]", flag, x, (long long)o->min, (long long)o->max);
            return -1;
        }
        if (field) *(unsigned *)field = (unsigned)x;
        return 0;
    }
    case OPT_SIZE: {
        size_t bytes = 0;
        int rc = gc_parse_size(v, &bytes);
        if (rc == -1) snprintf(err, errlen, "%s expects a size like 512M or 2G, not '%s'", flag, v);
        if (rc == -2) snprintf(err, errlen, "%s %s is too large", flag, v);
        if (rc) return -1;
        if (field) *(size_t *)field = bytes;
        return 0;
    }
    case OPT_REAL: {
        errno = 0;
        double x = strtod(v, &end);
        if (errno || end == v || *end) {
            snprintf(err, errlen, "%s expects a number, not '%s'", flag, v);
            return -1;
        }
        if (!o->real_ok(x)) {
            snprintf(err, errlen, "%s %g is out of range (%s)", flag, x, o->range);
            return -1;
        }
        if (field) *(double *)field = x;
        return 0;
    }
    case OPT_ENUM: {
        long long scratch;   /* a check without cfg still needs somewhere to write the value */
        if (o->parse_enum(v, field ? (void *)field : (void *)&scratch)) {
            snprintf(err, errlen, "%s expects %s, not '%s'", flag, o->choices, v);
            return -1;
        }
        return 0;
    }
    case OPT_STRING:
        if (field) *(const char **)field = v;
        return 0;
    }
    return -1;
}

/* Usage lines are plain text: README's code spans lose their backticks. */
static void put_plain(FILE *f, const char *s) {
    for (; *s; s++)
        if (*s != '`') fputc(*s, f);
}

void opt_print_usage(FILE *f) {
    for (size_t i = 0; i < gclab_noptions; i++) {
        const gclab_option *o = &gclab_options[i];
        char head[64];
        snprintf(head, sizeof head, "--%s%s%s", o->name, o->metavar ? " " : "", o->metavar ? o->metavar : "");
        fprintf(f, "  %-20s ", head);
        if (o->collectors && strcmp(o->collectors, "all")) fprintf(f, "%s: ", o->collectors);
        put_plain(f, o->help);
        if (o->kind != OPT_FLAG && strcmp(o->def, "none")) {
            fputs(" (default ", f);
            put_plain(f, o->def);
            fputc(')', f);
        }
        fputc('\n', f);
    }
}

void opt_print_markdown(FILE *f) {
    fputs("| option | meaning | default | honoured by | in `gc_options` |\n|---|---|---|---|---|\n", f);
    for (size_t i = 0; i < gclab_noptions; i++) {
        const gclab_option *o = &gclab_options[i];
        fprintf(f, "| `--%s%s%s` | %s%s%s | %s | %s | %s |\n", o->name, o->metavar ? " " : "",
                o->metavar ? o->metavar : "", o->help, o->more ? " " : "", o->more ? o->more : "", o->def,
                !o->collectors ? "the harness" : !strcmp(o->collectors, "all") ? "every collector" : o->collectors,
                o->gc_options_column ? "yes" : "");
    }
}
