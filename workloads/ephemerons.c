/* ephemerons: chains of ephemerons whose keys are reachable only through the previous entry's value
 * (the shape of Whippet's benchmarks/ephemerons.c), checked entry by entry (docs/DESIGN.md §5).
 *
 * Each thread, per round, builds --chains chains of --length entries. Entry i of a chain is an
 * ephemeron (key_i, value_i); value_i holds key_{i+1} in a strong slot, and only key_0 is held from a
 * root, so key_i is reachable only through value_{i-1}: marking can reach the end of a chain only by
 * resolving its ephemerons one after another. Half the chains live in a WeakMap (weakmap.h: hash
 * buckets of ephemerons linked through GC_EPHEMERON_NEXT, in hash order), half in a plain array of
 * ephemerons; of each half, one in two chains is allocated and stored first entry first (forward)
 * and the other last entry first (backward), so a marker that finds the ephemerons in array order
 * meets every key before its entry in one and after it in the other: both orders of the fixpoint.
 * Once a chain is built, one entry in ten gets a new value (gc_ephemeron_set_value, or wm_set on a
 * key present), with the same next key.
 *
 * Then --drop-percent of the chains are cut at a random entry j (value_{j-1} lets go of key_j, or
 * the root of key_0 for j = 0): entries j.. have dead keys. The thread calls gc_collect twice.
 * Checks:
 *   - right after building, and after the cut: every entry of a chain up to its cut is intact (its
 *     key is key_i, its value value_i of the right version, which holds key_{i+1}); no array entry
 *     ever has a key without its value or a value without its key (a cycle clears both);
 *   - after each gc_collect, exactly: every entry whose key is still reachable keeps key and value;
 *     every array entry past a cut is cleared; the WeakMap holds exactly the entries before the cuts
 *     of its chains, each once, after its cleared entries are unlinked.
 * The collector must support ephemerons (gc_has_ephemerons()): bdw does not, and the run is refused.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"
#include "wl_rand.h"
#include "wl_size.h"
#include "weakmap.h"

enum { P_CHAINS, P_LENGTH, P_ROUNDS, P_DROP, P_COUNT };

static const wl_param params[] = {
    [P_CHAINS] = {"chains", "chains of ephemerons per thread and round", 64, 1, 1 << 16},
    [P_LENGTH] = {"length", "entries per chain", 256, 1, 1 << 16},
    [P_ROUNDS] = {"rounds", "rounds per thread: build, cut, collect, check", 20, 1, 1000000},
    [P_DROP] = {"drop-percent", "chains cut at a random entry each round", 50, 0, 100},
};

/* Entries a thread keeps in one round at most: its ephemeron array has one slot per entry. */
#define MAX_ENTRIES ((int64_t)1 << 20)

/* A key: the WeakMap identity hash first (weakmap.h), then which entry it is. */
typedef struct key_data {
    uint64_t hash;
    uint32_t chain, index;
} key_data;

#define VALUE_MAGIC 0x76616c75u
/* A value: slot 0 holds the next key (strong); raw bytes say which entry and version it is. */
typedef struct value_data {
    uint32_t magic, chain, index, version;
} value_data;

typedef struct shared {
    gc_heap *heap;
    gc_type t_key, t_value, t_array;
    wm_types wm;
    uint32_t chains, length;
    int64_t rounds, drop;
    atomic_int failed;
} shared;

typedef struct worker {
    shared *sh;
    unsigned index;
    pthread_t thread;
    uint64_t seq;        /* identity hashes handed out */
    uint32_t *cut;       /* per chain: entries before the cut (length when not cut) */
    uint32_t *version;   /* per entry: the version of its value */
    uint8_t *seen;       /* per entry: met by the WeakMap walk */
    uint64_t ops;        /* entries built */
    int64_t round;
    int status;
    char err[256];
} worker;

/* Where a chain lives and in which order it was built. */
static bool in_map(uint32_t c) { return c % 2 == 0; }
static bool backward(uint32_t c) { return c / 2 % 2 == 1; }
/* Entry i of chain c in the ephemeron array: backward chains are stored last entry first. */
static size_t pos(const shared *sh, uint32_t c, uint32_t i) {
    return (size_t)c * sh->length + (backward(c) ? sh->length - 1 - i : i);
}

/* The handles of one round. */
typedef struct round_roots {
    gc_obj **heads;   /* chain c's key_0, or NULL once cut at 0 */
    gc_obj **ephs;    /* the array chains' ephemerons, at pos() */
    gc_obj **map;     /* the WeakMap chains */
} round_roots;

