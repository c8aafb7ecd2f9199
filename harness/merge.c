/* merge.c: `gclab merge OUT DIR...`: combines result folders (the shards of a suite, runs on several
 * machines) into a new folder OUT.
 *
 * Each CSV file (runs, pauses, latency, workers, mmu) is written once with its header and then the data
 * rows of every DIR in argument order; the headers must match exactly (a folder written by an older
 * gclab has fewer columns: merge refuses rather than misalign them). A DIR may lack a CSV other than
 * runs.csv. DIR number k's machine.txt is kept as machine-<k>.txt, its errors.log appended to
 * errors.log under a header; suite.txt comes from the first DIR that has one; machine.txt lists the
 * sources, and summary.txt is harness/compare.sh's table of the merged runs. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "merge.h"

static const char *const csv_names[] = {"runs.csv", "pauses.csv", "latency.csv", "workers.csv", "mmu.csv", "types.csv"};
#define NCSV (sizeof csv_names / sizeof csv_names[0])

static bool exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* The first line of a file without its newline, malloc'd; NULL if unreadable or empty. */
static char *first_line(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    size_t cap = 256, n = 0;
    char *s = malloc(cap);
    int c;
    while (s && (c = getc(f)) != EOF && c != '\n') {
        if (n + 2 > cap) {
            char *ns = realloc(s, cap *= 2);
            if (!ns) {
                free(s);
                s = NULL;
                break;
            }
            s = ns;
        }
        if (c != '\r') s[n++] = (char)c;
    }
    fclose(f);
    if (s) s[n] = 0;
    if (s && n == 0) {
        free(s);
        s = NULL;
    }
    return s;
}

/* Names the first column where two headers differ, for the message. */
static void header_diff(const char *a, const char *b, char *out, size_t len) {
    unsigned col = 1;
    for (;;) {
        size_t la = strcspn(a, ","), lb = strcspn(b, ",");
        if (la != lb || strncmp(a, b, la)) {
            snprintf(out, len, "column %u is '%.*s' there, '%.*s' here", col, (int)la, a, (int)lb, b);
            return;
        }
        if (!a[la] || !b[lb]) break;
        a += la + 1, b += lb + 1, col++;
    }
    snprintf(out, len, "%s has more columns than the other", *a ? "the first" : "this one");
}

/* Copies src's lines after the first into out; adds a final newline if missing. */
static int copy_rows(FILE *out, const char *src) {
    FILE *in = fopen(src, "r");
    if (!in) return -1;
    int c, last = '\n';
    while ((c = getc(in)) != EOF && c != '\n') {}
    while ((c = getc(in)) != EOF) {
        putc(c, out);
        last = c;
    }
    if (last != '\n') putc('\n', out);
    int bad = ferror(in);
    fclose(in);
    return bad ? -1 : 0;
}

