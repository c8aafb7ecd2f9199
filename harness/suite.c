/* suite.c: suite files (suite.h) and `gclab suite`, the runner behind `make bench`.
 *
 *   gclab suite FILE [--out DIR] [--shard I/N] [--check] [--list] [--root DIR]
 *
 * Each run is a child process, build/<variant>/gclab run ... --out DIR, which appends a runs.csv row
 * per repetition as it finishes. A child that fails its check has written failed rows itself; one that
 * crashes, exhausts the heap, is refused (bad input) or outlives the suite's timeout leaves repetitions
 * unwritten, and the runner appends a failed row for each with the reason, then goes on. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "options.h"
#include "suite.h"
#include "../collector/common/clock.h"

/* ---- parsing ---- */

typedef struct parser {
    const char *path;
    unsigned line;
    char *err;
    size_t errlen;
    const suite_env *env;
} parser;

static int perr(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(parser *p, const char *fmt, ...) {
    int at = p->line ? snprintf(p->err, p->errlen, "%s:%u: ", p->path, p->line) : snprintf(p->err, p->errlen, "%s: ", p->path);
    if (at < 0) at = 0;
    if ((size_t)at < p->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err + at, p->errlen - (size_t)at, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out) {
    if (!*s) return -1;
    for (const char *c = s; *c; c++)
        if (*c < '0' || *c > '9') return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max) return -1;
    *out = v;
    return 0;
}

/* One end of a count: N, cores or pus. */
static int count_atom(parser *p, const char *s, unsigned *out) {
    unsigned long long v;
    if (!strcmp(s, "cores")) *out = p->env->cores ? p->env->cores : 1;
    else if (!strcmp(s, "pus")) *out = p->env->pus ? p->env->pus : 1;
    else if (parse_uint(s, 4096, &v) == 0 && v >= 1) *out = (unsigned)v;
    else return -1;
    return 0;
}

static int add_count(parser *p, const char *key, unsigned *vals, unsigned *n, unsigned v) {
    for (unsigned i = 0; i < *n; i++)
        if (vals[i] == v) return 0;
    if (*n >= SUITE_MAX_VALUES) return perr(p, "too many values for '%s' (at most %d)", key, SUITE_MAX_VALUES);
    vals[(*n)++] = v;
    return 0;
}

/* A count token: N, cores, pus, or A..B (A, 2A, 4A, ... below B, then B). */
static int parse_counts(parser *p, const char *key, const char *tok, unsigned *vals, unsigned *n) {
    char buf[64];
    const char *dots = strstr(tok, "..");
    if (!dots) {
        unsigned v;
        if (count_atom(p, tok, &v))
            return perr(p, "bad value '%s' for '%s' (a number from 1 to 4096, cores, pus, or A..B such as 1..cores)",
                        tok, key);
        return add_count(p, key, vals, n, v);
    }
    size_t la = (size_t)(dots - tok);
    if (la >= sizeof buf) return perr(p, "bad range '%s' for '%s'", tok, key);
    memcpy(buf, tok, la);
    buf[la] = 0;
    unsigned a, b;
    if (count_atom(p, buf, &a) || count_atom(p, dots + 2, &b))
        return perr(p, "bad range '%s' for '%s' (A..B with A and B each a number, cores or pus)", tok, key);
    if (a > b) return perr(p, "empty range '%s' for '%s' (%u > %u here)", tok, key, a, b);
    for (unsigned v = a; v < b; v *= 2)
        if (add_count(p, key, vals, n, v)) return -1;
    return add_count(p, key, vals, n, b);
}

static char *sdup(parser *p, const char *s) {
    char *d = strdup(s);
    if (!d) perr(p, "out of memory");
    return d;
}

static bool is_file(const char *path, bool exec) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (!exec || access(path, X_OK) == 0);
}

