/* workload.h: what a workload is to the harness (docs/DESIGN.md §5).
 *
 * A workload takes integer parameters from the command line (--name VALUE), each with a default that
 * runs in seconds and a range; it runs its own mutator threads (each attaches to the heap), checks its
 * own result, and returns non-zero with a one-line reason when the check fails, so a collector bug is
 * a failure, never a number.
 */
#ifndef GCLAB_WORKLOAD_H
#define GCLAB_WORKLOAD_H

#include "gclab.h"
#include "histogram.h"

typedef struct wl_param {
    const char *name;   /* command-line flag without the leading "--" */
    const char *help;
    int64_t def, min, max;
} wl_param;

#define WL_MAX_PARAMS 16
#define WL_BAD_PARAMS 2

typedef struct wl_ctx {
    gc_heap *heap;
    unsigned threads;               /* mutator threads (--threads), >= 1 */
    int64_t param[WL_MAX_PARAMS];   /* values, in the order of the workload's parameter table */
    gc_hist *latency;               /* one histogram per mutator thread, or NULL if not recorded */
    uint64_t ops;                   /* operations done, set by the workload (for throughput) */
    gc_hist *metered;               /* one per mutator thread: latency against an evenly spaced schedule
                                     * (util/meter.h), for workloads run at a fixed rate; or NULL */
    struct wl_ops *rec;             /* one per mutator thread (wl_ops.h): each thread's wl_ops_start
                                     * gives it ctx->latency[thread]; NULL if not recorded */
} wl_ctx;

typedef struct workload {
    const char *name;
    const char *summary;            /* one line for `gclab list` */
    const wl_param *params;
    size_t nparams;
    bool multithreaded;             /* honours --threads N > 1 */
    bool latency;                   /* records per-operation mutator latency into ctx->latency[thread] */
    /* Bytes the workload keeps live at its peak for these parameters (a lower bound): a heap smaller
     * than this is refused before the run. */
    uint64_t (*live_bytes)(const int64_t *param, unsigned threads);
    /* Runs and verifies. Returns 0; WL_BAD_PARAMS when the parameters do not go together (the harness
     * reports bad input, exit 2); any other non-zero value when the check failed. A one-line reason
     * goes into err. */
    int (*run)(wl_ctx *ctx, char *err, size_t errlen);
} workload;

/* The registry (workloads/registry.c). */
const workload *wl_find(const char *name);
const workload *const *wl_all(size_t *count);

#endif
