/* weakmap.c: the ephemeron table of weakmap.h. */
#include "weakmap.h"

/* The map object: slot 0 the bucket array; raw bytes the number of entries linked. */
enum { MAP_BUCKETS = 0 };

/* Buckets polled between in wm_purge: a big table must not hold off a stop for its whole walk. */
#define PURGE_POLL 256

void wm_register_types(gc_heap *heap, wm_types *t) {
    t->map = gc_register_type(heap, "weakmap.map");
    t->buckets = gc_register_type(heap, "weakmap.buckets");
}

static uint64_t get_count(gc_obj *map) {
    uint64_t n;
    memcpy(&n, gc_raw(map), sizeof n);
    return n;
}

static void set_count(gc_obj *map, uint64_t n) { memcpy(gc_raw(map), &n, sizeof n); }

/* The hash's high bits mixed down: workloads may hand out sequential hashes, and a power-of-two
 * table keeps only the low bits. */
static size_t bucket_of(uint64_t hash, size_t nbuckets) {
    hash ^= hash >> 33;
    hash *= 0xff51afd7ed558ccdull;
    hash ^= hash >> 33;
    return (size_t)(hash & (nbuckets - 1));
}

gc_obj *wm_new(gc_mut *mut, const wm_types *t, size_t min_buckets) {
    size_t n = 1;
    while (n < min_buckets && n < WM_MAX_BUCKETS) n <<= 1;
    size_t scope = gc_scope_open(mut);
    gc_obj **buckets = gc_push(mut, gc_alloc(mut, t->buckets, (uint32_t)n, 0));
    gc_obj *map = gc_alloc(mut, t->map, 1, sizeof(uint64_t));
    gc_write(mut, map, MAP_BUCKETS, *buckets);
    gc_scope_close(mut, scope);
    return map;
}

size_t wm_count(gc_obj *map) { return (size_t)get_count(map); }

/* Walks key's chain and returns its entry, or NULL; unlinks the cleared entries it passes. On return
 * (holder, slot) is the slot that points at the entry found, or the chain's last slot. No allocation. */
static gc_obj *find(gc_mut *mut, gc_obj *map, gc_obj *key, gc_obj **holder, size_t *slot) {
    gc_obj *buckets = gc_read(map, MAP_BUCKETS);
    gc_obj *h = buckets;
    size_t s = bucket_of(wm_key_hash(key), gc_nptrs(buckets));
    gc_obj *e = gc_read(h, s);
    while (e) {
        gc_obj *k = gc_ephemeron_key(mut, e);
        gc_obj *next = gc_read(e, GC_EPHEMERON_NEXT);
        if (!k) {
            gc_write(mut, h, s, next);
            set_count(map, get_count(map) - 1);
        } else if (k == key) {
            break;
        } else {
            h = e;
            s = GC_EPHEMERON_NEXT;
        }
        e = next;
    }
    if (holder) *holder = h;
    if (slot) *slot = s;
    return e;
}

gc_obj *wm_get(gc_mut *mut, gc_obj *map, gc_obj *key) {
    gc_obj *e = find(mut, map, key, NULL, NULL);
    return e ? gc_ephemeron_value(mut, e) : NULL;
}

bool wm_has(gc_mut *mut, gc_obj *map, gc_obj *key) { return find(mut, map, key, NULL, NULL) != NULL; }

bool wm_delete(gc_mut *mut, gc_obj *map, gc_obj *key) {
    gc_obj *holder;
    size_t slot;
    gc_obj *e = find(mut, map, key, &holder, &slot);
    if (!e) return false;
    gc_write(mut, holder, slot, gc_read(e, GC_EPHEMERON_NEXT));
    set_count(map, get_count(map) - 1);
    return true;
}

/* Unlinks the cleared entries of one bucket; no allocation. */
static void purge_bucket(gc_mut *mut, gc_obj *map, gc_obj *buckets, size_t b) {
    gc_obj *h = buckets;
    size_t s = b;
    for (gc_obj *e = gc_read(h, s); e;) {
        gc_obj *next = gc_read(e, GC_EPHEMERON_NEXT);
        if (!gc_ephemeron_key(mut, e)) {
            gc_write(mut, h, s, next);
            set_count(map, get_count(map) - 1);
        } else {
            h = e;
            s = GC_EPHEMERON_NEXT;
        }
        e = next;
    }
}

