#include "deque.h"

#include <stdio.h>
#include <stdlib.h>

static gc_deque_buf *buf_new(int64_t size, gc_deque_buf *prev) {
    gc_deque_buf *b = malloc(sizeof *b + (size_t)size * sizeof(_Atomic uintptr_t));
    if (!b) {
        /* A GC that cannot record its grey set cannot go on correctly; there is no smaller fallback. */
        fputs("gclab: fatal: out of memory for the marking deque\n", stderr);
        exit(3);
    }
    b->size = size;
    b->prev = prev;
    return b;
}

int gc_deque_init(gc_deque *d, int64_t initial_size) {
    int64_t size = 64;
    while (size < initial_size) size *= 2;
    atomic_init(&d->top, 0);
    atomic_init(&d->bottom, 0);
    atomic_init(&d->buf, buf_new(size, NULL));
    return 0;
}

static void free_retired(gc_deque_buf *b) {
    while (b) {
        gc_deque_buf *prev = b->prev;
        free(b);
        b = prev;
    }
}

void gc_deque_destroy(gc_deque *d) {
    gc_deque_buf *b = atomic_load_explicit(&d->buf, memory_order_relaxed);
    free_retired(b);
    atomic_store_explicit(&d->buf, NULL, memory_order_relaxed);
}

void gc_deque_reset(gc_deque *d) {
    gc_deque_buf *b = atomic_load_explicit(&d->buf, memory_order_relaxed);
    free_retired(b->prev);
    b->prev = NULL;
    atomic_store_explicit(&d->top, 0, memory_order_relaxed);
    atomic_store_explicit(&d->bottom, 0, memory_order_relaxed);
}

/* Doubles the buffer. The old one stays readable: a thief that loaded it before the switch still
 * reads a valid (and, for the indices it can win, identical) entry. */
static gc_deque_buf *grow(gc_deque *d, gc_deque_buf *a, int64_t top, int64_t bottom) {
    gc_deque_buf *b = buf_new(a->size * 2, a);
    for (int64_t i = top; i < bottom; i++)
        atomic_store_explicit(&b->item[i & (b->size - 1)],
                              atomic_load_explicit(&a->item[i & (a->size - 1)], memory_order_relaxed),
                              memory_order_relaxed);
    atomic_store_explicit(&d->buf, b, memory_order_release);
    return b;
}

void gc_deque_push(gc_deque *d, uintptr_t x) {
    int64_t b = atomic_load_explicit(&d->bottom, memory_order_relaxed);
    int64_t t = atomic_load_explicit(&d->top, memory_order_acquire);
    gc_deque_buf *a = atomic_load_explicit(&d->buf, memory_order_relaxed);
    if (b - t > a->size - 1) a = grow(d, a, t, b);
    /* Release on the entry as well as the bottom: the paper's release fence, in a form TSan models, so
     * what the owner wrote before pushing (a copied object, a mark) happens-before the thief's use. */
    atomic_store_explicit(&a->item[b & (a->size - 1)], x, memory_order_release);
    atomic_store_explicit(&d->bottom, b + 1, memory_order_release);
}

uintptr_t gc_deque_take(gc_deque *d) {
    int64_t b = atomic_load_explicit(&d->bottom, memory_order_relaxed) - 1;
    gc_deque_buf *a = atomic_load_explicit(&d->buf, memory_order_relaxed);
    /* The paper's seq_cst fence between this store and the load of top, written as two seq_cst
     * accesses (TSan does not model fences; on x86 the store is one xchg either way). */
    atomic_store_explicit(&d->bottom, b, memory_order_seq_cst);
    int64_t t = atomic_load_explicit(&d->top, memory_order_seq_cst);
    uintptr_t x;
    if (t <= b) {
        x = atomic_load_explicit(&a->item[b & (a->size - 1)], memory_order_relaxed);
        if (t == b) {
            /* The last entry: race the thieves for it. */
            if (!atomic_compare_exchange_strong_explicit(&d->top, &t, t + 1, memory_order_seq_cst,
                                                         memory_order_relaxed))
                x = GC_DEQUE_EMPTY;
            atomic_store_explicit(&d->bottom, b + 1, memory_order_relaxed);
        }
    } else {
        x = GC_DEQUE_EMPTY;
        atomic_store_explicit(&d->bottom, b + 1, memory_order_relaxed);
    }
    return x;
}

uintptr_t gc_deque_steal(gc_deque *d) {
    int64_t t = atomic_load_explicit(&d->top, memory_order_seq_cst);
    int64_t b = atomic_load_explicit(&d->bottom, memory_order_seq_cst);
    if (t >= b) return GC_DEQUE_EMPTY;
    gc_deque_buf *a = atomic_load_explicit(&d->buf, memory_order_acquire);
    uintptr_t x = atomic_load_explicit(&a->item[t & (a->size - 1)], memory_order_acquire);
    if (!atomic_compare_exchange_strong_explicit(&d->top, &t, t + 1, memory_order_seq_cst,
                                                 memory_order_relaxed))
        return GC_DEQUE_ABORT;
    return x;
}