static int check_variant(parser *p, const char *v) {
    size_t len = strlen(v);
    for (const char *c = v; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
            return perr(p, "bad variant name '%s' (a collector name, optionally -barrier)", v);
    if (len == 0 || len > 100) return perr(p, "bad variant name '%s'", v);
    char coll[128], path[4200];
    size_t cl = strcspn(v, "-");
    memcpy(coll, v, cl);
    coll[cl] = 0;
    snprintf(path, sizeof path, "%s/collector/%s.mk", p->env->root, coll);
    if (!is_file(path, false))
        return perr(p, "unknown variant '%s' (no collector/%s.mk; variants are a collector name, optionally -barrier)",
                    v, coll);
    snprintf(path, sizeof path, "%s/build/%s/gclab", p->env->root, v);
    if (!is_file(path, true)) {
        const char *bar = v[cl] ? v + cl + 1 : "";
        return perr(p, "variant '%s' is not built (no build/%s/gclab): run make COLLECTOR=%s%s%s", v, v, coll,
                    *bar ? " BARRIER=" : "", bar);
    }
    return 0;
}

/* An `args` line may carry the workload's options and the collector options no suite key sets
 * (options.c: the table says which), each checked as gclab run would check it. */
static int check_args(parser *p, suite_args *a) {
    const workload *wl = a->wl;
    for (size_t k = 0; k < wl->nparams; k++) a->param[k] = wl->params[k].def;
    for (unsigned i = 0; i < a->ntok; i++) {
        const char *o = a->tok[i];
        if (strncmp(o, "--", 2) != 0) return perr(p, "args %s: expected an option, not '%s'", wl->name, o);
        const gclab_option *opt = opt_find(o);
        if (opt && opt->suite_key)
            return perr(p, "args %s: %s is set by the suite's '%s' key, not in args", wl->name, o, opt->suite_key);
        if (opt && opt->runner_sets) return perr(p, "args %s: %s is the suite runner's to set", wl->name, o);
        if (opt && opt->kind == OPT_FLAG) continue;
        if (i + 1 >= a->ntok) return perr(p, "args %s: %s needs a value", wl->name, o);
        const char *v = a->tok[++i];
        if (opt) {
            char why[256];
            if (opt_parse_value(opt, o, v, NULL, why, sizeof why)) return perr(p, "args %s: %s", wl->name, why);
            continue;
        }
        size_t k = 0;
        while (k < wl->nparams && strcmp(o + 2, wl->params[k].name)) k++;
        if (k == wl->nparams) return perr(p, "args %s: unknown option %s (gclab list shows the workload's)", wl->name, o);
        char *end;
        errno = 0;
        long long x = strtoll(v, &end, 10);
        if (errno || end == v || *end) return perr(p, "args %s: %s expects a whole number, not '%s'", wl->name, o, v);
        if (x < wl->params[k].min || x > wl->params[k].max)
            return perr(p, "args %s: %s %lld is out of range [%lld, %lld]", wl->name, o, x,
                        (long long)wl->params[k].min, (long long)wl->params[k].max);
        a->param[k] = x;
    }
    return 0;
}

enum { K_VARIANTS, K_WORKLOADS, K_THREADS, K_GC_THREADS, K_FACTOR, K_REPEAT, K_HEAP, K_PIN, K_TIMEOUT, K_ARGS,
       K_INTERLEAVE, K_N };
static const char *const key_names[K_N] = {"variants", "workloads", "threads", "gc-threads", "heap-factor",
                                           "repeat", "heap", "pin", "timeout", "args", "interleave"};

static int parse_line(parser *p, suite *s, char **tok, unsigned ntok, unsigned *seen) {
    int key = 0;
    while (key < K_N && strcmp(tok[0], key_names[key])) key++;
    if (key == K_N)
        return perr(p, "unknown key '%s' (keys: variants, workloads, threads, gc-threads, heap-factor, repeat, heap, "
                    "pin, timeout, interleave, args)", tok[0]);
    if (ntok < 2) return perr(p, "'%s' has no value", tok[0]);
    if (key != K_ARGS) {
        if (seen[key]) return perr(p, "'%s' is set twice (first on line %u)", tok[0], seen[key]);
        seen[key] = p->line;
    }
    unsigned nv = ntok - 1;
    char **v = tok + 1;
    if (key != K_ARGS && nv > SUITE_MAX_VALUES) return perr(p, "too many values for '%s' (at most %d)", tok[0], SUITE_MAX_VALUES);
    switch (key) {
    case K_VARIANTS:
        for (unsigned i = 0; i < nv; i++) {
            if (check_variant(p, v[i])) return -1;
            for (unsigned k = 0; k < s->nvariants; k++)
                if (!strcmp(s->variants[k], v[i])) return perr(p, "variant '%s' is listed twice", v[i]);
            if (!(s->variants[s->nvariants++] = sdup(p, v[i]))) return -1;
        }
        break;
    case K_WORKLOADS:
        for (unsigned i = 0; i < nv; i++) {
            const workload *w = wl_find(v[i]);
            if (!w) return perr(p, "unknown workload '%s' (gclab list shows them)", v[i]);
            for (unsigned k = 0; k < s->nworkloads; k++)
                if (s->workloads[k] == w) return perr(p, "workload '%s' is listed twice", v[i]);
            s->workloads[s->nworkloads++] = w;
        }
        break;
    case K_THREADS:
    case K_GC_THREADS:
        for (unsigned i = 0; i < nv; i++)
            if (key == K_THREADS ? parse_counts(p, tok[0], v[i], s->threads, &s->nthreads)
                                 : parse_counts(p, tok[0], v[i], s->gc_threads, &s->ngc_threads))
                return -1;
        break;
    case K_FACTOR:
        for (unsigned i = 0; i < nv; i++) {
            char *end;
            errno = 0;
            double f = strtod(v[i], &end);
            if (errno || end == v[i] || *end || !(f > 1.0 && f <= 100.0))
                return perr(p, "bad heap-factor '%s' (a number more than 1, at most 100)", v[i]);
            if (!(s->factors[s->nfactors++] = sdup(p, v[i]))) return -1;
        }
        break;
    case K_HEAP:
        for (unsigned i = 0; i < nv; i++) {
            size_t b;
            if (gc_parse_size(v[i], &b)) return perr(p, "bad heap size '%s' (like 512M or 2G)", v[i]);
            if (b < ((size_t)1 << 20)) return perr(p, "heap '%s' is below the minimum (1M)", v[i]);
            s->heap_bytes[s->nheaps] = b;
            if (!(s->heaps[s->nheaps++] = sdup(p, v[i]))) return -1;
        }
        break;
    case K_PIN:
        for (unsigned i = 0; i < nv; i++) {
            gc_pin_policy pol;
            if (gc_pin_parse(v[i], &pol)) return perr(p, "bad pin policy '%s' (compact, scatter or none)", v[i]);
            for (unsigned k = 0; k < s->npins; k++)
                if (s->pins[k] == pol) return perr(p, "pin policy '%s' is listed twice", v[i]);
            s->pins[s->npins++] = pol;
        }
        break;
    case K_INTERLEAVE:
        if (nv != 1 || (strcmp(v[0], "yes") && strcmp(v[0], "no")))
            return perr(p, "interleave takes yes or no");
        s->interleave = !strcmp(v[0], "yes");
        break;
    case K_REPEAT:
    case K_TIMEOUT: {
        unsigned long long x;
        if (nv != 1) return perr(p, "'%s' takes one value, not %u", tok[0], nv);
        if (parse_uint(v[0], key == K_REPEAT ? 1000 : 604800, &x) || x < 1)
            return perr(p, "bad %s '%s' (%s)", tok[0], v[0],
                        key == K_REPEAT ? "a whole number from 1 to 1000" : "seconds, from 1 to 604800");
        if (key == K_REPEAT) s->repeat = (unsigned)x;
        else s->timeout_s = (unsigned)x;
        break;
    }
    case K_ARGS: {
        const workload *w = wl_find(v[0]);
        if (!w) return perr(p, "args: unknown workload '%s' (gclab list shows them)", v[0]);
        if (nv - 1 > SUITE_MAX_ARGS) return perr(p, "args %s: too many options (at most %d words)", v[0], SUITE_MAX_ARGS);
        suite_args *na = realloc(s->args, (s->nargs + 1) * sizeof *na);
        if (!na) return perr(p, "out of memory");
        s->args = na;
        suite_args *a = &s->args[s->nargs++];
        memset(a, 0, sizeof *a);
        a->wl = w;
        a->line = p->line;
        size_t len = 1;
        for (unsigned i = 1; i < nv; i++) len += strlen(v[i]) + 1;
        if (!(a->text = calloc(1, len))) return perr(p, "out of memory");
        for (unsigned i = 1; i < nv; i++) {
            if (i > 1) strcat(a->text, " ");
            strcat(a->text, v[i]);
            if (!(a->tok[a->ntok++] = sdup(p, v[i]))) return -1;
        }
        if (check_args(p, a)) return -1;
        break;
    }
    }
    return 0;
}

static void add_run(suite *s, suite_run *r, size_t *cap) {
    if (s->nruns == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        suite_run *nr = realloc(s->runs, nc * sizeof *nr);
        if (!nr) return;   /* caught by the caller: nruns stops growing */
        s->runs = nr;
        *cap = nc;
    }
    r->index = (unsigned)s->nruns;
    s->runs[s->nruns++] = *r;
}

static int expand(parser *p, suite *s) {
    size_t cap = 0, want = 0;
    static char *const no_tok[1] = {NULL};
    for (unsigned w = 0; w < s->nworkloads; w++) {
        const workload *wl = s->workloads[w];
        /* The workload's args lines, each a configuration; none: its defaults. */
        unsigned nconf = 0;
        for (unsigned a = 0; a < s->nargs; a++) nconf += s->args[a].wl == wl;
        for (unsigned c = 0, a = 0; c < (nconf ? nconf : 1); c++, a++) {
            const suite_args *ar = NULL;
            if (nconf) {
                while (s->args[a].wl != wl) a++;
                ar = &s->args[a];
            }
            for (unsigned v = 0; v < s->nvariants; v++)
                for (unsigned t = 0; t < s->nthreads; t++)
                    for (unsigned g = 0; g < s->ngc_threads; g++)
                        for (unsigned f = 0; f < s->nfactors; f++)
                            for (unsigned h = 0; h < (s->nheaps ? s->nheaps : 1); h++)
                                for (unsigned q = 0; q < s->npins; q++) {
                                    if (s->threads[t] > 1 && !wl->multithreaded) {
                                        s->skipped++;
                                        continue;
                                    }
                                    suite_run r = {.variant = s->variants[v], .wl = wl,
                                                   .args_text = ar ? ar->text : "", .args = ar ? ar->tok : no_tok,
                                                   .nargs = ar ? ar->ntok : 0, .threads = s->threads[t],
                                                   .gc_threads = s->gc_threads[g], .heap_factor = s->factors[f],
                                                   .heap = s->nheaps ? s->heaps[h] : NULL,
                                                   .heap_bytes = s->nheaps ? s->heap_bytes[h] : 0, .pin = s->pins[q]};
                                    for (size_t k = 0; k < wl->nparams; k++)
                                        r.param[k] = ar ? ar->param[k] : wl->params[k].def;
                                    want++;
                                    add_run(s, &r, &cap);
                                }
        }
    }
    p->line = 0;
    if (s->nruns != want) return perr(p, "out of memory expanding the suite");
    if (want == 0) return perr(p, "no runs: every combination was left out");
    s->total = s->nruns;
    return 0;
}

int suite_parse(const char *path, const suite_env *env, suite *s, char *err, size_t errlen) {
    memset(s, 0, sizeof *s);
    parser p = {.path = path, .err = err, .errlen = errlen, .env = env};
    s->shard_n = 1;
    if (!(s->path = strdup(path))) return perr(&p, "out of memory");
    FILE *f = fopen(path, "r");
    if (!f) return perr(&p, "cannot read the suite: %s", strerror(errno));
    unsigned seen[K_N] = {0};
    char line[4096];
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        p.line++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n' && !feof(f)) {
            rc = perr(&p, "line too long (at most %zu characters)", sizeof line - 2);
            break;
        }
        char *hash = strchr(line, '#');
        if (hash) *hash = 0;
        char *tok[SUITE_MAX_VALUES + SUITE_MAX_ARGS + 2];
        unsigned ntok = 0;
        bool toomany = false;
        for (char *t = strtok(line, " \t\r\n"); t; t = strtok(NULL, " \t\r\n")) {
            if (ntok == sizeof tok / sizeof tok[0]) {
                toomany = true;
                break;
            }
            tok[ntok++] = t;
        }
        if (ntok == 0) continue;
        if (toomany) {
            rc = perr(&p, "too many words on one line");
            break;
        }
        if ((rc = parse_line(&p, s, tok, ntok, seen))) break;
    }
    if (!rc && ferror(f)) rc = perr(&p, "error reading the suite");
    fclose(f);
    if (rc) return rc;
    p.line = 0;
    if (!seen[K_VARIANTS]) return perr(&p, "no 'variants' line (e.g. variants stw bdw)");
    if (!seen[K_WORKLOADS]) return perr(&p, "no 'workloads' line (e.g. workloads gcbench msgbuf)");
    for (unsigned a = 0; a < s->nargs; a++) {
        bool listed = false;
        for (unsigned w = 0; w < s->nworkloads; w++) listed |= s->workloads[w] == s->args[a].wl;
        if (!listed) {
            p.line = s->args[a].line;
            return perr(&p, "args for workload '%s', which the 'workloads' line does not list", s->args[a].wl->name);
        }
    }
    if (!s->nthreads) s->threads[s->nthreads++] = 1;
    if (!s->ngc_threads) s->gc_threads[s->ngc_threads++] = env->cores ? env->cores : 1;
    if (!s->nfactors && !(s->factors[s->nfactors++] = sdup(&p, "2.0"))) return -1;
    if (!s->npins) s->pins[s->npins++] = GC_PIN_NONE;
    if (!s->repeat) s->repeat = 5;
    if (!s->timeout_s) s->timeout_s = 1800;
    if (!seen[K_INTERLEAVE]) s->interleave = true;
    return expand(&p, s);
}