static int copy_file(const char *dst, const char *src, const char *mode, const char *header) {
    FILE *in = fopen(src, "r");
    if (!in) return -1;
    FILE *out = fopen(dst, mode);
    if (!out) {
        fclose(in);
        return -1;
    }
    if (header) fprintf(out, "%s\n", header);
    int c;
    while ((c = getc(in)) != EOF) putc(c, out);
    int bad = ferror(in) | ferror(out);
    fclose(in);
    bad |= fclose(out);
    return bad ? -1 : 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Warns about run_ids that appear in more than one folder (the same folder copied twice, say). */
static unsigned warn_duplicate_ids(char *const *dirs, int ndirs) {
    size_t n = 0, cap = 1024;
    char **ids = malloc(cap * sizeof *ids);
    for (int d = 0; ids && d < ndirs; d++) {
        char path[PATH_MAX + 16];
        snprintf(path, sizeof path, "%s/runs.csv", dirs[d]);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        char *line = NULL;
        size_t cap_line = 0;
        bool first = true;
        while (getline(&line, &cap_line, f) > 0) {
            if (first) {
                first = false;
                continue;
            }
            line[strcspn(line, ",\n")] = 0;
            if (n == cap) {
                char **ni = realloc(ids, (cap *= 2) * sizeof *ni);
                if (!ni) break;
                ids = ni;
            }
            if ((ids[n] = strdup(line)) != NULL) n++;
        }
        free(line);
        fclose(f);
    }
    unsigned dups = 0;
    if (ids) {
        qsort(ids, n, sizeof *ids, cmp_str);
        for (size_t i = 1; i < n; i++)
            if (!strcmp(ids[i], ids[i - 1]) && (i < 2 || strcmp(ids[i], ids[i - 2]))) {
                if (dups++ < 3) fprintf(stderr, "gclab: warning: run_id %s appears more than once\n", ids[i]);
            }
        for (size_t i = 0; i < n; i++) free(ids[i]);
        free(ids);
    }
    if (dups > 3) fprintf(stderr, "gclab: warning: %u run_ids appear more than once\n", dups);
    return dups;
}

/* Resolves each folder into reals[d], refusing one without runs.csv or given twice. */
static int resolve_dirs(char *const *dirs, int ndirs, char **reals, char *err, size_t errlen) {
    char path[PATH_MAX + 64], real[PATH_MAX];
    for (int d = 0; d < ndirs; d++) {
        snprintf(path, sizeof path, "%s/runs.csv", dirs[d]);
        if (!exists(path)) {
            snprintf(err, errlen, "%s is not a results folder (no runs.csv)", dirs[d]);
            return -1;
        }
        if (!realpath(dirs[d], real) || !(reals[d] = strdup(real))) {
            snprintf(err, errlen, "cannot resolve %s: %s", dirs[d], strerror(errno));
            return -1;
        }
        for (int e = 0; e < d; e++)
            if (!strcmp(reals[e], reals[d])) {
                snprintf(err, errlen, "%s is given twice (as %s and %s): its rows would be merged twice", reals[d],
                         dirs[e], dirs[d]);
                return -1;
            }
    }
    return 0;
}

/* Each CSV file's header, from the first folder that has the file; every other folder's must be the
 * same. Read before anything is written, so a mismatch writes nothing. */
static int read_headers(char *const *dirs, int ndirs, char **headers, char *err, size_t errlen) {
    char path[PATH_MAX + 64];
    for (size_t c = 0; c < NCSV; c++) {
        int from = -1;
        for (int d = 0; d < ndirs; d++) {
            snprintf(path, sizeof path, "%s/%s", dirs[d], csv_names[c]);
            if (!exists(path)) continue;
            char *h = first_line(path);
            if (!h) continue;
            if (!headers[c]) {
                headers[c] = h;
                from = d;
                continue;
            }
            if (strcmp(h, headers[c])) {
                char diff[300];
                header_diff(headers[c], h, diff, sizeof diff);
                snprintf(err, errlen, "%s/%s: header differs from %s/%s (%s): folders written by different gclab "
                         "versions cannot be merged", dirs[d], csv_names[c], dirs[from], csv_names[c], diff);
                free(h);
                return -1;
            }
            free(h);
        }
    }
    return 0;
}

/* Creates out, which must hold no results yet and be none of the folders being merged. */
static int prepare_out(const char *out, char **reals, int ndirs, char *err, size_t errlen) {
    char path[PATH_MAX + 64], real[PATH_MAX];
    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", out, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/runs.csv", out);
    if (exists(path)) {
        snprintf(err, errlen, "%s already holds results (runs.csv): merge into a new folder", out);
        return -1;
    }
    for (int d = 0; d < ndirs; d++)
        if (realpath(out, real) && !strcmp(real, reals[d])) {
            snprintf(err, errlen, "%s is one of the folders being merged", out);
            return -1;
        }
    return 0;
}

/* Each CSV file once, with its header, then the rows of every folder in the order given. */
static int write_csvs(const char *out, char *const *dirs, int ndirs, char **headers, char *err, size_t errlen) {
    char path[PATH_MAX + 64];
    for (size_t c = 0; c < NCSV; c++) {
        if (!headers[c]) continue;
        snprintf(path, sizeof path, "%s/%s", out, csv_names[c]);
        FILE *f = fopen(path, "w");
        if (!f) {
            snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
            return -1;
        }
        bool bad = false;
        fprintf(f, "%s\n", headers[c]);
        for (int d = 0; d < ndirs; d++) {
            char src[PATH_MAX + 64];
            snprintf(src, sizeof src, "%s/%s", dirs[d], csv_names[c]);
            if (exists(src) && copy_rows(f, src)) {
                snprintf(err, errlen, "cannot read %s", src);
                bad = true;
            }
        }
        if (ferror(f) | fclose(f)) {
            snprintf(err, errlen, "error writing %s", path);
            bad = true;
        }
        if (bad) return -1;
    }
    return 0;
}

