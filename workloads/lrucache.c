/* lrucache: a bounded LRU cache under a stream of requests with Zipf-distributed keys: the realistic
 * program that does not leak, whose live set is steady once the cache is full (docs/DESIGN.md §5).
 *
 * One cache shared by the --threads threads, as a server's (workloads/lru.h, the shape of the
 * lru-cache package: one long-lived array of --capacity value slots, recency and index outside the
 * values), under a mutex. A request for key k (Zipf with exponent --skew / 100 over --keys keys, or
 * uniform with --skew 0) is a hit when k is cached; a miss loads the value (--value-size bytes naming
 * its key and its version, k's loads so far) and caches it, evicting the least recently used value,
 * which becomes garbage: values are medium-lived, living as long as they stay popular. Every request's
 * time (lock, look-up or load) goes into the thread's latency histogram, like msgbuf's pushes.
 *
 * Checks:
 *   - the cache never holds more than --capacity values (after every insertion);
 *   - a hit gives the value of the right key and its latest version (the model counts each key's
 *     loads), intact in its first and last bytes;
 *   - the hit ratio once the cache is full is the one Che's approximation predicts for an LRU cache
 *     of this capacity under this Zipf distribution (computed from the distribution; within 3% plus
 *     four standard errors of the measured ratio);
 *   - at the end, after a full collection, the census counts exactly the cached values of the value
 *     type (at least as many on a conservative collector), and each cached value is intact.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"
#include "wl_ops.h"
#include "wl_fail.h"
#include "wl_gate.h"
#include "wl_rand.h"
#include "wl_size.h"
#include "clock.h"
#include "lru.h"

enum { P_KEYS, P_CAPACITY, P_REQUESTS, P_VALUE_SIZE, P_SKEW, P_COUNT };

static const wl_param params[] = {
    [P_KEYS] = {"keys", "distinct keys", 100000, 1, 1 << 24},
    [P_CAPACITY] = {"capacity", "values the cache holds at most", 10000, 1, 1 << 24},
    [P_REQUESTS] = {"requests", "requests in total, split across threads", 2000000, 1, (int64_t)1 << 34},
    [P_VALUE_SIZE] = {"value-size", "bytes per cached value", 512, 32, 1 << 20},
    [P_SKEW] = {"skew", "Zipf exponent x 100 of the key distribution (0: uniform)", 90, 0, 300},
};

/* A value's first raw bytes; its last byte is the version's low byte. */
typedef struct stamp {
    uint64_t key, version;
} stamp;

typedef struct shared {
    gc_heap *heap;
    gc_type t_slots, t_value;
    uint32_t keys, capacity;
    size_t value_size;
    double *cdf;                /* cumulative probability of keys 0..i */
    gc_hist *latency;
    wl_ops *ops;                    /* per thread (wl_ops.h), or NULL */
    pthread_mutex_t lock;       /* the cache and the model: */
    lru cache;
    uint64_t *version;          /* per key: its loads so far */
    bool full;                  /* the cache has been full (the ratio is measured from then on) */
    uint64_t hits, misses, warm_hits, warm_requests;
    wl_meeting end;             /* every thread done before thread 0 checks, and before any detaches */
    wl_gate gate;
    wl_failure failure;
} shared;

static double prob(const shared *sh, uint32_t k) { return sh->cdf[k] - (k ? sh->cdf[k - 1] : 0); }

/* Che's approximation of an LRU cache's hit ratio under independent requests: the characteristic time
 * T at which the expected number of distinct keys requested equals the capacity, sum(1 - e^(-p T)) =
 * C; then a key hits with probability 1 - e^(-p T). */
static double che_hit_ratio(const shared *sh) {
    if (sh->capacity >= sh->keys) return 1.0;
    double lo = 0, hi = 1;
    for (;;) {
        double filled = 0;
        for (uint32_t k = 0; k < sh->keys; k++) filled += 1 - exp(-prob(sh, k) * hi);
        if (filled >= sh->capacity || hi > 1e18) break;
        hi *= 2;
    }
    for (int it = 0; it < 50; it++) {
        double t = (lo + hi) / 2, filled = 0;
        for (uint32_t k = 0; k < sh->keys; k++) filled += 1 - exp(-prob(sh, k) * t);
        if (filled < sh->capacity) lo = t;
        else hi = t;
    }
    double h = 0;
    for (uint32_t k = 0; k < sh->keys; k++) h += prob(sh, k) * (1 - exp(-prob(sh, k) * hi));
    return h;
}

/* The cache's mutex, waited for as a blocked thread: its holder may be allocating, and a collection it
 * starts must not wait for the threads queued behind it. */
static void lock_cache(gc_mut *mut, shared *sh) {
    if (pthread_mutex_trylock(&sh->lock) == 0) return;
    gc_block_enter(mut);
    pthread_mutex_lock(&sh->lock);
    gc_block_leave(mut);
}

