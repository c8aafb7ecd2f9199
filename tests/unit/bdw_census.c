/* bdw_census.c: heap statistics by type on COLLECTOR=bdw (collector/bdw_census.c): gc_heap_census
 * against the test's own counts, the census log of a run with gc_options.census against libgc's
 * collections and the pause records, external memory and memoryUsage. Named without the test_ prefix
 * (stw.mk builds every tests/unit/test_*.c; this one checks what only bdw does).
 *
 * libgc scans stacks and registers conservatively, so a dead object may be counted because a stale
 * word keeps it: that is what libgc retains, and what its census reports. So each check of a count
 * uses types whose objects the test either holds all of (through handles: counted exactly) or holds
 * none of (garbage, made in noinline helpers with the stack scrubbed before each collection, never
 * linked to each other, so a stale word keeps at most one): those may be counted up to SLACK_PCT
 * percent of what was made, never more. The rows' own arithmetic (totals equal sums) is exact.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "gclab.h"

#include "bdw_fixture.h"

#define SLACK_PCT 2              /* garbage a census may count: at most this percentage of it */
#define MAX_HEAP ((size_t)256 << 20)

static gc_heap *heap;
static gc_mut *mut;

static gc_heap *make(const char *what, bool census) {
    char err[256] = "";
    gc_options o = {.max_heap = MAX_HEAP, .census = census, .on_fatal = on_fatal, .ctx = (void *)what};
    gc_heap *h = gc_heap_create(&o, err, sizeof err);
    if (!h) {
        printf("FAIL - %s: gc_heap_create: %s\n", what, err);
        exit(1);
    }
    return h;
}

static const gc_census_row *row_of(const gc_census_row *rows, size_t n, gc_type t) {
    for (size_t i = 1; i < n && rows[i].type != 0; i++)
        if (rows[i].type == t) return &rows[i];
    return NULL;
}

static uint64_t objects_of(const gc_census_row *rows, size_t n, gc_type t) {
    const gc_census_row *r = row_of(rows, n, t);
    return r ? r->objects : 0;
}

/* One census (a totals row and its type rows, n of them in all): the totals are the sums, the type
 * rows go up by type id. */
static bool sums_hold(const gc_census_row *rows, size_t n) {
    if (n == 0 || rows[0].type != 0) return false;
    uint64_t objects = 0, bytes = 0;
    for (size_t i = 1; i < n; i++) {
        if (rows[i].type == 0 || rows[i].cycle != rows[0].cycle || (i > 1 && rows[i].type <= rows[i - 1].type))
            return false;
        objects += rows[i].objects;
        bytes += rows[i].bytes;
    }
    return objects == rows[0].objects && bytes == rows[0].bytes;
}

/* ---- known counts: gc_heap_census ---- */

static gc_type t_alpha, t_beta, t_array, t_big, t_junk, t_other, t_stack, t_target;

#define N_ALPHA 1000    /* 2 slots, 24 raw bytes: GC_malloc */
#define N_BETA 300      /* 0 slots, 100 raw bytes: GC_malloc_atomic */
#define N_WEAK 10
#define N_JUNK 6000     /* garbage, half with slots, half without */
#define BIG_BYTES (((size_t)16 << 20) + 5)   /* raw bytes past 24 bits: the counts live in the tail */

__attribute__((noinline)) static void fill(gc_obj **arr, gc_obj **weak) {
    for (uint32_t i = 0; i < N_ALPHA + N_BETA; i++)
        gc_write(mut, *arr, i, i < N_ALPHA ? gc_alloc(mut, t_alpha, 2, 24) : gc_alloc(mut, t_beta, 0, 100));
    gc_write(mut, *arr, N_ALPHA + N_BETA, gc_alloc(mut, t_big, 0, BIG_BYTES));
    for (uint32_t i = 0; i < N_WEAK; i++) gc_write(mut, *weak, i, gc_weakref_new(mut, gc_read(*arr, i)));
}

__attribute__((noinline)) static void make_junk(void) {
    for (int i = 0; i < N_JUNK; i++) (void)(i & 1 ? gc_alloc(mut, t_junk, 2, 24) : gc_alloc(mut, t_junk, 0, 40));
}

