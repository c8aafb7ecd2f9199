/* snapshot_ids.c: heap-snapshot node ids that follow an object for its whole life (DevTools and memlab
 * match objects across snapshots by id), and the detachedness a workload gives an object
 * (snapshot_writer.h).
 *
 * An id is given to an object the first time a snapshot (or gc_set_detached) sees it, and kept in a
 * map from the object's address. The map exists only once snapshots are in use, and its collector
 * keeps it true:
 * - every full-heap collection, inside its pause and before any cell can be swept and reused, drops
 *   the entries of the objects it found dead, so an address never hands a dead object's id to a new
 *   one (the block heap: insight.c; libgc, which never moves objects: at every MARK_END, bdw_snapshot.c);
 * - every scavenge moves the entries of the young objects it copied and drops those it did not.
 * Ids are odd (V8's convention), never reused: a counter, from GC_SNAP_FIRST_ID up by 2, to 2^33. The
 * map is an open-addressing table of 12-byte entries (the object's address in 16-byte granules, and
 * its id halved with the detached flag), a third to a half full: 24 to 36 bytes per object that has
 * an id, which with snapshots in use is every object a snapshot has seen alive. Its memory is mmap'd,
 * never malloc'd: libgc's collection callback grows it with the world stopped. */
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include "fatal.h"
#include "snapshot_writer.h"

#define GRANULE_SHIFT 4                 /* every object of every collector starts on 16 bytes */
#define EMPTY ((uint64_t)0)
#define TOMB ((uint64_t)1)

/* Keys: the address >> GRANULE_SHIFT, + 2 (so 0 and 1 stay free for EMPTY and TOMB), in two 32-bit
 * halves so that an entry is 12 bytes. Values: id >> 1 (ids are odd) << 1 | detached. */
typedef struct snap_entry {
    uint32_t lo, hi;
    uint32_t val;
} snap_entry;

struct gc_snap_ids {
    pthread_mutex_t lock;           /* mutators' gc_set_detached against each other */
    snap_entry *v;
    size_t cap, used, live;
    uint64_t next;                  /* the next id to give */
};

static inline uint64_t key(const snap_entry *e) { return (uint64_t)e->hi << 32 | e->lo; }
static inline void set_key(snap_entry *e, uint64_t k) { e->lo = (uint32_t)k, e->hi = (uint32_t)(k >> 32); }
static inline size_t slot_of(uint64_t k, size_t cap) { return (size_t)((k * 0x9e3779b97f4a7c15ull) >> 24) & (cap - 1); }
static inline uint64_t key_of(const void *p) { return ((uint64_t)(uintptr_t)p >> GRANULE_SHIFT) + 2; }
static inline void *addr_of(uint64_t k) { return (void *)(uintptr_t)((k - 2) << GRANULE_SHIFT); }

static void *map_pages(size_t bytes) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

gc_snap_ids *gc_snapmap_new(void) {
    gc_snap_ids *m = map_pages(sizeof *m);
    if (!m) return NULL;
    if (pthread_mutex_init(&m->lock, NULL)) {
        munmap(m, sizeof *m);
        return NULL;
    }
    m->next = GC_SNAP_FIRST_ID;
    return m;
}

static bool grow(gc_snap_ids *m) {
    size_t cap = 1024;
    while (cap < 3 * (m->live + 1)) cap *= 2;
    snap_entry *v = map_pages(cap * sizeof *v);   /* zeroed: every key EMPTY */
    if (!v) return false;
    for (size_t i = 0; i < m->cap; i++) {
        uint64_t k = key(&m->v[i]);
        if (k <= TOMB) continue;
        size_t j = slot_of(k, cap);
        while (key(&v[j]) != EMPTY) j = (j + 1) & (cap - 1);
        v[j] = m->v[i];
    }
    if (m->v) munmap(m->v, m->cap * sizeof *m->v);
    m->v = v;
    m->cap = cap;
    m->used = m->live;
    return true;
}

/* The entry of key k, or NULL. */
static snap_entry *find(gc_snap_ids *m, uint64_t k) {
    if (!m->cap) return NULL;
    for (size_t j = slot_of(k, m->cap);; j = (j + 1) & (m->cap - 1)) {
        uint64_t at = key(&m->v[j]);
        if (at == k) return &m->v[j];
        if (at == EMPTY) return NULL;
    }
}