int suite_parse_shard(const char *spec, unsigned *i, unsigned *n, char *err, size_t errlen) {
    const char *slash = spec ? strchr(spec, '/') : NULL;
    unsigned long long a, b;
    char head[32];
    if (slash && (size_t)(slash - spec) < sizeof head) {
        memcpy(head, spec, (size_t)(slash - spec));
        head[slash - spec] = 0;
        if (parse_uint(head, 1000000, &a) == 0 && parse_uint(slash + 1, 1000000, &b) == 0 && b >= 1 && a < b) {
            *i = (unsigned)a;
            *n = (unsigned)b;
            return 0;
        }
    }
    snprintf(err, errlen, "--shard expects I/N with 0 <= I < N (e.g. 0/8 ... 7/8), not '%s'", spec ? spec : "");
    return -1;
}

/* splitmix64: a fixed scrambling of run positions, the same on every machine. */
static uint64_t mix64(uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

typedef struct ranked {
    uint64_t key;
    size_t at;
} ranked;

static int cmp_ranked(const void *a, const void *b) {
    const ranked *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return (x->at > y->at) - (x->at < y->at);
}

static int cmp_run_index(const void *a, const void *b) {
    const suite_run *x = a, *y = b;
    return (x->index > y->index) - (x->index < y->index);
}

/* Runs are dealt round robin in a scrambled order (mix64 of their position), so shard sizes differ by at
 * most one and each shard gets a mix of every dimension (plain round robin over the suite's order would
 * give shard 0 of 2 all the runs of the first pin policy, say); each shard then runs in suite order. */
void suite_shard(suite *s, unsigned i, unsigned n) {
    ranked *r = malloc((s->nruns ? s->nruns : 1) * sizeof *r);
    size_t k = 0;
    bool done = false;
    if (r) {
        for (size_t j = 0; j < s->nruns; j++) r[j] = (ranked){mix64(s->runs[j].index), j};
        qsort(r, s->nruns, sizeof *r, cmp_ranked);
        suite_run *keep = malloc((s->nruns ? s->nruns : 1) * sizeof *keep);
        if (keep) {
            for (size_t j = i; j < s->nruns; j += n) keep[k++] = s->runs[r[j].at];
            qsort(keep, k, sizeof *keep, cmp_run_index);
            memcpy(s->runs, keep, k * sizeof *keep);
            free(keep);
            done = true;
        }
        free(r);
    }
    if (!done) {   /* out of memory: stop rather than run a different partition than the other shards */
        fprintf(stderr, "gclab: out of memory sharding the suite\n");
        exit(2);
    }
    s->nruns = k;
    s->shard_i = i;
    s->shard_n = n;
}

void suite_free(suite *s) {
    free(s->path);
    for (unsigned i = 0; i < s->nvariants; i++) free(s->variants[i]);
    for (unsigned i = 0; i < s->nfactors; i++) free(s->factors[i]);
    for (unsigned i = 0; i < s->nheaps; i++) free(s->heaps[i]);
    for (unsigned a = 0; a < s->nargs; a++) {
        free(s->args[a].text);
        for (unsigned t = 0; t < s->args[a].ntok; t++) free(s->args[a].tok[t]);
    }
    free(s->args);
    free(s->runs);
    memset(s, 0, sizeof *s);
}

void suite_run_describe(const suite_run *r, char *buf, size_t len) {
    snprintf(buf, len, "%s on %s: %u thread%s, %u GC thread%s, factor %s%s%s, pin %s%s%s", r->wl->name, r->variant,
             r->threads, r->threads == 1 ? "" : "s", r->gc_threads, r->gc_threads == 1 ? "" : "s", r->heap_factor,
             r->heap ? ", heap " : "", r->heap ? r->heap : "", gc_pin_name(r->pin), *r->args_text ? ", " : "",
             r->args_text);
}

/* ---- running ---- */

static void fmt_secs(char *b, size_t len, double s) {
    if (s < 0) s = 0;
    unsigned long t = (unsigned long)(s + 0.5);
    if (t < 60) snprintf(b, len, "%lus", t);
    else if (t < 3600) snprintf(b, len, "%lum%02lus", t / 60, t % 60);
    else snprintf(b, len, "%luh%02lum", t / 3600, t / 60 % 60);
}

/* Data rows of a CSV file (lines after the header); 0 if it does not exist. */
static size_t csv_rows(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t lines = 0;
    int c, last = '\n';
    while ((c = getc(f)) != EOF) {
        if (c == '\n') lines++;
        last = c;
    }
    if (last != '\n') lines++;
    fclose(f);
    return lines ? lines - 1 : 0;
}

/* Whether a file has a line containing `what`. */
static bool file_mentions(const char *path, const char *what) {
    FILE *f = fopen(path, "r");
    if (!f) return false;
    char line[1024];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) found = strstr(line, what) != NULL;
    fclose(f);
    return found;
}

