/* suite.c: `gclab suite`, the command (README, "Suites"):
 *
 *   gclab suite FILE [--out DIR] [--shard I/N] [--check] [--list] [--root DIR]
 *
 * Parsing and expansion are in suite_parse.c, sharding in suite_shard.c, running in suite_run.c. */
#include <stdio.h>
#include <string.h>
#include "suite.h"

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
        rc = suite_run_all(&s, root, out);
    }
    suite_free(&s);
    return rc;
}
