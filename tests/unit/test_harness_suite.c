/* test_harness_suite.c: suite files (harness/suite.h): every bad fixture in tests/suites/ gives one line
 * naming the file and line; the good fixture expands to the combinations counted by hand, for several
 * core counts (so a 64-core machine gets its sweep unchanged); shards partition the suite.
 *
 * The fixtures are found from this binary's path (build/<variant>/test_harness_suite -> ../../tests/suites),
 * so the test runs from any directory. Prints "ok - name" or "FAIL - name: detail" per check, then
 * "test_harness_suite: N checks, M failed"; exits 1 if any failed.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../harness/suite.h"

#include "check.h"

static char root[PATH_MAX + 16];

static void find_root(void) {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    snprintf(root, sizeof root, ".");
    if (n <= 0) return;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash) return;
    *slash = 0;
    char cand[PATH_MAX + 32];
    snprintf(cand, sizeof cand, "%s/../../tests/suites/good.suite", exe);
    if (access(cand, R_OK) == 0) snprintf(root, sizeof root, "%s/../..", exe);
}

static int parse(const char *name, unsigned cores, unsigned pus, suite *s, char *err, size_t errlen) {
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/tests/suites/%s", root, name);
    suite_env env = {.root = root, .cores = cores, .pus = pus};
    return suite_parse(path, &env, s, err, errlen);
}

/* A bad fixture must fail with one line "…/NAME:LINE: …WANT…". */
static void bad(const char *name, unsigned line, const char *want) {
    suite s;
    char err[1024] = "", where[128], title[200];
    int rc = parse(name, 16, 32, &s, err, sizeof err);
    if (line) snprintf(where, sizeof where, "%s:%u: ", name, line);
    else snprintf(where, sizeof where, "%s: ", name);
    snprintf(title, sizeof title, "%s: %s", name, want);
    check(rc != 0 && strstr(err, where) && strstr(err, want) && !strchr(err, '\n'), title, "rc %d, message '%s'", rc, err);
    suite_free(&s);
}

static void test_bad(void) {
    bad("bad-unknown-key.suite", 3, "unknown key 'thread'");
    bad("bad-missing-value.suite", 5, "'repeat' has no value");
    bad("bad-unknown-variant.suite", 2, "unknown variant 'nosuchgc'");
    bad("bad-unbuilt-variant.suite", 1, "variant 'stw-unbuilt' is not built");
    bad("bad-unknown-workload.suite", 2, "unknown workload 'nosuchworkload'");
    bad("bad-count.suite", 3, "bad value 'two' for 'gc-threads'");
    bad("bad-args-option.suite", 3, "args msgbuf: unknown option --frobnicate");
    bad("bad-duplicate-key.suite", 4, "'repeat' is set twice (first on line 3)");
    bad("bad-args-unlisted.suite", 3, "args for workload 'gcbench'");
    bad("bad-no-variants.suite", 0, "no 'variants' line");
    bad("bad-range.suite", 3, "empty range '4..2'");
    bad("bad-args-suite-key.suite", 3, "--threads is set by the suite's 'threads' key");
    bad("bad-pin.suite", 3, "bad pin policy 'sideways'");
    bad("no-such-file.suite", 0, "cannot read the suite");
}

/* good.suite: workloads msgbuf (2 args lines) and gcbench (defaults): 3 configurations; 1 variant;
 * threads 1..cores; gc-threads 1 2 cores (the repeated 2 dropped); 2 heap factors; 1 heap; 2 pin policies.
 *   cores 16: threads 1 2 4 8 16 (5), gc-threads 1 2 16 (3): 3 * 5 * 3 * 2 * 2 = 180 runs
 *   cores 6:  threads 1 2 4 6 (4),    gc-threads 1 2 6 (3):  3 * 4 * 3 * 2 * 2 = 144
 *   cores 64: threads 1 2 ... 64 (7), gc-threads 1 2 64 (3): 3 * 7 * 3 * 2 * 2 = 252
 *   cores 1:  threads 1 (1),          gc-threads 1 2 (2):    3 * 1 * 2 * 2 * 2 = 24 */
