/* weakcache: a cache of expensive values held through weak references, its dead entries removed by
 * a finalization registry: the pattern WeakRef and FinalizationRegistry were made for
 * (docs/DESIGN.md §5).
 *
 * One cache, shared by the threads like a server's: a map (a pointer array indexed by key, in a
 * global root, under a mutex) from each of --keys keys to an entry {weak reference to the value,
 * the value's generation}. A request for key k (uniform, or Zipf-distributed with exponent
 * --skew / 100) is a hit when k's entry gives a live value; otherwise a miss makes the value (--value-
 * size bytes naming its key and generation), a weak reference and an entry, and registers the value
 * with a tag {k, generation} as its held value. The requesting thread then holds the value in its
 * ring of the --recent values it used last (strong), so a value in some ring stays cached. Its
 * cleanup removes k's entry if that entry is still the dead value's (a later miss may have replaced
 * it). Each thread runs gc_run_finalizers every --finalize-every requests. Every request's time
 * (lock, look-up or make, ring update) goes into the thread's latency histogram.
 * Checks:
 *   - a hit gives a value of the right key and generation, intact in its first and last bytes;
 *   - a key whose value this thread holds in its ring never misses, and hits that very value;
 *   - a cleanup runs at most once per value, only when the value's weak reference is cleared;
 *   - every --check-every requests the threads meet and one collects and runs the cleanups: then no
 *     entry's weak reference is cleared, nothing is pending, and every value made so far either has
 *     had its cleanup run or is the live value of its key's entry, never both, never neither;
 *   - at the end (no ring holds anything) the same, so the map is empty and every cleanup ran once.
 */
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

enum { P_KEYS, P_REQUESTS, P_RECENT, P_VALUE_SIZE, P_SKEW, P_CHECK_EVERY, P_FINALIZE_EVERY, P_COUNT };

static const wl_param params[] = {
    [P_KEYS] = {"keys", "distinct keys", 20000, 1, 1 << 20},
    [P_REQUESTS] = {"requests", "requests in total, split across threads", 400000, 1, (int64_t)1 << 30},
    [P_RECENT] = {"recent", "values each thread holds strongly (the last it used)", 256, 1, 1 << 20},
    [P_VALUE_SIZE] = {"value-size", "bytes per cached value", 256, 16, 1 << 20},
    [P_SKEW] = {"skew", "Zipf exponent x 100 of the key distribution (0: uniform)", 100, 0, 300},
    [P_CHECK_EVERY] = {"check-every", "requests per thread between collect-and-check meetings (0: at the end only)",
                       100000, 0, (int64_t)1 << 30},
    [P_FINALIZE_EVERY] = {"finalize-every", "requests per thread between gc_run_finalizers calls", 256, 1,
                          (int64_t)1 << 30},
};

/* An entry: slot 0 its weak reference; a value's first raw bytes and a tag: */
typedef struct stamp {
    uint64_t key, gen;
} stamp;

typedef struct shared {
    gc_heap *heap;
    gc_type t_map, t_entry, t_value, t_tag, t_ring;
    uint32_t keys, recent;
    size_t value_size;
    uint64_t finalize_every;
    unsigned nthreads;
    gc_hist *latency;
    wl_ops *ops;                    /* per thread (wl_ops.h), or NULL */
    double *cdf;              /* Zipf: cumulative probability of keys 0..i; NULL: uniform */
    /* The cache: */
    pthread_mutex_t lock;
    gc_obj *map;              /* global root */
    gc_registry *registry;
    uint64_t gens;            /* values made (under lock) */
    uint64_t max_gens;
    _Atomic uint8_t *ran;     /* cleanups run, per generation */
    uint8_t *live;            /* scratch of the checks: generation is some entry's live value */
    _Atomic uint64_t hits, misses, removed;
    wl_meeting meeting;
    wl_gate gate;
    wl_failure failure;
} shared;

/* The cache's mutex, waited for as a blocked thread: its holder may be allocating, and a collection
 * it starts must not wait for the threads queued behind it. */
