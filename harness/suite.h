/* suite.h: suite files (README, "Suites"): parsing, expansion into runs, sharding, running.
 *
 * A suite is one setting per line, a key then values; '#' starts a comment. Every combination of
 * workload (x each of its `args` lines) x variant x threads x gc-threads x heap-factor x heap x pin is
 * one run of `repeat` repetitions: by default in rounds (`interleave yes`), round i running repetition
 * i of every run in a process of its own; with `interleave no`, one process per run doing them all.
 * Counts (threads, gc-threads) are
 * numbers, `cores`, `pus`, or A..B: A, 2A, 4A, ... while below B, then B (so 1..cores on 12 cores is
 * 1 2 4 8 12). Errors name the file and line.
 */
#ifndef GCLAB_SUITE_H
#define GCLAB_SUITE_H

#include <stddef.h>
#include <stdint.h>
#include "harness.h"

#define SUITE_MAX_VALUES 64
#define SUITE_MAX_ARGS 32
/* The pseudo-variant of the noise floor's runs (floor.h): gclab run --floor, not a collector. */
#define SUITE_FLOOR "floor"

typedef struct suite_run {
    unsigned index;                 /* position in the whole expanded suite, from 0 */
    const char *variant;
    const workload *wl;
    const char *args_text;          /* the workload's options as written, "" for none */
    char *const *args;              /* ... as tokens, nargs of them */
    unsigned nargs;
    int64_t param[WL_MAX_PARAMS];   /* the workload parameters these args give */
    unsigned threads, gc_threads;
    const char *heap_factor;        /* as written */
    const char *heap;               /* as written, or NULL for the default */
    size_t heap_bytes;              /* 0: default */
    gc_pin_policy pin;
} suite_run;

typedef struct suite_args {        /* one `args` line */
    const workload *wl;
    char *text;
    char *tok[SUITE_MAX_ARGS];
    unsigned ntok;
    int64_t param[WL_MAX_PARAMS];
    unsigned line;
} suite_args;

typedef struct suite {
    char *path;
    unsigned repeat;                /* default 5 */
    unsigned timeout_s;             /* per process (a repetition when interleaved, else all); default 1800 */
    bool interleave;                /* rounds of one repetition of every run (default), or each run's all at once */
    bool floor;                     /* `floor yes` (default): a floor run (floor.h) per configuration after its variants */
    char *variants[SUITE_MAX_VALUES];
    unsigned nvariants;
    const workload *workloads[SUITE_MAX_VALUES];
    unsigned nworkloads;
    unsigned threads[SUITE_MAX_VALUES], nthreads;
    unsigned gc_threads[SUITE_MAX_VALUES], ngc_threads;
    char *factors[SUITE_MAX_VALUES];
    unsigned nfactors;
    char *heaps[SUITE_MAX_VALUES];
    size_t heap_bytes[SUITE_MAX_VALUES];
    unsigned nheaps;
    gc_pin_policy pins[3];
    unsigned npins;
    suite_args *args;
    unsigned nargs;
    suite_run *runs;                /* the expanded suite, or after suite_shard the shard's part */
    size_t nruns;
    size_t total;                   /* runs in the whole suite */
    unsigned skipped;               /* combinations left out: threads > 1 for a single-threaded workload */
    unsigned shard_i, shard_n;      /* 0/1 for the whole suite */
} suite;

typedef struct suite_env {
    const char *root;               /* where collector/ and build/ are ("." from the repository root) */
    unsigned cores, pus;            /* what `cores` and `pus` mean */
} suite_env;

/* Parses and expands; on error returns -1 with one line "FILE:LINE: what is wrong" in err. */
int suite_parse(const char *path, const suite_env *env, suite *s, char *err, size_t errlen);
/* "I/N" with 0 <= I < N -> 0; else -1 and a message. */
int suite_parse_shard(const char *spec, unsigned *i, unsigned *n, char *err, size_t errlen);
/* Keeps the i-th of n parts: the runs are dealt round robin in a fixed scrambled order (splitmix64 of each
 * run's index), so part sizes differ by at most one and each part gets a mix of every dimension; a part
 * runs in suite order. Deterministic for a
 * given suite file and core count. */
void suite_shard(suite *s, unsigned i, unsigned n);
void suite_free(suite *s);
/* One line describing a run, for progress and listings: "msgbuf on stw: 2 threads, ...". */
void suite_run_describe(const suite_run *r, char *buf, size_t len);
/* Runs the suite's runs (suite_run.c) into out, a failed row for every repetition a process did not
 * write; 0, or 2 when out cannot be created. Failed runs do not make it fail: the suite goes on. */
int suite_run_all(const suite *s, const char *root, const char *out);

#endif
