/* results.c: the one-screen summary and the CSV files of a results folder (docs/DESIGN.md §6).
 *
 * The CSV headers (columns.h) are a stable interface: README lists every column. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "columns.h"
#include "harness.h"
#include "options.h"

#define MAX_CURVE 256

#define FIGURE_COLUMN(type, field, column) "," column
#define PAUSES_HEADER PAUSES_HEADER_LEAD GC_PAUSE_FIGURES(FIGURE_COLUMN)

size_t pauses_of_kind(const run_result *r, gc_pause_kind kind) {
    size_t n = 0;
    for (size_t i = 0; i < r->npauses; i++) n += r->pauses[i].kind == kind;
    return n;
}

void results_format_params(const run_config *cfg, char *buf, size_t len) {
    size_t at = 0;
    buf[0] = 0;
    for (size_t i = 0; i < cfg->wl->nparams && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%s=%lld", i ? " " : "", cfg->wl->params[i].name,
                               (long long)cfg->param[i]);
}

int results_gc_option(run_config *cfg, const char *flag, const char *value) {
    const gclab_option *o = opt_find(flag);
    if (!o || !o->gc_options_column) return -1;
    int kind = o->kind != OPT_FLAG;
    if (!cfg) return kind;
    size_t at = strlen(cfg->gc_options), len = sizeof cfg->gc_options;
    if (at < len)
        snprintf(cfg->gc_options + at, len - at, "%s%s%s%s", at ? " " : "", flag + 2, kind ? "=" : "",
                 kind ? value : "");
    return kind;
}

static FILE *open_csv(const char *dir, const char *name, const char *header, char *err, size_t errlen) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat st;
    bool fresh = stat(path, &st) != 0 || st.st_size == 0;
    FILE *f = fopen(path, "a");
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return NULL;
    }
    if (fresh) fprintf(f, "%s\n", header);
    return f;
}

/* CSV-quotes a free-text field. Commas become semicolons: the project's scripts (compare.sh,
 * scaling.sh, plots) split rows on every comma, and columns after a free-text one must stay put. */
static void put_text(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s == '\n' ? ' ' : *s == ',' ? ';' : *s, f);
    }
    fputc('"', f);
}

/* stalls.csv: the run's slowest operations, slowest first, each split into causes (stalls.h). */
static int write_stalls(const char *dir, const char *variant, const char *wl, const run_result *x, char *err,
                        size_t errlen) {
    char header[1024];
    size_t at = (size_t)snprintf(header, sizeof header, "%s", STALLS_HEADER_LEAD);
    for (unsigned c = 0; c < STALL_NCOLS && at < sizeof header; c++)
        at += (size_t)snprintf(header + at, sizeof header - at, ",%s_ns", stall_col_name(c));
    if (at < sizeof header) snprintf(header + at, sizeof header - at, ",window_lead_ns,window_ns,window_off_cpu_ns");
    FILE *f = open_csv(dir, "stalls.csv", header, err, errlen);
    if (!f) return -1;
    for (unsigned i = 0; i < x->stalls.n; i++) {
        const stall_row *s = &x->stalls.rows[i];
        fprintf(f, "%s,%s,%s,%u,%u,%u,%llu,%llu", x->run_id, variant, wl, x->rep, i + 1, s->op.thread,
                (unsigned long long)(s->op.start_ns > x->start_ns ? s->op.start_ns - x->start_ns : 0),
                (unsigned long long)s->op.dur_ns);
        for (unsigned c = 0; c < STALL_NCOLS; c++) fprintf(f, ",%llu", (unsigned long long)s->ns[c]);
        bool w = s->op.sched && s->op.w1.wall_ns > s->op.w0.wall_ns;
        fprintf(f, ",%llu,%llu,%llu\n",
                (unsigned long long)(w && s->op.start_ns > s->op.w0.wall_ns ? s->op.start_ns - s->op.w0.wall_ns : 0),
                (unsigned long long)(w ? s->op.w1.wall_ns - s->op.w0.wall_ns : 0), (unsigned long long)s->off_cpu_ns);
    }
    if (ferror(f) | fclose(f)) {
        snprintf(err, errlen, "error writing %s/stalls.csv", dir);
        return -1;
    }
    return 0;
}