/* machine.txt listing the folders, each one's own as machine-<k>.txt, errors.log concatenated under
 * the folder it came from, and the first suite.txt. */
static void copy_side_files(const char *out, char *const *dirs, char **reals, int ndirs) {
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/machine.txt", out);
    FILE *m = fopen(path, "w");
    if (m) fprintf(m, "merged: %d results folders (gclab merge); each one's machine.txt is machine-<k>.txt\n", ndirs);
    bool have_suite = false;
    for (int d = 0; d < ndirs; d++) {
        char src[PATH_MAX + 64], dst[PATH_MAX + 64];
        snprintf(src, sizeof src, "%s/machine.txt", dirs[d]);
        snprintf(dst, sizeof dst, "%s/machine-%d.txt", out, d + 1);
        bool has = exists(src) && copy_file(dst, src, "w", NULL) == 0;
        if (m) fprintf(m, "  %d: %s%s\n", d + 1, reals[d], has ? "" : " (no machine.txt)");
        snprintf(src, sizeof src, "%s/errors.log", dirs[d]);
        snprintf(dst, sizeof dst, "%s/errors.log", out);
        char hdr[PATH_MAX + 32];
        snprintf(hdr, sizeof hdr, "==== from %s", reals[d]);
        if (exists(src)) copy_file(dst, src, "a", hdr);
        snprintf(src, sizeof src, "%s/suite.txt", dirs[d]);
        snprintf(dst, sizeof dst, "%s/suite.txt", out);
        if (!have_suite && exists(src)) have_suite = copy_file(dst, src, "w", NULL) == 0;
    }
    if (m) fclose(m);
}

int results_merge(const char *out, char *const *dirs, int ndirs, char *err, size_t errlen) {
    if (ndirs < 1) {
        snprintf(err, errlen, "merge needs at least one results folder");
        return -1;
    }
    char **reals = calloc((size_t)ndirs, sizeof *reals);
    if (!reals) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char *headers[NCSV] = {0};
    int rc = resolve_dirs(dirs, ndirs, reals, err, errlen);
    if (!rc) rc = read_headers(dirs, ndirs, headers, err, errlen);
    if (!rc) rc = prepare_out(out, reals, ndirs, err, errlen);
    if (!rc) rc = write_csvs(out, dirs, ndirs, headers, err, errlen);
    if (!rc) {
        copy_side_files(out, dirs, reals, ndirs);
        warn_duplicate_ids(dirs, ndirs);
    }
    for (size_t k = 0; k < NCSV; k++) free(headers[k]);
    for (int d = 0; d < ndirs; d++) free(reals[d]);
    free(reals);
    return rc;
}

/* harness/compare.sh, found from this binary (build/<variant>/gclab) or the working directory. */
static int find_compare(char *out, size_t len) {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            snprintf(out, len, "%s/../../harness/compare.sh", exe);
            if (access(out, X_OK) == 0) return 0;
        }
    }
    snprintf(out, len, "harness/compare.sh");
    return access(out, X_OK);
}

int merge_main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "gclab: merge needs an output folder and at least one results folder (gclab merge OUT DIR...)\n");
        return 2;
    }
    char err[2048];
    if (results_merge(argv[2], argv + 3, argc - 3, err, sizeof err)) {
        fprintf(stderr, "gclab: merge: %s\n", err);
        return 2;
    }
    char cmp[PATH_MAX + 64], cmd[3 * PATH_MAX];
    if (find_compare(cmp, sizeof cmp) == 0) {
        snprintf(cmd, sizeof cmd, "'%s' '%s' > '%s/summary.txt' && cat '%s/summary.txt'", cmp, argv[2], argv[2], argv[2]);
        if (!strchr(argv[2], '\'') && system(cmd) != 0) fprintf(stderr, "gclab: merge: the summary could not be made\n");
    } else {
        fprintf(stderr, "gclab: merge: harness/compare.sh not found: no summary.txt\n");
    }
    printf("merged %d folders into %s\n", argc - 3, argv[2]);
    return 0;
}
