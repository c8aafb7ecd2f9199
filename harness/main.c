/* main.c: the gclab command line.
 *
 *   gclab run WORKLOAD [harness options] [workload options]
 *   gclab list
 *   gclab topology [--pin P] [--threads N] [--gc-threads N]   the topology and a pinning plan
 *   gclab suite FILE [--out DIR] [--shard I/N] [--check] [--list]   (suite.c)
 *   gclab merge OUT DIR...                                  (merge.c)
 *   gclab options [--markdown]     gclab run's options (options.c), as usage lines or README's table
 *   gclab snapshot summary|diff|retainers ...                 heap snapshots read back (snapshot_cmd.c)
 *
 * Bad input (an unknown command, flag or workload, a malformed or impossible number) ends with one
 * line on stderr and exit status 2; a run whose workload fails its own check exits 1; heap exhaustion
 * and other fatal collector conditions exit 3. */
#include <errno.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"
#include "options.h"
#include "snapshot.h"
#include "clock.h"
#include "procmem.h"
#include "floor.h"

_Noreturn static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("gclab: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (see gclab --help)\n", stderr);
    va_end(ap);
    exit(2);
}

static void usage(FILE *f) {
    fprintf(f,
            "usage: gclab run WORKLOAD [options] [workload options]\n"
            "       gclab list        workloads and their options\n"
            "       gclab topology [--pin P] [--threads N] [--gc-threads N]   topology and pinning plan\n"
            "       gclab suite FILE [--out DIR] [--shard I/N] [--check] [--list]   run a suite (README)\n"
            "       gclab merge OUT DIR...   combine result folders (e.g. the shards of a suite)\n"
            "       gclab options [--markdown]   the options below, or README's table of them\n"
            "       gclab snapshot summary FILE [--top N]   per class: count, shallow and retained size\n"
            "       gclab snapshot diff A B [--top N]   per class: objects new in B and deleted since A\n"
            "       gclab snapshot retainers FILE ID [--paths N]   shortest paths from the root to node ID\n"
            "This binary is the '%s' variant (collector %s).\n"
            "options:\n",
            GCLAB_VARIANT, gc_collector_name());
    opt_print_usage(f);
    fprintf(f, "  (--gc-threads defaults to %u here, from %s)\n", gc_topology_cores(), gc_topology_source());
}

/* A workload parameter: a whole number in [min, max]. */
static int64_t parse_int(const char *flag, const char *s, int64_t min, int64_t max) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end) usage_error("%s expects a whole number, not '%s'", flag, s);
    if (v < min || v > max) usage_error("%s %lld is out of range [%lld, %lld]", flag, v, (long long)min, (long long)max);
    return v;
}

static void list_workloads(void) {
    size_t n;
    const workload *const *all = wl_all(&n);
    for (size_t i = 0; i < n; i++) {
        const workload *w = all[i];
        printf("%-12s %s%s\n", w->name, w->summary, w->multithreaded ? " [--threads]" : "");
        for (size_t k = 0; k < w->nparams; k++)
            printf("    --%-18s %s (default %lld, range %lld..%lld)\n", w->params[k].name, w->params[k].help,
                   (long long)w->params[k].def, (long long)w->params[k].min, (long long)w->params[k].max);
    }
}

static const char *need_value(int argc, char **argv, int i) {
    if (i + 1 >= argc) usage_error("%s needs a value", argv[i]);
    return argv[i + 1];
}

