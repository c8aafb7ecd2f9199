#include "schedstat.h"

#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"

int gc_sched_open(void) { return open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC); }

void gc_sched_close(int fd) {
    if (fd >= 0) close(fd);
}

bool gc_sched_read(int fd, gc_sched_sample *s) {
    if (fd < 0) return false;
    char buf[96];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    s->wall_ns = gc_now_ns();
    if (n <= 0) return false;
    buf[n] = 0;
    unsigned long long tick_cpu, wait;
    if (sscanf(buf, "%llu %llu", &tick_cpu, &wait) != 2) return false;
    /* The runtime from the clock, not the file's tick-granular one (schedstat.h). */
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)) return false;
    s->cpu_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    s->run_delay_ns = wait;
    return true;
}
