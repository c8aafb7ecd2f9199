/* schedstat.h: where a thread's time went, as the Linux scheduler saw it (/proc/thread-self/schedstat).
 *
 * Over any interval of wall time W, a thread that does not block splits it into three parts:
 *   cpu        it ran (CLOCK_THREAD_CPUTIME_ID, not schedstat's first field: see below);
 *   run delay  it was runnable but another thread had the CPU (schedstat's second field: the OS's
 *              doing; exact when the thread reads it about itself, as it is only added to when the
 *              thread gets a CPU);
 *   the rest   W - cpu - run delay: neither running nor waiting in the guest's run queue: blocked (a
 *              futex, a page-in), or, in a virtual machine whose kernel accounts steal time (the
 *              paravirtual clock), the whole virtual CPU descheduled by the hypervisor.
 * schedstat's first field is sum_exec_runtime as last updated, and for the thread that is running it
 * is updated only at the scheduler tick (4 ms at HZ=250): read by the thread itself, it moves in
 * steps of a tick, so over a window shorter than a few ticks it says 0 or 4 ms, and a window with a
 * tick in it looked fully on the CPU (a 5 ms steal read as 5 ms of the operation's own work;
 * measured on this project's VMs, a spinning thread in two 5 s runs: gaps of 50 us or more were 35 ms
 * "on the CPU" and 18 ms neither by the file, 25 ms and 47 ms by the clock). CLOCK_THREAD_CPUTIME_ID
 * brings the runtime up to date before it answers, and, like the file, leaves out steal time where
 * the kernel accounts it (paravirtual steal clock). Reading both costs 1.6 us (two system calls and
 * formatting), so callers sample them, never per operation. Each thread opens its own descriptor
 * (thread-self is resolved at open). */
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
