/* meter.h: metered (open-loop) latency, so coordinated omission cannot hide a stall.
 *
 * A workload that runs at a fixed rate gives operation i an intended start time, evenly spaced:
 * intended(i) = start + i / rate. It waits until then if it is early, and records two latencies:
 *   simple   completion - actual start: what the operation itself took;
 *   metered  completion - intended start: what a client issuing requests at that rate would see.
 * If one operation stalls for 50 ms at 1000 ops/s, the simple histogram shows one slow operation, but
 * the ~50 operations that should have started during the stall start late, and the metered histogram
 * shows each of them waiting (50 ms, 49 ms, ... 1 ms): the same correction as HdrHistogram's
 * recordValueWithExpectedInterval and DaCapo Chopin's metered latency, computed from the schedule
 * rather than back-filled. A workload that is behind never waits and never skips an operation.
 */
#ifndef GCLAB_METER_H
#define GCLAB_METER_H

#include <stdint.h>
#include "histogram.h"

typedef struct gc_meter {
    uint64_t start_ns;   /* intended start of operation 0 */
    double period_ns;    /* 1e9 / rate */
} gc_meter;

static inline void gc_meter_init(gc_meter *m, uint64_t start_ns, double ops_per_sec) {
    m->start_ns = start_ns;
    m->period_ns = ops_per_sec > 0 ? 1e9 / ops_per_sec : 0.0;
}

/* Intended start of operation i (a double keeps ns precision for 100 days of schedule). */
static inline uint64_t gc_meter_intended(const gc_meter *m, uint64_t i) {
    return m->start_ns + (uint64_t)((double)i * m->period_ns);
}

/* Records one operation that should have started at `intended`, started at t0 and completed at t1.
 * Either histogram may be NULL. */
static inline void gc_meter_record(gc_hist *simple, gc_hist *metered, uint64_t intended, uint64_t t0, uint64_t t1) {
    if (simple) gc_hist_record(simple, t1 > t0 ? t1 - t0 : 0);
    if (metered) gc_hist_record(metered, t1 > intended ? t1 - intended : 0);
}

#endif
