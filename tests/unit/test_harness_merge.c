/* test_harness_merge.c: `gclab merge` (harness/merge.c) on the fixture folders tests/suites/merge-a and
 * merge-b: every CSV once with one header and the rows of both in order, a CSV only one folder has, each
 * machine.txt kept as machine-<k>.txt; and the refusals: headers that differ, a folder given twice, a
 * folder without runs.csv, an output folder that already holds results.
 *
 * Prints "ok - name" or "FAIL - name: detail" per check, then "test_harness_merge: N checks, M failed";
 * exits 1 if any failed.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../harness/merge.h"

#include "check.h"

static char fix[PATH_MAX + 64];

static void find_fixtures(void) {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    snprintf(fix, sizeof fix, "tests/suites");
    if (n <= 0) return;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash) return;
    *slash = 0;
    char cand[PATH_MAX + 64];
    snprintf(cand, sizeof cand, "%.*s/../../tests/suites", PATH_MAX - 32, exe);
    struct stat st;
    if (stat(cand, &st) == 0) snprintf(fix, sizeof fix, "%s", cand);
}

/* A whole file, malloc'd ("" if unreadable). */
static char *slurp(const char *dir, const char *name) {
    char path[PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    char *s = calloc(1, 1 << 20);
    if (f && s) {
        size_t n = fread(s, 1, (1 << 20) - 1, f);
        s[n] = 0;
    }
    if (f) fclose(f);
    return s;
}

static unsigned count_lines(const char *s) {
    unsigned n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

static bool exists(const char *dir, const char *name) {
    char path[PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat st;
    return stat(path, &st) == 0;
}

/* The lines of s after the first. */
static const char *body(const char *s) {
    const char *nl = strchr(s, '\n');
    return nl ? nl + 1 : "";
}

int main(void) {
    find_fixtures();
    char a[PATH_MAX * 2], b[PATH_MAX * 2], badh[PATH_MAX * 2], tmpl[] = "/tmp/gclab-merge-XXXXXX";
    snprintf(a, sizeof a, "%s/merge-a", fix);
    snprintf(b, sizeof b, "%s/merge-b", fix);
    snprintf(badh, sizeof badh, "%s/merge-badheader", fix);
    char *tmp = mkdtemp(tmpl);
    if (!tmp) {
        printf("FAIL - mkdtemp\ntest_harness_merge: 1 checks, 1 failed\n");
        return 1;
    }
    char out[PATH_MAX], out2[PATH_MAX], err[2048] = "";
    snprintf(out, sizeof out, "%s/merged", tmp);
    snprintf(out2, sizeof out2, "%s/refused", tmp);

    char *dirs[] = {a, b};
    int rc = results_merge(out, dirs, 2, err, sizeof err);
    check(rc == 0, "merge merge-a and merge-b", "%s", err);

    static const char *const csvs[] = {"runs.csv", "pauses.csv", "workers.csv", "mmu.csv"};
    for (size_t c = 0; c < sizeof csvs / sizeof csvs[0]; c++) {
        char *ra = slurp(a, csvs[c]), *rb = slurp(b, csvs[c]), *m = slurp(out, csvs[c]);
        char want[1 << 14], title[100];
        snprintf(want, sizeof want, "%s%s", ra, body(rb));
        snprintf(title, sizeof title, "%s: one header, then the rows of a, then of b", csvs[c]);
        check(strcmp(m, want) == 0, title, "%u lines, want %u", count_lines(m), count_lines(want));
        size_t hl = strcspn(ra, "\n");
        unsigned headers = 0;
        for (const char *p = m; (p = strstr(p, "run_id,")) != NULL; p++) headers += p == m || p[-1] == '\n';
        snprintf(title, sizeof title, "%s: the header appears once", csvs[c]);
        check(headers == 1 && strncmp(m, ra, hl) == 0, title, "%u headers", headers);
        free(ra), free(rb), free(m);
    }
    char *lat = slurp(out, "latency.csv"), *la = slurp(a, "latency.csv");
    check(strcmp(lat, la) == 0, "latency.csv that only merge-a has: its rows alone", "differs");
    free(lat), free(la);
    char *m1 = slurp(out, "machine-1.txt"), *ma = slurp(a, "machine.txt");
    char *m2 = slurp(out, "machine-2.txt"), *mb = slurp(b, "machine.txt");
    check(*m1 && strcmp(m1, ma) == 0, "machine-1.txt is merge-a's machine.txt", "'%s'", m1);
    check(*m2 && strcmp(m2, mb) == 0, "machine-2.txt is merge-b's machine.txt", "'%s'", m2);
    free(m1), free(ma), free(m2), free(mb);
    char *mm = slurp(out, "machine.txt");
    check(strstr(mm, "merged: 2 results folders") && strstr(mm, "merge-a") && strstr(mm, "merge-b"),
          "machine.txt lists the merged folders", "'%s'", mm);
    free(mm);
    char *st = slurp(out, "suite.txt"), *sa = slurp(a, "suite.txt");
    check(*st && strcmp(st, sa) == 0, "suite.txt from the first folder that has one", "'%s'", st);
    free(st), free(sa);
    char *el = slurp(out, "errors.log");
    check(strstr(el, "==== from ") && strstr(el, "something: FAILED: x"), "errors.log collects the folders' logs", "'%s'", el);
    free(el);

    err[0] = 0;
    check(results_merge(out, dirs, 2, err, sizeof err) != 0 && strstr(err, "already holds results"),
          "refuses an output folder that already holds results", "'%s'", err);
    char *bad1[] = {a, badh};
    err[0] = 0;
    check(results_merge(out2, bad1, 2, err, sizeof err) != 0 && strstr(err, "header differs") &&
              strstr(err, "merge-badheader/runs.csv") && !strchr(err, '\n'),
          "refuses headers that differ, naming the file", "'%s'", err);
    check(!exists(out2, "runs.csv"), "... and writes nothing", "runs.csv written");
    char twice[PATH_MAX * 2 + 16];
    snprintf(twice, sizeof twice, "%s/../merge-a", a);
    char *bad2[] = {a, twice};
    err[0] = 0;
    check(results_merge(out2, bad2, 2, err, sizeof err) != 0 && strstr(err, "given twice"),
          "refuses a folder given twice (under two spellings)", "'%s'", err);
    char *bad3[] = {a, fix};
    err[0] = 0;
    check(results_merge(out2, bad3, 2, err, sizeof err) != 0 && strstr(err, "not a results folder"),
          "refuses a folder without runs.csv", "'%s'", err);
    err[0] = 0;
    check(results_merge(out2, dirs, 0, err, sizeof err) != 0, "refuses nothing to merge", "accepted");

    char cmd[PATH_MAX + 32];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0) printf("# could not remove %s\n", tmp);
    printf("test_harness_merge: %u checks, %u failed\n", checks, failed);
    return failed ? 1 : 0;
}
