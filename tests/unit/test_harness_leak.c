/* test_harness_leak: the leak detector (harness/leak.c) on census series made by hand: a steady
 * leak is flagged with the type that leaks first, a saw-tooth, a plateau, a warm-up fill and growth
 * below the thresholds are not, and a series too short for a verdict says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../harness/leak.h"
#include "check.h"

enum { T_NOISE = 4, T_LEAK = 5, T_STEADY = 6 };

/* A census log of n censuses: type T_STEADY at 1 MiB, T_NOISE at noise[i], T_LEAK at leak[i]. */
static gc_census_row *series(size_t n, const int64_t *leak, const int64_t *noise, size_t *nrows) {
    gc_census_row *r = calloc(4 * n, sizeof *r);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t l = leak ? (uint64_t)leak[i] : 0, z = noise ? (uint64_t)noise[i] : 0, s = 1u << 20;
        r[k++] = (gc_census_row){.cycle = (uint32_t)(10 + i), .type = 0, .objects = l / 64 + z / 64 + s / 64, .bytes = l + z + s};
        if (z) r[k++] = (gc_census_row){.cycle = (uint32_t)(10 + i), .type = T_NOISE, .objects = z / 64, .bytes = z};
        if (l) r[k++] = (gc_census_row){.cycle = (uint32_t)(10 + i), .type = T_LEAK, .objects = l / 64, .bytes = l};
        r[k++] = (gc_census_row){.cycle = (uint32_t)(10 + i), .type = T_STEADY, .objects = s / 64, .bytes = s};
    }
    *nrows = k;
    return r;
}

static const leak_params defaults = {.window = 5, .warmup = 3, .min_bytes = 64u << 10, .min_percent = 1.0};

