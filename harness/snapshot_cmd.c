/* snapshot_cmd.c: `gclab snapshot summary|diff|retainers`, the reading side of heap snapshots (README
 * "Heap snapshots"):
 *
 *   gclab snapshot summary FILE [--top N]         DevTools' Summary: per class count, shallow and retained size
 *   gclab snapshot diff A B [--top N]             DevTools' Comparison of B against the base A
 *   gclab snapshot retainers FILE ID [--paths N]  shortest retainer paths from the root to node ID
 *
 * FILE "-" is stdin (zcat x.heapsnapshot.gz | gclab snapshot summary -). Rows put the numbers first and
 * the class name last (names may hold spaces), so that awk can read them; lines starting with '#' are
 * headers and totals. Bad input (a missing or malformed file, an unknown id, a bad option) is one line
 * on stderr and exit status 2. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "snapshot.h"

_Noreturn static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("gclab: snapshot: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static uint64_t parse_count(const char *flag, const char *v) {
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v ? v : "", &end, 10);
    if (!v || errno || end == v || *end || v[0] == '-') fail("%s expects a whole number, not '%s'", flag, v ? v : "");
    return x;
}

/* The positional arguments (want of them) and the one option this subcommand takes. */
static void parse_args(int argc, char **argv, int want, const char **pos, const char *opt, uint64_t *optval,
                       const char *usage) {
    int n = 0;
    for (int i = 3; i < argc; i++) {
        if (opt && !strcmp(argv[i], opt)) {
            if (i + 1 >= argc) fail("%s needs a value", opt);
            *optval = parse_count(opt, argv[++i]);
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fail("unknown option %s (usage: %s)", argv[i], usage);
        } else if (n < want) {
            pos[n++] = argv[i];
        } else {
            fail("unexpected argument '%s' (usage: %s)", argv[i], usage);
        }
    }
    if (n < want) fail("%s is missing an argument (usage: %s)", argv[2], usage);
}

static void load(const char *path, snapshot *s, bool retainers) {
    char err[512];
    if (snap_read_path(path, s, err, sizeof err)) fail("%s", err);
    if (snap_shallow_sizes(s)) fail("%s: out of memory for the shallow sizes", path);
    if (retainers && snap_build_retainers(s)) fail("%s: out of memory for the retainer index", path);
}

/* A node's name for a path: at most 60 bytes, control characters as '?'. */
static void node_label(const snapshot *s, uint32_t o, char *buf, size_t len) {
    if (o == s->root) {
        snprintf(buf, len, "root");
        return;
    }
    const char *name = snap_str(s, s->node_name[o]);
    char nm[64];
    size_t k = 0;
    for (; name[k] && k < 60; k++) nm[k] = (unsigned char)name[k] < 0x20 ? '?' : name[k];
    nm[k] = '\0';
    if (!k) snprintf(nm, sizeof nm, "(%s)", s->node_type_name[s->node_type[o]]);   /* nameless: its type */
    snprintf(buf, len, "%s%s @%" PRIu64, nm, name[k] ? "..." : "", s->node_id[o]);
}

static int cmd_summary(int argc, char **argv) {
    const char *usage = "gclab snapshot summary FILE [--top N]";
    const char *file;
    uint64_t top = UINT64_MAX;
    parse_args(argc, argv, 1, &file, "--top", &top, usage);
    snapshot s;
    load(file, &s, true);
    char err[256];
    snap_dom d;
    if (snap_dominators(&s, &d, err, sizeof err)) fail("%s: %s", file, err);
    snap_classes t = {0};
    uint32_t *cls = malloc((size_t)s.node_count * sizeof *cls);
    snap_class_row *rows;
    long n;
    if (!cls || snap_node_classes(&s, &t, cls) || (n = snap_summary(&s, &d, cls, &t, &rows)) < 0)
        fail("%s: out of memory for the summary", file);
    uint64_t count = 0, shallow = 0;
    for (long i = 0; i < n; i++) count += rows[i].count, shallow += rows[i].shallow;
    printf("# %s: %u nodes, %u edges, %u unreachable from the root; %" PRIu64 " bytes in all (the root's retained size)\n",
           file, s.node_count, s.edge_count, d.unreachable, d.retained[s.root]);
    printf("# %10s %14s %14s  %s\n", "count", "shallow", "retained", "class (by retained size)");
    for (long i = 0; i < n && (uint64_t)i < top; i++)
        printf("  %10" PRIu64 " %14" PRIu64 " %14" PRIu64 "  %s\n", rows[i].count, rows[i].shallow, rows[i].retained,
               t.name[rows[i].cls]);
    printf("# %10" PRIu64 " %14" PRIu64 " %14s  (total: %ld classes)\n", count, shallow, "", n);
    free(rows);
    free(cls);
    snap_classes_free(&t);
    snap_dom_free(&d);
    snap_free(&s);
    return 0;
}