static void lock_cache(gc_mut *mut, shared *sh) {
    if (pthread_mutex_trylock(&sh->lock) == 0) return;
    gc_block_enter(mut);
    pthread_mutex_lock(&sh->lock);
    gc_block_leave(mut);
}

static stamp stamp_of(gc_obj *o) {
    stamp s;
    memcpy(&s, gc_raw(o), sizeof s);
    return s;
}

/* The value's bytes after its stamp are all (uint8_t)gen: the first and last are checked on a hit. */
static bool value_ok(const shared *sh, gc_obj *v, uint64_t key, uint64_t gen) {
    if (gc_nbytes(v) < sh->value_size) return false;
    stamp s = stamp_of(v);
    const uint8_t *p = gc_raw(v);
    return s.key == key && s.gen == gen && p[sizeof s] == (uint8_t)gen && p[sh->value_size - 1] == (uint8_t)gen;
}

/* Cleanup of a dead value: its tag names the key and generation. */
static void cleanup(gc_mut *mut, gc_obj *tag, void *ctx) {
    shared *sh = ctx;
    stamp t = stamp_of(tag);
    if (t.gen >= sh->max_gens || t.key >= sh->keys) {
        wl_fail(&sh->failure, "a cleanup received a tag naming key %llu, generation %llu: no such value",
                (unsigned long long)t.key, (unsigned long long)t.gen);
        return;
    }
    if (atomic_fetch_add(&sh->ran[t.gen], 1) != 0) {
        wl_fail(&sh->failure, "the cleanup of key %llu's value of generation %llu ran twice", (unsigned long long)t.key,
                (unsigned long long)t.gen);
        return;
    }
    lock_cache(mut, sh);
    gc_obj *e = gc_read(sh->map, t.key);
    if (e && stamp_of(e).gen == t.gen) {
        if (gc_weakref_get(mut, gc_read(e, 0)))
            wl_fail(&sh->failure,
                    "the cleanup of key %llu's value of generation %llu runs while its weak reference gives it",
                    (unsigned long long)t.key, (unsigned long long)t.gen);
        gc_write(mut, sh->map, t.key, NULL);
        atomic_fetch_add(&sh->removed, 1);
    }
    pthread_mutex_unlock(&sh->lock);
}

typedef struct worker {
    shared *sh;
    unsigned index;
    pthread_t thread;
    uint64_t requests;      /* this thread's share */
    uint64_t checks;        /* meetings to take part in */
    uint64_t check_every;
    uint32_t *in_ring;      /* per key: ring slots holding a value of it */
    uint64_t *held_gen;     /* per key: the generation of the value(s) the ring holds */
    uint32_t *ring_key;     /* per ring slot: its value's key, or UINT32_MAX */
    uint64_t done;
} worker;

/* One request; returns the value used, for the ring. */
static gc_obj *request(gc_mut *mut, worker *w, uint32_t k) {
    shared *sh = w->sh;
    lock_cache(mut, sh);
    gc_obj *e = gc_read(sh->map, k);
    gc_obj *v = e ? gc_weakref_get(mut, gc_read(e, 0)) : NULL;
    if (v) {
        uint64_t gen = stamp_of(e).gen;
        atomic_fetch_add_explicit(&sh->hits, 1, memory_order_relaxed);
        if (!value_ok(sh, v, k, gen))
            wl_fail(&sh->failure, "a hit on key %u gives a value that is not its generation %llu, or not intact", k,
                    (unsigned long long)gen);
        else if (w->in_ring[k] && gen != w->held_gen[k])
            wl_fail(&sh->failure,
                    "thread %u holds key %u's value of generation %llu, yet the cache gives generation %llu", w->index,
                    k, (unsigned long long)w->held_gen[k], (unsigned long long)gen);
        pthread_mutex_unlock(&sh->lock);
        return v;
    }
    atomic_fetch_add_explicit(&sh->misses, 1, memory_order_relaxed);
    if (w->in_ring[k])
        wl_fail(&sh->failure, "thread %u holds key %u's value of generation %llu, yet the cache %s", w->index, k,
                (unsigned long long)w->held_gen[k], e ? "gives its weak reference as cleared" : "has no entry for it");
    if (sh->gens == sh->max_gens) {
        wl_fail(&sh->failure, "more values made than requests");
        pthread_mutex_unlock(&sh->lock);
        return NULL;
    }
    uint64_t gen = sh->gens++;
    size_t scope = gc_scope_open(mut);
    gc_obj **val = gc_push(mut, gc_alloc(mut, sh->t_value, 0, sh->value_size));
    uint8_t *p = gc_raw(*val);
    memset(p, (int)(uint8_t)gen, sh->value_size);
    stamp s = {k, gen};
    memcpy(p, &s, sizeof s);
    gc_obj **ref = gc_push(mut, gc_weakref_new(mut, *val));
    gc_obj *entry = gc_alloc(mut, sh->t_entry, 1, sizeof s);
    memcpy(gc_raw(entry), &s, sizeof s);
    gc_write(mut, entry, 0, *ref);
    gc_write(mut, sh->map, k, entry);
    gc_obj *tag = gc_alloc(mut, sh->t_tag, 0, sizeof s);
    memcpy(gc_raw(tag), &s, sizeof s);
    gc_finalizer_register(mut, sh->registry, *val, tag, NULL);
    v = *val;
    gc_scope_close(mut, scope);
    pthread_mutex_unlock(&sh->lock);
    return v;
}

