/* suite_run.c: running an expanded suite (suite_run_all), the runner behind `make bench`.
 *
 * Each run is a child process, build/<variant>/gclab run ... --out DIR, which appends a runs.csv row
 * per repetition as it finishes. A child that fails its check has written failed rows itself; one that
 * crashes, exhausts the heap, is refused (bad input) or outlives the suite's timeout leaves repetitions
 * unwritten, and the runner appends a failed row for each with the reason, then goes on. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "suite.h"
#include "clock.h"

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
    run_config cfg = {.wl = run->wl, .threads = run->threads,
                      .gc = {.gc_threads = run->gc_threads, .heap_factor = strtod(run->heap_factor, NULL)},
                      .repeat = s->repeat, .pin = run->pin, .variant = run->variant};
    memcpy(cfg.param, run->param, sizeof cfg.param);
    for (unsigned i = 0; i < run->nargs; i++) {
        int k = results_gc_option(NULL, run->args[i], NULL);
        if (k >= 0) results_gc_option(&cfg, run->args[i], k && i + 1 < run->nargs ? run->args[i + 1] : "");
        if (k != 0) i++;   /* the value of a collector option or of a workload option */
    }
    char coll[128];
    size_t cl = strcspn(run->variant, "-");
    snprintf(coll, sizeof coll, "%.*s", (int)cl, strcmp(run->variant, SUITE_FLOOR) ? run->variant : "none");
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
    fprintf(f, "binaries: each process runs a fresh copy of build/<variant>/gclab (.gclab-run-<pid> in this folder,\n"
               "  removed when it ends): a binary's speed can depend on the file it runs from, not only on its code\n"
               "  (results/published/goals-20261202/README.md)\n");
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

/* The state of one suite run, carried from process to process. */
typedef struct runner {
    const suite *s;
    const char *root, *out;
    char runs_csv[4200], errpath[4200], errlog[4200];
    unsigned per;               /* repetitions per process: 1 when interleaved, else all of them */
    size_t nspawn;              /* processes in all */
    double *took;               /* seconds each finished process took, for the estimate */
    uint64_t t0;
    unsigned failed, unbound;   /* processes with failures, with threads that could not be bound */
} runner;

/* Seconds the processes from q on will take: each as long as the mean of the finished ones of the same
 * workload and variant, else of the same workload, else of all. */
static double estimate_left(const runner *rn, size_t q) {
    const suite *s = rn->s;
    double all = 0, est = 0;
    for (size_t j = 0; j < q; j++) all += rn->took[j];
    all /= (double)q;
    for (size_t j = q; j < rn->nspawn; j++) {
        const suite_run *rj = &s->runs[j % s->nruns];
        double sum[2] = {0, 0};
        unsigned n[2] = {0, 0};
        for (size_t i = 0; i < q; i++) {
            const suite_run *ri = &s->runs[i % s->nruns];
            if (ri->wl != rj->wl) continue;
            bool same = !strcmp(ri->variant, rj->variant);
            sum[0] += rn->took[i], n[0]++;
            if (same) sum[1] += rn->took[i], n[1]++;
        }
        est += n[1] ? sum[1] / n[1] : n[0] ? sum[0] / n[0] : all;
    }
    return est;
}

/* The progress line of process q; desc and reps are kept for errors.log. */
static void print_progress(const runner *rn, size_t q, const suite_run *r, unsigned first, char *desc, size_t desclen,
                           char *reps, size_t repslen) {
    char el[32], left[64] = "";
    suite_run_describe(r, desc, desclen);
    reps[0] = 0;
    if (rn->s->interleave) snprintf(reps, repslen, ", repetition %u of %u", first, rn->s->repeat);
    fmt_secs(el, sizeof el, (double)(gc_now_ns() - rn->t0) / 1e9);
    if (q > 0) {
        char e[32];
        fmt_secs(e, sizeof e, estimate_left(rn, q));
        snprintf(left, sizeof left, ", about %s left", e);
    }
    printf("[%zu/%zu] %s%s (%s elapsed%s)\n", q + 1, rn->nspawn, desc, reps, el, left);
    fflush(stdout);
}

/* A child's command line: the run's settings as gclab run options, then its args line as written. */
typedef struct child_cmd {
    char exe[4200], th[16], gt[16], rp[16], fr[16], fl[16];
    char *argv[40 + SUITE_MAX_ARGS];
} child_cmd;

static bool same_config(const suite_run *a, const suite_run *b) {
    return a->wl == b->wl && !strcmp(a->args_text, b->args_text) && a->threads == b->threads &&
           a->gc_threads == b->gc_threads && !strcmp(a->heap_factor, b->heap_factor) &&
           (a->heap == b->heap || (a->heap && b->heap && !strcmp(a->heap, b->heap))) && a->pin == b->pin;
}

/* How long floor process q probes: as long as the longest process of the runs it qualifies (same
 * configuration, any variant) took in its round, else in any round; 1 s if none has finished (a
 * shard that holds the floor without its runs). */
