/* harness.h: one run configuration, the measurements of one repetition, and what writes them. */
#ifndef GCLAB_HARNESS_H
#define GCLAB_HARNESS_H

#include <stdio.h>
#include "gclab.h"
#include "histogram.h"
#include "stats.h"
#include "topology.h"
#include "leak.h"
#include "stalls.h"
#include "../workloads/workload.h"

#define GC_NMMU 10

typedef struct run_config {
    const workload *wl;
    int64_t param[WL_MAX_PARAMS];
    unsigned threads;
    /* The collector options, as gclab run's option table (options.c) fills them: the run hands a copy
     * to gc_heap_create, so a new collector option is a table entry and its gc_options field. */
    gc_options gc;
    unsigned repeat;
    unsigned first_rep;         /* --first-rep: the first repetition's number (the suite's interleaved rounds) */
    bool quiet;
    const char *out;            /* results folder, or NULL */
    gc_pin_policy pin;          /* --pin (topology.h) */
    bool dry_pin;               /* --dry-pin: print the plan and exit */
    bool snapshot_at_end;       /* --snapshot-at-end: a heap snapshot once the workload finished */
    const char *variant;        /* rows written for another variant (gclab suite); NULL: this binary's */
    const char *collector;      /* ... and its collector */
    char gc_options[256];       /* the collector options given (results_gc_option), for runs.csv */
    unsigned leak_mode;         /* --leak-check: LEAK_OFF, LEAK_REPORT or LEAK_FAIL */
    leak_params leak;           /* --leak-window, --leak-warmup, --leak-min-growth, --leak-min-percent */
    unsigned floor_ms;          /* --floor: measure the noise floor (floor.h) for this long instead; 0: off */
} run_config;

enum { LEAK_OFF, LEAK_REPORT, LEAK_FAIL };

typedef struct run_result {
    unsigned rep;
    int status;                 /* 0: verified; else the workload's check failed */
    char error[256];
    char run_id[64];
    uint64_t start_ns, wall_ns, cpu_ns, gc_cpu_ns, peak_rss;
    gc_heap_stats heap;
    gc_pause *pauses;           /* copied out of the heap, times as recorded */
    size_t npauses;
    gc_pause_summary ps;
    double mmu[GC_NMMU];
    gc_hist *latency;           /* merged over threads, or NULL */
    gc_hist *metered;           /* metered latency (against the intended schedule), or NULL if not recorded */
    gc_worker_stats *workers;
    unsigned nworkers;
    uint64_t ops;
    gc_memory_usage mem;        /* at the end of the run (Node's process.memoryUsage()) */
    gc_census_row *census;      /* the heap's census log (--census), copied out; NULL without one */
    size_t ncensus;
    char **type_names;          /* by type id, for types.csv and the leak report (the heap is gone) */
    unsigned ntypes;
    leak_report leak;           /* --leak-check */
    /* Where the latency-recording threads' (or the floor probe's) wall time went besides their CPU
     * (schedstat.h), summed over them; 0 where not measured. */
    uint64_t run_delay_ns, off_cpu_other_ns;
    uint64_t stalled_ns;        /* floor: the sum of its gaps of at least 10 us */
    stall_summary stalls;       /* the slowest operations split into causes (stalls.h); n 0 if none */
} run_result;

/* The name of type t in a finished run. */
const char *run_type_name(const run_result *r, gc_type t);

/* size_arg.c: a size with an optional K, M, G or T suffix (binary units, "i" and "B" allowed after
 * it): 0 and *out set, -1 when malformed, -2 when too large. */
int gc_parse_size(const char *s, size_t *out);

/* results.c */
void results_print_summary(FILE *f, const run_config *cfg, run_result *r, unsigned n);
/* Appends to <dir>/runs.csv, pauses.csv, latency.csv, workers.csv, mmu.csv and, when the run took
 * censuses, types.csv (headers on creation). Returns 0 or -1 with a message. */
int results_write(const char *dir, const run_config *cfg, const run_result *r, unsigned n, char *err, size_t errlen);
void results_format_params(const run_config *cfg, char *buf, size_t len);
/* The options recorded in runs.csv's gc_options column (options.c: gc_options_column). results_gc_option
 * returns -1 for any other flag, 0 for a flag without a value (--verify), 1 for one that takes a value;
 * when cfg is given it also appends "name[=value]" to cfg->gc_options, as written. gclab run and the
 * suite runner's failed rows both build that column this way, in the order the options were given. */
int results_gc_option(run_config *cfg, const char *flag, const char *value);
size_t pauses_of_kind(const run_result *r, gc_pause_kind kind);
/* Appends the binding of this run set to <dir>/machine.txt (creating it with the topology if absent). */
int results_write_binding(const char *dir, const run_config *cfg, const char *run_id, const gc_pinner *pn,
                          char *err, size_t errlen);

/* suite.c, merge.c: the `gclab suite` and `gclab merge` commands. */
int suite_main(int argc, char **argv);
int merge_main(int argc, char **argv);

#endif