/* With every other thread waiting at a meeting (or gone), one thread collects, runs the cleanups and
 * checks the whole cache against the generations made. */
static void collect_and_check(gc_mut *mut, shared *sh, const char *when) {
    gc_collect(mut);
    gc_run_finalizers(mut);
    size_t pending = gc_finalizers_pending(sh->heap);
    if (pending) {
        wl_fail(&sh->failure, "%s: %zu cleanups pending after gc_collect and gc_run_finalizers", when, pending);
        return;
    }
    lock_cache(mut, sh);
    memset(sh->live, 0, sh->gens);
    for (uint32_t k = 0; k < sh->keys; k++) {
        gc_obj *e = gc_read(sh->map, k);
        if (!e) continue;
        stamp s = stamp_of(e);
        gc_obj *v = gc_weakref_get(mut, gc_read(e, 0));
        if (!v) {
            wl_fail(&sh->failure,
                    "%s: key %u's entry (generation %llu) has a cleared weak reference after gc_collect and "
                    "gc_run_finalizers: its cleanup did not remove it",
                    when, k, (unsigned long long)s.gen);
            break;
        }
        if (s.key != k || s.gen >= sh->gens || !value_ok(sh, v, k, s.gen)) {
            wl_fail(&sh->failure, "%s: key %u's entry names key %llu, generation %llu, or its value does not", when, k,
                    (unsigned long long)s.key, (unsigned long long)s.gen);
            break;
        }
        sh->live[s.gen] = 1;
    }
    for (uint64_t g = 0; g < sh->gens && !wl_failed(&sh->failure); g++) {
        unsigned ran = atomic_load(&sh->ran[g]);
        if (ran + sh->live[g] != 1)
            wl_fail(&sh->failure, "%s: the value of generation %llu is %s and its cleanup ran %u times", when,
                    (unsigned long long)g, sh->live[g] ? "alive in the cache" : "gone from the cache", ran);
    }
    pthread_mutex_unlock(&sh->lock);
}

