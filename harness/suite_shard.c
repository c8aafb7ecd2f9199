/* suite_shard.c: the part of a suite one machine runs (suite_shard, `gclab suite --shard I/N`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "suite.h"

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
