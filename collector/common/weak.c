/* weak.c: the pending-ephemeron table, the recorded weak slots and the end of a marking phase's weak
 * processing (weak.h states the protocol; the scavenger's end is in scavenge.c). */
#include "weak.h"

#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "heap.h"
#include "mark.h"

/* ---- recorded weak slots ---- */

bool gc_weak_buf_grow(gc_weak_buf *b) {
    size_t cap = b->cap ? b->cap * 2 : 1024;
    uintptr_t *v = realloc(b->v, cap * sizeof *v);
    if (!v) return false;
    b->v = v;
    b->cap = cap;
    return true;
}

void gc_weak_buf_free(gc_weak_buf *b) {
    free(b->v);
    *b = (gc_weak_buf){0};
}

/* ---- the heap's state ---- */

int gc_eph_table_init(gc_eph_table *t) {
    memset(t, 0, sizeof *t);
    for (unsigned i = 0; i < GC_EPH_SHARDS; i++)
        if (pthread_mutex_init(&t->shard[i].lock, NULL)) return -1;
    return 0;
}

void gc_eph_table_free(gc_eph_table *t) {
    for (unsigned i = 0; i < GC_EPH_SHARDS; i++) {
        gc_eph_shard *s = &t->shard[i];
        free(s->slot);
        pthread_mutex_destroy(&s->lock);
    }
}

int gc_weak_init(gc_weak_state *ws) {
    memset(ws, 0, sizeof *ws);
    if (gc_eph_table_init(&ws->eph)) return -1;
    return pthread_mutex_init(&ws->lock, NULL) ? -1 : 0;
}

void gc_weak_free(gc_weak_state *ws) {
    gc_eph_table_free(&ws->eph);
    gc_weak_buf_free(&ws->spill);
    free(ws->queue);
    pthread_mutex_destroy(&ws->lock);
}

void gc_weak_spill(gc_heap *heap, gc_weak_buf *b, gc_eph_counts *c) {
    gc_weak_state *ws = &heap->weak;
    pthread_mutex_lock(&ws->lock);
    while (ws->spill.cap - ws->spill.n < b->n)
        if (!gc_weak_buf_grow(&ws->spill)) {
            pthread_mutex_unlock(&ws->lock);
            gc_fatal(heap, "out of memory for weak references");
        }
    if (b->n) memcpy(ws->spill.v + ws->spill.n, b->v, b->n * sizeof *b->v);
    ws->spill.n += b->n;
    ws->spill_counts.pending += c->pending;
    ws->spill_counts.resolved += c->resolved;
    pthread_mutex_unlock(&ws->lock);
    b->n = 0;
    *c = (gc_eph_counts){0};
}

void gc_weak_queue_cell(gc_heap *heap, gc_obj *cell) {
    gc_weak_state *ws = &heap->weak;
    pthread_mutex_lock(&ws->lock);
    if (ws->queued == ws->queue_cap && ws->qhead) {   /* run ones at the front: slide down */
        memmove(ws->queue, ws->queue + ws->qhead, (ws->queued - ws->qhead) * sizeof *ws->queue);
        ws->queued -= ws->qhead;
        ws->qhead = 0;
    }
    if (ws->queued == ws->queue_cap) {
        size_t cap = ws->queue_cap ? ws->queue_cap * 2 : 256;
        gc_obj **q = realloc(ws->queue, cap * sizeof *q);
        if (!q) {
            pthread_mutex_unlock(&ws->lock);
            gc_fatal(heap, "out of memory for the finalization queue");
        }
        ws->queue = q;
        ws->queue_cap = cap;
    }
    ws->queue[ws->queued++] = cell;
    pthread_mutex_unlock(&ws->lock);
}

void gc_weak_visit_queue(gc_heap *heap, void (*visit)(gc_obj **slot, void *arg), void *arg) {
    gc_weak_state *ws = &heap->weak;
    pthread_mutex_lock(&ws->lock);
    for (size_t i = ws->qhead; i < ws->queued; i++) visit(&ws->queue[i], arg);
    pthread_mutex_unlock(&ws->lock);
}

/* ---- the pending-ephemeron table ---- */

static inline uint64_t key_hash(const gc_obj *key) { return ((uintptr_t)key >> 4) * 0x9e3779b97f4a7c15ull; }
static inline gc_eph_shard *shard_of(gc_eph_table *t, uint64_t hash) { return &t->shard[hash >> 58]; }

/* Rehashes the entries (not the tombstones) into a table at most half full (at least 64 slots). */
static bool rehash(gc_eph_shard *s) {
    size_t cap = 64;
    while (cap < 2 * (s->live + 1)) cap *= 2;
    gc_eph_slot *v = calloc(cap, sizeof *v);
    if (!v) return false;
    for (size_t i = 0; i < s->cap; i++) {
        gc_obj *k = s->slot[i].key;
        if (!k || k == GC_EPH_TOMB) continue;
        size_t j = key_hash(k) & (cap - 1);
        while (v[j].key) j = (j + 1) & (cap - 1);
        v[j] = s->slot[i];
    }
    free(s->slot);
    s->slot = v;
    s->cap = cap;
    s->used = s->live;
    return true;
}

bool gc_eph_insert(gc_eph_table *t, gc_obj *key, gc_obj *e) {
    uint64_t hash = key_hash(key);
    gc_eph_shard *s = shard_of(t, hash);
    pthread_mutex_lock(&s->lock);
    bool ok = 4 * (s->used + 1) <= 3 * s->cap || rehash(s);   /* at most 3/4 full */
    if (ok) {
        size_t j = hash & (s->cap - 1);
        while (s->slot[j].key) j = (j + 1) & (s->cap - 1);
        s->slot[j] = (gc_eph_slot){key, e};
        s->used++;
        s->live++;
    }
    pthread_mutex_unlock(&s->lock);
    return ok;
}

