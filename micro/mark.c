/* mark.c: mark rate, bytes of live graph marked per second.
 *
 * The graph: a pointer array of N slots (a root) holding N nodes of 64 bytes (4 pointer slots and 24
 * raw bytes), each node pointing at 4 nodes chosen at random, so tracing is a cache-missing walk as in
 * a real heap rather than a sequential scan. Each iteration is one gc_collect; its pause record gives
 * the bytes found live (live_bytes) and the marking time (mark_ns), and the rate is their ratio.
 * Setup builds the graph once per run of the benchmark. The argument is the GC thread count; 5
 * collections per case. */
#include "common.h"

#define MARK_NODES (1u << 20)

typedef struct mark_state {
    micro_env env;
    gc_obj **arr;
} mark_state;

static uint64_t rng(uint64_t *x) {   /* xorshift64* */
    *x ^= *x >> 12, *x ^= *x << 25, *x ^= *x >> 27;
    return *x * 0x2545F4914F6CDD1Dull;
}

static void *mark_setup(long gc_threads, const char **skip) {
    static char err[256];
    mark_state *s = calloc(1, sizeof *s);
    if (!s || micro_env_open(&s->env, (unsigned)gc_threads, 256u << 20, err, sizeof err) != 0) {
        free(s);
        *skip = err;
        return NULL;
    }
    gc_mut *mut = s->env.mut;
    s->arr = gc_push(mut, gc_alloc(mut, s->env.array, MARK_NODES, 0));
    for (uint32_t i = 0; i < MARK_NODES; i++) {
        gc_obj *o = gc_alloc(mut, s->env.node, 4, 24);
        gc_write(mut, *s->arr, i, o);
    }
    uint64_t x = 0x9E3779B97F4A7C15ull;
    gc_obj *arr = *s->arr;   /* no allocation below: nothing moves */
    for (uint32_t i = 0; i < MARK_NODES; i++) {
        gc_obj *o = gc_read(arr, i);
        for (size_t j = 0; j < 4; j++) gc_write(mut, o, j, gc_read(arr, rng(&x) % MARK_NODES));
    }
    gc_collect(mut);   /* settle: the first cycle also sweeps the set-up's garbage */
    return s;
}

static void mark_teardown(void *p) {
    mark_state *s = p;
    micro_env_close(&s->env);
    free(s);
}

/* The marking time of one gc_collect: mark_ns summed over the pauses it recorded (a collector with
 * several pauses per cycle marks in more than one); the live bytes from the last. Marking done outside
 * pauses (a concurrent collector's background marking) is not in any record: for such collectors
 * gc_collect's pauses are what is measured. */
static void mark_run(void *p, long gc_threads, micro_run *r) {
    mark_state *s = p;
    static gc_pause recs[64];
    (void)gc_threads;
    for (uint64_t i = 0; i < r->iters; i++) {
        size_t before = micro_pauses(&s->env, 0, NULL, 0);
        gc_collect(s->env.mut);
        size_t after = micro_pauses(&s->env, before, recs, sizeof recs / sizeof *recs);
        size_t k = after - before > sizeof recs / sizeof *recs ? sizeof recs / sizeof *recs : after - before;
        uint64_t mark = 0, paused = 0;
        for (size_t j = 0; j < k; j++) {
            mark += recs[j].mark_ns;
            paused += recs[j].end_ns - recs[j].start_ns;
        }
        if (k == 0 || mark == 0) {
            r->skip = "gc_collect left no pause record with marking time";
            return;
        }
        const gc_pause *pz = &recs[k - 1];
        r->manual_ns += (double)mark;
        r->bytes += (double)pz->live_bytes;
        r->counter[0] += (double)paused / 1e6;
        r->counter[1] += (double)pz->gc_threads;
        r->counter[2] += (double)pz->live_bytes / 1048576.0;
        r->counter[3] += (double)k;
    }
}

size_t micro_mark_benches(micro_bench *out, unsigned cores) {
    size_t n = 0;
    out[n++] = (micro_bench){.name = "mark/gc_threads:1", .what = "one full collection of a 64 MiB random graph (1 Mi nodes): marking time",
                             .manual_time = 1, .batch = 1, .iterations = 5, .arg = 1, .counter_name = {"pause_ms", "gc_threads", "live_MiB", "pauses"},
                             .setup = mark_setup, .run = mark_run, .teardown = mark_teardown};
    if (cores > 1) {
        static char name[64];
        snprintf(name, sizeof name, "mark/gc_threads:%u", cores);
        out[n++] = (micro_bench){.name = name, .what = "the same with one GC thread per core",
                                 .manual_time = 1, .batch = 1, .iterations = 5, .arg = (long)cores, .counter_name = {"pause_ms", "gc_threads", "live_MiB", "pauses"},
                                 .setup = mark_setup, .run = mark_run, .teardown = mark_teardown};
    }
    return n;
}
