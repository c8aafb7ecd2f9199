/* leak.h: the leak detector (--leak-check, docs/DESIGN.md §12): the heap after full collections, read
 * from the census series of one run.
 *
 * The rule of thumb of the JavaScript world (memlab, Node's own advice): if the heap after a
 * collection grows over five consecutive collections, it leaks. Here: after a warm-up of `warmup`
 * censuses, some `window` + 1 consecutive censuses whose live bytes rise at every step, by at least
 * `min_bytes` and `min_percent` of where the window began in all, and kept: every later census still
 * holds at least half of that growth (memlab's final snapshot), so there must be one. Noise (a queue
 * that happens to be longer at one collection) and floating garbage (what an incremental or
 * concurrent cycle keeps one cycle too long) rarely rise `window` times in a row, the thresholds keep
 * small drifts out, and the confirmation keeps out a live set that climbs and then falls back. Then
 * the types are ranked by how much they grew over that window (bytes, and the least-squares slope in
 * bytes per census), so the report names what leaks, not only that something does.
 *
 * Which collections: when the program collects on its own (gc_collect, as a test calling Node's
 * global.gc() between requests does) often enough for a verdict, only the censuses of those
 * collections count: they are taken
 * at the points the program chose, where its transient state is gone. The heap's own collections
 * fall anywhere, and a heap that grows its way up at start-up (libgc collects at each step) gives a
 * rise at every one of them. Without any such collection, every census counts. */
#ifndef GCLAB_LEAK_H
#define GCLAB_LEAK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "gclab.h"

typedef struct leak_params {
    unsigned window;                /* consecutive rises (default 5) */
    unsigned warmup;                /* censuses skipped first (default 3) */
    size_t min_bytes;               /* growth over the window, at least (default 64 KiB) */
    double min_percent;             /* ... and at least this % of the live bytes where it began (default 1) */
} leak_params;

#define LEAK_TOP 5

typedef struct leak_type {
    gc_type type;
    int64_t growth_bytes;           /* last census of the window minus its first */
    int64_t growth_objects;
    double slope_bytes;             /* least squares, bytes per census, over the window */
} leak_type;

typedef struct leak_report {
    unsigned censuses;              /* in the series examined */
    bool requested_only;            /* the series is the program's own collections (see above) */
    bool enough;                    /* at least warmup + window + 1 censuses: a verdict was possible */
    bool suspected;
    size_t first, last;             /* the window: census indexes (its first and last) */
    uint32_t first_cycle, last_cycle;
    int64_t growth_bytes;           /* total live bytes over the window */
    size_t ntop;
    leak_type top[LEAK_TOP];        /* the types that grew most over the window, most first */
} leak_report;

/* rows: a census log (gclab.h: each census is its totals row, type 0, then its types). Examines every
 * window after the warm-up and reports the first that qualifies; with none, the last `window` + 1
 * censuses are ranked (what grew most, even if it does not amount to a leak). */
void leak_check(const gc_census_row *rows, size_t nrows, const leak_params *p, leak_report *out);

#endif