/* The last non-empty line of a file, without its newline; "" if none. */
static void last_line(const char *path, char *out, size_t len) {
    out[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f) return;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\r\n");
        line[n] = 0;
        if (n && len) {
            if (n >= len) n = len - 1;
            memcpy(out, line, n);
            out[n] = 0;
        }
    }
    fclose(f);
}

static void append_file(const char *dst, const char *src, const char *header) {
    FILE *in = fopen(src, "r");
    if (!in) return;
    int c = getc(in);
    if (c == EOF) {
        fclose(in);
        return;
    }
    FILE *out = fopen(dst, "a");
    if (out) {
        fprintf(out, "%s\n", header);
        for (; c != EOF; c = getc(in)) putc(c, out);
        fclose(out);
    }
    fclose(in);
}

typedef struct outcome {
    bool timed_out;
    int status;                 /* waitpid status */
    pid_t pid;
} outcome;

/* Runs argv with stderr into errpath; kills it after timeout_s. SIGCHLD is blocked by the caller. */
static int spawn_wait(char *const *argv, const char *errpath, unsigned timeout_s, outcome *o) {
    memset(o, 0, sizeof *o);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (fd >= 0) dup2(fd, 2), close(fd);
        int nul = open("/dev/null", O_RDWR);
        if (nul >= 0) dup2(nul, 0), dup2(nul, 1), close(nul);
        execv(argv[0], argv);
        fprintf(stderr, "gclab: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    o->pid = pid;
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    uint64_t deadline = gc_now_ns() + (uint64_t)timeout_s * 1000000000u;
    for (;;) {
        pid_t w = waitpid(pid, &o->status, WNOHANG);
        if (w == pid) return 0;
        if (w < 0 && errno != EINTR) return -1;
        uint64_t now = gc_now_ns();
        if (now >= deadline) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &o->status, 0) < 0 && errno == EINTR) {}
            o->timed_out = true;
            return 0;
        }
        uint64_t left = deadline - now;
        struct timespec ts = {.tv_sec = (time_t)(left / 1000000000u), .tv_nsec = (long)(left % 1000000000u)};
        if (ts.tv_sec > 1) ts = (struct timespec){1, 0};   /* re-check now and then: robust to lost signals */
        sigtimedwait(&chld, NULL, &ts);
    }
}

