/* safepoint.c: safepoint handshake latency.
 *
 * N threads attach and spin on gc_safepoint (no allocation); the benchmark thread runs gc_collect on
 * an otherwise empty heap. The time is the pause record's time to safepoint (stop request until every
 * mutator is stopped); the pause length is a counter. With N >= the number of CPUs the spinning
 * threads and the collector share CPUs, and the figure includes the scheduler's time slices. The
 * collection uses one GC thread. 500 collections per case (a fixed count: the time measured is a
 * small part of each collection, so Google Benchmark's own estimate would run far too many). */
#include <pthread.h>
#include "common.h"

#define MAX_SPINNERS 256

typedef struct sp_state {
    micro_env env;
    pthread_t tid[MAX_SPINNERS];
    long n;
    _Atomic int stop;
    _Atomic long ready;
} sp_state;

static void *spinner(void *p) {
    sp_state *s = p;
    gc_mut *mut = gc_attach(s->env.heap);
    atomic_fetch_add(&s->ready, 1);
    while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) gc_safepoint(mut);
    gc_detach(mut);
    return NULL;
}

static void sp_teardown(void *p) {
    sp_state *s = p;
    atomic_store(&s->stop, 1);
    /* joining blocks: tell the collector this thread is not running mutator code meanwhile */
    gc_block_enter(s->env.mut);
    for (long i = 0; i < s->n; i++) pthread_join(s->tid[i], NULL);
    gc_block_leave(s->env.mut);
    micro_env_close(&s->env);
    free(s);
}

static void *sp_setup(long nthreads, const char **skip) {
    static char err[256];
    sp_state *s = calloc(1, sizeof *s);
    /* One GC thread, so the figure is the handshake rather than waking GC workers (libgc, whose marker
     * count is fixed per process, keeps its own). MICRO_TTSP_GC_THREADS=N picks another count. */
    const char *g = getenv("MICRO_TTSP_GC_THREADS");
    if (!s) { *skip = "out of memory"; return NULL; }
    if (micro_env_open(&s->env, g ? (unsigned)atoi(g) : 1, 0, err, sizeof err) != 0 &&
        (g || micro_env_open(&s->env, 0, 0, err, sizeof err) != 0)) {
        free(s);
        *skip = err;
        return NULL;
    }
    for (long i = 0; i < nthreads && i < MAX_SPINNERS; i++) {
        if (pthread_create(&s->tid[i], NULL, spinner, s) != 0) {
            *skip = "pthread_create failed";
            sp_teardown(s);
            return NULL;
        }
        s->n++;
    }
    /* wait for every spinner to attach, letting a collection proceed meanwhile */
    while (atomic_load(&s->ready) < s->n) gc_safepoint(s->env.mut);
    return s;
}

static void sp_run(void *p, long nthreads, micro_run *r) {
    sp_state *s = p;
    (void)nthreads;
    for (uint64_t i = 0; i < r->iters; i++) {
        gc_pause last = {0}, *pz = &last;
        size_t before = micro_last_pause(&s->env, NULL);
        gc_collect(s->env.mut);
        size_t after = micro_last_pause(&s->env, &last);
        if (after == before) {
            r->skip = "gc_collect left no pause record";
            return;
        }
        /* a zero time to safepoint (nothing to wait for) is below the clock's resolution: count 1 ns */
        r->manual_ns += pz->ttsp_ns ? (double)pz->ttsp_ns : 1.0;
        r->counter[0] += (double)(pz->end_ns - pz->start_ns) / 1e3;
    }
}

size_t micro_safepoint_benches(micro_bench *out, unsigned cores) {
    static char names[3][64];
    long ns[3] = {1, (long)cores - 1, (long)cores};
    size_t n = 0;
    for (int i = 0; i < 3; i++) {
        if (ns[i] < 1 || (i > 0 && ns[i] <= ns[i - 1])) continue;
        snprintf(names[i], sizeof names[i], "ttsp/spinning_threads:%ld", ns[i]);
        out[n++] = (micro_bench){.name = names[i], .what = "one gc_collect of an empty heap while N threads spin on gc_safepoint: time to safepoint",
                                 .manual_time = 1, .batch = 1, .iterations = 500, .arg = ns[i], .counter_name = {"pause_us"},
                                 .setup = sp_setup, .run = sp_run, .teardown = sp_teardown};
    }
    return n;
}