static unsigned floor_ms(const runner *rn, size_t q) {
    const suite *s = rn->s;
    const suite_run *f = &s->runs[q % s->nruns];
    double round_max = 0, any_max = 0;
    for (size_t j = 0; j < q; j++) {
        const suite_run *r = &s->runs[j % s->nruns];
        if (!strcmp(r->variant, SUITE_FLOOR) || !same_config(r, f)) continue;
        if (j / s->nruns == q / s->nruns && rn->took[j] > round_max) round_max = rn->took[j];
        if (rn->took[j] > any_max) any_max = rn->took[j];
    }
    double secs = round_max > 0 ? round_max : any_max > 0 ? any_max : 1.0;
    return (unsigned)(secs * 1000 + 0.5) + 1;
}

static void build_cmd(const runner *rn, const suite_run *r, unsigned first, size_t q, child_cmd *c) {
    bool floor = !strcmp(r->variant, SUITE_FLOOR);
    /* The floor is the harness's own probe: this very binary runs it. */
    ssize_t n = floor ? readlink("/proc/self/exe", c->exe, sizeof c->exe - 1) : -1;
    if (n > 0) c->exe[n] = 0;
    else snprintf(c->exe, sizeof c->exe, "%s/build/%s/gclab", rn->root, floor ? rn->s->variants[0] : r->variant);
    snprintf(c->th, sizeof c->th, "%u", r->threads);
    snprintf(c->gt, sizeof c->gt, "%u", r->gc_threads);
    snprintf(c->rp, sizeof c->rp, "%u", rn->per);
    snprintf(c->fr, sizeof c->fr, "%u", first);
    char **argv = c->argv;
    unsigned a = 0;
    argv[a++] = c->exe, argv[a++] = "run", argv[a++] = (char *)r->wl->name;
    argv[a++] = "--threads", argv[a++] = c->th, argv[a++] = "--gc-threads", argv[a++] = c->gt;
    argv[a++] = "--heap-factor", argv[a++] = (char *)r->heap_factor, argv[a++] = "--repeat", argv[a++] = c->rp;
    argv[a++] = "--first-rep", argv[a++] = c->fr;
    if (r->heap) argv[a++] = "--heap", argv[a++] = (char *)r->heap;
    argv[a++] = "--pin", argv[a++] = (char *)gc_pin_name(r->pin);
    argv[a++] = "--quiet", argv[a++] = "--out", argv[a++] = (char *)rn->out;
    if (floor) {
        snprintf(c->fl, sizeof c->fl, "%u", floor_ms(rn, q));
        argv[a++] = "--floor", argv[a++] = c->fl;
    }
    for (unsigned i = 0; i < r->nargs; i++) argv[a++] = r->args[i];
    argv[a] = NULL;
}

/* Why a finished process counts as failed, from how it ended; "" when it exited 0. lastl is the last
 * line it wrote on stderr, usually its own explanation. */
static void describe_end(const outcome *o, unsigned timeout_s, const char *lastl, char *why, size_t len) {
    if (o->timed_out)
        snprintf(why, len, "timed out after %u s (the suite's timeout)", timeout_s);
    else if (WIFSIGNALED(o->status))
        snprintf(why, len, "crashed: signal %d (%s)%s%s", WTERMSIG(o->status), strsignal(WTERMSIG(o->status)),
                 lastl[0] ? ": " : "", lastl);
    else if (WIFEXITED(o->status) && WEXITSTATUS(o->status) != 0)
        snprintf(why, len, "exit status %d%s%s", WEXITSTATUS(o->status), lastl[0] ? ": " : "", lastl);
}

/* errors.log: what each process said on stderr, and every failure, under the run's description. */
static void log_errors(const runner *rn, const char *hdr, bool bad, bool said) {
    if (said) append_file(rn->errlog, rn->errpath, hdr);
    else if (bad) {
        FILE *f = fopen(rn->errlog, "a");
        if (f) fprintf(f, "%s\n", hdr), fclose(f);
    }
}

/* Every child runs from a fresh copy of its binary, removed when it ends. On this project's VMs one
 * binary file ran msgbuf about 30% slower than a byte-identical copy of it, run after run, until the file
 * was replaced (results/published/goals-20261202/README.md): a build's speed can depend on the file
 * it runs from (its page cache), not only on its code. A copy per process turns that fixed bias of
 * one variant into noise that every repetition samples afresh. Returns 0, or -1 with errno. */
static int fresh_copy(const char *exe, const char *dir, char *copy, size_t len) {
    snprintf(copy, len, "%s/.gclab-run-%ld", dir, (long)getpid());
    int in = open(exe, O_RDONLY | O_CLOEXEC);
    if (in < 0) return -1;
    int out = open(copy, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    if (out < 0) {
        int e = errno;
        close(in);
        errno = e;
        return -1;
    }
    char buf[1 << 16];
    ssize_t n;
    int rc = 0;
    while ((n = read(in, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR) continue;
            rc = -1;
            break;
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) {
                rc = -1;
                break;
            }
            off += w;
        }
        if (rc) break;
    }
    int e = errno;
    close(in);
    if (close(out) != 0 && rc == 0) rc = -1, e = errno;
    if (rc) unlink(copy);
    errno = e;
    return rc;
}

