/* floor.c: the noise-floor probe (floor.h). */
#include "floor.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "schedstat.h"
#include "topology.h"

typedef struct probe {
    pthread_t tid;
    unsigned index;
    uint64_t start_at, end_at;  /* every thread starts and stops on the same instants */
    void (*start)(void *, unsigned);
    void *ctx;
    gc_hist gaps;
    uint64_t reads, stalled_ns;
    gc_sched_sample s0, s1;
    bool sched_ok;
} probe;

unsigned floor_threads(unsigned threads, unsigned gc_threads) {
    unsigned n = threads + gc_threads, pus = gc_topology_pus();
    if (pus && n > pus) n = pus;
    return n ? n : 1;
}

static void *probe_main(void *arg) {
    probe *p = arg;
    if (p->start) p->start(p->ctx, p->index);
    int fd = gc_sched_open();
    uint64_t prev = gc_now_ns();
    while (prev < p->start_at) prev = gc_now_ns();
    p->sched_ok = gc_sched_read(fd, &p->s0);
    prev = gc_now_ns();
    /* The loop is the measurement: a clock read, a subtraction, a histogram increment in this thread's
     * own memory. Anything longer than its ~30 ns is time the thread did not get. */
    while (prev < p->end_at) {
        uint64_t t = gc_now_ns();
        uint64_t gap = t - prev;
        gc_hist_record(&p->gaps, gap);
        if (gap >= FLOOR_STALL_NS) p->stalled_ns += gap;
        p->reads++;
        prev = t;
    }
    p->sched_ok = p->sched_ok && gc_sched_read(fd, &p->s1);
    gc_sched_close(fd);
    return NULL;
}

int floor_probe(unsigned n, uint64_t duration_ns, void (*start)(void *ctx, unsigned i), void *ctx, floor_result *out,
                char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    gc_hist_init(&out->gaps);
    probe *p = calloc(n, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory for %u probe threads", n);
        return -1;
    }
    /* A little time for every thread to be created and bound before the common start. */
    uint64_t start_at = gc_now_ns() + 20000000u;
    unsigned started = 0;
    int rc = 0;
    for (unsigned i = 0; i < n; i++) {
        p[i] = (probe){.index = i, .start_at = start_at, .end_at = start_at + duration_ns, .start = start, .ctx = ctx};
        gc_hist_init(&p[i].gaps);
        if (pthread_create(&p[i].tid, NULL, probe_main, &p[i])) {
            snprintf(err, errlen, "cannot start probe thread %u of %u", i + 1, n);
            rc = -1;
            break;
        }
        started++;
    }
    for (unsigned i = 0; i < started; i++) pthread_join(p[i].tid, NULL);
    if (!rc) {
        out->threads = n;
        for (unsigned i = 0; i < n; i++) {
            gc_hist_merge(&out->gaps, &p[i].gaps);
            out->reads += p[i].reads;
            out->stalled_ns += p[i].stalled_ns;
            if (!p[i].sched_ok) continue;
            uint64_t wall = p[i].s1.wall_ns - p[i].s0.wall_ns, cpu = p[i].s1.cpu_ns - p[i].s0.cpu_ns;
            uint64_t wait = p[i].s1.run_delay_ns - p[i].s0.run_delay_ns;
            out->cpu_ns += cpu;
            out->run_delay_ns += wait;
            if (wall > cpu + wait) out->off_cpu_other_ns += wall - cpu - wait;
        }
    }
    free(p);
    return rc;
}