size_t wm_purge(gc_mut *mut, gc_obj **map) {
    size_t n = gc_nptrs(gc_read(*map, MAP_BUCKETS));
    for (size_t b = 0; b < n; b++) {
        if (b % PURGE_POLL == PURGE_POLL - 1) gc_safepoint(mut);
        /* Reloaded after each poll: the collector may have moved the map and its buckets. */
        purge_bucket(mut, *map, gc_read(*map, MAP_BUCKETS), b);
    }
    return (size_t)get_count(*map);
}

size_t wm_each(gc_mut *mut, gc_obj *map, wm_visit_fn visit, void *ctx) {
    gc_obj *buckets = gc_read(map, MAP_BUCKETS);
    size_t n = gc_nptrs(buckets), visited = 0;
    for (size_t b = 0; b < n; b++) {
        purge_bucket(mut, map, buckets, b);
        for (gc_obj *e = gc_read(buckets, b); e; e = gc_read(e, GC_EPHEMERON_NEXT)) {
            gc_obj *k = gc_ephemeron_key(mut, e);
            /* A cycle cannot complete between purge_bucket and here (nothing polls), so k is set. */
            visited++;
            if (!visit(k, gc_ephemeron_value(mut, e), ctx)) return visited;
        }
    }
    return visited;
}

/* Moves every live entry into a bucket array twice as big; cleared entries are dropped on the way.
 * The rehash does not poll: the entries are half in the old array and half in the new one until it
 * ends, and only the map's slot makes the new one reachable. */
static void grow(gc_mut *mut, const wm_types *t, gc_obj **map) {
    size_t n = gc_nptrs(gc_read(*map, MAP_BUCKETS));
    if (n >= WM_MAX_BUCKETS) return;
    gc_obj *nb = gc_alloc(mut, t->buckets, (uint32_t)(2 * n), 0);
    gc_obj *ob = gc_read(*map, MAP_BUCKETS);   /* after the allocation: it may have moved */
    uint64_t count = 0;
    for (size_t b = 0; b < n; b++) {
        gc_obj *e = gc_read(ob, b);
        while (e) {
            gc_obj *next = gc_read(e, GC_EPHEMERON_NEXT);
            gc_obj *k = gc_ephemeron_key(mut, e);
            if (k) {
                size_t nbk = bucket_of(wm_key_hash(k), 2 * n);
                gc_write(mut, e, GC_EPHEMERON_NEXT, gc_read(nb, nbk));
                gc_write(mut, nb, nbk, e);
                count++;
            }
            e = next;
        }
    }
    gc_write(mut, *map, MAP_BUCKETS, nb);
    set_count(*map, count);
}

void wm_set(gc_mut *mut, const wm_types *t, gc_obj **map, gc_obj **key, gc_obj **value) {
    gc_obj *e = find(mut, *map, *key, NULL, NULL);
    if (e) {
        gc_ephemeron_set_value(mut, e, *value);
        return;
    }
    if (get_count(*map) + 1 > 2 * (uint64_t)gc_nptrs(gc_read(*map, MAP_BUCKETS))) {
        wm_purge(mut, map);
        if (get_count(*map) + 1 > 2 * (uint64_t)gc_nptrs(gc_read(*map, MAP_BUCKETS))) grow(mut, t, map);
    }
    e = gc_ephemeron_new(mut, *key, *value);
    /* Everything reloaded after the allocation. */
    gc_obj *buckets = gc_read(*map, MAP_BUCKETS);
    size_t b = bucket_of(wm_key_hash(*key), gc_nptrs(buckets));
    gc_write(mut, e, GC_EPHEMERON_NEXT, gc_read(buckets, b));
    gc_write(mut, buckets, b, e);
    set_count(*map, get_count(*map) + 1);
}