int results_write(const char *dir, const run_config *cfg, const run_result *r, unsigned n, char *err,
                  size_t errlen) {
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create results folder %s: %s", dir, strerror(errno));
        return -1;
    }
    FILE *runs = open_csv(dir, "runs.csv", RUNS_HEADER, err, errlen);
    FILE *pauses = runs ? open_csv(dir, "pauses.csv", PAUSES_HEADER, err, errlen) : NULL;
    FILE *lat = pauses ? open_csv(dir, "latency.csv", LATENCY_HEADER, err, errlen) : NULL;
    FILE *wk = lat ? open_csv(dir, "workers.csv", WORKERS_HEADER, err, errlen) : NULL;
    FILE *mmu = wk ? open_csv(dir, "mmu.csv", MMU_HEADER, err, errlen) : NULL;
    if (!mmu) {
        if (runs) fclose(runs);
        if (pauses) fclose(pauses);
        if (lat) fclose(lat);
        if (wk) fclose(wk);
        return -1;
    }
    char params[512];
    results_format_params(cfg, params, sizeof params);
    const char *variant = cfg->variant ? cfg->variant : GCLAB_VARIANT, *wl = cfg->wl->name;
    const char *collector = cfg->collector ? cfg->collector : gc_collector_name();
    for (unsigned k = 0; k < n; k++) {
        const run_result *x = &r[k];
        double secs = (double)x->wall_ns / 1e9;
        fprintf(runs, "%s,%s,%s,%s,\"%s\",%u,%u,%llu,%g,%u,%s,%llu,%llu,%llu,%llu,%zu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu",
                x->run_id, variant, collector, wl, params, cfg->threads, x->heap.gc_threads,
                (unsigned long long)x->heap.max_heap_bytes, cfg->gc.heap_factor, x->rep, x->status ? "failed" : "ok",
                (unsigned long long)x->wall_ns, (unsigned long long)x->cpu_ns, (unsigned long long)x->gc_cpu_ns,
                (unsigned long long)x->heap.collections, x->ps.count, (unsigned long long)x->ps.total_ns,
                (unsigned long long)x->ps.p50_ns, (unsigned long long)x->ps.p90_ns, (unsigned long long)x->ps.p99_ns,
                (unsigned long long)x->ps.p999_ns, (unsigned long long)x->ps.max_ns,
                (unsigned long long)x->ps.ttsp_p99_ns, (unsigned long long)x->ps.ttsp_max_ns);
        for (unsigned w = 0; w < GC_NMMU; w++) fprintf(runs, ",%.4f", x->mmu[w]);
        const gc_hist *h = x->latency;
        fprintf(runs, ",%llu,%.1f,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,",
                (unsigned long long)x->heap.allocated_bytes,
                secs > 0 ? (double)x->heap.allocated_bytes / 1048576.0 / secs : 0.0,
                (unsigned long long)x->heap.peak_heap_bytes, (unsigned long long)x->peak_rss,
                (unsigned long long)x->heap.live_bytes, (unsigned long long)x->ops,
                (unsigned long long)(h ? h->count : 0), (unsigned long long)(h ? gc_hist_percentile(h, 50) : 0),
                (unsigned long long)(h ? gc_hist_percentile(h, 90) : 0),
                (unsigned long long)(h ? gc_hist_percentile(h, 99) : 0),
                (unsigned long long)(h ? gc_hist_percentile(h, 99.9) : 0), (unsigned long long)(h ? h->max : 0));
        put_text(runs, x->error);
        const gc_hist *mh = x->metered && x->metered->count ? x->metered : NULL;
        fprintf(runs, ",%llu,%s,%llu,%llu,%llu,%llu,%llu,%llu,%zu,%llu,%llu,%u,", (unsigned long long)x->ps.ttsp_p50_ns,
                gc_pin_name(cfg->pin), (unsigned long long)(mh ? mh->count : 0),
                (unsigned long long)(mh ? gc_hist_percentile(mh, 50) : 0),
                (unsigned long long)(mh ? gc_hist_percentile(mh, 90) : 0),
                (unsigned long long)(mh ? gc_hist_percentile(mh, 99) : 0),
                (unsigned long long)(mh ? gc_hist_percentile(mh, 99.9) : 0), (unsigned long long)(mh ? mh->max : 0),
                pauses_of_kind(x, GC_PAUSE_DEGENERATED), (unsigned long long)x->heap.initial_heap_bytes,
                (unsigned long long)x->heap.nursery_bytes, x->heap.promote_age);
        put_text(runs, cfg->gc_options);
        const leak_report *lk = &x->leak;
        fprintf(runs, ",%llu,%llu,%llu,%llu,%zu,", (unsigned long long)x->mem.rss, (unsigned long long)x->mem.heap_total,
                (unsigned long long)x->mem.heap_used, (unsigned long long)x->mem.external, x->ncensus ? (size_t)lk->censuses : 0);
        if (cfg->leak_mode != LEAK_OFF) {
            /* 1 suspected, 0 not, -1 too few censuses for a verdict; the top type either way. */
            fprintf(runs, "%d,", lk->suspected ? 1 : lk->enough ? 0 : -1);
            put_text(runs, lk->ntop ? run_type_name(x, lk->top[0].type) : "");
            fprintf(runs, ",%lld,%.0f,%u,%u", (long long)(lk->ntop ? lk->top[0].growth_bytes : 0),
                    lk->ntop ? lk->top[0].slope_bytes : 0.0, lk->first_cycle, lk->last_cycle);
        } else {
            fprintf(runs, ",,,,,");
        }
        fprintf(runs, ",%llu,%llu,%llu,%llu,%llu,%llu,%zu\n", (unsigned long long)x->run_delay_ns,
                (unsigned long long)x->off_cpu_other_ns, (unsigned long long)x->stalled_ns,
                (unsigned long long)x->stalls.n, (unsigned long long)x->stalls.total_ns,
                (unsigned long long)x->stalls.attributed_ns, pauses_of_kind(x, GC_PAUSE_ALLOC_STALL));
        if (x->ncensus) {
            FILE *types = open_csv(dir, "types.csv", TYPES_HEADER, err, errlen);
            if (!types) {
                fclose(runs), fclose(pauses), fclose(lat), fclose(wk), fclose(mmu);
                return -1;
            }
            for (size_t i = 0; i < x->ncensus; i++) {
                const gc_census_row *c = &x->census[i];
                fprintf(types, "%s,%s,%s,%u,%u,", x->run_id, variant, wl, x->rep, c->cycle);
                put_text(types, c->type ? run_type_name(x, c->type) : "(total)");
                fprintf(types, ",%llu,%llu,%llu,%llu,%d\n", (unsigned long long)c->objects, (unsigned long long)c->bytes,
                        (unsigned long long)c->protected_objects, (unsigned long long)c->census_ns, c->requested ? 1 : 0);
            }
            if (ferror(types) | fclose(types)) {
                snprintf(err, errlen, "error writing %s/types.csv", dir);
                fclose(runs), fclose(pauses), fclose(lat), fclose(wk), fclose(mmu);
                return -1;
            }
        }
        if (x->stalls.n && write_stalls(dir, variant, wl, x, err, errlen)) {
            fclose(runs), fclose(pauses), fclose(lat), fclose(wk), fclose(mmu);
            return -1;
        }
        for (size_t i = 0; i < x->npauses; i++) {
            const gc_pause *p = &x->pauses[i];
            fprintf(pauses, "%s,%s,%s,%u,%zu,%u,%s,%llu,%llu,%llu", x->run_id, variant, wl, x->rep, i, p->cycle,
                    gc_pause_kind_name(p->kind), (unsigned long long)(p->start_ns - x->start_ns),
                    (unsigned long long)(p->end_ns - x->start_ns), (unsigned long long)(p->end_ns - p->start_ns));
#define PUT_FIGURE(type, field, column) fprintf(pauses, ",%llu", (unsigned long long)p->field);
            GC_PAUSE_FIGURES(PUT_FIGURE)
#undef PUT_FIGURE
            fputc('\n', pauses);
        }
        for (int kind = 0; kind < 2; kind++) {
            const gc_hist *hk = kind ? mh : h;
            if (hk)
                for (size_t b = 0; b < GC_HIST_BUCKETS; b++)
                    if (hk->bucket[b])
                        fprintf(lat, "%s,%s,%s,%u,%llu,%llu,%llu,%s\n", x->run_id, variant, wl, x->rep,
                                (unsigned long long)gc_hist_bucket_low(b), (unsigned long long)gc_hist_bucket_high(b),
                                (unsigned long long)hk->bucket[b], kind ? "metered" : "simple");
        }
        if (x->wall_ns > 0) {
            uint64_t win[MAX_CURVE];
            double m[MAX_CURVE], bmu[MAX_CURVE];
            size_t nw = gc_mmu_curve_windows(x->wall_ns, win, MAX_CURVE);
            for (size_t i = 0; i < nw; i++)
                m[i] = gc_mmu(x->pauses, x->npauses, x->start_ns, x->start_ns + x->wall_ns, win[i]);
            gc_bmu(m, nw, bmu);
            for (size_t i = 0; i < nw; i++)
                fprintf(mmu, "%s,%s,%s,%u,%llu,%.6f,%.6f\n", x->run_id, variant, wl, x->rep,
                        (unsigned long long)win[i], m[i], bmu[i]);
        }
        for (unsigned w = 0; w < x->nworkers; w++) {
            const gc_worker_stats *s = &x->workers[w];
            fprintf(wk, "%s,%s,%s,%u,%u,%llu,%llu,%llu,%llu,%llu,%llu\n", x->run_id, variant, wl, x->rep, w,
                    (unsigned long long)s->objects, (unsigned long long)s->bytes, (unsigned long long)s->steals,
                    (unsigned long long)s->steal_fails, (unsigned long long)s->busy_ns,
                    (unsigned long long)s->idle_ns);
        }
    }
    int bad = ferror(runs) | ferror(pauses) | ferror(lat) | ferror(wk) | ferror(mmu);
    bad |= fclose(runs) | fclose(pauses) | fclose(lat) | fclose(wk) | fclose(mmu);
    if (bad) {
        snprintf(err, errlen, "error writing results into %s", dir);
        return -1;
    }
    return 0;
}