__attribute__((noinline)) static void drop_half(gc_obj **arr) {
    for (uint32_t i = 0; i < N_ALPHA + N_BETA; i += 2) gc_write(mut, *arr, i, NULL);
}

/* Targets of finalization cells that die at once: their held values are kept (in held), they are not. */
#define N_TARGETS 50
__attribute__((noinline)) static void make_targets(gc_registry *reg, gc_obj **held) {
    for (uint32_t i = 0; i < N_TARGETS; i++) {
        gc_write(mut, *held, i, gc_alloc(mut, t_other, 0, 8));
        gc_finalizer_register(mut, reg, gc_alloc(mut, t_target, 0, 8), gc_read(*held, i), NULL);
    }
}

static void no_cleanup(gc_mut *m, gc_obj *h, void *ctx) { (void)m, (void)h, (void)ctx; }

__attribute__((noinline)) static gc_census_row *census(size_t *n) {
    scrub_stack();
    return gc_heap_census(mut, n);
}

/* A second mutator with two handles of its own (one to an object main holds too), waiting while main
 * takes censuses: protected objects are counted across threads, each object once. */
typedef struct other {
    pthread_mutex_t lock;
    pthread_cond_t cv;
    gc_obj *shared;
    int state;   /* 0 starting, 1 holding, 2 told to go */
} other;

static void *other_thread(void *arg) {
    other *o = arg;
    gc_mut *m = gc_attach(heap);
    size_t sc = gc_scope_open(m);
    pthread_mutex_lock(&o->lock);
    gc_push(m, o->shared);
    gc_push(m, gc_alloc(m, t_other, 1, 8));
    o->state = 1;
    pthread_cond_broadcast(&o->cv);
    gc_block_enter(m);
    while (o->state != 2) pthread_cond_wait(&o->cv, &o->lock);
    pthread_mutex_unlock(&o->lock);
    gc_block_leave(m);
    gc_scope_close(m, sc);
    gc_detach(m);
    return NULL;
}

