/* stalls.c: splitting the slowest operations into causes (stalls.h). */
#include "stalls.h"

#include <stdlib.h>
#include <string.h>

const char *stall_col_name(unsigned c) {
    if (c < GC_PAUSE_NKINDS) return gc_pause_kind_name((gc_pause_kind)c);
    if (c < STALL_OS) return gc_stall_cause_name((gc_stall_cause)(c - GC_PAUSE_NKINDS));
    return c == STALL_OS ? "os" : c == STALL_VM ? "vm" : "unattributed";
}

static int slower_first(const void *a, const void *b) {
    const stall_row *x = a, *y = b;
    return x->op.dur_ns < y->op.dur_ns ? 1 : x->op.dur_ns > y->op.dur_ns ? -1 : 0;
}

static uint64_t take(uint64_t *left, uint64_t want) {
    uint64_t got = want < *left ? want : *left;
    *left -= got;
    return got;
}

static void split(stall_row *r) {
    const wl_slow_op *op = &r->op;
    uint64_t left = op->dur_ns, stopped = 0;
    for (unsigned k = 0; k < GC_PAUSE_NKINDS; k++) {
        r->ns[k] = take(&left, op->charged.pause_ns[k]);
        stopped += r->ns[k];
    }
    for (unsigned k = 0; k < GC_NSTALLS; k++) {
        r->ns[GC_PAUSE_NKINDS + k] = take(&left, op->charged.stall_ns[k]);
        if (k == GC_STALL_TTSP || k == GC_STALL_WAIT) stopped += r->ns[GC_PAUSE_NKINDS + k];
    }
    if (op->sched && op->w1.wall_ns > op->w0.wall_ns) {
        uint64_t wall = op->w1.wall_ns - op->w0.wall_ns, cpu = op->w1.cpu_ns - op->w0.cpu_ns;
        uint64_t delay = op->w1.run_delay_ns - op->w0.run_delay_ns;
        uint64_t other = wall > cpu + delay ? wall - cpu - delay : 0;
        /* Pauses and waits may have been spent off the CPU: the machine gets only the rest. */
        uint64_t off = delay + other, cap = off > stopped ? off - stopped : 0;
        r->off_cpu_ns = off;
        uint64_t os = take(&cap, delay);
        r->ns[STALL_OS] = take(&left, os);
        r->ns[STALL_VM] = take(&left, other < cap ? other : cap);
    }
    r->ns[STALL_NONE] = left;
}

int stalls_attribute(const wl_ops *ops, unsigned n, stall_summary *out) {
    memset(out, 0, sizeof *out);
    unsigned all = 0;
    for (unsigned t = 0; t < n; t++) all += ops[t].nslow;
    if (!all) return 0;
    stall_row *rows = calloc(all, sizeof *rows);
    if (!rows) return -1;
    unsigned k = 0;
    for (unsigned t = 0; t < n; t++)
        for (unsigned i = 0; i < ops[t].nslow; i++) rows[k++].op = ops[t].slow[i];
    qsort(rows, all, sizeof *rows, slower_first);
    out->rows = rows;
    out->n = all < STALLS_N ? all : STALLS_N;
    for (unsigned i = 0; i < out->n; i++) {
        split(&rows[i]);
        out->total_ns += rows[i].op.dur_ns;
        for (unsigned c = 0; c < STALL_NCOLS; c++) out->ns[c] += rows[i].ns[c];
    }
    out->attributed_ns = out->total_ns - out->ns[STALL_NONE];
    return 0;
}

void stalls_free(stall_summary *s) {
    free(s->rows);
    memset(s, 0, sizeof *s);
}