/* A value's median, min and max over the repetitions. */
typedef struct spread {
    uint64_t med, min, max;
} spread;

static spread spread_of(const run_result *r, unsigned n, uint64_t (*get)(const run_result *)) {
    uint64_t v[n ? n : 1];
    for (unsigned i = 0; i < n; i++) v[i] = get(&r[i]);
    spread s = {gc_min_u64(v, n), gc_min_u64(v, n), gc_max_u64(v, n)};
    s.med = gc_median_u64(v, n);
    return s;
}

static void fmt_ns(char *b, size_t len, uint64_t ns) {
    if (ns < 10000) snprintf(b, len, "%llu ns", (unsigned long long)ns);
    else if (ns < 10000000) snprintf(b, len, "%.1f us", (double)ns / 1e3);
    else if (ns < 10000000000ull) snprintf(b, len, "%.1f ms", (double)ns / 1e6);
    else snprintf(b, len, "%.2f s", (double)ns / 1e9);
}

static void fmt_bytes(char *b, size_t len, uint64_t v) {
    if (v < 10u << 10) snprintf(b, len, "%llu B", (unsigned long long)v);
    else if (v < 10u << 20) snprintf(b, len, "%.1f KiB", (double)v / 1024);
    else if (v < 10ull << 30) snprintf(b, len, "%.1f MiB", (double)v / 1048576);
    else snprintf(b, len, "%.2f GiB", (double)v / 1073741824.0);
}