size_t gc_eph_take(gc_eph_table *t, gc_obj *key, void (*fn)(void *ctx, gc_obj *e), void *ctx) {
    uint64_t hash = key_hash(key);
    gc_eph_shard *s = shard_of(t, hash);
    /* Taken under the lock into a small batch, traced outside it: fn pushes onto work stacks. */
    gc_obj *batch[64];
    size_t taken = 0;
    for (;;) {
        size_t nb = 0;
        pthread_mutex_lock(&s->lock);
        if (s->cap)
            for (size_t j = hash & (s->cap - 1); s->slot[j].key && nb < 64; j = (j + 1) & (s->cap - 1))
                if (s->slot[j].key == key) {
                    batch[nb++] = s->slot[j].e;
                    s->slot[j].key = GC_EPH_TOMB;
                    s->live--;
                }
        pthread_mutex_unlock(&s->lock);
        for (size_t i = 0; i < nb; i++) fn(ctx, batch[i]);
        taken += nb;
        if (nb < 64) return taken;
    }
}

size_t gc_eph_each_left(gc_eph_table *t, void (*fn)(void *ctx, gc_obj *e), void *ctx) {
    size_t left = 0;
    for (unsigned i = 0; i < GC_EPH_SHARDS; i++) {
        gc_eph_shard *s = &t->shard[i];
        pthread_mutex_lock(&s->lock);
        if (s->used) {
            for (size_t j = 0; j < s->cap; j++) {
                gc_obj *k = s->slot[j].key;
                if (k && k != GC_EPH_TOMB) {
                    fn(ctx, s->slot[j].e);
                    left++;
                }
            }
            memset(s->slot, 0, s->cap * sizeof *s->slot);
        }
        s->used = s->live = 0;
        pthread_mutex_unlock(&s->lock);
    }
    return left;
}

/* ---- marking's side of the protocol ---- */

bool gc_eph_pend_marking(gc_heap *heap, gc_obj *key, gc_obj *e, uint64_t colour,
                         void (*fn)(void *ctx, gc_obj *e), void *ctx) {
    if (!gc_eph_insert(&heap->weak.eph, key, e)) gc_fatal(heap, "out of memory for pending ephemerons");
    uint64_t old = atomic_fetch_or_explicit(&key->header, GC_HDR_EPHKEY, memory_order_acq_rel);
    if ((old & GC_HDR_MARK) != colour) return false;
    /* The key was marked before the bit went on: its marker may have scanned it already. */
    atomic_fetch_and_explicit(&key->header, ~GC_HDR_EPHKEY, memory_order_acq_rel);
    gc_eph_take(&heap->weak.eph, key, fn, ctx);
    return true;
}

size_t gc_eph_key_marked(gc_heap *heap, gc_obj *key, void (*fn)(void *ctx, gc_obj *e), void *ctx) {
    uint64_t old = atomic_fetch_and_explicit(&key->header, ~GC_HDR_EPHKEY, memory_order_acq_rel);
    if (!(old & GC_HDR_EPHKEY)) return 0;
    return gc_eph_take(&heap->weak.eph, key, fn, ctx);
}

/* ---- the end of a marking phase ---- */

typedef struct finish {
    gc_heap *heap;
    uint64_t colour;
    uint64_t cleared, queued, eph_cleared;
} finish;

static void clear_ephemeron(void *ctx, gc_obj *e) {
    gc_eph_clear(e);
    ((finish *)ctx)->eph_cleared++;
}

static void clear_slots(finish *f, const gc_weak_buf *b) {
    for (size_t i = 0; i < b->n; i++) {
        gc_slot *slot = (gc_slot *)(b->v[i] & ~GC_WEAK_TARGET);
        gc_obj *t = atomic_load_explicit(slot, memory_order_relaxed);
        if (!t || gc_weak_marked(t, f->colour)) continue;
        atomic_store_explicit(slot, NULL, memory_order_relaxed);
        f->cleared++;
        if (b->v[i] & GC_WEAK_TARGET) {
            gc_weak_queue_cell(f->heap, (gc_obj *)((char *)slot - sizeof(uint64_t)));
            f->queued++;
        }
    }
}

/* In gclab.h's order: ephemerons, weak references, cells. All of it happens inside one pause, so the
 * order is observable only through the counts; it is kept anyway so that the statement in gclab.h is
 * the code's. */
void gc_weak_finish_marking(gc_heap *heap, uint64_t colour, gc_pause *rec) {
    uint64_t t0 = gc_now_ns();
    finish f = {.heap = heap, .colour = colour};
    gc_weak_state *ws = &heap->weak;
    gc_eph_counts c = ws->spill_counts;
    for (unsigned i = 0; i < heap->workers.n; i++) {
        gc_marker *m = &heap->markers[i];
        c.pending += m->eph.pending;
        c.resolved += m->eph.resolved;
        m->eph = (gc_eph_counts){0};
    }
    size_t left = gc_eph_each_left(&ws->eph, clear_ephemeron, &f);
    for (unsigned i = 0; i < heap->workers.n; i++) {
        clear_slots(&f, &heap->markers[i].weak);
        heap->markers[i].weak.n = 0;
    }
    clear_slots(&f, &ws->spill);
    ws->spill.n = 0;
    ws->spill_counts = (gc_eph_counts){0};
    rec->weak_cleared += f.cleared;
    rec->fin_queued += f.queued;
    rec->eph_pending += c.pending;
    rec->eph_resolved += c.resolved;
    rec->eph_cleared += f.eph_cleared;
    rec->eph_rounds += c.pending || left ? 1 : 0;
    rec->weak_ns += gc_now_ns() - t0;
}