static void test_good(void) {
    static const struct { unsigned cores, runs, nthreads, last_threads; } cases[] = {
        {16, 180, 5, 16}, {6, 144, 4, 6}, {64, 252, 7, 64}, {1, 24, 1, 1}};
    char err[1024] = "", title[160];
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        suite s;
        int rc = parse("good.suite", cases[c].cores, 2 * cases[c].cores, &s, err, sizeof err);
        snprintf(title, sizeof title, "good.suite parses with %u cores", cases[c].cores);
        check(rc == 0, title, "%s", err);
        if (rc) {
            suite_free(&s);
            continue;
        }
        snprintf(title, sizeof title, "%u cores: %u runs", cases[c].cores, cases[c].runs);
        check(s.nruns == cases[c].runs && s.total == cases[c].runs, title, "got %zu", s.nruns);
        snprintf(title, sizeof title, "%u cores: threads 1..cores is %u values ending at %u", cases[c].cores,
                 cases[c].nthreads, cases[c].last_threads);
        check(s.nthreads == cases[c].nthreads && s.threads[s.nthreads - 1] == cases[c].last_threads, title,
              "%u values, last %u", s.nthreads, s.threads[s.nthreads - 1]);
        if (cases[c].cores == 16) {
            check(s.repeat == 2 && s.timeout_s == 60, "repeat 2, timeout 60", "repeat %u timeout %u", s.repeat, s.timeout_s);
            check(s.ngc_threads == 3 && s.gc_threads[0] == 1 && s.gc_threads[1] == 2 && s.gc_threads[2] == 16,
                  "gc-threads 1 2 cores 2 -> 1 2 16", "%u values", s.ngc_threads);
            const suite_run *r0 = &s.runs[0], *r1 = &s.runs[1];
            check(!strcmp(r0->wl->name, "msgbuf") && !strcmp(r0->variant, "stw") && r0->threads == 1 && r0->gc_threads == 1 &&
                      !strcmp(r0->heap_factor, "2.0") && r0->heap_bytes == 256u << 20 && r0->pin == GC_PIN_NONE,
                  "first run: msgbuf stw 1 1 2.0 256M none", "%s %s %u %u %s", r0->wl->name, r0->variant, r0->threads,
                  r0->gc_threads, r0->heap_factor);
            check(r1->pin == GC_PIN_COMPACT && r1->threads == 1, "second run: the same with pin compact", "pin %s",
                  gc_pin_name(r1->pin));
            check(r0->nargs == 6 && !strcmp(r0->args_text, "--window 2000 --pushes 10000 --msg-size 256"),
                  "first args line kept as written", "'%s'", r0->args_text);
            /* msgbuf params: window, msg-size, pushes, rate. */
            check(r0->param[0] == 2000 && r0->param[1] == 256 && r0->param[2] == 10000 && r0->param[3] == 0,
                  "first args line gives window 2000 msg-size 256 pushes 10000 rate 0", "%lld %lld %lld %lld",
                  (long long)r0->param[0], (long long)r0->param[1], (long long)r0->param[2], (long long)r0->param[3]);
            const suite_run *r60 = &s.runs[60];   /* 60 = 5 * 3 * 2 * 2: the second msgbuf configuration */
            check(!strcmp(r60->wl->name, "msgbuf") && r60->param[3] == 100000 && r60->param[1] == 1024,
                  "run 60: the second msgbuf args line (rate 100000, default msg-size)", "%s rate %lld",
                  r60->wl->name, (long long)r60->param[3]);
            check(!strcmp(s.runs[120].wl->name, "gcbench") && s.runs[120].nargs == 0, "run 120: gcbench with defaults",
                  "%s", s.runs[120].wl->name);
            char desc[512];
            suite_run_describe(r1, desc, sizeof desc);
            check(strstr(desc, "msgbuf on stw: 1 thread, 1 GC thread, factor 2.0, heap 256M, pin compact, --window") == desc,
                  "a run's description", "'%s'", desc);

            /* Shards: 7 parts of 25 or 26 runs, together the whole suite once, each in suite order, and
             * mixed: with the pin policy the innermost dimension (even runs none, odd compact), plain
             * round robin over 2 parts would give part 0 only "none"; the scrambled deal gives each of 2
             * parts both policies in roughly equal numbers. */
            unsigned seen[180] = {0};
            size_t total = 0;
            bool sizes_ok = true;
            for (unsigned i = 0; i < 7; i++) {
                suite sh;
                parse("good.suite", 16, 32, &sh, err, sizeof err);
                suite_shard(&sh, i, 7);
                total += sh.nruns;
                sizes_ok &= sh.nruns == 25 || sh.nruns == 26;
                for (size_t k = 0; k < sh.nruns; k++) {
                    if (sh.runs[k].index < 180) seen[sh.runs[k].index]++;
                    sizes_ok &= k == 0 || sh.runs[k].index > sh.runs[k - 1].index;
                }
                suite_free(&sh);
            }
            bool once = true;
            for (unsigned k = 0; k < 180; k++) once &= seen[k] == 1;
            check(total == 180 && once, "7 shards cover the 180 runs exactly once", "total %zu", total);
            check(sizes_ok, "7 shards of 25 or 26 runs, each in suite order", "no");
            unsigned compact[2] = {0, 0}, sizes[2] = {0, 0};
            for (unsigned i = 0; i < 2; i++) {
                suite sh;
                parse("good.suite", 16, 32, &sh, err, sizeof err);
                suite_shard(&sh, i, 2);
                sizes[i] = (unsigned)sh.nruns;
                for (size_t k = 0; k < sh.nruns; k++) compact[i] += sh.runs[k].pin == GC_PIN_COMPACT;
                suite_free(&sh);
            }
            check(sizes[0] == 90 && sizes[1] == 90 && compact[0] >= 30 && compact[0] <= 60 && compact[1] == 90 - compact[0],
                  "2 shards of 90 runs, each with both pin policies (30..60 compact)", "sizes %u %u, compact %u %u",
                  sizes[0], sizes[1], compact[0], compact[1]);
            suite a1, a2;
            parse("good.suite", 16, 32, &a1, err, sizeof err);
            parse("good.suite", 16, 32, &a2, err, sizeof err);
            suite_shard(&a1, 3, 7);
            suite_shard(&a2, 3, 7);
            bool same = a1.nruns == a2.nruns;
            for (size_t k = 0; same && k < a1.nruns; k++) same = a1.runs[k].index == a2.runs[k].index;
            check(same, "sharding is deterministic", "two parses gave different shards");
            suite_free(&a1);
            suite_free(&a2);
        }
        suite_free(&s);
    }
}