static bool key_ok(gc_obj *k, uint32_t c, uint32_t i) {
    if (!k || gc_nbytes(k) < sizeof(key_data)) return false;
    key_data d;
    memcpy(&d, gc_raw(k), sizeof d);
    return d.chain == c && d.index == i;
}

static bool value_ok(gc_obj *v, uint32_t c, uint32_t i, uint32_t version) {
    if (!v || gc_nptrs(v) != 1 || gc_nbytes(v) < sizeof(value_data)) return false;
    value_data d;
    memcpy(&d, gc_raw(v), sizeof d);
    return d.magic == VALUE_MAGIC && d.chain == c && d.index == i && d.version == version;
}

static gc_obj *new_value(gc_mut *mut, const shared *sh, uint32_t c, uint32_t i, uint32_t version, gc_obj **next) {
    gc_obj *v = gc_alloc(mut, sh->t_value, 1, sizeof(value_data));
    value_data d = {VALUE_MAGIC, c, i, version};
    memcpy(gc_raw(v), &d, sizeof d);
    gc_write(mut, v, 0, *next);
    return v;
}

/* Entry i of chain c: its ephemeron's value, or NULL with *why set. No allocation. */
static gc_obj *entry_value(gc_mut *mut, const shared *sh, const round_roots *r, uint32_t c, uint32_t i, gc_obj *k,
                           const char **why) {
    if (in_map(c)) {
        if (!wm_has(mut, *r->map, k)) {
            *why = "the WeakMap has no entry for its live key";
            return NULL;
        }
        gc_obj *v = wm_get(mut, *r->map, k);
        if (!v) *why = "its WeakMap entry lost the value of its live key";
        return v;
    }
    gc_obj *e = gc_read(*r->ephs, pos(sh, c, i));
    if (!e) {
        *why = "its ephemeron is gone from the array";
        return NULL;
    }
    if (gc_ephemeron_key(mut, e) != k) {
        *why = "its ephemeron no longer holds its live key";
        return NULL;
    }
    gc_obj *v = gc_ephemeron_value(mut, e);
    if (!v) *why = "its ephemeron lost the value of its live key";
    return v;
}

/* Walks chain c from key_0 through its first cut[c] entries and checks each; the last one's value
 * must hold no next key. Returns the value of entry `stop` (if < cut) for the caller to cut there. */
static int walk_chain(gc_mut *mut, worker *w, const round_roots *r, uint32_t c, uint32_t stop, gc_obj **at) {
    const shared *sh = w->sh;
    uint32_t n = w->cut[c];
    gc_obj *k = gc_read(*r->heads, c);
    if (n == 0) {
        if (k) {
            snprintf(w->err, sizeof w->err, "chain %u was cut at its root, yet the root holds a key", c);
            return -1;
        }
        return 0;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (!key_ok(k, c, i)) {
            snprintf(w->err, sizeof w->err, "chain %u, entry %u of %u live: the key reached is not key %u", c, i, n, i);
            return -1;
        }
        const char *why = NULL;
        gc_obj *v = entry_value(mut, sh, r, c, i, k, &why);
        if (!v) {
            snprintf(w->err, sizeof w->err, "chain %u, entry %u of %u live: %s", c, i, n, why);
            return -1;
        }
        uint32_t ver = w->version[(size_t)c * sh->length + i];
        if (!value_ok(v, c, i, ver)) {
            snprintf(w->err, sizeof w->err, "chain %u, entry %u: the value is not value %u version %u", c, i, i, ver);
            return -1;
        }
        if (i == stop && at) *at = v;
        k = gc_read(v, 0);
    }
    if (k) {
        snprintf(w->err, sizeof w->err, "chain %u: the value of its last live entry %u still holds a key", c, n - 1);
        return -1;
    }
    return 0;
}

/* The array chains' entries past their cuts: cleared when `exact` (after gc_collect), otherwise
 * either cleared or whole (not yet collected); never half cleared. */
