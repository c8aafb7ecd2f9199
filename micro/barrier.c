/* barrier.c: the write barrier of the variant (gc_write), with marking off and on.
 *
 * Each iteration stores one of 256 live objects into one of 256 slots of a live holder object. With
 * marking off this is the barrier's fast path, as between cycles. With marking on (gc_test_marking:
 * the collector's barrier state as while a cycle marks, without running one) the barrier does its
 * marking-time work; after the first pass every target is already shaded, so the figure is the
 * steady state of a barrier that checks and skips (the common case while marking). A collector whose
 * barrier never changes (gc_test_marking returns false) skips "on". barrier/old_to_young stores objects
 * allocated after the holder survived four collections: for a generational collector, old-to-young
 * stores that dirty cards (the same card each 64 slots: the steady state of a hot object). barrier/none
 * is the plain release store every gc_write contains, for reference. */
#include "common.h"

#define NSLOTS 256

typedef struct barrier_state {
    micro_env env;
    gc_obj **holder, **pool;   /* handles on the shadow stack */
    gc_obj *val[NSLOTS];       /* the pool's objects (nothing collects during a run: no allocation) */
    int marking;
} barrier_state;

enum { MODE_OFF, MODE_ON, MODE_OLD_TO_YOUNG };

static void *barrier_setup(long mode, const char **skip) {
    static char err[256];
    barrier_state *s = calloc(1, sizeof *s);
    if (!s || micro_env_open(&s->env, 0, 0, err, sizeof err) != 0) { free(s); *skip = err; return NULL; }
    gc_mut *mut = s->env.mut;
    s->holder = gc_push(mut, gc_alloc(mut, s->env.array, NSLOTS, 0));
    if (mode == MODE_OLD_TO_YOUNG) {
        /* the holder survives collections (a generational collector promotes it); the values are
         * allocated after them (young) */
        for (int i = 0; i < 4; i++) gc_collect(mut);
    }
    s->pool = gc_push(mut, gc_alloc(mut, s->env.array, NSLOTS, 0));
    for (size_t i = 0; i < NSLOTS; i++) {
        gc_obj *o = gc_alloc(mut, s->env.node, 2, 16);
        gc_write(mut, *s->pool, i, o);
        gc_write(mut, *s->holder, i, o);
    }
    for (size_t i = 0; i < NSLOTS; i++) s->val[i] = gc_read(*s->pool, i);
    if (mode == MODE_ON) {
        if (!gc_test_marking(mut, true)) {
            micro_env_close(&s->env);
            free(s);
            *skip = "no marking state: this collector's barrier never changes";
            return NULL;
        }
        s->marking = 1;
    }
    return s;
}

static void barrier_teardown(void *p) {
    barrier_state *s = p;
    if (s->marking) gc_test_marking(s->env.mut, false);
    micro_env_close(&s->env);
    free(s);
}

static void barrier_run(void *p, long mode, micro_run *r) {
    barrier_state *s = p;
    gc_mut *mut = s->env.mut;
    gc_obj *h = *s->holder;
    (void)mode;
    for (uint64_t i = 0; i < r->iters; i++) gc_write(mut, h, i & (NSLOTS - 1), s->val[(i * 7) & (NSLOTS - 1)]);
}

/* The store alone: what gc_write is for a collector without a barrier. */
static void store_run(void *p, long mode, micro_run *r) {
    barrier_state *s = p;
    gc_obj *h = *s->holder;
    (void)mode;
    for (uint64_t i = 0; i < r->iters; i++)
        atomic_store_explicit(&h->slot[i & (NSLOTS - 1)], s->val[(i * 7) & (NSLOTS - 1)], memory_order_release);
}

size_t micro_barrier_benches(micro_bench *out) {
    size_t n = 0;
    out[n++] = (micro_bench){.name = "barrier/none", .what = "one release store of a pointer into a slot (no barrier: the reference)",
                             .batch = 1 << 18, .arg = MODE_OFF, .setup = barrier_setup, .run = store_run, .teardown = barrier_teardown};
    out[n++] = (micro_bench){.name = "barrier/marking_off", .what = "one gc_write, marking off",
                             .batch = 1 << 18, .arg = MODE_OFF, .setup = barrier_setup, .run = barrier_run, .teardown = barrier_teardown};
    out[n++] = (micro_bench){.name = "barrier/marking_on", .what = "one gc_write, marking on (targets already shaded after the first pass)",
                             .batch = 1 << 18, .arg = MODE_ON, .setup = barrier_setup, .run = barrier_run, .teardown = barrier_teardown};
    out[n++] = (micro_bench){.name = "barrier/old_to_young", .what = "one gc_write of a new object into one that survived collections (a generational barrier's remembering path)",
                             .batch = 1 << 18, .arg = MODE_OLD_TO_YOUNG, .setup = barrier_setup, .run = barrier_run, .teardown = barrier_teardown};
    return n;
}