/* Process q: round q / nruns (interleaved) of run q % nruns. A repetition it did not write gets a
 * failed row here, whatever ended it. */
static void run_process(runner *rn, size_t q) {
    const suite *s = rn->s;
    const suite_run *r = &s->runs[q % s->nruns];
    unsigned first = s->interleave ? (unsigned)(q / s->nruns) + 1 : 1;
    char desc[512], reps[48];
    print_progress(rn, q, r, first, desc, sizeof desc, reps, sizeof reps);
    child_cmd cmd;
    build_cmd(rn, r, first, q, &cmd);

    size_t before = csv_rows(rn->runs_csv);
    uint64_t start = gc_now_ns();
    outcome o = {0};
    char why[512] = "", copy[4300];
    if (fresh_copy(cmd.exe, rn->out, copy, sizeof copy)) {
        snprintf(why, sizeof why, "cannot run %.300s: %s", cmd.exe, strerror(errno));
    } else {
        cmd.argv[0] = copy;
        if (spawn_wait(cmd.argv, rn->errpath, s->timeout_s, &o)) {
            snprintf(why, sizeof why, "cannot run %.300s: %s", cmd.exe, strerror(errno));
            o.pid = 0;
        }
        unlink(copy);
    }
    rn->took[q] = (double)(gc_now_ns() - start) / 1e9;
    char lastl[400];
    last_line(rn->errpath, lastl, sizeof lastl);
    if (file_mentions(rn->errpath, "warning: cannot bind") && rn->unbound++ == 0)
        printf("    note: some threads could not be bound to their PU (the topology names CPUs this machine lacks?); "
               "they ran unbound: machine.txt lists each binding\n");
    size_t written = csv_rows(rn->runs_csv) - before;
    if (!why[0]) describe_end(&o, s->timeout_s, lastl, why, sizeof why);
    bool bad = why[0] != 0;
    if (written < rn->per) {
        if (!why[0]) snprintf(why, sizeof why, "the run wrote %zu of %u rows", written, rn->per);
        write_failed_rows(rn->out, s, r, first + (unsigned)written, first + rn->per - 1, o.pid, why);
        bad = true;
    }
    char hdr[1200];
    snprintf(hdr, sizeof hdr, "== [%zu/%zu] %s%s%s%.500s", q + 1, rn->nspawn, desc, reps, bad ? ": FAILED: " : "",
             bad ? why : "");
    log_errors(rn, hdr, bad, lastl[0] != 0);
    unlink(rn->errpath);
    if (bad) {
        rn->failed++;
        printf("    FAILED: %s (%s)\n", why, rn->errlog);
    }
}

static void note_unbound(const runner *rn) {
    char path[4200];
    snprintf(path, sizeof path, "%s/machine.txt", rn->out);
    FILE *f = fopen(path, "a");
    if (f) {
        fprintf(f, "binding failures: %u of %zu processes had threads that could not be bound (FAILED above); "
                   "those threads ran unbound\n", rn->unbound, rn->nspawn);
        fclose(f);
    }
}

int suite_run_all(const suite *s, const char *root, const char *out) {
    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "gclab: cannot create %s: %s\n", out, strerror(errno));
        return 2;
    }
    write_machine(out, s);
    /* Interleaved (the default): round i runs repetition i of every run, each in a process of its own,
     * so the slow drift of a shared machine (a neighbour's load, the memory bandwidth left over) falls
     * on every configuration alike instead of on whichever ran at the time, and no repetition
     * inherits an earlier one's process (libgc cannot be torn down: its next heap starts grown).
     * Otherwise a run's repetitions share one process, run after run. */
    unsigned rounds = s->interleave ? s->repeat : 1;
    runner rn = {.s = s, .root = root, .out = out, .per = s->interleave ? 1 : s->repeat, .nspawn = s->nruns * rounds};
    snprintf(rn.runs_csv, sizeof rn.runs_csv, "%s/runs.csv", out);
    snprintf(rn.errpath, sizeof rn.errpath, "%s/.stderr", out);
    snprintf(rn.errlog, sizeof rn.errlog, "%s/errors.log", out);
    signal(SIGCHLD, SIG_DFL);   /* an inherited SIG_IGN would reap the children before waitpid sees them */
    sigset_t chld, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &old);
    rn.took = calloc(rn.nspawn ? rn.nspawn : 1, sizeof *rn.took);
    rn.t0 = gc_now_ns();
    for (size_t q = 0; q < rn.nspawn; q++) run_process(&rn, q);
    sigprocmask(SIG_SETMASK, &old, NULL);
    free(rn.took);
    if (rn.unbound) note_unbound(&rn);
    char total[32];
    fmt_secs(total, sizeof total, (double)(gc_now_ns() - rn.t0) / 1e9);
    printf("suite %s%s: %zu run%s x %u repetitions (%s) in %s, %u process%s with failures; results in %s\n", s->path,
           s->shard_n > 1 ? " (shard)" : "", s->nruns, s->nruns == 1 ? "" : "s", s->repeat,
           s->interleave ? "interleaved" : "each run's in one process", total, rn.failed, rn.failed == 1 ? "" : "es",
           out);
    return 0;
}