static int check_dead_array(gc_mut *mut, worker *w, const round_roots *r, bool exact) {
    const shared *sh = w->sh;
    for (uint32_t c = 0; c < sh->chains; c++) {
        if (in_map(c)) continue;
        for (uint32_t i = w->cut[c]; i < sh->length; i++) {
            gc_obj *e = gc_read(*r->ephs, pos(sh, c, i));
            gc_obj *k = gc_ephemeron_key(mut, e), *v = gc_ephemeron_value(mut, e);
            if (!k != !v) {
                snprintf(w->err, sizeof w->err, "chain %u, entry %u (dead key): half cleared: key %s, value %s", c, i,
                         k ? "set" : "NULL", v ? "set" : "NULL");
                return -1;
            }
            if (exact && k) {
                snprintf(w->err, sizeof w->err,
                         "chain %u, entry %u: its key died before gc_collect, yet the ephemeron still holds it", c, i);
                return -1;
            }
            if (k && (!key_ok(k, c, i) || !value_ok(v, c, i, w->version[(size_t)c * sh->length + i]))) {
                snprintf(w->err, sizeof w->err, "chain %u, entry %u (dead key, not yet cleared): wrong key or value", c, i);
                return -1;
            }
        }
    }
    return 0;
}

typedef struct map_walk {
    worker *w;
    uint64_t entries;
    bool bad;
} map_walk;

static bool visit_entry(gc_obj *k, gc_obj *v, void *ctx) {
    map_walk *m = ctx;
    worker *w = m->w;
    const shared *sh = w->sh;
    key_data d;
    if (!k || gc_nbytes(k) < sizeof d) {
        snprintf(w->err, sizeof w->err, "the WeakMap walk met an entry whose key is not a key");
        m->bad = true;
        return false;
    }
    memcpy(&d, gc_raw(k), sizeof d);
    if (d.chain >= sh->chains || !in_map(d.chain) || d.index >= sh->length) {
        snprintf(w->err, sizeof w->err, "the WeakMap holds a key of chain %u, entry %u, which is none of its", d.chain,
                 d.index);
        m->bad = true;
        return false;
    }
    size_t at = (size_t)d.chain * sh->length + d.index;
    if (d.index >= w->cut[d.chain]) {
        snprintf(w->err, sizeof w->err,
                 "chain %u, entry %u: its key died before gc_collect, yet the WeakMap still holds it", d.chain, d.index);
        m->bad = true;
        return false;
    }
    if (w->seen[at]++) {
        snprintf(w->err, sizeof w->err, "chain %u, entry %u is in the WeakMap twice", d.chain, d.index);
        m->bad = true;
        return false;
    }
    if (!value_ok(v, d.chain, d.index, w->version[at])) {
        snprintf(w->err, sizeof w->err, "chain %u, entry %u: the WeakMap gives a wrong value for it", d.chain, d.index);
        m->bad = true;
        return false;
    }
    m->entries++;
    return true;
}

/* After gc_collect: the WeakMap holds exactly the entries before its chains' cuts. */
static int check_map_exact(gc_mut *mut, worker *w, const round_roots *r) {
    const shared *sh = w->sh;
    uint64_t want = 0;
    for (uint32_t c = 0; c < sh->chains; c++)
        if (in_map(c)) want += w->cut[c];
    size_t left = wm_purge(mut, r->map);
    if (left != want) {
        snprintf(w->err, sizeof w->err, "after gc_collect the WeakMap holds %zu entries once cleared ones are unlinked, "
                 "expected %llu (the live keys)", left, (unsigned long long)want);
        return -1;
    }
    memset(w->seen, 0, (size_t)sh->chains * sh->length);
    map_walk m = {w, 0, false};
    wm_each(mut, *r->map, visit_entry, &m);
    if (m.bad) return -1;
    if (m.entries != want) {
        snprintf(w->err, sizeof w->err, "the WeakMap walk met %llu entries, expected %llu",
                 (unsigned long long)m.entries, (unsigned long long)want);
        return -1;
    }
    return 0;
}

static int check_live(gc_mut *mut, worker *w, const round_roots *r) {
    for (uint32_t c = 0; c < w->sh->chains; c++) {
        gc_safepoint(mut);   /* between chains: the walks hold plain pointers, never across a poll */
        if (walk_chain(mut, w, r, c, UINT32_MAX, NULL)) return -1;
    }
    return 0;
}

/* Builds chain c: its keys (into a scratch array, in the chain's order), then its entries; then one
 * entry in ten gets a new value, so the first one is garbage while its key lives. */
