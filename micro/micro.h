/* micro.h: gclab's micro-benchmarks, written in C against gclab.h (and, where a benchmark needs them,
 * the collector's inline internals), registered with Google Benchmark by micro/shim.cc.
 *
 * A benchmark runs `iters` iterations per call of its run function, so the loop around a 1 ns
 * operation is C, not a call through the shim. Wall-clock benchmarks let Google Benchmark time the
 * call; manual-time ones report the time themselves (from pause records: marking, copying, time to
 * safepoint), in manual_ns. */
#ifndef GCLAB_MICRO_H
#define GCLAB_MICRO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MICRO_MAX_COUNTERS 4

typedef struct micro_run {
    uint64_t iters;             /* in: iterations to run */
    double manual_ns;           /* out, manual-time benchmarks: the time these iterations took */
    double bytes;               /* out: bytes processed (Google Benchmark reports bytes_per_second) */
    double counter[MICRO_MAX_COUNTERS];   /* out: summed over calls, reported as averages per call */
    const char *skip;           /* out: set to skip the benchmark with this message */
} micro_run;

typedef struct micro_bench {
    const char *name;           /* "alloc_fast/16B": group/case */
    const char *what;           /* one line: what one iteration is */
    int manual_time;            /* 1: time is run->manual_ns */
    uint64_t batch;             /* iterations per run call */
    uint64_t iterations;        /* a fixed iteration count; 0: Google Benchmark decides */
    long arg;                   /* passed to setup and run (sizes, thread counts) */
    const char *counter_name[MICRO_MAX_COUNTERS];
    /* setup returns the benchmark's state, or NULL with *skip set (a reason) */
    void *(*setup)(long arg, const char **skip);
    void (*run)(void *state, long arg, micro_run *r);
    void (*teardown)(void *state);
} micro_bench;

/* Fills out[] with the benchmarks of this variant (cores: online CPUs, for the thread-count cases);
 * returns how many. */
size_t micro_benchmarks(micro_bench *out, size_t max, unsigned cores);

const char *micro_variant(void);
const char *micro_collector(void);

#ifdef __cplusplus
}
#endif

#endif