/* Appends failed rows for repetitions from..to that the child did not write. */
static int write_failed_rows(const char *out, const suite *s, const suite_run *run, unsigned from, unsigned to,
                             pid_t pid, const char *why) {
    run_config cfg = {.wl = run->wl, .threads = run->threads, .gc_threads = run->gc_threads,
                      .heap_factor = strtod(run->heap_factor, NULL), .repeat = s->repeat, .pin = run->pin,
                      .variant = run->variant};
    memcpy(cfg.param, run->param, sizeof cfg.param);
    for (unsigned i = 0; i < run->nargs; i++) {
        int k = results_gc_option(NULL, run->args[i], NULL);
        if (k >= 0) results_gc_option(&cfg, run->args[i], k && i + 1 < run->nargs ? run->args[i + 1] : "");
        if (k != 0) i++;   /* the value of a collector option or of a workload option */
    }
    char coll[128];
    size_t cl = strcspn(run->variant, "-");
    snprintf(coll, sizeof coll, "%.*s", (int)cl, run->variant);
    cfg.collector = coll;
    for (unsigned rep = from; rep <= to; rep++) {
        run_result x;
        memset(&x, 0, sizeof x);
        x.rep = rep;
        x.status = 1;
        snprintf(x.run_id, sizeof x.run_id, "%llx-%d-%u", (unsigned long long)time(NULL), (int)pid, rep);
        if (rep == from) snprintf(x.error, sizeof x.error, "%s", why);
        else snprintf(x.error, sizeof x.error, "not run: repetition %u ended the process (%s)", from, why);
        x.heap.max_heap_bytes = run->heap_bytes ? run->heap_bytes : (uint64_t)1 << 30;
        x.heap.gc_threads = run->gc_threads;
        char err[512];
        if (results_write(out, &cfg, &x, 1, err, sizeof err)) {
            fprintf(stderr, "gclab: %s\n", err);
            return -1;
        }
    }
    return 0;
}