static void build_chain(gc_mut *mut, worker *w, const round_roots *r, uint32_t c, uint64_t *rnd) {
    const shared *sh = w->sh;
    const uint32_t L = sh->length;
    size_t scope = gc_scope_open(mut);
    gc_obj **keys = gc_push(mut, gc_alloc(mut, sh->t_array, L, 0));
    gc_obj **k = gc_push(mut, NULL), **v = gc_push(mut, NULL), **next = gc_push(mut, NULL);
    for (uint32_t n = 0; n < L; n++) {
        uint32_t i = backward(c) ? L - 1 - n : n;
        gc_obj *key = gc_alloc(mut, sh->t_key, 0, sizeof(key_data));
        key_data d = {0, c, i};
        memcpy(gc_raw(key), &d, sizeof d);
        /* Identity hashes unique per heap: the thread's number above its sequence. */
        wm_key_init(key, (uint64_t)w->index << 40 | ++w->seq);
        gc_write(mut, *keys, i, key);
    }
    for (uint32_t n = 0; n < L; n++) {
        uint32_t i = backward(c) ? L - 1 - n : n;
        *k = gc_read(*keys, i);
        *next = i + 1 < L ? gc_read(*keys, i + 1) : NULL;
        *v = new_value(mut, sh, c, i, 0, next);
        w->version[(size_t)c * L + i] = 0;
        if (in_map(c)) {
            wm_set(mut, &sh->wm, r->map, k, v);
        } else {
            gc_obj *e = gc_ephemeron_new(mut, *k, *v);
            gc_write(mut, *r->ephs, pos(sh, c, i), e);
        }
        w->ops++;
    }
    for (uint32_t i = 0; i < L; i++) {
        if (wl_next_rand(rnd) % 10) continue;
        size_t at = (size_t)c * L + i;
        *k = gc_read(*keys, i);
        *next = i + 1 < L ? gc_read(*keys, i + 1) : NULL;
        *v = new_value(mut, sh, c, i, w->version[at] + 1, next);
        if (in_map(c)) wm_set(mut, &sh->wm, r->map, k, v);   /* the key is present: its value is replaced */
        else gc_ephemeron_set_value(mut, gc_read(*r->ephs, pos(sh, c, i)), *v);
        w->version[at]++;
    }
    gc_write(mut, *r->heads, c, gc_read(*keys, 0));
    w->cut[c] = L;
    gc_scope_close(mut, scope);
}

/* Cuts chain c at entry j: key_j is then reachable from nothing, nor is anything after it. */
static int cut_chain(gc_mut *mut, worker *w, const round_roots *r, uint32_t c, uint32_t j) {
    if (j == 0) {
        gc_write(mut, *r->heads, c, NULL);
    } else {
        gc_obj *v = NULL;
        if (walk_chain(mut, w, r, c, j - 1, &v)) return -1;
        gc_write(mut, v, 0, NULL);
    }
    w->cut[c] = j;
    return 0;
}

static int one_round(gc_mut *mut, worker *w, uint64_t *rnd) {
    const shared *sh = w->sh;
    size_t scope = gc_scope_open(mut);
    round_roots r;
    r.heads = gc_push(mut, gc_alloc(mut, sh->t_array, sh->chains, 0));
    r.ephs = gc_push(mut, gc_alloc(mut, sh->t_array, (uint32_t)((size_t)sh->chains * sh->length), 0));
    r.map = gc_push(mut, wm_new(mut, &sh->wm, 16));
    int rc = -1;
    for (uint32_t c = 0; c < sh->chains; c++) build_chain(mut, w, &r, c, rnd);
    if (check_live(mut, w, &r)) goto out;
    for (uint32_t c = 0; c < sh->chains; c++)
        if ((int64_t)(wl_next_rand(rnd) % 100) < sh->drop && cut_chain(mut, w, &r, c, (uint32_t)(wl_next_rand(rnd) % sh->length)))
            goto out;
    if (check_live(mut, w, &r) || check_dead_array(mut, w, &r, false)) goto out;
    /* Twice: the survivors must come through a second cycle (promoted or moved by then), and what
     * was cleared must stay cleared. */
    for (int pass = 0; pass < 2; pass++) {
        gc_collect(mut);
        if (check_dead_array(mut, w, &r, true) || check_live(mut, w, &r) || check_map_exact(mut, w, &r)) goto out;
    }
    rc = 0;
out:
    gc_scope_close(mut, scope);
    return rc;
}