static void parse_run(int argc, char **argv, run_config *cfg) {
    if (argc < 3) usage_error("run needs a workload (gclab list shows them)");
    cfg->wl = wl_find(argv[2]);
    if (!cfg->wl) usage_error("unknown workload '%s' (gclab list shows them)", argv[2]);
    for (size_t k = 0; k < cfg->wl->nparams; k++) cfg->param[k] = cfg->wl->params[k].def;
    /* The defaults options.c documents; 0 for the rest means the collector's own default. */
    cfg->threads = 1;
    cfg->repeat = 1;
    cfg->first_rep = 1;
    cfg->gc.gc_threads = gc_topology_cores();
    cfg->gc.heap_factor = 2.0;
    cfg->leak = (leak_params){.window = 5, .warmup = 3, .min_bytes = 64u << 10, .min_percent = 1.0};
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0) usage_error("unexpected argument '%s'", a);
        const gclab_option *o = opt_find(a);
        const char *v = NULL;
        if (!o || o->kind != OPT_FLAG) v = need_value(argc, argv, i++);
        results_gc_option(cfg, a, v);   /* records it for runs.csv when it is a collector option */
        char err[4200];   /* the value is quoted whole, however long */
        if (o) {
            if (opt_parse_value(o, a, v, cfg, err, sizeof err)) usage_error("%s", err);
            continue;
        }
        size_t k = 0;
        while (k < cfg->wl->nparams && strcmp(a + 2, cfg->wl->params[k].name)) k++;
        if (k == cfg->wl->nparams) usage_error("unknown option %s for workload %s", a, cfg->wl->name);
        cfg->param[k] = parse_int(a, v, cfg->wl->params[k].min, cfg->wl->params[k].max);
    }
    if (cfg->leak_mode != LEAK_OFF) cfg->gc.census = true;   /* the detector reads the census series */
    if (cfg->threads > 1 && !cfg->wl->multithreaded)
        usage_error("workload %s runs on one thread; --threads %u is not supported", cfg->wl->name, cfg->threads);
    if (cfg->gc.max_heap && cfg->gc.max_heap < ((size_t)1 << 20))
        usage_error("--heap %zu KiB is too small (the minimum is 1 MiB)", cfg->gc.max_heap >> 10);
    if (cfg->gc.initial_heap > (cfg->gc.max_heap ? cfg->gc.max_heap : (size_t)1 << 30))
        usage_error("--initial-heap exceeds the maximum heap");
}


/* The pinning of this process (NULL: --pin none), used by the thread-start hook of every heap. */
static gc_pinner *g_pinner;

static void on_thread_start(void *ctx, gc_thread_kind kind, unsigned index) {
    const run_config *cfg = ctx;
    /* Mutator positions go round the run's --threads: gcbench and binarytrees attach their main
     * thread first and then their N workers, and the main thread waits, blocked, while they run.
     * Counting it would put the last worker on GC worker 1's PU (with --threads 1, the collecting
     * mutator and the second scavenger on one core), so it shares worker N-1's position instead. */
    if (kind == GC_THREAD_MUTATOR) index %= cfg->threads;
    gc_pinner_thread_start(g_pinner, kind, index);
}

_Noreturn static void on_fatal(void *ctx, const char *msg) {
    const run_config *cfg = ctx;
    fprintf(stderr, "gclab: %s on %s: %s\n", cfg->wl->name, GCLAB_VARIANT, msg);
    fflush(NULL);
    _exit(3);
}

/* The census log and the type names (the heap goes before the results are written), and the leak
 * check over them; --leak-check fail turns a suspected leak into a failed run. */
static void take_census(const run_config *cfg, gc_heap *heap, run_result *r) {
    size_t n;
    const gc_census_row *log = gc_census_log(heap, &n);
    if (!n) return;
    r->census = malloc(n * sizeof *r->census);
    if (!r->census) usage_error("out of memory copying the census log");
    memcpy(r->census, log, n * sizeof *log);
    r->ncensus = n;
    gc_type top = 0;
    for (size_t i = 0; i < n; i++)
        if (log[i].type > top) top = log[i].type;
    r->ntypes = (unsigned)top + 1;
    r->type_names = calloc(r->ntypes, sizeof *r->type_names);
    if (!r->type_names) usage_error("out of memory for type names");
    for (unsigned t = 1; t < r->ntypes; t++)
        if (!(r->type_names[t] = strdup(gc_type_name(heap, (gc_type)t)))) usage_error("out of memory for type names");
    leak_check(r->census, r->ncensus, &cfg->leak, &r->leak);
    if (cfg->leak_mode == LEAK_FAIL && r->leak.suspected && !r->status) {
        r->status = 1;
        snprintf(r->error, sizeof r->error, "leak suspected: live bytes rose at %u consecutive collections (cycles %u..%u, %+lld bytes)%s%s",
                 cfg->leak.window, r->leak.first_cycle, r->leak.last_cycle, (long long)r->leak.growth_bytes,
                 r->leak.ntop ? "; most grown: " : "", r->leak.ntop ? run_type_name(r, r->leak.top[0].type) : "");
    }
}

/* --snapshot-at-end: the heap as the workload left it, by a thread attached for it, after every
 * figure of the run was taken (its collection is not the workload's). A failure fails the run. */
static void snapshot_at_end(gc_heap *heap, const char *prefix, run_result *r) {
    char path[4200], err[256];
    snprintf(path, sizeof path, "%s-end.heapsnapshot", prefix);
    gc_mut *m = gc_attach(heap);
    int rc = gc_write_heap_snapshot(m, path, err, sizeof err);
    gc_detach(m);
    if (rc && !r->status) {
        r->status = 1;
        snprintf(r->error, sizeof r->error, "--snapshot-at-end: %.200s", err);
    }
}

