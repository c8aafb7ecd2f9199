/* wl_ops.c: keeping the slowest operations with their explanation (wl_ops.h). */
#include "wl_ops.h"

#include <string.h>

void wl_ops_start(wl_ops *ops, gc_mut *mut, gc_hist *hist, unsigned thread) {
    if (!ops) return;
    memset(ops, 0, sizeof *ops);
    ops->hist = hist;
    ops->acct = gc_mut_account_of(mut);
    ops->snap = *ops->acct;
    ops->thread = thread;
    ops->keep_ns = WL_KEEP_MIN_NS;
    ops->fd = gc_sched_open();
    ops->sched_ok = gc_sched_read(ops->fd, &ops->last);
    ops->first = ops->last;
    ops->next_sample_ns = ops->last.wall_ns + WL_SAMPLE_NS;
}

void wl_ops_sample(wl_ops *ops) {
    ops->sched_ok = gc_sched_read(ops->fd, &ops->last);
    ops->next_sample_ns = ops->last.wall_ns + WL_SAMPLE_NS;
}

static void diff_account(gc_mut_account *d, const gc_mut_account *now, const gc_mut_account *then) {
    for (unsigned k = 0; k < GC_PAUSE_NKINDS; k++) d->pause_ns[k] = now->pause_ns[k] - then->pause_ns[k];
    for (unsigned k = 0; k < GC_NSTALLS; k++) d->stall_ns[k] = now->stall_ns[k] - then->stall_ns[k];
    d->events = now->events - then->events;
}

void wl_ops_keep(wl_ops *ops, uint64_t t0, uint64_t t1) {
    wl_slow_op *slot;
    if (ops->nslow < WL_SLOWEST) {
        slot = &ops->slow[ops->nslow++];
    } else {
        slot = &ops->slow[0];
        for (unsigned i = 1; i < WL_SLOWEST; i++)
            if (ops->slow[i].dur_ns < slot->dur_ns) slot = &ops->slow[i];
    }
    slot->start_ns = t0;
    slot->dur_ns = t1 - t0;
    slot->thread = ops->thread;
    if (ops->acct->events != ops->snap.events) diff_account(&slot->charged, ops->acct, &ops->snap);
    else memset(&slot->charged, 0, sizeof slot->charged);
    /* The window: the last read before the operation began, and one now. */
    slot->w0 = ops->last;
    slot->sched = ops->sched_ok;
    if (ops->sched_ok) {
        wl_ops_sample(ops);
        slot->w1 = ops->last;
        slot->sched = ops->sched_ok;
    }
    ops->snap = *ops->acct;
    if (ops->nslow == WL_SLOWEST) {
        uint64_t lo = ops->slow[0].dur_ns;
        for (unsigned i = 1; i < WL_SLOWEST; i++)
            if (ops->slow[i].dur_ns < lo) lo = ops->slow[i].dur_ns;
        ops->keep_ns = lo + 1 > WL_KEEP_MIN_NS ? lo + 1 : WL_KEEP_MIN_NS;
    }
}

void wl_ops_stop(wl_ops *ops) {
    if (!ops) return;
    gc_sched_sample end;
    if (ops->sched_ok && gc_sched_read(ops->fd, &end)) {
        uint64_t wall = end.wall_ns - ops->first.wall_ns, cpu = end.cpu_ns - ops->first.cpu_ns;
        ops->run_delay_ns = end.run_delay_ns - ops->first.run_delay_ns;
        ops->off_cpu_other_ns = wall > cpu + ops->run_delay_ns ? wall - cpu - ops->run_delay_ns : 0;
    }
    gc_sched_close(ops->fd);
    ops->fd = -1;
}