static void row(FILE *f, const char *name, spread s, bool bytes) {
    char a[32], b[32], c[32];
    void (*fmt)(char *, size_t, uint64_t) = bytes ? fmt_bytes : fmt_ns;
    fmt(a, sizeof a, s.med), fmt(b, sizeof b, s.min), fmt(c, sizeof c, s.max);
    fprintf(f, "  %-22s %12s %12s %12s\n", name, a, b, c);
}

#define GETTER(name, expr) \
    static uint64_t name(const run_result *r) { return (expr); }
GETTER(g_wall, r->wall_ns)
GETTER(g_gccpu, r->gc_cpu_ns)
GETTER(g_count, r->ps.count)
GETTER(g_total, r->ps.total_ns)
GETTER(g_p50, r->ps.p50_ns)
GETTER(g_p90, r->ps.p90_ns)
GETTER(g_p99, r->ps.p99_ns)
GETTER(g_p999, r->ps.p999_ns)
GETTER(g_max, r->ps.max_ns)
GETTER(g_ttsp, r->ps.ttsp_p99_ns)
GETTER(g_peak, r->heap.peak_heap_bytes)
GETTER(g_rss, r->peak_rss)
GETTER(g_live, r->heap.live_bytes)
GETTER(g_lp50, r->latency ? gc_hist_percentile(r->latency, 50) : 0)
GETTER(g_lp99, r->latency ? gc_hist_percentile(r->latency, 99) : 0)
GETTER(g_lp999, r->latency ? gc_hist_percentile(r->latency, 99.9) : 0)
GETTER(g_lmax, r->latency ? r->latency->max : 0)
GETTER(g_mmu10, (uint64_t)(r->mmu[3] * 1e6))
GETTER(g_mp50, r->metered ? gc_hist_percentile(r->metered, 50) : 0)
GETTER(g_mp99, r->metered ? gc_hist_percentile(r->metered, 99) : 0)
GETTER(g_mp999, r->metered ? gc_hist_percentile(r->metered, 99.9) : 0)
GETTER(g_mmax, r->metered ? r->metered->max : 0)

