#include "clock.h"

static uint64_t cpu_clock_ns(clockid_t id) {
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0) return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t gc_thread_cpu_ns(void) { return cpu_clock_ns(CLOCK_THREAD_CPUTIME_ID); }
uint64_t gc_process_cpu_ns(void) { return cpu_clock_ns(CLOCK_PROCESS_CPUTIME_ID); }
