/* snapshot_ids.c: heap-snapshot node ids that follow an object for its whole life (DevTools and memlab
 * match objects across snapshots by id), and the detachedness a workload gives an object.
 *
 * An id is given to an object the first time a snapshot (or gc_set_detached) sees it, and kept in a
 * map from the object's address. The map exists only once snapshots are in use, and costs then:
 * - every full-heap cycle, inside its pause, drops the entries of objects it found dead (before their
 *   cells can be swept and reused, so an address never hands a dead object's id to a new one);
 * - every scavenge moves the entries of the young objects it copied and drops those it did not.
 * Ids are odd (V8's convention), never reused: a counter, from GC_SNAP_FIRST_ID up by 2, to 2^33. The
 * map is an open-addressing table of 8-byte entries (the object's granule number in the reservation, and
 * its id halved with the detached flag), a third to a half full: 16 to 24 bytes per object that has an
 * id, which with snapshots in use is every object a snapshot has seen alive. */
#include <stdlib.h>
#include <string.h>
#include "heap.h"

#define EMPTY ((uint32_t)0)
#define TOMB ((uint32_t)1)

/* Keys are granule numbers + 2 (so 0 and 1 stay free for EMPTY and TOMB): a reservation of up to
 * 64 GiB. Values: id >> 1 (ids are odd) << 1 | detached. */
typedef struct snap_entry {
    uint32_t key;
    uint32_t val;
} snap_entry;

struct gc_snap_ids {
    pthread_mutex_t lock;           /* mutators' gc_set_detached against each other; pauses exclude them */
    snap_entry *v;
    size_t cap, used, live;
    uint64_t next;                  /* the next id to give */
};

static inline size_t slot_of(uint32_t k, size_t cap) { return (size_t)(((uint64_t)k * 0x9e3779b97f4a7c15ull) >> 24) & (cap - 1); }
static inline uint32_t key_of(gc_heap *heap, const void *p) {
    return (uint32_t)(((uintptr_t)p - (uintptr_t)heap->base) >> GC_GRANULE_SHIFT) + 2;
}
static inline gc_obj *addr_of(gc_heap *heap, uint32_t k) {
    return (gc_obj *)(heap->base + ((uintptr_t)(k - 2) << GC_GRANULE_SHIFT));
}

static bool grow(gc_snap_ids *m) {
    size_t cap = 1024;
    while (cap < 3 * (m->live + 1)) cap *= 2;
    snap_entry *v = calloc(cap, sizeof *v);
    if (!v) return false;
    for (size_t i = 0; i < m->cap; i++) {
        if (m->v[i].key <= TOMB) continue;
        size_t j = slot_of(m->v[i].key, cap);
        while (v[j].key) j = (j + 1) & (cap - 1);
        v[j] = m->v[i];
    }
    free(m->v);
    m->v = v;
    m->cap = cap;
    m->used = m->live;
    return true;
}

/* The entry of a, or NULL. */
static snap_entry *find(gc_snap_ids *m, uint32_t k) {
    if (!m->cap) return NULL;
    for (size_t j = slot_of(k, m->cap);; j = (j + 1) & (m->cap - 1)) {
        if (m->v[j].key == k) return &m->v[j];
        if (m->v[j].key == EMPTY) return NULL;
    }
}

/* A new entry for a, which has none. */
static snap_entry *put(gc_heap *heap, gc_snap_ids *m, uint32_t k, uint32_t val) {
    if (2 * (m->used + 1) > m->cap && !grow(m)) gc_fatal(heap, "out of memory for heap snapshot ids");
    size_t j = slot_of(k, m->cap);
    while (m->v[j].key > TOMB) j = (j + 1) & (m->cap - 1);
    if (m->v[j].key == EMPTY) m->used++;
    m->v[j] = (snap_entry){k, val};
    m->live++;
    return &m->v[j];
}

/* The entry of a, made with the next id when it has none. */
static snap_entry *find_or_give(gc_heap *heap, gc_snap_ids *m, const void *p) {
    uint32_t k = key_of(heap, p);
    snap_entry *e = find(m, k);
    if (e) return e;
    if (m->next >> 33) gc_fatal(heap, "heap snapshot ids exhausted (2^32 objects seen)");
    e = put(heap, m, k, (uint32_t)(m->next >> 1) << 1);
    m->next += 2;
    return e;
}