GETTER(g_stalled, r->stalled_ns)
GETTER(g_rundelay, r->run_delay_ns)
GETTER(g_offother, r->off_cpu_other_ns)

/* The floor's rows (floor.h): its gaps, not a workload's figures. */
static void print_floor_summary(FILE *f, const run_config *cfg, run_result *r, unsigned n) {
    char params[512];
    results_format_params(cfg, params, sizeof params);
    fprintf(f, "noise floor for %s (%s; %u mutator and %u GC threads): %u repetition%s of %.0f ms\n", cfg->wl->name,
            params, cfg->threads, r[0].heap.gc_threads, n, n == 1 ? "" : "s", (double)r[0].wall_ns / 1e6);
    fprintf(f, "  %-26s %12s %12s %12s\n", "", "median", "min", "max");
    row(f, "largest gap", spread_of(r, n, g_lmax), false);
    row(f, "gap p99.9", spread_of(r, n, g_lp999), false);
    row(f, "gaps of 10 us or more", spread_of(r, n, g_stalled), false);
    row(f, "run delay", spread_of(r, n, g_rundelay), false);
    row(f, "neither run nor runnable", spread_of(r, n, g_offother), false);
}

void results_print_summary(FILE *f, const run_config *cfg, run_result *r, unsigned n) {
    if (cfg->floor_ms) {
        print_floor_summary(f, cfg, r, n);
        return;
    }
    char params[512];
    results_format_params(cfg, params, sizeof params);
    unsigned failed = 0;
    for (unsigned i = 0; i < n; i++) failed += r[i].status != 0;
    fprintf(f, "%s on %s: %u run%s (%u failed), %u mutator thread%s, %u GC thread%s, heap max %llu MiB, factor %g\n",
            cfg->wl->name, GCLAB_VARIANT, n, n == 1 ? "" : "s", failed, cfg->threads, cfg->threads == 1 ? "" : "s",
            r[0].heap.gc_threads, r[0].heap.gc_threads == 1 ? "" : "s",
            (unsigned long long)(r[0].heap.max_heap_bytes >> 20), cfg->gc.heap_factor);
    fprintf(f, "  params: %s%s%s\n", params, cfg->pin != GC_PIN_NONE ? "; pin " : "",
            cfg->pin != GC_PIN_NONE ? gc_pin_name(cfg->pin) : "");
    fprintf(f, "  %-22s %12s %12s %12s\n", "", "median", "min", "max");
    row(f, "wall", spread_of(r, n, g_wall), false);
    row(f, "GC CPU", spread_of(r, n, g_gccpu), false);
    spread c = spread_of(r, n, g_count);
    /* Pauses by kind, in the first repetition: which pauses a collector has, and how often marking fell
     * behind (degenerated cycles). */
    char bykind[256] = "";
    size_t at = 0;
    for (gc_pause_kind k = 0; k < GC_PAUSE_NKINDS && at < sizeof bykind; k++) {
        size_t n = pauses_of_kind(&r[0], k);
        if (n || k == GC_PAUSE_DEGENERATED)
            at += (size_t)snprintf(bykind + at, sizeof bykind - at, "%s%s %zu", at ? ", " : "", gc_pause_kind_name(k), n);
    }
    fprintf(f, "  %-22s %s\n", "pauses by kind (run 1)", bykind);
    fprintf(f, "  %-22s %12llu %12llu %12llu\n", "pauses", (unsigned long long)c.med, (unsigned long long)c.min,
            (unsigned long long)c.max);
    row(f, "pause total", spread_of(r, n, g_total), false);
    row(f, "pause p50", spread_of(r, n, g_p50), false);
    row(f, "pause p90", spread_of(r, n, g_p90), false);
    row(f, "pause p99", spread_of(r, n, g_p99), false);
    row(f, "pause p99.9", spread_of(r, n, g_p999), false);
    row(f, "pause max", spread_of(r, n, g_max), false);
    row(f, "time-to-safepoint p99", spread_of(r, n, g_ttsp), false);
    spread m = spread_of(r, n, g_mmu10);
    fprintf(f, "  %-22s %12.3f %12.3f %12.3f\n", "MMU at 10 ms", m.med / 1e6, m.min / 1e6, m.max / 1e6);
    row(f, "peak heap", spread_of(r, n, g_peak), true);
    row(f, "peak RSS", spread_of(r, n, g_rss), true);
    row(f, "live after last GC", spread_of(r, n, g_live), true);
    if (r[0].latency) {
        row(f, "mutator latency p50", spread_of(r, n, g_lp50), false);
        row(f, "mutator latency p99", spread_of(r, n, g_lp99), false);
        row(f, "mutator latency p99.9", spread_of(r, n, g_lp999), false);
        row(f, "mutator latency max", spread_of(r, n, g_lmax), false);
    }
    if (r[0].stalls.n) {
        /* Where the slowest operations' time went, largest causes first (stalls.h). */
        const stall_summary *s = &r[0].stalls;
        char line[1024];
        size_t at = 0;
        bool used[STALL_NCOLS] = {0};
        for (unsigned k = 0; k < STALL_NCOLS && at < sizeof line; k++) {
            unsigned best = STALL_NCOLS;
            for (unsigned c = 0; c < STALL_NCOLS; c++)
                if (!used[c] && s->ns[c] && (best == STALL_NCOLS || s->ns[c] > s->ns[best])) best = c;
            if (best == STALL_NCOLS) break;
            used[best] = true;
            at += (size_t)snprintf(line + at, sizeof line - at, "%s%s %.1f%%", at ? ", " : "", stall_col_name(best),
                                   100.0 * (double)s->ns[best] / (double)s->total_ns);
        }
        fprintf(f, "  %-22s %u slowest, %.2f ms in all, %.1f%% attributed: %s\n", "where it went (run 1)", s->n,
                (double)s->total_ns / 1e6, 100.0 * (double)s->attributed_ns / (double)s->total_ns, line);
        fprintf(f, "  %-22s run delay %.2f ms, neither running nor runnable %.2f ms (the timed threads)\n",
                "off the CPU (run 1)", (double)r[0].run_delay_ns / 1e6, (double)r[0].off_cpu_other_ns / 1e6);
    }
    if (r[0].metered && r[0].metered->count) {
        row(f, "metered latency p50", spread_of(r, n, g_mp50), false);
        row(f, "metered latency p99", spread_of(r, n, g_mp99), false);
        row(f, "metered latency p99.9", spread_of(r, n, g_mp999), false);
        row(f, "metered latency max", spread_of(r, n, g_mmax), false);
    }
    if (r[0].ncensus) {
        size_t at = 0;
        for (size_t i = 0; i < r[0].ncensus; i++)
            if (r[0].census[i].type == 0) at = i;
        const gc_census_row *last = &r[0].census[at];
        fprintf(f, "  %-22s %llu censuses; the last (cycle %u): %llu objects, %.1f MiB, %llu protected, counted in %.2f ms\n",
                "census (run 1)", (unsigned long long)r[0].leak.censuses, last->cycle, (unsigned long long)last->objects,
                (double)last->bytes / 1048576.0, (unsigned long long)last->protected_objects, (double)last->census_ns / 1e6);
    }
    if (r[0].heap.snapshots) {
        uint64_t ns = 0;
        for (size_t i = 0; i < r[0].npauses; i++) ns += r[0].pauses[i].snapshot_ns;
        fprintf(f, "  %-22s %llu written in %.1f ms in all; writing one took up to %.1f MiB beyond the heap; ids %.1f MiB\n",
                "heap snapshots (run 1)", (unsigned long long)r[0].heap.snapshots, (double)ns / 1e6,
                (double)r[0].heap.snapshot_extra_bytes / 1048576.0, (double)r[0].heap.snapshot_ids_bytes / 1048576.0);
    }
    fprintf(f, "  %-22s rss %.1f MiB, heap total %.1f MiB, used %.1f MiB, external %.1f MiB\n", "memory usage (run 1)",
            (double)r[0].mem.rss / 1048576.0, (double)r[0].mem.heap_total / 1048576.0,
            (double)r[0].mem.heap_used / 1048576.0, (double)r[0].mem.external / 1048576.0);
    for (unsigned i = 0; cfg->leak_mode != LEAK_OFF && i < n; i++) {
        const leak_report *lk = &r[i].leak;
        if (!lk->enough)
            fprintf(f, "  leak check, run %u: no verdict: %u censuses, %u needed (--leak-warmup + --leak-window + 1)\n",
                    r[i].rep, lk->censuses, cfg->leak.warmup + cfg->leak.window + 1);
        else
            fprintf(f, "  leak check, run %u: %s: live bytes %s%+.1f KiB over cycles %u..%u (%u censuses: %s)\n", r[i].rep,
                    lk->suspected ? "LEAK SUSPECTED" : "no leak", lk->suspected ? "rose at every collection, " : "",
                    (double)lk->growth_bytes / 1024.0, lk->first_cycle, lk->last_cycle, lk->censuses,
                    lk->requested_only ? "the program's own collections" : "every full-heap collection");
        for (size_t k = 0; k < lk->ntop; k++)
            fprintf(f, "    %zu. %-24s %+10.1f KiB %+10lld objects, %+.1f KiB per collection\n", k + 1,
                    run_type_name(&r[i], lk->top[k].type), (double)lk->top[k].growth_bytes / 1024.0,
                    (long long)lk->top[k].growth_objects, lk->top[k].slope_bytes / 1024.0);
    }
    for (unsigned i = 0; i < n; i++)
        if (r[i].status) fprintf(f, "  run %u FAILED: %s\n", r[i].rep, r[i].error);
}

