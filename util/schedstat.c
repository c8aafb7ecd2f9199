#include "schedstat.h"

#include <fcntl.h>
#include <stdio.h>
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
    unsigned long long cpu, wait;
    if (sscanf(buf, "%llu %llu", &cpu, &wait) != 2) return false;
    s->cpu_ns = cpu;
    s->run_delay_ns = wait;
    return true;
}