static gc_snap_ids *ids_of(gc_heap *heap) {
    gc_snap_ids *m = atomic_load_explicit(&heap->snap_ids, memory_order_acquire);
    if (m) return m;
    pthread_mutex_lock(&heap->census_lock);
    m = atomic_load_explicit(&heap->snap_ids, memory_order_relaxed);
    if (!m) {
        if (((heap->nblocks << GC_BLOCK_SHIFT) >> GC_GRANULE_SHIFT) > UINT32_MAX - 2)
            gc_fatal(heap, "heap snapshots support heaps of up to 32 GiB (their ids key objects by a 32-bit granule number)");
        m = calloc(1, sizeof *m);
        if (!m || pthread_mutex_init(&m->lock, NULL)) gc_fatal(heap, "out of memory for heap snapshot ids");
        m->next = GC_SNAP_FIRST_ID;
        atomic_store_explicit(&heap->snap_ids, m, memory_order_release);
    }
    pthread_mutex_unlock(&heap->census_lock);
    return m;
}

uint64_t gc_snap_id(gc_heap *heap, const gc_obj *o, bool *detached) {
    gc_snap_ids *m = ids_of(heap);
    pthread_mutex_lock(&m->lock);
    snap_entry *e = find_or_give(heap, m, o);
    uint32_t v = e->val;
    pthread_mutex_unlock(&m->lock);
    if (detached) *detached = v & 1;
    return (uint64_t)(v >> 1) << 1 | 1;
}

void gc_set_detached(gc_mut *mut, gc_obj *o, bool detached) {
    if (!o) gc_fatal(mut->heap, "gc_set_detached: NULL object");
    gc_snap_ids *m = ids_of(mut->heap);
    pthread_mutex_lock(&m->lock);
    snap_entry *e = find_or_give(mut->heap, m, o);
    e->val = (e->val & ~(uint32_t)1) | (detached ? 1u : 0u);
    pthread_mutex_unlock(&m->lock);
}

void gc_snap_ids_prune(gc_heap *heap, uint64_t colour) {
    gc_snap_ids *m = atomic_load_explicit(&heap->snap_ids, memory_order_acquire);
    if (!m) return;
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < m->cap; i++) {
        uint32_t k = m->v[i].key;
        if (k <= TOMB) continue;
        uint64_t h = atomic_load_explicit(&addr_of(heap, k)->header, memory_order_relaxed);
        if (h == 0 || (h & GC_HDR_MARK) != colour) {
            m->v[i].key = TOMB;
            m->live--;
        }
    }
    pthread_mutex_unlock(&m->lock);
}

void gc_snap_ids_moved(gc_heap *heap, uintptr_t lo, uintptr_t span, gc_obj *(*where)(gc_obj *o)) {
    gc_snap_ids *m = atomic_load_explicit(&heap->snap_ids, memory_order_acquire);
    if (!m) return;
    pthread_mutex_lock(&m->lock);
    /* Taken out first, then put back at their new addresses: a new address may lie where another
     * moved entry still waits. */
    size_t n = 0, cap = 0;
    snap_entry *moved = NULL;
    for (size_t i = 0; i < m->cap; i++) {
        uint32_t k = m->v[i].key;
        if (k <= TOMB) continue;
        uintptr_t a = (uintptr_t)addr_of(heap, k);
        if (a - lo >= span) continue;
        gc_obj *to = where((gc_obj *)a);
        m->v[i].key = TOMB;
        m->live--;
        if (!to) continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            snap_entry *v = realloc(moved, cap * sizeof *v);
            if (!v) gc_fatal(heap, "out of memory for heap snapshot ids");
            moved = v;
        }
        moved[n++] = (snap_entry){key_of(heap, to), m->v[i].val};
    }
    for (size_t k = 0; k < n; k++) put(heap, m, moved[k].key, moved[k].val);
    free(moved);
    pthread_mutex_unlock(&m->lock);
}

void gc_snap_ids_free(gc_heap *heap) {
    gc_snap_ids *m = atomic_load_explicit(&heap->snap_ids, memory_order_relaxed);
    if (!m) return;
    free(m->v);
    pthread_mutex_destroy(&m->lock);
    free(m);
    atomic_store_explicit(&heap->snap_ids, NULL, memory_order_relaxed);
}

size_t gc_snap_ids_bytes(gc_heap *heap) {
    gc_snap_ids *m = atomic_load_explicit(&heap->snap_ids, memory_order_acquire);
    return m ? m->cap * sizeof(snap_entry) : 0;
}