int main(void) {
    leak_report rep;
    size_t nrows;
    int64_t leak[20], noise[20];

    /* 100 KiB more every collection, under noise that goes up and down. */
    for (int i = 0; i < 20; i++) leak[i] = 100 * 1024 * (i + 1), noise[i] = (i % 2 ? 300 : 100) * 1024;
    gc_census_row *r = series(20, leak, noise, &nrows);
    leak_check(r, nrows, &defaults, &rep);
    CHECK(rep.enough && !rep.suspected, "leak: a leak under noise that falls every other collection is not five rises",
          "suspected %d", rep.suspected);
    free(r);
    for (int i = 0; i < 20; i++) noise[i] = (i % 7) * 10 * 1024;
    r = series(20, leak, noise, &nrows);
    leak_check(r, nrows, &defaults, &rep);
    CHECK(rep.suspected && rep.first == 3 && rep.last == 8 && rep.first_cycle == 13 && rep.ntop >= 1 &&
              rep.top[0].type == T_LEAK && rep.top[0].growth_bytes == 5 * 100 * 1024 &&
              rep.top[0].slope_bytes > 100 * 1024 - 1 && rep.top[0].slope_bytes < 100 * 1024 + 1,
          "leak: a steady leak is flagged after the warm-up, its type first, slope 100 KiB per collection",
          "suspected %d window %zu..%zu top %u growth %lld slope %.0f", rep.suspected, rep.first, rep.last,
          rep.ntop ? rep.top[0].type : 0, rep.ntop ? (long long)rep.top[0].growth_bytes : 0ll,
          rep.ntop ? rep.top[0].slope_bytes : 0.0);
    free(r);

    /* A cache filling during the first four collections, then full. */
    for (int i = 0; i < 20; i++) leak[i] = 256 * 1024 * (i < 4 ? i + 1 : 4);
    r = series(20, leak, NULL, &nrows);
    leak_check(r, nrows, &defaults, &rep);
    CHECK(!rep.suspected, "leak: a bounded cache that fills during the warm-up is not a leak", "suspected cycles %u..%u",
          rep.first_cycle, rep.last_cycle);
    leak_params nowarm = defaults;
    nowarm.warmup = 0;
    nowarm.window = 3;
    leak_check(r, nrows, &nowarm, &rep);
    CHECK(rep.suspected && rep.top[0].type == T_LEAK, "leak: ... but it is without the warm-up, at a window of 3",
          "suspected %d", rep.suspected);
    free(r);

    /* Growth at every collection, but by 1 KiB: under --leak-min-growth. */
    for (int i = 0; i < 20; i++) leak[i] = 1024 * (i + 1);
    r = series(20, leak, NULL, &nrows);
    leak_check(r, nrows, &defaults, &rep);
    CHECK(!rep.suspected && rep.ntop >= 1 && rep.top[0].type == T_LEAK,
          "leak: 1 KiB per collection is under the thresholds, yet ranked first", "suspected %d", rep.suspected);
    leak_params low = defaults;
    low.min_bytes = 1024;
    low.min_percent = 0.1;
    leak_check(r, nrows, &low, &rep);
    CHECK(rep.suspected, "leak: ... and flagged with lower thresholds", "suspected %d", rep.suspected);
    free(r);

    /* The program's own collections: when some censuses are of them, only those count. A heap that
     * grows by steps (libgc at start-up) rises at each of its own collections in between. */
    for (int i = 0; i < 20; i++) leak[i] = i < 12 ? 512 * 1024 * (i + 1) : 6 << 20;
    r = series(20, leak, NULL, &nrows);
    leak_check(r, nrows, &defaults, &rep);
    CHECK(rep.suspected && !rep.requested_only, "leak: start-up growth over the heap's own collections looks like a leak",
          "suspected %d", rep.suspected);
    for (size_t i = 0; i < nrows; i++)
        if (r[i].type == 0 && r[i].cycle >= 10 + 11) r[i].requested = true;
    leak_check(r, nrows, &defaults, &rep);
    CHECK(!rep.suspected && rep.requested_only && rep.censuses == 9,
          "leak: ... but not over the program's own collections after it", "suspected %d, %u censuses", rep.suspected,
          rep.censuses);
    /* Too few of the program's own for a verdict (a census at the end only): every census counts. */
    for (size_t i = 0; i < nrows; i++) r[i].requested = r[i].type == 0 && r[i].cycle == 10 + 19;
    leak_check(r, nrows, &defaults, &rep);
    CHECK(rep.suspected && !rep.requested_only && rep.censuses == 20,
          "leak: one collection of the program's own is too few: every census counts", "suspected %d, %u censuses",
          rep.suspected, rep.censuses);
    free(r);

    /* A live set that climbs for nine collections and is then cut (a graph that grows and is pruned):
     * five rises in a row, given back afterwards. */
    for (int i = 0; i < 20; i++) leak[i] = 100 * 1024 * ((i % 9) + 1);
    r = series(20, leak, NULL, &nrows);
    leak_check(r, nrows, &defaults, &rep);
    CHECK(!rep.suspected && rep.enough, "leak: growth given back at a later collection is no leak", "suspected cycles %u..%u",
          rep.first_cycle, rep.last_cycle);
    free(r);
    /* Rising only over the last five collections: nothing after the window to confirm it. */
    for (int i = 0; i < 20; i++) leak[i] = i < 15 ? 1 << 20 : (1 << 20) + 200 * 1024 * (i - 14);
    r = series(20, leak, NULL, &nrows);
    leak_check(r, nrows, &defaults, &rep);
    CHECK(!rep.suspected, "leak: a rise that ends at the last census is not confirmed", "suspected cycles %u..%u",
          rep.first_cycle, rep.last_cycle);
    free(r);

    /* Too short for a verdict. */
    r = series(6, leak, NULL, &nrows);
    leak_check(r, nrows, &defaults, &rep);
    CHECK(!rep.enough && !rep.suspected && rep.censuses == 6, "leak: 6 censuses are too few for warm-up 3 and window 5",
          "enough %d censuses %u", rep.enough, rep.censuses);
    free(r);
    leak_check(NULL, 0, &defaults, &rep);
    CHECK(!rep.enough && rep.censuses == 0, "leak: no census at all", "censuses %u", rep.censuses);

    printf("test_harness_leak: %u checks, %u failed\n", checks, failed);
    return failed ? 1 : 0;
}
