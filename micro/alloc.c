/* alloc.c: the allocation fast path.
 *
 * alloc_fast/<size>: only the inlined fast path, timed in stretches that are all fast-path hits, the
 * slow path in between untimed: the figure is the fast path alone, as a compiler-inlined runtime
 * sees it. Free-list collectors (freelist_alloc.h: stw, incremental, concurrent): a pop, a memset and
 * a header store; the run counts the cells on the thread's list for the stretch. generational: a
 * bump of the thread's TLAB (zeroed when taken); the stretch is what the TLAB has left. Other
 * variants (bdw: inside libgc's GC_malloc) have no such case.
 *
 * alloc/<size>: everything, amortized: fast and slow paths and the collections the garbage causes
 * (nothing is kept, so collections are cheap but not free). Works for every variant. */
#include "common.h"

typedef struct alloc_state {
    micro_env env;
} alloc_state;

static void *alloc_setup(long size, const char **skip) {
    static char err[256];
    alloc_state *s = calloc(1, sizeof *s);
    (void)size;
    if (!s || micro_env_open(&s->env, 0, 0, err, sizeof err) != 0) { free(s); *skip = err; return NULL; }
    return s;
}

static void alloc_teardown(void *p) {
    alloc_state *s = p;
    micro_env_close(&s->env);
    free(s);
}

/* An object of `size` bytes in all: the header word, no pointer slots, raw bytes. */
static inline size_t raw_for(long size) { return (size_t)size - sizeof(uint64_t); }

/* The loops are specialised per object size (alloc_16, alloc_64) so the size is a compile-time
 * constant, as at a typical allocation site: the class lookup folds and the zeroing is inline stores. */
static inline __attribute__((always_inline)) void alloc_loop(alloc_state *s, size_t raw, micro_run *r) {
    gc_mut *mut = s->env.mut;
    gc_type t = s->env.leaf;
    for (uint64_t i = 0; i < r->iters; i++) {
        gc_obj *o = gc_alloc(mut, t, 0, raw);
        MICRO_KEEP(o);
    }
}

static void alloc_run(void *p, long size, micro_run *r) {
    if (size == 16) alloc_loop(p, raw_for(16), r);
    else alloc_loop(p, raw_for(64), r);
}

#ifdef GCLAB_FREELIST_ALLOC_H
static inline __attribute__((always_inline)) void alloc_fast_loop(alloc_state *s, size_t raw, micro_run *r) {
    gc_mut *mut = s->env.mut;
    gc_type t = s->env.leaf;
    size_t bytes = gc_object_bytes(0, raw);
    unsigned cls = gc_class_of_granules[(bytes + GC_GRANULE - 1) >> GC_GRANULE_SHIFT];
    uint64_t left = r->iters, ns = 0, refills = 0;
    while (left) {
        if (!mut->fl[cls]) {            /* refill through the slow path, untimed */
            MICRO_KEEP(gc_alloc(mut, t, 0, raw));
            refills++;
            continue;
        }
        uint64_t n = 0;
        for (gc_cell *c = mut->fl[cls]; c && n < left; c = c->next) n++;
        uint64_t t0 = micro_now_ns();
        for (uint64_t i = 0; i < n; i++) {
            gc_obj *o = gc_alloc(mut, t, 0, raw);
            MICRO_KEEP(o);
        }
        ns += micro_now_ns() - t0;
        left -= n;
    }
    r->manual_ns = (double)ns;
    r->counter[0] = (double)refills;
}

static void alloc_fast_run(void *p, long size, micro_run *r) {
    if (size == 16) alloc_fast_loop(p, raw_for(16), r);
    else alloc_fast_loop(p, raw_for(64), r);
}
#define MICRO_HAVE_FAST 1
#elif defined(GCLAB_GENERATIONAL_H)
/* generational: a bump of the thread's TLAB (zeroed when taken, on the slow path) */
static inline __attribute__((always_inline)) void alloc_fast_loop(alloc_state *s, size_t raw, micro_run *r) {
    gc_mut *mut = s->env.mut;
    gc_type t = s->env.leaf;
    size_t size = (gc_object_bytes(0, raw) + GC_GRANULE - 1) & ~(size_t)(GC_GRANULE - 1);
    uint64_t left = r->iters, ns = 0, refills = 0;
    while (left) {
        uint64_t n = (uint64_t)(mut->c.tlab_end - mut->c.tlab_top) / size;
        if (n == 0) {                   /* a new TLAB through the slow path, untimed */
            MICRO_KEEP(gc_alloc(mut, t, 0, raw));
            refills++;
            continue;
        }
        if (n > left) n = left;
        uint64_t t0 = micro_now_ns();
        for (uint64_t i = 0; i < n; i++) {
            gc_obj *o = gc_alloc(mut, t, 0, raw);
            MICRO_KEEP(o);
        }
        ns += micro_now_ns() - t0;
        left -= n;
    }
    r->manual_ns = (double)ns;
    r->counter[0] = (double)refills;
}

static void alloc_fast_run(void *p, long size, micro_run *r) {
    if (size == 16) alloc_fast_loop(p, raw_for(16), r);
    else alloc_fast_loop(p, raw_for(64), r);
}
#define MICRO_HAVE_FAST 1
#endif

size_t micro_alloc_benches(micro_bench *out) {
    static const long sizes[] = {16, 64};
    size_t n = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
#ifdef MICRO_HAVE_FAST
        out[n++] = (micro_bench){.name = sizes[i] == 16 ? "alloc_fast/16B" : "alloc_fast/64B",
                                 .what = "one allocation on the inlined fast path (free-list pop, zeroing, header)",
                                 .manual_time = 1, .batch = 1 << 16, .arg = sizes[i],
                                 .counter_name = {"slow_path_refills"},
                                 .setup = alloc_setup, .run = alloc_fast_run, .teardown = alloc_teardown};
#endif
        out[n++] = (micro_bench){.name = sizes[i] == 16 ? "alloc/16B" : "alloc/64B",
                                 .what = "one allocation, amortized over slow paths and the collections of the garbage",
                                 .batch = 1 << 16, .arg = sizes[i],
                                 .setup = alloc_setup, .run = alloc_run, .teardown = alloc_teardown};
    }
    return n;
}