const char *run_type_name(const run_result *r, gc_type t) {
    return t < r->ntypes && r->type_names && r->type_names[t] ? r->type_names[t] : "?";
}

int results_write_binding(const char *dir, const run_config *cfg, const char *run_id, const gc_pinner *pn,
                          char *err, size_t errlen) {
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create results folder %s: %s", dir, strerror(errno));
        return -1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/machine.txt", dir);
    struct stat st;
    bool fresh = stat(path, &st) != 0 || st.st_size == 0;
    FILE *f = fopen(path, "a");
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    if (fresh) {
        /* A folder written by gclab run alone (gclab suite writes the fuller header first). */
        fprintf(f, "topology:\n");
        gc_topology_describe(gc_topology_get(), f, "  ");
        fprintf(f, "bindings (one line per run set):\n");
    }
    if (cfg->pin != GC_PIN_NONE) {
        char params[512];
        results_format_params(cfg, params, sizeof params);
        fprintf(f, "  %s %s %s threads=%u gc-threads=%u pin=%s [%s]: ", run_id,
                cfg->variant ? cfg->variant : GCLAB_VARIANT, cfg->wl->name, cfg->threads, cfg->gc.gc_threads,
                gc_pin_name(cfg->pin), params);
        gc_pinner_report(pn, f);
        fputc('\n', f);
    }
    if (ferror(f) | fclose(f)) {
        snprintf(err, errlen, "error writing %s", path);
        return -1;
    }
    return 0;
}