static void known_counts(void) {
    heap = make("census: known counts", false);
    t_alpha = gc_register_type(heap, "alpha");
    t_beta = gc_register_type(heap, "beta");
    t_array = gc_register_type(heap, "array");
    t_big = gc_register_type(heap, "big");
    t_junk = gc_register_type(heap, "junk");
    t_other = gc_register_type(heap, "other");
    t_stack = gc_register_type(heap, "stack-only");
    t_target = gc_register_type(heap, "target");
    mut = gc_attach(heap);
    size_t sc = gc_scope_open(mut);
    gc_obj **arr = gc_push(mut, gc_alloc(mut, t_array, N_ALPHA + N_BETA + 1, 0));
    gc_obj **weak = gc_push(mut, gc_alloc(mut, t_array, N_WEAK, 0));
    fill(arr, weak);
    make_junk();
    gc_external_add(heap, 12345);

    size_t n;
    gc_census_row *rows = census(&n);
    uint64_t sa = 8 + 2 * 8 + 24, sb = 8 + 100, sr = 8 + (N_ALPHA + N_BETA + 1) * 8, sw = 8 + N_WEAK * 8,
             sbig = 8 + BIG_BYTES, sweak = 8 + 8;
    const gc_census_row *a = row_of(rows, n, t_alpha), *b = row_of(rows, n, t_beta), *r = row_of(rows, n, t_array),
                        *g = row_of(rows, n, t_big), *w = row_of(rows, n, 1);
    CHECK(rows && a && b && r && g && w && a->objects == N_ALPHA && a->bytes == N_ALPHA * sa &&
              b->objects == N_BETA && b->bytes == N_BETA * sb && r->objects == 2 && r->bytes == sr + sw &&
              g->objects == 1 && g->bytes == sbig && w->objects == N_WEAK && w->bytes == N_WEAK * sweak,
          "census: every object held counted, by type, at exact sizes (slots, pointer-free, big, WeakRef)",
          "alpha %llu/%llu beta %llu/%llu array %llu/%llu big %llu/%llu WeakRef %llu/%llu",
          a ? (unsigned long long)a->objects : 0ull, a ? (unsigned long long)a->bytes : 0ull,
          b ? (unsigned long long)b->objects : 0ull, b ? (unsigned long long)b->bytes : 0ull,
          r ? (unsigned long long)r->objects : 0ull, r ? (unsigned long long)r->bytes : 0ull,
          g ? (unsigned long long)g->objects : 0ull, g ? (unsigned long long)g->bytes : 0ull,
          w ? (unsigned long long)w->objects : 0ull, w ? (unsigned long long)w->bytes : 0ull);
    uint64_t junk = objects_of(rows, n, t_junk);
    CHECK(junk * 100 <= (uint64_t)N_JUNK * SLACK_PCT, "census: garbage is not counted (beyond stale words)",
          "%llu of %d junk objects counted", (unsigned long long)junk, N_JUNK);
    printf("# census: %llu of %d garbage objects kept by stale words\n", (unsigned long long)junk, N_JUNK);
    CHECK(rows && sums_hold(rows, n) && rows[0].cycle >= 1, "census: the totals row first, equal to the sums",
          "rows %zu", n);
    CHECK(rows && rows[0].protected_objects == 2, "census: protected objects (two handles)", "%llu",
          rows ? (unsigned long long)rows[0].protected_objects : 0ull);

    /* The pause record of that collection carries the census's time. */
    size_t np;
    const gc_pause *p = gc_pause_log(heap, &np);
    const gc_pause *rec = NULL;
    for (size_t i = 0; rows && i < np; i++)
        if (p[i].cycle == rows[0].cycle) rec = &p[i];
    CHECK(rec && rec->census_ns == rows[0].census_ns && rec->census_ns > 0 && rec->census_ns <= rec->end_ns - rec->start_ns,
          "census: its time is in the pause record of its collection, inside the pause",
          "record %s, census_ns %llu (row %llu)", rec ? "found" : "missing",
          rec ? (unsigned long long)rec->census_ns : 0ull, rows ? (unsigned long long)rows[0].census_ns : 0ull);
    free(rows);

    /* A global root to an object a handle holds already, and another thread's handles. */
    gc_obj *groot = gc_read(*arr, 1);
    gc_add_root(heap, &groot);
    other o = {.lock = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .shared = *arr};
    pthread_t th;
    pthread_create(&th, NULL, other_thread, &o);
    pthread_mutex_lock(&o.lock);
    while (o.state != 1) pthread_cond_wait(&o.cv, &o.lock);
    pthread_mutex_unlock(&o.lock);
    rows = census(&n);
    CHECK(rows && rows[0].protected_objects == 4 && objects_of(rows, n, t_other) == 1,
          "census: protected objects across threads and global roots, each once",
          "%llu protected (want 4: arr, weak, arr[1], the other thread's own)",
          rows ? (unsigned long long)rows[0].protected_objects : 0ull);
    free(rows);
    pthread_mutex_lock(&o.lock);
    o.state = 2;
    pthread_cond_broadcast(&o.cv);
    pthread_mutex_unlock(&o.lock);
    pthread_join(th, NULL);
    gc_remove_root(heap, &groot);
    groot = NULL;

    /* What conservatism adds: an object only a C local holds is no root of gclab's, but libgc scans
     * the stack, keeps it, and the census counts what libgc keeps. */
    gc_obj *volatile local = gc_alloc(mut, t_stack, 0, 8);
    rows = census(&n);
    CHECK(rows && objects_of(rows, n, t_stack) == 1, "census: an object a C local holds is counted (libgc keeps it)",
          "%llu", (unsigned long long)objects_of(rows, n, t_stack));
    free(rows);
    local = NULL;
    (void)local;

    /* Targets found dead by a collection: libgc keeps them for its finalizers, the census does not
     * count them; their cells (the registry holds them) are counted. */
    gc_registry *reg = gc_registry_new(heap, no_cleanup, NULL);
    gc_obj **held = gc_push(mut, gc_alloc(mut, t_array, N_TARGETS, 0));
    make_targets(reg, held);
    rows = census(&n);
    uint64_t targets = objects_of(rows, n, t_target), cells = objects_of(rows, n, 3);
    CHECK(rows && cells == N_TARGETS && targets * 100 <= (uint64_t)N_TARGETS * SLACK_PCT,
          "census: dead finalization targets not counted, their cells counted",
          "%llu targets, %llu FinalizationCells", (unsigned long long)targets, (unsigned long long)cells);
    free(rows);
    gc_registry_free(mut, reg);

    drop_half(arr);
    rows = census(&n);
    uint64_t ca = objects_of(rows, n, t_alpha), cb = objects_of(rows, n, t_beta);
    CHECK(rows && sums_hold(rows, n) && ca >= N_ALPHA / 2 && cb >= N_BETA / 2 &&
              (ca - N_ALPHA / 2 + cb - N_BETA / 2) * 100 <= (N_ALPHA + N_BETA) / 2 * SLACK_PCT,
          "census: half dropped: those held counted, the dropped not (beyond stale words)",
          "alpha %llu (held %d) beta %llu (held %d)", (unsigned long long)ca, N_ALPHA / 2, (unsigned long long)cb,
          N_BETA / 2);

    /* Memory: external, rss, libgc's heap and the blocks in use. */
    gc_heap_stats st;
    gc_get_stats(heap, &st);
    gc_memory_usage mu;
    gc_get_memory_usage(heap, &mu);
    uint64_t live = rows ? rows[0].bytes : 0;
    CHECK(st.external_bytes == 12345 && mu.external == 12345, "memory usage: external bytes", "stats %llu usage %llu",
          (unsigned long long)st.external_bytes, (unsigned long long)mu.external);
    CHECK(mu.rss >= live && mu.heap_total == st.heap_bytes && mu.heap_used >= live && mu.heap_used <= mu.heap_total &&
              st.used_bytes >= live && st.used_bytes <= st.heap_bytes,
          "memory usage: rss, heap total and used bound the census's live bytes",
          "rss %llu total %llu/%llu used %llu/%llu live %llu", (unsigned long long)mu.rss,
          (unsigned long long)mu.heap_total, (unsigned long long)st.heap_bytes, (unsigned long long)mu.heap_used,
          (unsigned long long)st.used_bytes, (unsigned long long)live);
    free(rows);
    EXPECT_FATAL("gc_external_add below zero is a one-line fatal error", "below zero", gc_external_add(heap, -20000));
    gc_get_stats(heap, &st);
    CHECK(st.external_bytes == 12345, "gc_external_add: a refused delta changes nothing", "%llu",
          (unsigned long long)st.external_bytes);
    EXPECT_FATAL("gc_external_add past the counter is a one-line fatal error", "overflow",
                 gc_external_add(heap, INT64_MAX));
    gc_external_add(heap, -12345);
    gc_get_stats(heap, &st);
    CHECK_U64("gc_external_add: back to zero", st.external_bytes, 0);

    size_t nlog;
    const gc_census_row *log = gc_census_log(heap, &nlog);
    size_t totals = 0;
    for (size_t i = 0; i < nlog; i++) totals += log[i].type == 0;
    CHECK(totals == 5, "census log: the censuses gc_heap_census took, and only those (no --census)",
          "%zu censuses", totals);
    gc_scope_close(mut, sc);
    gc_detach(mut);
    gc_heap_destroy(heap);
}