static void *worker_main(void *arg) {
    worker *w = arg;
    shared *sh = w->sh;
    if (!wl_gate_wait(&sh->gate)) return NULL;
    gc_mut *mut = gc_attach(sh->heap);
    wl_ops *ops = sh->ops ? &sh->ops[w->index] : NULL;
    wl_ops_start(ops, mut, sh->latency ? &sh->latency[w->index] : NULL, w->index);
    size_t base = gc_scope_open(mut);
    gc_obj **ring = gc_push(mut, gc_alloc(mut, sh->t_ring, sh->recent, 0));
    uint64_t rnd = wl_rand_seed(w->index), checks = 0;
    for (uint64_t i = 0; i < w->requests; i++) {
        uint32_t k = wl_zipf_pick(sh->cdf, sh->keys, &rnd);
        uint64_t t0 = wl_op_begin(ops);
        gc_obj *v = request(mut, w, k);
        if (!v) break;
        size_t slot = i % sh->recent;
        gc_write(mut, *ring, slot, v);
        wl_op_end(ops, t0);
        if (w->ring_key[slot] != UINT32_MAX) w->in_ring[w->ring_key[slot]]--;
        w->ring_key[slot] = k;
        w->in_ring[k]++;
        w->held_gen[k] = stamp_of(v).gen;
        w->done++;
        if ((i + 1) % sh->finalize_every == 0) gc_run_finalizers(mut);
        if (checks < w->checks && (i + 1) % w->check_every == 0) {
            wl_meet(mut, &sh->meeting);
            if (w->index == 0) collect_and_check(mut, sh, "at a meeting");
            wl_meet(mut, &sh->meeting);
            checks++;
        }
    }
    wl_ops_stop(ops);
    /* A thread that stopped early still takes its part in the meetings, or the others wait forever. */
    for (; checks < w->checks; checks++) {
        wl_meet(mut, &sh->meeting);
        if (w->index == 0) collect_and_check(mut, sh, "at a meeting");
        wl_meet(mut, &sh->meeting);
    }
    gc_scope_close(mut, base);
    gc_detach(mut);
    return NULL;
}

static uint64_t live_bytes(const int64_t *param, unsigned threads) {
    uint64_t keys = (uint64_t)param[P_KEYS], recent = (uint64_t)param[P_RECENT];
    uint64_t held = recent < keys ? recent : keys;
    return wl_obj_size(keys, 0) +
           (threads ? threads : 1) * (wl_obj_size(recent, 0) + held * wl_obj_size(0, (uint64_t)param[P_VALUE_SIZE]));
}

