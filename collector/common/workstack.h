/* workstack.h: a GC worker's grey (or to-scan) entries: a private LIFO stack and a Chase-Lev deque.
 *
 * The worker pushes and pops its private stack with plain loads and stores. It moves the oldest half
 * of the stack to its deque, where other workers steal, only when the deque has run dry: a deque pop
 * costs a seq_cst store, a private pop nothing, and the oldest entries (nearest the roots) are the
 * biggest pieces of work to hand a thief. Marking (mark.c) and scavenging (scavenge.c) both work this
 * way. Entries are non-zero words. */
#ifndef GCLAB_WORKSTACK_H
#define GCLAB_WORKSTACK_H

#include <stdlib.h>
#include <string.h>
#include "deque.h"

typedef struct gc_workstack {
    _Alignas(64) gc_deque dq;   /* what thieves may take */
    uintptr_t *local;           /* private LIFO stack */
    size_t n, cap;
} gc_workstack;

static inline int gc_ws_init(gc_workstack *ws) {
    gc_deque_init(&ws->dq, 1024);
    ws->cap = 4096;
    ws->n = 0;
    ws->local = malloc(ws->cap * sizeof *ws->local);
    return ws->local ? 0 : -1;
}

static inline void gc_ws_free(gc_workstack *ws) {
    gc_deque_destroy(&ws->dq);
    free(ws->local);
    ws->local = NULL;
}

static inline void gc_ws_push(gc_workstack *ws, uintptr_t e) {
    if (__builtin_expect(ws->n == ws->cap, 0)) {
        size_t cap = ws->cap * 2;
        uintptr_t *l = realloc(ws->local, cap * sizeof *l);
        if (!l) {
            gc_deque_push(&ws->dq, e);   /* the deque grows on its own; slower, not wrong */
            return;
        }
        ws->local = l;
        ws->cap = cap;
    }
    ws->local[ws->n++] = e;
}

/* The next entry the worker holds itself: private stack first, then its deque. */
static inline uintptr_t gc_ws_next(gc_workstack *ws) {
    if (ws->n) return ws->local[--ws->n];
    return gc_deque_take(&ws->dq);
}

/* Publishes the oldest half of the private stack when nobody has anything to steal from us. */
static inline void gc_ws_share(gc_workstack *ws) {
    if (ws->n < 2 || !gc_deque_looks_empty(&ws->dq)) return;
    size_t k = ws->n / 2;
    for (size_t i = 0; i < k; i++) gc_deque_push(&ws->dq, ws->local[i]);
    memmove(ws->local, ws->local + k, (ws->n - k) * sizeof *ws->local);
    ws->n -= k;
}

/* Steals one entry from the other workers' deques: n work stacks, the first at `first`, each `stride`
 * bytes after the last (a field of an array of per-worker structs), the thief's own (self) skipped.
 * A random first victim (xorshift on the thief's *rng) spreads thieves over the deques. Counts the
 * deques that gave something and the ones that did not. */
static inline uintptr_t gc_ws_steal(gc_workstack *first, size_t stride, unsigned n, unsigned self, uint64_t *rng,
                                    uint64_t *steals, uint64_t *fails) {
    if (n < 2) return GC_DEQUE_EMPTY;
    *rng ^= *rng << 13;
    *rng ^= *rng >> 7;
    *rng ^= *rng << 17;
    unsigned start = (unsigned)(*rng % n);
    for (unsigned k = 0; k < n; k++) {
        unsigned v = (start + k) % n;
        if (v == self) continue;
        gc_deque *dq = &((gc_workstack *)((char *)first + (size_t)v * stride))->dq;
        uintptr_t e;
        do e = gc_deque_steal(dq); while (e == GC_DEQUE_ABORT);
        if (e != GC_DEQUE_EMPTY) {
            (*steals)++;
            return e;
        }
        (*fails)++;
    }
    return GC_DEQUE_EMPTY;
}

#endif