/* A new entry for k, which has none. */
static snap_entry *put(struct gc_heap *heap, gc_snap_ids *m, uint64_t k, uint32_t val) {
    if (2 * (m->used + 1) > m->cap && !grow(m)) gc_fatal(heap, "out of memory for heap snapshot ids");
    size_t j = slot_of(k, m->cap);
    while (key(&m->v[j]) > TOMB) j = (j + 1) & (m->cap - 1);
    if (key(&m->v[j]) == EMPTY) m->used++;
    set_key(&m->v[j], k);
    m->v[j].val = val;
    m->live++;
    return &m->v[j];
}

/* The entry of p, made with the next id when it has none. */
static snap_entry *find_or_give(struct gc_heap *heap, gc_snap_ids *m, const void *p) {
    uint64_t k = key_of(p);
    snap_entry *e = find(m, k);
    if (e) return e;
    if (m->next >> 33) gc_fatal(heap, "heap snapshot ids exhausted (2^32 objects seen)");
    e = put(heap, m, k, (uint32_t)(m->next >> 1) << 1);
    m->next += 2;
    return e;
}

uint64_t gc_snapmap_id(struct gc_heap *heap, gc_snap_ids *m, const void *o, bool *detached) {
    pthread_mutex_lock(&m->lock);
    uint32_t v = find_or_give(heap, m, o)->val;
    pthread_mutex_unlock(&m->lock);
    if (detached) *detached = v & 1;
    return (uint64_t)(v >> 1) << 1 | 1;
}

void gc_snapmap_set_detached(struct gc_heap *heap, gc_snap_ids *m, const void *o, bool detached) {
    pthread_mutex_lock(&m->lock);
    snap_entry *e = find_or_give(heap, m, o);
    e->val = (e->val & ~(uint32_t)1) | (detached ? 1u : 0u);
    pthread_mutex_unlock(&m->lock);
}

void gc_snapmap_prune(gc_snap_ids *m, bool (*alive)(const void *o, void *arg), void *arg) {
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < m->cap; i++) {
        uint64_t k = key(&m->v[i]);
        if (k <= TOMB || alive(addr_of(k), arg)) continue;
        set_key(&m->v[i], TOMB);
        m->live--;
    }
    pthread_mutex_unlock(&m->lock);
}

void gc_snapmap_moved(struct gc_heap *heap, gc_snap_ids *m, uintptr_t lo, uintptr_t span, void *(*where)(void *o)) {
    pthread_mutex_lock(&m->lock);
    /* Taken out first, then put back at their new addresses: a new address may lie where another
     * moved entry still waits. The taken-out list lives in mmap'd pages too. */
    size_t n = 0, cap = 0;
    snap_entry *moved = NULL;
    for (size_t i = 0; i < m->cap; i++) {
        uint64_t k = key(&m->v[i]);
        if (k <= TOMB) continue;
        uintptr_t a = (uintptr_t)addr_of(k);
        if (a - lo >= span) continue;
        void *to = where((void *)a);
        set_key(&m->v[i], TOMB);
        m->live--;
        if (!to) continue;
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 256;
            snap_entry *v = map_pages(ncap * sizeof *v);
            if (!v) gc_fatal(heap, "out of memory for heap snapshot ids");
            if (moved) memcpy(v, moved, n * sizeof *v), munmap(moved, cap * sizeof *moved);
            moved = v;
            cap = ncap;
        }
        set_key(&moved[n], key_of(to));
        moved[n++].val = m->v[i].val;
    }
    for (size_t k = 0; k < n; k++) put(heap, m, key(&moved[k]), moved[k].val);
    if (moved) munmap(moved, cap * sizeof *moved);
    pthread_mutex_unlock(&m->lock);
}

void gc_snapmap_free(gc_snap_ids *m) {
    if (!m) return;
    if (m->v) munmap(m->v, m->cap * sizeof *m->v);
    pthread_mutex_destroy(&m->lock);
    munmap(m, sizeof *m);
}

size_t gc_snapmap_bytes(const gc_snap_ids *m) { return m ? m->cap * sizeof(snap_entry) : 0; }
