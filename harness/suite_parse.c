/* suite_parse.c: reading a suite file (suite.h) into its expanded runs, and the checks that stop a
 * mistaken suite before anything runs; every error names the file and line. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "options.h"
#include "suite.h"

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
       K_INTERLEAVE, K_FLOOR, K_N };
static const char *const key_names[K_N] = {"variants", "workloads", "threads", "gc-threads", "heap-factor",
                                           "repeat", "heap", "pin", "timeout", "args", "interleave", "floor"};

static int parse_line(parser *p, suite *s, char **tok, unsigned ntok, unsigned *seen) {
    int key = 0;
    while (key < K_N && strcmp(tok[0], key_names[key])) key++;
    if (key == K_N)
        return perr(p, "unknown key '%s' (keys: variants, workloads, threads, gc-threads, heap-factor, repeat, heap, "
                    "pin, timeout, interleave, floor, args)", tok[0]);
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
    case K_FLOOR:
        if (nv != 1 || (strcmp(v[0], "yes") && strcmp(v[0], "no")))
            return perr(p, "%s takes yes or no", tok[0]);
        *(key == K_INTERLEAVE ? &s->interleave : &s->floor) = !strcmp(v[0], "yes");
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
            /* The floor (floor.h) comes after the variants, so that in each round it follows the
             * runs it qualifies and takes as long as the longest of them. */
            for (unsigned v = 0; v < s->nvariants + s->floor; v++)
                for (unsigned t = 0; t < s->nthreads; t++)
                    for (unsigned g = 0; g < s->ngc_threads; g++)
                        for (unsigned f = 0; f < s->nfactors; f++)
                            for (unsigned h = 0; h < (s->nheaps ? s->nheaps : 1); h++)
                                for (unsigned q = 0; q < s->npins; q++) {
                                    if (s->threads[t] > 1 && !wl->multithreaded) {
                                        s->skipped++;
                                        continue;
                                    }
                                    suite_run r = {.variant = v < s->nvariants ? s->variants[v] : SUITE_FLOOR, .wl = wl,
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
    if (!seen[K_FLOOR]) s->floor = true;
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