static int run(wl_ctx *ctx, char *err, size_t errlen) {
    shared sh;
    memset(&sh, 0, sizeof sh);
    sh.heap = ctx->heap;
    sh.keys = (uint32_t)ctx->param[P_KEYS];
    sh.recent = (uint32_t)ctx->param[P_RECENT];
    sh.value_size = (size_t)ctx->param[P_VALUE_SIZE];
    sh.finalize_every = (uint64_t)ctx->param[P_FINALIZE_EVERY];
    sh.nthreads = ctx->threads ? ctx->threads : 1;
    sh.latency = ctx->latency;
    sh.ops = ctx->rec;
    uint64_t requests = (uint64_t)ctx->param[P_REQUESTS], check_every = (uint64_t)ctx->param[P_CHECK_EVERY];
    if (requests < sh.nthreads) {
        snprintf(err, errlen, "--requests %llu is fewer than --threads %u", (unsigned long long)requests, sh.nthreads);
        return WL_BAD_PARAMS;
    }
    sh.max_gens = requests;
    sh.ran = calloc(requests, sizeof *sh.ran);
    sh.live = calloc(requests, 1);
    worker *workers = calloc(sh.nthreads, sizeof *workers);
    int status = 0;
    if (!sh.ran || !sh.live || !workers) {
        snprintf(err, errlen, "out of memory for the model of %llu values", (unsigned long long)requests);
        status = -1;
    }
    /* --skew 0 draws keys uniformly without a cdf (wl_zipf_pick), a sequence of its own. */
    if (!status && ctx->param[P_SKEW]) {
        sh.cdf = wl_zipf_cdf(sh.keys, (double)ctx->param[P_SKEW] / 100);
        if (!sh.cdf) {
            snprintf(err, errlen, "out of memory for the key distribution");
            status = -1;
        }
    }
    /* Meetings at the same request counts on every thread: as many as the smallest share allows. */
    uint64_t checks = check_every ? requests / sh.nthreads / check_every : 0;
    for (unsigned t = 0; !status && t < sh.nthreads; t++) {
        worker *w = &workers[t];
        w->sh = &sh;
        w->index = t;
        w->requests = wl_share(requests, sh.nthreads, t);
        w->checks = checks;
        w->check_every = check_every;
        w->in_ring = calloc(sh.keys, sizeof *w->in_ring);
        w->held_gen = calloc(sh.keys, sizeof *w->held_gen);
        w->ring_key = malloc(sizeof *w->ring_key * sh.recent);
        if (!w->in_ring || !w->held_gen || !w->ring_key) {
            snprintf(err, errlen, "out of memory for thread %u's model", t);
            status = -1;
            break;
        }
        memset(w->ring_key, 0xff, sizeof *w->ring_key * sh.recent);
    }
    if (status) goto out;
    sh.t_map = gc_register_type(ctx->heap, "weakcache.map");
    sh.t_entry = gc_register_type(ctx->heap, "weakcache.entry");
    sh.t_value = gc_register_type(ctx->heap, "weakcache.value");
    sh.t_tag = gc_register_type(ctx->heap, "weakcache.tag");
    sh.t_ring = gc_register_type(ctx->heap, "weakcache.ring");
    pthread_mutex_init(&sh.lock, NULL);
    wl_fail_init(&sh.failure);
    wl_gate_init(&sh.gate);
    wl_meeting_init(&sh.meeting, sh.nthreads);
    sh.registry = gc_registry_new(ctx->heap, cleanup, &sh);

    gc_mut *mut = gc_attach(ctx->heap);
    gc_add_root(ctx->heap, &sh.map);
    sh.map = gc_alloc(mut, sh.t_map, sh.keys, 0);
    /* This thread waits as a blocked one while the workers run. */
    gc_block_enter(mut);
    unsigned started = 0;
    for (; started < sh.nthreads; started++)
        if (pthread_create(&workers[started].thread, NULL, worker_main, &workers[started])) {
            wl_fail(&sh.failure, "cannot create thread %u", started);
            break;
        }
    wl_gate_open(&sh.gate, started == sh.nthreads);
    for (unsigned t = 0; t < started; t++) pthread_join(workers[t].thread, NULL);
    gc_block_leave(mut);
    uint64_t done = 0;
    for (unsigned t = 0; t < started; t++) done += workers[t].done;
    if (!wl_failed(&sh.failure)) {
        /* No ring holds anything now: every value is dead, so the map must come out empty. */
        collect_and_check(mut, &sh, "at the end");
        /* libgc (bdw) scans stacks and registers conservatively: a stale word may keep a value
         * alive, and that is no bug. There an entry may remain, its value wholly alive (checked
         * above), as long as some value died. */
        bool conservative = !gc_collector_precise();
        uint64_t cleaned = 0;
        for (uint64_t g = 0; g < sh.gens; g++) cleaned += atomic_load(&sh.ran[g]);
        if (!wl_failed(&sh.failure) && conservative && sh.gens && !cleaned)
            wl_fail(&sh.failure, "at the end no value is held, yet none of the %llu made was ever cleaned up",
                    (unsigned long long)sh.gens);
        for (uint32_t k = 0; k < sh.keys && !conservative && !wl_failed(&sh.failure); k++)
            if (gc_read(sh.map, k)) {
                wl_fail(&sh.failure, "at the end no value is held, yet key %u still has an entry", k);
                break;
            }
    }
    if (!wl_failed(&sh.failure) && done != requests)
        wl_fail(&sh.failure, "%llu requests done, expected %llu", (unsigned long long)done,
                (unsigned long long)requests);
    if (wl_fail_report(&sh.failure, err, errlen)) status = -1;
    gc_registry_free(mut, sh.registry);
    gc_remove_root(ctx->heap, &sh.map);
    gc_detach(mut);
    wl_meeting_destroy(&sh.meeting);
    pthread_mutex_destroy(&sh.lock);
    wl_fail_destroy(&sh.failure);
    wl_gate_destroy(&sh.gate);
    ctx->ops = done;
out:
    for (unsigned t = 0; workers && t < sh.nthreads; t++) {
        free(workers[t].in_ring);
        free(workers[t].held_gen);
        free(workers[t].ring_key);
    }
    free(workers);
    free(sh.cdf);
    free(sh.ran);
    free(sh.live);
    return status;
}

const workload wl_weakcache = {
    .name = "weakcache",
    .summary = "a cache of values held by weak references, dead entries removed by a finalization registry; per-request latency",
    .params = params,
    .nparams = P_COUNT,
    .multithreaded = true,
    .latency = true,
    .live_bytes = live_bytes,
    .run = run,
};