static void *worker_main(void *arg) {
    worker *w = arg;
    shared *sh = w->sh;
    gc_mut *mut = gc_attach(sh->heap);
    uint64_t rnd = wl_rand_seed(w->index);
    for (int64_t round = 0; round < sh->rounds; round++) {
        if (atomic_load_explicit(&sh->failed, memory_order_relaxed)) break;
        w->round = round;
        if (one_round(mut, w, &rnd)) {
            w->status = -1;
            break;
        }
    }
    if (w->status) atomic_store(&sh->failed, 1);
    gc_detach(mut);
    return NULL;
}

static uint64_t live_bytes(const int64_t *param, unsigned threads) {
    uint64_t entries = (uint64_t)param[P_CHAINS] * (uint64_t)param[P_LENGTH];
    uint64_t per_entry = wl_obj_size(0, sizeof(key_data)) + wl_obj_size(1, sizeof(value_data)) + wl_obj_size(3, 0);
    uint64_t per_thread = entries * per_entry + wl_obj_size(entries, 0) + wl_obj_size((uint64_t)param[P_CHAINS], 0);
    return (threads ? threads : 1) * per_thread;
}

static int run(wl_ctx *ctx, char *err, size_t errlen) {
    if (!gc_has_ephemerons()) {
        snprintf(err, errlen, "the %s collector has no ephemerons (gc_has_ephemerons() is false), so this workload "
                 "cannot run on it", gc_collector_name());
        return WL_BAD_PARAMS;
    }
    shared sh;
    sh.heap = ctx->heap;
    sh.chains = (uint32_t)ctx->param[P_CHAINS];
    sh.length = (uint32_t)ctx->param[P_LENGTH];
    sh.rounds = ctx->param[P_ROUNDS];
    sh.drop = ctx->param[P_DROP];
    atomic_init(&sh.failed, 0);
    unsigned nthreads = ctx->threads ? ctx->threads : 1;
    if ((int64_t)sh.chains * sh.length > MAX_ENTRIES) {
        snprintf(err, errlen, "--chains %u x --length %u is more than %lld entries per thread", sh.chains, sh.length,
                 (long long)MAX_ENTRIES);
        return WL_BAD_PARAMS;
    }
    sh.t_key = gc_register_type(ctx->heap, "ephemerons.key");
    sh.t_value = gc_register_type(ctx->heap, "ephemerons.value");
    sh.t_array = gc_register_type(ctx->heap, "ephemerons.array");
    wm_register_types(ctx->heap, &sh.wm);

    size_t entries = (size_t)sh.chains * sh.length;
    worker *workers = calloc(nthreads, sizeof *workers);
    int status = 0;
    if (!workers) {
        snprintf(err, errlen, "out of memory for %u workers", nthreads);
        return -1;
    }
    for (unsigned t = 0; t < nthreads; t++) {
        workers[t].cut = calloc(sh.chains, sizeof *workers[t].cut);
        workers[t].version = calloc(entries, sizeof *workers[t].version);
        workers[t].seen = calloc(entries, 1);
        if (!workers[t].cut || !workers[t].version || !workers[t].seen) {
            snprintf(err, errlen, "out of memory for the model of %zu entries", entries);
            status = -1;
        }
    }
    unsigned started = 0;
    for (; !status && started < nthreads; started++) {
        workers[started].sh = &sh;
        workers[started].index = started;
        if (pthread_create(&workers[started].thread, NULL, worker_main, &workers[started])) {
            atomic_store(&sh.failed, 1);
            snprintf(err, errlen, "cannot create thread %u", started);
            status = -1;
            break;
        }
    }
    uint64_t ops = 0;
    for (unsigned t = 0; t < started; t++) pthread_join(workers[t].thread, NULL);
    for (unsigned t = 0; t < started; t++) {
        ops += workers[t].ops;
        if (workers[t].status && !status) {
            snprintf(err, errlen, "thread %u, round %lld: %s", t, (long long)workers[t].round, workers[t].err);
            status = -1;
        }
    }
    for (unsigned t = 0; t < nthreads; t++) {
        free(workers[t].cut);
        free(workers[t].version);
        free(workers[t].seen);
    }
    free(workers);
    ctx->ops = ops;
    return status;
}

const workload wl_ephemerons = {
    .name = "ephemerons",
    .summary = "chains of ephemerons (WeakMap and array, both orders), keys dropped at random; exact survivors after gc_collect",
    .params = params,
    .nparams = P_COUNT,
    .multithreaded = true,
    .latency = false,
    .live_bytes = live_bytes,
    .run = run,
};
