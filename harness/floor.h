/* floor.h: the machine's noise floor (README, "The noise floor").
 *
 * A shared virtual machine stalls threads on its own: a thread that does nothing but read the clock
 * sees gaps of tenths of a millisecond to several milliseconds a second. A collector's worst pause or a
 * workload's worst operation means little until it is read against that. The probe runs one thread per
 * CPU a run uses, for as long as the run took, each reading CLOCK_MONOTONIC in a loop that allocates
 * nothing and touches no shared memory; every gap between consecutive reads is recorded. The largest
 * gap is the floor: no collector can promise a stall shorter than what the machine inflicts on a
 * thread that has nothing to stall on. The schedstat split says whose the gaps were: run delay (another
 * thread of this machine had the CPU) or neither running nor runnable (the hypervisor's steal). */
#ifndef GCLAB_FLOOR_H
#define GCLAB_FLOOR_H

#include <stdint.h>
#include "histogram.h"

/* A gap at least this long counts as a stall in stalled_ns. */
#define FLOOR_STALL_NS 10000u

typedef struct floor_result {
    gc_hist gaps;               /* every gap between consecutive clock reads, all probe threads */
    uint64_t reads;             /* clock reads in all */
    uint64_t stalled_ns;        /* the sum of the gaps of at least FLOOR_STALL_NS, all threads */
    uint64_t run_delay_ns;      /* the probe threads' run delay (schedstat), summed */
    uint64_t off_cpu_other_ns;  /* wall - cpu - run delay, summed: steal (or a blocked thread) */
    uint64_t cpu_ns;            /* the probe threads' CPU time, summed */
    unsigned threads;
} floor_result;

/* The CPUs a run of `threads` mutators and `gc_threads` GC threads keeps busy: their sum, at most the
 * machine's processing units. */
unsigned floor_threads(unsigned threads, unsigned gc_threads);

/* Runs the probe on n threads for duration_ns. start(ctx, i) runs first on probe thread i (pinning:
 * NULL for none). Returns 0, or -1 with a message when a thread could not be started. */
int floor_probe(unsigned n, uint64_t duration_ns, void (*start)(void *ctx, unsigned i), void *ctx, floor_result *out,
                char *err, size_t errlen);

#endif