static bool value_ok(const shared *sh, gc_obj *v, uint64_t key, uint64_t version) {
    if (gc_typeof(v) != sh->t_value || gc_nbytes(v) < sh->value_size) return false;
    stamp s;
    memcpy(&s, gc_raw(v), sizeof s);
    const uint8_t *p = gc_raw(v);
    return s.key == key && s.version == version && p[sh->value_size - 1] == (uint8_t)version;
}

static void request(gc_mut *mut, shared *sh, uint32_t k) {
    lock_cache(mut, sh);
    bool warm = sh->full;
    gc_obj *v = lru_get(&sh->cache, k);
    if (v) {
        sh->hits++;
        sh->warm_hits += warm;
        if (!value_ok(sh, v, k, sh->version[k]))
            wl_fail(&sh->failure, "a hit on key %u gives a value that is not its version %llu, or not intact", k,
                    (unsigned long long)sh->version[k]);
    } else {
        /* The load: the value made anew, with the key's next version. */
        sh->misses++;
        uint64_t version = ++sh->version[k];
        v = gc_alloc(mut, sh->t_value, 0, sh->value_size);
        uint8_t *p = gc_raw(v);
        memset(p, (int)(uint8_t)version, sh->value_size);
        stamp s = {k, version};
        memcpy(p, &s, sizeof s);
        lru_put(&sh->cache, mut, k, v, NULL);
        if (lru_size(&sh->cache) > sh->capacity)
            wl_fail(&sh->failure, "the cache holds %u values, over its capacity %u", lru_size(&sh->cache),
                    sh->capacity);
        if (lru_size(&sh->cache) == sh->capacity) sh->full = true;
    }
    sh->warm_requests += warm;
    pthread_mutex_unlock(&sh->lock);
}

typedef struct worker {
    shared *sh;
    unsigned index;
    pthread_t thread;
    uint64_t requests, done;
} worker;

static void final_check(gc_mut *mut, shared *sh);

static void *worker_main(void *arg) {
    worker *w = arg;
    shared *sh = w->sh;
    if (!wl_gate_wait(&sh->gate)) return NULL;
    gc_mut *mut = gc_attach(sh->heap);
    wl_ops *ops = sh->ops ? &sh->ops[w->index] : NULL;
    wl_ops_start(ops, mut, sh->latency ? &sh->latency[w->index] : NULL, w->index);
    uint64_t rnd = wl_rand_seed(w->index);
    for (uint64_t i = 0; i < w->requests; i++) {
        if ((i & 1023) == 0 && atomic_load_explicit(&sh->failure.failed, memory_order_relaxed)) break;
        uint32_t k = wl_zipf_pick(sh->cdf, sh->keys, &rnd);
        uint64_t t0 = wl_op_begin(ops);
        request(mut, sh, k);
        wl_op_end(ops, t0);
        w->done++;
    }
    wl_ops_stop(ops);
    /* The last check is taken while every thread is still attached, as a server checks itself while it
     * runs: all done, thread 0 checks, then all leave. */
    wl_meet(mut, &sh->end);
    if (w->index == 0 && !wl_failed(&sh->failure)) final_check(mut, sh);
    wl_meet(mut, &sh->end);
    gc_detach(mut);
    return NULL;
}

/* At the end: the census's count of values against the cache's size, and every cached value intact. */
static void final_check(gc_mut *mut, shared *sh) {
    size_t n;
    gc_census_row *rows = gc_heap_census(mut, &n);
    if (!rows) {
        wl_fail(&sh->failure, "gc_heap_census gave no census");
        return;
    }
    uint64_t got = 0;
    for (size_t i = 0; i < n; i++)
        if (rows[i].type == sh->t_value) got = rows[i].objects;
    free(rows);
    uint32_t size = lru_size(&sh->cache);
    if (gc_collector_precise() ? got != size : got < size)
        wl_fail(&sh->failure, "after a full collection the census counts %llu values, the cache holds %s%u",
                (unsigned long long)got, gc_collector_precise() ? "" : "at least ", size);
    for (uint32_t s = 0; s < size && !wl_failed(&sh->failure); s++) {
        gc_obj *v = gc_read(sh->cache.values, s);
        stamp st;
        if (v) memcpy(&st, gc_raw(v), sizeof st);
        if (!v || st.key >= sh->keys || !value_ok(sh, v, st.key, sh->version[st.key]) || lru_get(&sh->cache, st.key) != v)
            wl_fail(&sh->failure,
                    "at the end, the cache's slot %u does not hold the latest value of a key cached there", s);
    }
}

static uint64_t live_bytes(const int64_t *param, unsigned threads) {
    (void)threads;
    uint64_t cap = (uint64_t)param[P_CAPACITY], keys = (uint64_t)param[P_KEYS];
    uint64_t held = cap < keys ? cap : keys;
    return wl_obj_size(cap, 0) + held * wl_obj_size(0, (uint64_t)param[P_VALUE_SIZE]);
}