static void write_machine(const char *out, const suite *s) {
    char path[4200];
    snprintf(path, sizeof path, "%s/machine.txt", out);
    FILE *f = fopen(path, "a");
    if (!f) return;
    const gc_topology *t = gc_topology_get();
    fprintf(f, "suite_file: %s\n", s->path);
    fprintf(f, "shard: %u/%u (%zu of the suite's %zu runs)\n", s->shard_i, s->shard_n, s->nruns, s->total);
#ifndef GCLAB_HAVE_HWLOC
    fprintf(f, "hwloc: not in this build (libhwloc-dev missing): topology from sysconf, packages and SMT unknown\n");
#endif
    fprintf(f, "topology:\n");
    gc_topology_describe(t, f, "  ");
    fprintf(f, "pin policies:");
    for (unsigned q = 0; q < s->npins; q++) fprintf(f, " %s", gc_pin_name(s->pins[q]));
    fprintf(f, "\n  (mutator i takes position i of the policy's order, GC worker j position j, modulo the PUs;\n"
               "   GC worker 0 is the collecting mutator; see README, \"Pinning\")\n");
    unsigned *order = malloc((t->npus ? t->npus : 1) * sizeof *order);
    for (unsigned q = 0; order && q < s->npins; q++) {
        if (s->pins[q] == GC_PIN_NONE) continue;
        gc_pin_order(t, s->pins[q], order);
        fprintf(f, "  %s order (OS CPU numbers):", gc_pin_name(s->pins[q]));
        for (unsigned k = 0; k < t->npus; k++) fprintf(f, " %u", t->pus[order[k]].os);
        fputc('\n', f);
    }
    free(order);
    fprintf(f, "bindings (one line per pinned run: the PU each thread got):\n");
    fclose(f);
}