static void run_once(run_config *cfg, unsigned rep, run_result *r) {
    memset(r, 0, sizeof *r);
    r->rep = rep;
    snprintf(r->run_id, sizeof r->run_id, "%llx-%d-%u", (unsigned long long)time(NULL), (int)getpid(), rep);
    gc_options o = cfg->gc;
    char prefix[4096];
    if (o.snapshot_every || cfg->snapshot_at_end) {
        /* <dir>/snapshots/<variant>-<workload>-<run id>, then -<cycle>.heapsnapshot or -end.heapsnapshot */
        const char *dir = cfg->out ? cfg->out : ".";
        snprintf(prefix, sizeof prefix, "%s%s", dir, cfg->out ? "/snapshots" : "");
        if (cfg->out && mkdir(cfg->out, 0777) != 0 && errno != EEXIST) usage_error("cannot create %s: %s", cfg->out, strerror(errno));
        if (mkdir(prefix, 0777) != 0 && errno != EEXIST) usage_error("cannot create %s: %s", prefix, strerror(errno));
        size_t at = strlen(prefix);
        snprintf(prefix + at, sizeof prefix - at, "/%s-%s-%s", cfg->variant ? cfg->variant : GCLAB_VARIANT, cfg->wl->name,
                 r->run_id);
        o.snapshot_prefix = prefix;
    }
    o.on_fatal = on_fatal;
    o.on_thread_start = g_pinner ? on_thread_start : NULL;
    o.ctx = cfg;
    char err[256];
    gc_heap *heap = gc_heap_create(&o, err, sizeof err);
    if (!heap) usage_error("%s", err);
    gc_pinner_bind_named_markers(g_pinner);   /* libgc's markers start outside the hook */
    wl_ctx ctx = {.heap = heap, .threads = cfg->threads};
    memcpy(ctx.param, cfg->param, sizeof ctx.param);
    gc_hist *lat = NULL, *met = NULL;
    wl_ops *ops = NULL;
    if (cfg->wl->latency) {
        lat = malloc(sizeof *lat * cfg->threads);
        met = malloc(sizeof *met * cfg->threads);
        ops = calloc(cfg->threads, sizeof *ops);
        if (!lat || !met || !ops) usage_error("out of memory for latency histograms");
        ctx.rec = ops;
        for (unsigned t = 0; t < cfg->threads; t++) gc_hist_init(&lat[t]), gc_hist_init(&met[t]);
        ctx.latency = lat;
        ctx.metered = met;
    }
    gc_process_peak_rss_reset();   /* peak RSS of this repetition */
    uint64_t cpu0 = gc_process_cpu_ns();
    r->start_ns = gc_now_ns();
    r->status = cfg->wl->run(&ctx, r->error, sizeof r->error);
    uint64_t end = gc_now_ns();
    r->wall_ns = end - r->start_ns;
    r->cpu_ns = gc_process_cpu_ns() - cpu0;
    r->peak_rss = gc_process_peak_rss();
    r->ops = ctx.ops;
    if (r->status && !r->error[0]) snprintf(r->error, sizeof r->error, "workload check failed");
    gc_get_stats(heap, &r->heap);
    gc_get_memory_usage(heap, &r->mem);
    r->gc_cpu_ns = r->heap.gc_cpu_ns;
    take_census(cfg, heap, r);
    size_t n;
    const gc_pause *log = gc_pause_log(heap, &n);
    r->pauses = malloc(sizeof *r->pauses * (n ? n : 1));
    if (!r->pauses) usage_error("out of memory copying the pause log");
    memcpy(r->pauses, log, sizeof *log * n);
    r->npauses = n;
    gc_summarize_pauses(r->pauses, n, &r->ps);
    for (size_t w = 0; w < GC_NMMU && w < gc_mmu_nwindows; w++)
        r->mmu[w] = gc_mmu(r->pauses, n, r->start_ns, end, gc_mmu_windows_ns[w]);
    r->nworkers = gc_worker_count(heap);
    r->workers = calloc(r->nworkers ? r->nworkers : 1, sizeof *r->workers);
    if (!r->workers) usage_error("out of memory for worker statistics");
    for (unsigned w = 0; w < r->nworkers; w++) gc_get_worker_stats(heap, w, &r->workers[w]);
    if (ops) {
        if (stalls_attribute(ops, cfg->threads, &r->stalls)) usage_error("out of memory attributing stalls");
        for (unsigned t = 0; t < cfg->threads; t++) {
            r->run_delay_ns += ops[t].run_delay_ns;
            r->off_cpu_other_ns += ops[t].off_cpu_other_ns;
        }
        free(ops);
    }
    if (lat) {
        for (unsigned t = 1; t < cfg->threads; t++) gc_hist_merge(&lat[0], &lat[t]);
        r->latency = malloc(sizeof *r->latency);
        if (!r->latency) usage_error("out of memory for latency histograms");
        *r->latency = lat[0];
        free(lat);
        for (unsigned t = 1; t < cfg->threads; t++) gc_hist_merge(&met[0], &met[t]);
        if (met[0].count) {
            r->metered = malloc(sizeof *r->metered);
            if (!r->metered) usage_error("out of memory for latency histograms");
            *r->metered = met[0];
        }
        free(met);
    }
    if (cfg->snapshot_at_end) snapshot_at_end(heap, prefix, r);
    gc_heap_destroy(heap);
}

