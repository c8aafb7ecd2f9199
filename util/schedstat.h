/* schedstat.h: where a thread's time went, as the Linux scheduler saw it (/proc/thread-self/schedstat).
 *
 * Over any interval of wall time W, a thread that does not block splits it into three parts:
 *   cpu        it ran (schedstat's first field: sum_exec_runtime);
 *   run delay  it was runnable but another thread had the CPU (second field: the OS's doing);
 *   the rest   W - cpu - run delay: neither running nor waiting in the guest's run queue: blocked (a
 *              futex, a page-in), or, in a virtual machine whose kernel accounts steal time (the
 *              paravirtual clock), the whole virtual CPU descheduled by the hypervisor.
 * Reading the file costs about a microsecond (a system call and formatting), so callers sample it,
 * never per operation. Each thread opens its own descriptor (thread-self is resolved at open). */
#ifndef GCLAB_SCHEDSTAT_H
#define GCLAB_SCHEDSTAT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct gc_sched_sample {
    uint64_t wall_ns;       /* CLOCK_MONOTONIC when read */
    uint64_t cpu_ns;        /* the calling thread's time on a CPU, cumulative */
    uint64_t run_delay_ns;  /* ... and its time runnable but waiting for one, cumulative */
} gc_sched_sample;

/* The calling thread's descriptor, or -1 where the kernel has no schedstat (then nothing is sampled). */
int gc_sched_open(void);
void gc_sched_close(int fd);
/* Reads the calling thread's figures into s (wall_ns too); false if fd is -1 or the read failed. */
bool gc_sched_read(int fd, gc_sched_sample *s);

#endif
