/* barrier_fixture.h: what barrier_lost_object.c and barrier_weak_read.c share: what the variant's
 * barrier is expected to do, and the heap their step-by-step schedules run on. */
#ifndef GCLAB_TEST_BARRIER_FIXTURE_H
#define GCLAB_TEST_BARRIER_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "gclab.h"

/* BARRIER=none exists to lose objects: there the schedules expect the verifier to report a loss. */
#if defined(GCLAB_BARRIER_NONE)
#define EXPECT_LOSS 1
#define BARRIER_NAME "none"
#elif defined(GCLAB_BARRIER_DIJKSTRA)
#define EXPECT_LOSS 0
#define BARRIER_NAME "dijkstra"
#elif defined(GCLAB_BARRIER_STEELE)
#define EXPECT_LOSS 0
#define BARRIER_NAME "steele"
#else
#define EXPECT_LOSS 0
#define BARRIER_NAME "yuasa"
#endif

/* A heap for a schedule: a big initial heap, so no allocation-triggered cycle interferes with the
 * schedule, and one marker thread. on_fatal and ctx as gc_options has them (NULL: the default).
 * Exits with a failure when the heap cannot be made. */
static __attribute__((unused)) gc_heap *schedule_heap(gc_fatal_fn on_fatal, void *ctx) {
    char err[256];
    gc_options o = {.max_heap = 256u << 20, .initial_heap = 128u << 20, .gc_threads = 1, .on_fatal = on_fatal,
                    .ctx = ctx};
    gc_heap *h = gc_heap_create(&o, err, sizeof err);
    if (!h) {
        printf("FAIL - heap: %s\n", err);
        exit(1);
    }
    return h;
}

#endif