/* Probe thread i stands where the run's thread i would be bound: the mutators first, then the GC
 * workers after the collecting one (GC worker 0 is a mutator). */
static void floor_thread_start(void *ctx, unsigned i) {
    const run_config *cfg = ctx;
    if (i < cfg->threads) gc_pinner_thread_start(g_pinner, GC_THREAD_MUTATOR, i);
    else gc_pinner_thread_start(g_pinner, GC_THREAD_GC, i - cfg->threads + 1);
}

/* --floor: one repetition of the noise-floor probe (floor.h) in place of the workload, on the CPUs the
 * run would keep busy. Its row is the variant "floor" (collector "none"): the gaps are its latency
 * columns, so every table and plot that reads a workload's latency reads the floor the same way. */
static void run_floor(run_config *cfg, unsigned rep, run_result *r) {
    memset(r, 0, sizeof *r);
    r->rep = rep;
    snprintf(r->run_id, sizeof r->run_id, "%llx-%d-%u", (unsigned long long)time(NULL), (int)getpid(), rep);
    unsigned gc_threads = cfg->gc.gc_threads ? cfg->gc.gc_threads : gc_topology_cores();
    unsigned n = floor_threads(cfg->threads, gc_threads);
    floor_result *f = malloc(sizeof *f);
    r->latency = malloc(sizeof *r->latency);
    r->pauses = malloc(sizeof *r->pauses);
    r->workers = malloc(sizeof *r->workers);
    if (!f || !r->latency || !r->pauses || !r->workers) usage_error("out of memory for the floor probe");
    gc_process_peak_rss_reset();
    uint64_t cpu0 = gc_process_cpu_ns();
    r->start_ns = gc_now_ns();
    char err[256];
    if (floor_probe(n, (uint64_t)cfg->floor_ms * 1000000u, g_pinner ? floor_thread_start : NULL, cfg, f, err, sizeof err)) {
        r->status = 1;
        snprintf(r->error, sizeof r->error, "%s", err);
    }
    r->wall_ns = (uint64_t)cfg->floor_ms * 1000000u;   /* the probe's window, from its common start */
    r->cpu_ns = gc_process_cpu_ns() - cpu0;
    r->peak_rss = gc_process_peak_rss();
    r->ops = f->reads;
    *r->latency = f->gaps;
    r->run_delay_ns = f->run_delay_ns;
    r->off_cpu_other_ns = f->off_cpu_other_ns;
    r->stalled_ns = f->stalled_ns;
    r->heap.max_heap_bytes = cfg->gc.max_heap ? cfg->gc.max_heap : (uint64_t)1 << 30;
    r->heap.gc_threads = gc_threads;
    for (size_t w = 0; w < GC_NMMU; w++) r->mmu[w] = 1.0;   /* nothing paused it */
    free(f);
}