/* ---- gc_options.census: a census at every libgc collection ---- */

#define N_KEPT 1000     /* held from the start to the end: exact in every census after they exist */
#define RING 4096       /* the latest churn objects, held */
#define CHURN 300000

static gc_type t_kept, t_churn;

__attribute__((noinline)) static void churn(gc_obj **ring, int from, int to) {
    uint64_t x = 88172645463325252ull ^ (uint64_t)from;
    for (int i = from; i < to; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        gc_obj *o = x & 1 ? gc_alloc(mut, t_churn, 2, 24) : gc_alloc(mut, t_churn, 0, 100 + x % 200);
        gc_write(mut, *ring, (x >> 20) % RING, o);
    }
}

__attribute__((noinline)) static void fill_kept(gc_obj **kept, gc_obj **ring) {
    for (uint32_t i = 0; i < N_KEPT; i++) gc_write(mut, *kept, i, gc_alloc(mut, t_kept, 1, 16));
    for (uint32_t i = 0; i < RING; i++) gc_write(mut, *ring, i, gc_alloc(mut, t_churn, 0, 8));
}

static void census_log(void) {
    heap = make("census: every collection (gc_options.census)", true);
    t_kept = gc_register_type(heap, "kept");
    t_churn = gc_register_type(heap, "churn");
    gc_type t_arr = gc_register_type(heap, "array");
    mut = gc_attach(heap);
    size_t sc = gc_scope_open(mut);
    gc_obj **kept = gc_push(mut, gc_alloc(mut, t_arr, N_KEPT, 0));
    gc_obj **ring = gc_push(mut, gc_alloc(mut, t_arr, RING, 0));
    fill_kept(kept, ring);
    scrub_stack();
    gc_collect(mut);
    size_t nlog;
    const gc_census_row *log = gc_census_log(heap, &nlog);
    uint32_t from_cycle = nlog ? log[nlog - 1].cycle : 0;   /* every census after it sees all kept objects */

    unsigned explicit_ok = 0, explicit_n = 0;
    for (int part = 0; part < 3; part++) {
        churn(ring, part * (CHURN / 3), (part + 1) * (CHURN / 3));
        scrub_stack();
        gc_collect(mut);
        log = gc_census_log(heap, &nlog);
        size_t at = nlog;
        while (at > 0 && log[at - 1].type != 0) at--;
        uint64_t c = at ? objects_of(&log[at - 1], nlog - (at - 1), t_churn) : 0;
        explicit_n++;
        /* The ring holds RING churn objects; the rest is garbage, of which stale words keep few. */
        explicit_ok += c >= RING && (c - RING) * 100 <= (uint64_t)RING * SLACK_PCT;
        printf("# census log: after gc_collect %d: %llu churn objects counted, %d held\n", part,
               (unsigned long long)c, RING);
    }
    CHECK(explicit_ok == explicit_n, "census log: after gc_collect, the churn held counted, garbage not",
          "%u of %u", explicit_ok, explicit_n);
    size_t nrows;
    gc_census_row *rows = census(&nrows);
    gc_scope_close(mut, sc);
    gc_detach(mut);

    log = gc_census_log(heap, &nlog);
    gc_heap_stats st;
    gc_get_stats(heap, &st);
    size_t np;
    const gc_pause *p = gc_pause_log(heap, &np);
    /* Walk the log census by census. */
    unsigned ncensus = 0, bad_sums = 0, bad_kept = 0, bad_cycle = 0, bad_pause = 0;
    uint32_t prev_cycle = 0;
    for (size_t at = 0; at < nlog;) {
        size_t end = at + 1;
        while (end < nlog && log[end].type != 0) end++;
        const gc_census_row *c = &log[at];
        ncensus++;
        bad_sums += !sums_hold(c, end - at);
        bad_cycle += c->cycle != prev_cycle + 1;
        prev_cycle = c->cycle;
        if (c->cycle > from_cycle) bad_kept += objects_of(c, end - at, t_kept) != N_KEPT;
        const gc_pause *rec = NULL;
        for (size_t i = 0; i < np; i++)
            if (p[i].cycle == c->cycle) rec = &p[i];
        bad_pause += !rec || rec->census_ns != c->census_ns;
        at = end;
    }
    CHECK(ncensus == st.collections && ncensus >= 5 && bad_cycle == 0,
          "census log: one census for every libgc collection, in cycle order",
          "%u censuses, %llu collections, %u out of order", ncensus, (unsigned long long)st.collections, bad_cycle);
    CHECK(bad_sums == 0, "census log: each census's totals equal its sums", "%u of %u wrong", bad_sums, ncensus);
    CHECK(bad_kept == 0, "census log: the objects held throughout counted exactly in every census",
          "%u of %u censuses wrong", bad_kept, ncensus);
    CHECK(bad_pause == 0, "census log: each census's time in its collection's pause record",
          "%u of %u without", bad_pause, ncensus);
    CHECK(rows && nrows > 0 && nlog >= nrows && memcmp(rows, &log[nlog - nrows], nrows * sizeof *rows) == 0,
          "gc_heap_census: the latest census of the log", "%zu rows", nrows);
    printf("# census log: %u censuses over %llu collections\n", ncensus, (unsigned long long)st.collections);
    free(rows);
    gc_heap_destroy(heap);
}

int main(void) {
    known_counts();
    census_log();
    printf("bdw_census: %u checks, %u failed\n", checks, failed);
    return failed ? 1 : 0;
}
