/* weakmap.h: an ephemeron table keyed by object identity, JavaScript's WeakMap, over gclab.h.
 *
 * The map is a heap object whose one slot holds the bucket array (a pointer array); each bucket is
 * a chain of ephemerons linked through their GC_EPHEMERON_NEXT slot. An entry keeps its value alive
 * only while its key is alive through something else; when a cycle finds the key dead it clears the
 * ephemeron (key and value NULL), and the table unlinks such cleared entries lazily, whenever a walk
 * of a chain passes one (get, has, set, delete, purge, each).
 *
 * Hashing: a copying collector (generational) moves keys, so an address is no hash. A key carries a
 * stable identity hash in its first 8 raw bytes (WM_KEY_BYTES), written once when it is made and
 * never changed; the workloads own their key types and leave room for it. Equality is identity: two
 * pointers read with no allocation or safepoint between them name the same object exactly when they
 * are equal, wherever it has moved since.
 *
 * A map belongs to one thread (as a JavaScript WeakMap belongs to one agent). Calls that allocate
 * (wm_new, wm_set) or poll safepoints (wm_purge) take handles (gc_push) and reload through them;
 * the others neither allocate nor poll, so plain pointers are safe across them.
 */
#ifndef GCLAB_WEAKMAP_H
#define GCLAB_WEAKMAP_H

#include <string.h>

#include "gclab.h"

#define WM_KEY_BYTES 8   /* raw bytes a key reserves at its start for the identity hash */
#define WM_MAX_BUCKETS ((size_t)1 << 20)

typedef struct wm_types {
    gc_type map, buckets;
} wm_types;

/* Registers the map's two types (before threads attach, as every type). */
void wm_register_types(gc_heap *heap, wm_types *t);

static inline void wm_key_init(gc_obj *key, uint64_t hash) { memcpy(gc_raw(key), &hash, sizeof hash); }
static inline uint64_t wm_key_hash(gc_obj *key) {
    uint64_t h;
    memcpy(&h, gc_raw(key), sizeof h);
    return h;
}

/* A new empty map with at least min_buckets buckets (rounded up to a power of two). */
gc_obj *wm_new(gc_mut *mut, const wm_types *t, size_t min_buckets);
/* The value of key's entry, or NULL when there is none (or its value is NULL: see wm_has). */
gc_obj *wm_get(gc_mut *mut, gc_obj *map, gc_obj *key);
bool wm_has(gc_mut *mut, gc_obj *map, gc_obj *key);
/* Sets key's value, adding an entry if there is none; may allocate (the bucket array grows once the
 * map holds more than two entries a bucket), so everything comes and stays in handles. */
void wm_set(gc_mut *mut, const wm_types *t, gc_obj **map, gc_obj **key, gc_obj **value);
/* Removes key's entry; false when there was none. */
bool wm_delete(gc_mut *mut, gc_obj *map, gc_obj *key);
/* Unlinks every cleared entry, polling safepoints between buckets; returns the entries left. */
size_t wm_purge(gc_mut *mut, gc_obj **map);
/* Entries linked now, cleared ones not yet unlinked included. */
size_t wm_count(gc_obj *map);
/* Calls visit on every entry whose key is alive, unlinking cleared ones on the way, and stops early
 * when visit returns false; returns the entries visited. visit must not allocate or poll. */
typedef bool (*wm_visit_fn)(gc_obj *key, gc_obj *value, void *ctx);
size_t wm_each(gc_mut *mut, gc_obj *map, wm_visit_fn visit, void *ctx);

#endif