static int cmd_run(int argc, char **argv) {
    run_config cfg = {0};
    parse_run(argc, argv, &cfg);
    if (cfg.dry_pin && cfg.snapshot_at_end) usage_error("--snapshot-at-end: --dry-pin runs nothing to take a snapshot of");
    /* The floor runs no workload and makes no heap: what would write a heap's files has nothing to act on.
     * Other collector options are recorded in its row as given (a suite passes its args lines on). */
    if (cfg.floor_ms && (cfg.snapshot_at_end || cfg.gc.snapshot_every || cfg.leak_mode != LEAK_OFF || cfg.gc.census))
        usage_error("--floor measures the machine, not a heap: --snapshot-every, --snapshot-at-end, --census and "
                    "--leak-check do not go with it");
    if (cfg.dry_pin) {
        gc_topology_describe(gc_topology_get(), stdout, "");
        gc_pin_print_plan(gc_topology_get(), cfg.pin, cfg.threads, cfg.gc.gc_threads, stdout);
        return 0;
    }
    g_pinner = gc_pinner_new(gc_topology_get(), cfg.pin, false);
    if (cfg.pin != GC_PIN_NONE && !g_pinner) usage_error("out of memory planning the pinning");
    uint64_t need = cfg.wl->live_bytes(cfg.param, cfg.threads);
    size_t max = cfg.gc.max_heap ? cfg.gc.max_heap : (size_t)1 << 30;
    if (need > max)
        usage_error("a %.1f MiB heap is smaller than what %s keeps live with these options (%.1f MiB): raise --heap",
                    (double)max / 1048576, cfg.wl->name, (double)need / 1048576);
    run_result *r = calloc(cfg.repeat, sizeof *r);
    if (!r) usage_error("out of memory");
    int failed = 0, rc = 0;
    char err[512];
    if (cfg.floor_ms) cfg.variant = "floor", cfg.collector = "none";
    for (unsigned rep = 1; rep <= cfg.repeat; rep++) {
        if (cfg.floor_ms) run_floor(&cfg, cfg.first_rep + rep - 1, &r[rep - 1]);
        else run_once(&cfg, cfg.first_rep + rep - 1, &r[rep - 1]);
        if (r[rep - 1].status == WL_BAD_PARAMS) usage_error("%s: %s", cfg.wl->name, r[rep - 1].error);
        failed |= r[rep - 1].status != 0;
        /* A row per repetition as it finishes: a later crash (or a suite's timeout) keeps the earlier ones. */
        if (cfg.out && !rc && results_write(cfg.out, &cfg, &r[rep - 1], 1, err, sizeof err)) {
            fprintf(stderr, "gclab: %s\n", err);
            rc = 2;
        }
    }
    if (!cfg.quiet) results_print_summary(stdout, &cfg, r, cfg.repeat);
    if (cfg.out && !rc && results_write_binding(cfg.out, &cfg, r[0].run_id, g_pinner, err, sizeof err)) {
        fprintf(stderr, "gclab: %s\n", err);
        rc = 2;
    }
    if (!rc) rc = failed ? 1 : 0;
    for (unsigned i = 0; i < cfg.repeat; i++) {
        if (r[i].status) fprintf(stderr, "gclab: %s on %s failed its check: %s\n", cfg.wl->name, GCLAB_VARIANT, r[i].error);
        free(r[i].pauses);
        free(r[i].workers);
        free(r[i].latency);
        free(r[i].metered);
        free(r[i].census);
        stalls_free(&r[i].stalls);
        for (unsigned t = 0; t < r[i].ntypes; t++) free(r[i].type_names[t]);
        free(r[i].type_names);
    }
    free(r);
    gc_pinner_free(g_pinner);
    g_pinner = NULL;
    return rc;
}

/* Takes --pin, --threads and --gc-threads as gclab run does, through the same table entries. */
static int cmd_topology(int argc, char **argv) {
    run_config plan = {.pin = GC_PIN_COMPACT, .threads = 1, .gc = {.gc_threads = gc_topology_cores()}};
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = need_value(argc, argv, i);
        i++;
        const gclab_option *o = opt_find(a);
        if (!o || (strcmp(o->name, "pin") && strcmp(o->name, "threads") && strcmp(o->name, "gc-threads")))
            usage_error("unknown option %s for topology", a);
        char err[256];
        if (opt_parse_value(o, a, v, &plan, err, sizeof err)) usage_error("%s", err);
    }
    gc_topology_describe(gc_topology_get(), stdout, "");
    gc_pin_print_plan(gc_topology_get(), plan.pin, plan.threads, plan.gc.gc_threads, stdout);
    return 0;
}

static int cmd_options(int argc, char **argv) {
    if (argc > 3 || (argc == 3 && strcmp(argv[2], "--markdown"))) usage_error("options takes only --markdown");
    if (argc == 3) opt_print_markdown(stdout);
    else opt_print_usage(stdout);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) usage_error("missing command");
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "list")) {
        list_workloads();
        return 0;
    }
    if (!strcmp(argv[1], "run")) return cmd_run(argc, argv);
    if (!strcmp(argv[1], "topology")) return cmd_topology(argc, argv);
    if (!strcmp(argv[1], "suite")) return suite_main(argc, argv);
    if (!strcmp(argv[1], "merge")) return merge_main(argc, argv);
    if (!strcmp(argv[1], "options")) return cmd_options(argc, argv);
    if (!strcmp(argv[1], "snapshot")) return snapshot_main(argc, argv);
    usage_error("unknown command '%s'", argv[1]);
}