static int cmd_diff(int argc, char **argv) {
    const char *usage = "gclab snapshot diff A B [--top N]";
    const char *file[2];
    uint64_t top = UINT64_MAX;
    parse_args(argc, argv, 2, file, "--top", &top, usage);
    snap_classes t = {0};
    snap_diff_objects o[2];
    uint32_t nodes[2];
    for (int k = 0; k < 2; k++) {
        /* One snapshot in memory at a time: only its objects' class, id and size are kept. */
        snapshot s;
        load(file[k], &s, false);
        nodes[k] = s.node_count;
        if (snap_diff_collect(&s, &t, &o[k])) fail("%s: out of memory", file[k]);
        snap_free(&s);
    }
    snap_diff_row *rows;
    long n = snap_diff(&o[0], &o[1], &t, &rows);
    if (n < 0) fail("out of memory comparing %s and %s", file[0], file[1]);
    printf("# %s (%u nodes) -> %s (%u nodes): objects matched by id, per class\n", file[0], nodes[0], file[1], nodes[1]);
    printf("# %8s %8s %8s %12s %12s %12s  %s\n", "new", "deleted", "delta", "alloc_size", "freed_size", "size_delta",
           "class (by size delta)");
    snap_diff_row sum = {0};
    for (long i = 0; i < n; i++) {
        const snap_diff_row *r = &rows[i];
        sum.added += r->added, sum.removed += r->removed, sum.added_size += r->added_size, sum.removed_size += r->removed_size;
        if ((uint64_t)i >= top) continue;
        printf("  %8" PRIu64 " %8" PRIu64 " %+8" PRId64 " %12" PRIu64 " %12" PRIu64 " %+12" PRId64 "  %s\n", r->added, r->removed,
               (int64_t)(r->added - r->removed), r->added_size, r->removed_size, (int64_t)(r->added_size - r->removed_size),
               t.name[r->cls]);
    }
    printf("# %8" PRIu64 " %8" PRIu64 " %+8" PRId64 " %12" PRIu64 " %12" PRIu64 " %+12" PRId64 "  (total: %ld classes changed)\n",
           sum.added, sum.removed, (int64_t)(sum.added - sum.removed), sum.added_size, sum.removed_size,
           (int64_t)(sum.added_size - sum.removed_size), n);
    free(rows);
    snap_diff_objects_free(&o[0]);
    snap_diff_objects_free(&o[1]);
    snap_classes_free(&t);
    return 0;
}

static int cmd_retainers(int argc, char **argv) {
    const char *usage = "gclab snapshot retainers FILE ID [--paths N]";
    const char *pos[2];
    uint64_t max = 5;
    parse_args(argc, argv, 2, pos, "--paths", &max, usage);
    uint64_t id = parse_count("ID", pos[1]);
    if (max == 0 || max > 1000) fail("--paths %" PRIu64 " is out of range [1, 1000]", max);
    snapshot s;
    load(pos[0], &s, true);
    uint32_t target = snap_find_id(&s, id);
    if (target == UINT32_MAX) fail("%s: no node has id %" PRIu64, pos[0], id);
    char err[256];
    snap_dom d;
    if (snap_dominators(&s, &d, err, sizeof err)) fail("%s: %s", pos[0], err);
    snap_path *p;
    uint32_t nret;
    long n = snap_retainer_paths(&s, target, (unsigned)max, &p, &nret);
    if (n < 0) fail("%s: out of memory for the retainer paths", pos[0]);
    char node[128], edge[192];
    node_label(&s, target, node, sizeof node);
    printf("# %s (%s), self size %" PRIu64 ", retained size %" PRIu64 "; %u retaining edges (weak ones left out), %ld paths\n",
           node, s.node_type_name[s.node_type[target]], s.node_self[target], d.retained[target], nret, n);
    for (long i = 0; i < n; i++) {
        printf("%ld: root", i + 1);
        for (uint32_t k = 0; k < p[i].len; k++) {
            uint32_t e = p[i].edge[k];
            snap_edge_label(&s, e, edge, sizeof edge);
            node_label(&s, s.edge_to[e], node, sizeof node);
            printf(" -(%s)-> %s", edge, node);
        }
        putchar('\n');
    }
    if (!n) printf("# no path: %s\n", target == s.root ? "it is the root" : "nothing reachable from the root retains it");
    snap_paths_free(p, n);
    snap_dom_free(&d);
    snap_free(&s);
    return 0;
}

int snapshot_main(int argc, char **argv) {
    if (argc < 3) fail("needs a subcommand: summary FILE, diff A B or retainers FILE ID");
    if (!strcmp(argv[2], "summary")) return cmd_summary(argc, argv);
    if (!strcmp(argv[2], "diff")) return cmd_diff(argc, argv);
    if (!strcmp(argv[2], "retainers")) return cmd_retainers(argc, argv);
    fail("unknown subcommand '%s' (summary, diff or retainers)", argv[2]);
}