static int cmd_run_suite(suite *s, const char *root, const char *out) {
    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "gclab: cannot create %s: %s\n", out, strerror(errno));
        return 2;
    }
    write_machine(out, s);
    char runs_csv[4200], errpath[4200], errlog[4200];
    snprintf(runs_csv, sizeof runs_csv, "%s/runs.csv", out);
    snprintf(errpath, sizeof errpath, "%s/.stderr", out);
    snprintf(errlog, sizeof errlog, "%s/errors.log", out);
    signal(SIGCHLD, SIG_DFL);   /* an inherited SIG_IGN would reap the children before waitpid sees them */
    sigset_t chld, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &old);

    /* Interleaved (the default): round i runs repetition i of every run, each in a process of its own,
     * so the slow drift of a shared machine (a neighbour's load, the memory bandwidth left over) falls
     * on every configuration alike instead of on whichever ran at the time, and no repetition
     * inherits an earlier one's process (libgc cannot be torn down: its next heap starts grown).
     * Otherwise a run's repetitions share one process, run after run. */
    unsigned rounds = s->interleave ? s->repeat : 1, per = s->interleave ? 1 : s->repeat;
    size_t nspawn = s->nruns * rounds;
    double *took = calloc(nspawn ? nspawn : 1, sizeof *took);
    uint64_t t0 = gc_now_ns();
    unsigned failed = 0, unbound = 0;
    for (size_t q = 0; q < nspawn; q++) {
        size_t k = q % s->nruns;
        unsigned first = s->interleave ? (unsigned)(q / s->nruns) + 1 : 1;
        const suite_run *r = &s->runs[k];
        char desc[512], el[32], left[64] = "", reps[48] = "";
        suite_run_describe(r, desc, sizeof desc);
        if (s->interleave) snprintf(reps, sizeof reps, ", repetition %u of %u", first, s->repeat);
        double elapsed = (double)(gc_now_ns() - t0) / 1e9;
        fmt_secs(el, sizeof el, elapsed);
        if (q > 0) {
            /* Remaining time: each remaining process as long as the mean of the finished ones of the same
             * workload and variant, else of the same workload, else of all. */
            double all = 0, est = 0;
            for (size_t j = 0; j < q; j++) all += took[j];
            all /= (double)q;
            for (size_t j = q; j < nspawn; j++) {
                const suite_run *rj = &s->runs[j % s->nruns];
                double sum[2] = {0, 0};
                unsigned n[2] = {0, 0};
                for (size_t i = 0; i < q; i++) {
                    const suite_run *ri = &s->runs[i % s->nruns];
                    if (ri->wl != rj->wl) continue;
                    bool same = !strcmp(ri->variant, rj->variant);
                    sum[0] += took[i], n[0]++;
                    if (same) sum[1] += took[i], n[1]++;
                }
                est += n[1] ? sum[1] / n[1] : n[0] ? sum[0] / n[0] : all;
            }
            char e[32];
            fmt_secs(e, sizeof e, est);
            snprintf(left, sizeof left, ", about %s left", e);
        }
        printf("[%zu/%zu] %s%s (%s elapsed%s)\n", q + 1, nspawn, desc, reps, el, left);
        fflush(stdout);

        char exe[4200], th[16], gt[16], rp[16], fr[16];
        snprintf(exe, sizeof exe, "%s/build/%s/gclab", root, r->variant);
        snprintf(th, sizeof th, "%u", r->threads);
        snprintf(gt, sizeof gt, "%u", r->gc_threads);
        snprintf(rp, sizeof rp, "%u", per);
        snprintf(fr, sizeof fr, "%u", first);
        char *argv[40 + SUITE_MAX_ARGS];
        unsigned a = 0;
        argv[a++] = exe, argv[a++] = "run", argv[a++] = (char *)r->wl->name;
        argv[a++] = "--threads", argv[a++] = th, argv[a++] = "--gc-threads", argv[a++] = gt;
        argv[a++] = "--heap-factor", argv[a++] = (char *)r->heap_factor, argv[a++] = "--repeat", argv[a++] = rp;
        argv[a++] = "--first-rep", argv[a++] = fr;
        if (r->heap) argv[a++] = "--heap", argv[a++] = (char *)r->heap;
        argv[a++] = "--pin", argv[a++] = (char *)gc_pin_name(r->pin);
        argv[a++] = "--quiet", argv[a++] = "--out", argv[a++] = (char *)out;
        for (unsigned i = 0; i < r->nargs; i++) argv[a++] = r->args[i];
        argv[a] = NULL;

        size_t before = csv_rows(runs_csv);
        uint64_t start = gc_now_ns();
        outcome o;
        char why[512] = "";
        if (spawn_wait(argv, errpath, s->timeout_s, &o)) {
            snprintf(why, sizeof why, "cannot run %.300s: %s", exe, strerror(errno));
            o.pid = 0;
        }
        took[q] = (double)(gc_now_ns() - start) / 1e9;
        char lastl[400];
        last_line(errpath, lastl, sizeof lastl);
        if (file_mentions(errpath, "warning: cannot bind") && unbound++ == 0)
            printf("    note: some threads could not be bound to their PU (the topology names CPUs this machine lacks?); "
                   "they ran unbound: machine.txt lists each binding\n");
        size_t written = csv_rows(runs_csv) - before;
        if (!why[0]) {
            if (o.timed_out)
                snprintf(why, sizeof why, "timed out after %u s (the suite's timeout)", s->timeout_s);
            else if (WIFSIGNALED(o.status))
                snprintf(why, sizeof why, "crashed: signal %d (%s)%s%s", WTERMSIG(o.status), strsignal(WTERMSIG(o.status)),
                         lastl[0] ? ": " : "", lastl);
            else if (WIFEXITED(o.status) && WEXITSTATUS(o.status) != 0)
                snprintf(why, sizeof why, "exit status %d%s%s", WEXITSTATUS(o.status), lastl[0] ? ": " : "", lastl);
        }
        bool bad = why[0] != 0;
        if (written < per) {
            if (!why[0]) snprintf(why, sizeof why, "the run wrote %zu of %u rows", written, per);
            write_failed_rows(out, s, r, first + (unsigned)written, first + per - 1, o.pid, why);
            bad = true;
        }
        /* errors.log: what each process said on stderr, and every failure, under the run's description. */
        char hdr[1200];
        snprintf(hdr, sizeof hdr, "== [%zu/%zu] %s%s%s%.500s", q + 1, nspawn, desc, reps, bad ? ": FAILED: " : "",
                 bad ? why : "");
        if (lastl[0]) append_file(errlog, errpath, hdr);
        else if (bad) {
            FILE *f = fopen(errlog, "a");
            if (f) fprintf(f, "%s\n", hdr), fclose(f);
        }
        unlink(errpath);
        if (bad) {
            failed++;
            printf("    FAILED: %s (%s)\n", why, errlog);
        }
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    free(took);
    if (unbound) {
        char path[4200];
        snprintf(path, sizeof path, "%s/machine.txt", out);
        FILE *f = fopen(path, "a");
        if (f) {
            fprintf(f, "binding failures: %u of %zu processes had threads that could not be bound (FAILED above); "
                       "those threads ran unbound\n", unbound, nspawn);
            fclose(f);
        }
    }
    char total[32];
    fmt_secs(total, sizeof total, (double)(gc_now_ns() - t0) / 1e9);
    printf("suite %s%s: %zu run%s x %u repetitions (%s) in %s, %u process%s with failures; results in %s\n", s->path,
           s->shard_n > 1 ? " (shard)" : "", s->nruns, s->nruns == 1 ? "" : "s", s->repeat,
           s->interleave ? "interleaved" : "each run's in one process", total, failed, failed == 1 ? "" : "es", out);
    return 0;
}

