/* deque.h: the Chase-Lev work-stealing deque, in the C11 formulation of Lê, Pop, Cohen and Zappa
 * Nardelli ("Correct and efficient work-stealing for weak memory models", PPoPP 2013).
 *
 * The owner pushes and takes at the bottom without a lock-prefixed instruction except when it takes
 * the last element; thieves steal from the top with one compare-and-swap. Entries are non-zero words
 * (an object pointer, possibly tagged). The buffer grows without bound; old buffers stay allocated
 * until gc_deque_reset, when no thief can still be reading them (the end of a parallel phase).
 */
#ifndef GCLAB_DEQUE_H
#define GCLAB_DEQUE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct gc_deque_buf {
    int64_t size;                   /* a power of two */
    struct gc_deque_buf *prev;      /* retired buffers, freed by reset */
    _Atomic uintptr_t item[];
} gc_deque_buf;

typedef struct gc_deque {
    _Alignas(64) _Atomic int64_t top;
    _Alignas(64) _Atomic int64_t bottom;
    _Atomic(gc_deque_buf *) buf;
} gc_deque;

#define GC_DEQUE_EMPTY ((uintptr_t)0)
#define GC_DEQUE_ABORT ((uintptr_t)1)   /* a steal lost a race; the deque may still hold work */

int gc_deque_init(gc_deque *d, int64_t initial_size);
void gc_deque_destroy(gc_deque *d);
void gc_deque_reset(gc_deque *d);        /* owner, with no thief active: frees retired buffers */
void gc_deque_push(gc_deque *d, uintptr_t x);   /* owner only; aborts the process if out of memory */
uintptr_t gc_deque_take(gc_deque *d);           /* owner only; GC_DEQUE_EMPTY if none */
uintptr_t gc_deque_steal(gc_deque *d);          /* any thread; EMPTY, ABORT or an entry */
static inline bool gc_deque_looks_empty(gc_deque *d) {
    return atomic_load_explicit(&d->bottom, memory_order_relaxed) <=
           atomic_load_explicit(&d->top, memory_order_relaxed);
}

#endif