static void test_shard_spec(void) {
    static const char *const good[] = {"0/1", "7/8", "0/8", "999/1000"};
    static const char *const badspec[] = {"8/8", "x/8", "1/0", "-1/2", "1/2/3", "", "3", "1/", "/2", " 1/2", "1/2x"};
    char err[256], title[100];
    unsigned i, n;
    for (size_t k = 0; k < sizeof good / sizeof good[0]; k++) {
        snprintf(title, sizeof title, "shard '%s' accepted", good[k]);
        check(suite_parse_shard(good[k], &i, &n, err, sizeof err) == 0, title, "%s", err);
    }
    suite_parse_shard("3/8", &i, &n, err, sizeof err);
    check(i == 3 && n == 8, "shard 3/8 is part 3 of 8", "%u/%u", i, n);
    for (size_t k = 0; k < sizeof badspec / sizeof badspec[0]; k++) {
        snprintf(title, sizeof title, "shard '%s' refused with a message", badspec[k]);
        err[0] = 0;
        check(suite_parse_shard(badspec[k], &i, &n, err, sizeof err) != 0 && strstr(err, "--shard expects I/N"), title,
              "'%s'", err);
    }
}

int main(void) {
    find_root();
    test_bad();
    test_good();
    test_shard_spec();
    printf("test_harness_suite: %u checks, %u failed\n", checks, failed);
    return failed ? 1 : 0;
}