int suite_main(int argc, char **argv) {
    const char *file = NULL, *out = NULL, *shard = NULL, *root = ".";
    bool check = false, list = false;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--check")) check = true;
        else if (!strcmp(a, "--list")) list = true;
        else if (!strcmp(a, "--out") || !strcmp(a, "--shard") || !strcmp(a, "--root")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "gclab: %s needs a value\n", a);
                return 2;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--out")) out = v;
            else if (!strcmp(a, "--shard")) shard = v;
            else root = v;
        } else if (a[0] == '-' || file) {
            fprintf(stderr, "gclab: suite: unexpected argument '%s' (gclab suite FILE [--out DIR] [--shard I/N] "
                            "[--check] [--list])\n", a);
            return 2;
        } else file = a;
    }
    if (!file) {
        fprintf(stderr, "gclab: suite needs a suite file (gclab suite FILE [--out DIR] [--shard I/N] [--check] [--list])\n");
        return 2;
    }
    char err[1024];
    unsigned si = 0, sn = 1;
    if (shard && suite_parse_shard(shard, &si, &sn, err, sizeof err)) {
        fprintf(stderr, "gclab: %s\n", err);
        return 2;
    }
    suite_env env = {.root = root, .cores = gc_topology_cores(), .pus = gc_topology_pus()};
    suite s;
    if (suite_parse(file, &env, &s, err, sizeof err)) {
        fprintf(stderr, "gclab: %s\n", err);
        suite_free(&s);
        return 2;
    }
    if (sn > 1) suite_shard(&s, si, sn);
    int rc = 0;
    if (check || list) {
        if (list)
            for (size_t k = 0; k < s.nruns; k++) {
                char desc[512];
                suite_run_describe(&s.runs[k], desc, sizeof desc);
                printf("%u %s\n", s.runs[k].index, desc);
            }
        printf("%s: %zu run%s x %u repetitions%s", file, s.nruns, s.nruns == 1 ? "" : "s", s.repeat,
               s.interleave ? " (interleaved)" : "");
        if (sn > 1) printf(" (shard %u/%u of %zu runs)", si, sn, s.total);
        if (s.skipped) printf("; %u combinations left out (threads > 1 for a single-threaded workload)", s.skipped);
        printf("; cores = %u, pus = %u (%s)\n", env.cores, env.pus, gc_topology_get()->source);
    } else if (!out) {
        fprintf(stderr, "gclab: suite needs --out DIR to run (or --check, --list)\n");
        rc = 2;
    } else {
        rc = cmd_run_suite(&s, root, out);
    }
    suite_free(&s);
    return rc;
}