static int run(wl_ctx *ctx, char *err, size_t errlen) {
    shared sh;
    memset(&sh, 0, sizeof sh);
    sh.heap = ctx->heap;
    sh.keys = (uint32_t)ctx->param[P_KEYS];
    sh.capacity = (uint32_t)ctx->param[P_CAPACITY];
    sh.value_size = (size_t)ctx->param[P_VALUE_SIZE];
    sh.latency = ctx->latency;
    sh.ops = ctx->rec;
    unsigned nthreads = ctx->threads ? ctx->threads : 1;
    uint64_t requests = (uint64_t)ctx->param[P_REQUESTS];
    if (requests < nthreads) {
        snprintf(err, errlen, "--requests %llu is fewer than --threads %u", (unsigned long long)requests, nthreads);
        return WL_BAD_PARAMS;
    }
    double skew = (double)ctx->param[P_SKEW] / 100;
    sh.cdf = wl_zipf_cdf(sh.keys, skew);
    sh.version = calloc(sh.keys, sizeof *sh.version);
    worker *workers = calloc(nthreads, sizeof *workers);
    if (!sh.cdf || !sh.version || !workers) {
        snprintf(err, errlen, "out of memory for the model of %u keys", sh.keys);
        free(sh.cdf), free(sh.version), free(workers);
        return -1;
    }
    double predicted = che_hit_ratio(&sh);

    sh.t_slots = gc_register_type(ctx->heap, "lrucache.slots");
    sh.t_value = gc_register_type(ctx->heap, "lrucache.value");
    pthread_mutex_init(&sh.lock, NULL);
    wl_fail_init(&sh.failure);
    wl_gate_init(&sh.gate);
    wl_meeting_init(&sh.end, nthreads);
    gc_mut *mut = gc_attach(ctx->heap);
    int status = 0;
    if (!lru_init(&sh.cache, ctx->heap, mut, sh.t_slots, sh.capacity)) {
        snprintf(err, errlen, "out of memory for an LRU cache of %u values", sh.capacity);
        status = -1;
        goto out;
    }
    /* This thread waits as a blocked one while the workers run. */
    gc_block_enter(mut);
    unsigned started = 0;
    for (; started < nthreads; started++) {
        worker *w = &workers[started];
        w->sh = &sh;
        w->index = started;
        w->requests = wl_share(requests, nthreads, started);
        if (pthread_create(&w->thread, NULL, worker_main, w)) {
            wl_fail(&sh.failure, "cannot create thread %u", started);
            break;
        }
    }
    wl_gate_open(&sh.gate, started == nthreads);
    for (unsigned t = 0; t < started; t++) pthread_join(workers[t].thread, NULL);
    gc_block_leave(mut);
    uint64_t done = 0;
    for (unsigned t = 0; t < started; t++) done += workers[t].done;
    ctx->ops = done;
    if (!wl_failed(&sh.failure) && done != requests)
        wl_fail(&sh.failure, "%llu requests done, expected %llu", (unsigned long long)done,
                (unsigned long long)requests);
    if (!wl_failed(&sh.failure) && sh.hits + sh.misses != done)
        wl_fail(&sh.failure, "%llu hits and %llu misses for %llu requests", (unsigned long long)sh.hits,
                (unsigned long long)sh.misses, (unsigned long long)done);
    /* The ratio is measured once the cache is full (before, every first request of a key misses, which
     * Che's steady state does not count), and only over enough requests to tell. */
    if (!wl_failed(&sh.failure) && sh.warm_requests >= 1000) {
        double h = (double)sh.warm_hits / (double)sh.warm_requests;
        double tol = 0.03 + 4 * sqrt(predicted * (1 - predicted) / (double)sh.warm_requests);
        if (fabs(h - predicted) > tol)
            wl_fail(&sh.failure,
                    "hit ratio %.4f once full, but an LRU cache of %u of %u Zipf(%.2f) keys should hit %.4f (+-%.4f)",
                    h, sh.capacity, sh.keys, skew, predicted, tol);
    }
    lru_free(&sh.cache);
out:
    gc_detach(mut);
    if (wl_fail_report(&sh.failure, err, errlen)) status = -1;
    pthread_mutex_destroy(&sh.lock);
    wl_fail_destroy(&sh.failure);
    wl_gate_destroy(&sh.gate);
    wl_meeting_destroy(&sh.end);
    free(sh.cdf);
    free(sh.version);
    free(workers);
    return status;
}

const workload wl_lrucache = {
    .name = "lrucache",
    .summary = "a bounded LRU cache under Zipf requests, misses loading medium-lived values; a steady live set; per-request latency",
    .params = params,
    .nparams = P_COUNT,
    .multithreaded = true,
    .latency = true,
    .live_bytes = live_bytes,
    .run = run,
};
