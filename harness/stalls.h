/* stalls.h: where the slowest operations' time went (README, "Where the slowest operations' time
 * went"), from what each recording thread kept (workloads/wl_ops.h).
 *
 * The slowest STALLS_N operations of a run, over all its threads, are each split into causes, in this
 * order, each taking at most what is left of the operation:
 *   1. what the thread's gclab account charged while it ran: a pause by kind, the time to safepoint,
 *      waiting for a cycle, sweeping, fresh memory, the rest of the allocation slow path;
 *   2. the machine: the thread's schedstat over the operation's window (wl_ops.h), run delay first
 *      (runnable, another thread of this machine on the CPU: "os"), then the time neither running
 *      nor runnable ("vm": the hypervisor's steal, as the probe in floor.h shows). The time the
 *      account charged to pauses and waits may itself have been spent off the CPU (a parked thread
 *      sleeps), so it is taken off the window's off-CPU time before the machine gets any;
 *   3. what is left: unattributed (the operation's own work, or what nothing measured explains).
 * The window may begin before the operation (up to WL_SAMPLE_NS); stalls.csv gives by how much. */
#ifndef GCLAB_STALLS_H
#define GCLAB_STALLS_H

#include <stdint.h>
#include <stdio.h>
#include "../workloads/wl_ops.h"

#define STALLS_N WL_SLOWEST

/* The columns of a split: the pause kinds, the stall causes, then these. */
enum { STALL_OS = GC_PAUSE_NKINDS + GC_NSTALLS, STALL_VM, STALL_NONE, STALL_NCOLS };

typedef struct stall_row {
    wl_slow_op op;
    uint64_t ns[STALL_NCOLS];
    uint64_t off_cpu_ns;          /* the window's time off the CPU (run delay and the rest), whatever the
                                   * causes above: a cause says where the thread was, this whether the
                                   * machine also held it there */
} stall_row;

typedef struct stall_summary {
    stall_row *rows;              /* slowest first; NULL when nothing was recorded */
    unsigned n;
    uint64_t total_ns, attributed_ns;
    uint64_t ns[STALL_NCOLS];     /* summed over the rows */
} stall_summary;

/* The name of column c ("full", "ttsp", "os", "unattributed", ...). */
const char *stall_col_name(unsigned c);
/* Splits the slowest operations of threads ops[0..n). Returns 0, or -1 when out of memory. */
int stalls_attribute(const wl_ops *ops, unsigned n, stall_summary *out);
void stalls_free(stall_summary *s);

#endif
