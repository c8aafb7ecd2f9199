/* clock.h: the clocks every pause and statistic is read from. */
#ifndef GCLAB_CLOCK_H
#define GCLAB_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t gc_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t gc_thread_cpu_ns(void);   /* CPU time of the calling thread */
uint64_t gc_process_cpu_ns(void);  /* CPU time of the whole process */

#endif
