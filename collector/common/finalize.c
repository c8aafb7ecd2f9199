/* finalize.c: gclab.h's finalization registries for the precise collectors.
 *
 * A registration is a finalization cell, a heap object: slot 0 the target (weak), slot 1 the
 * unregister token (weak), slot 2 the held value (strong), slots 3 and 4 the previous and next cell
 * of its registry, and in its raw bytes the registry it belongs to (NULL once cancelled or run). A
 * registry (not a heap object) holds the head of its list in a global root, so every cell, and its held
 * value, is strongly reachable until its cleanup runs or it is cancelled. When a cycle finds a cell's
 * target dead it clears the slot and appends the cell to the heap's finalization queue (weak.c), whose
 * entries are roots; gc_run_finalizers takes cells off the queue, unlinks them and calls the cleanups.
 *
 * Locks. heap->weak.lock (the queue and the list of registries) before a registry's lock. Neither is
 * held across anything that may collect: no allocation, no safepoint, so a thread waiting for one waits
 * for a running thread that will let it go without needing a collection first, and the collector, in a
 * pause, never finds either held. */
#include <stdlib.h>
#include <string.h>
#include "heap.h"

enum { CELL_TARGET, CELL_TOKEN, CELL_HELD, CELL_PREV, CELL_NEXT, CELL_SLOTS };

struct gc_registry {
    gc_heap *heap;
    gc_cleanup_fn cleanup;
    void *ctx;
    pthread_mutex_t lock;           /* the list below and the cells' registry fields */
    gc_obj *head;                   /* a global root: the registry's cells */
    size_t cells;
    struct gc_registry *next;       /* the heap's registries, under heap->weak.lock */
};

/* Atomic: gc_finalizers_pending reads it under the queue's lock, unregistering writes it under the
 * registry's. */
static _Atomic(gc_registry *) *registry_field(gc_obj *cell) { return (_Atomic(gc_registry *) *)gc_raw(cell); }
static gc_registry *cell_registry(gc_obj *cell) {
    return atomic_load_explicit(registry_field(cell), memory_order_relaxed);
}
static void set_cell_registry(gc_obj *cell, gc_registry *r) {
    atomic_store_explicit(registry_field(cell), r, memory_order_relaxed);
}

gc_registry *gc_registry_new(gc_heap *heap, gc_cleanup_fn cleanup, void *ctx) {
    if (!cleanup) gc_fatal(heap, "gc_registry_new: the cleanup function is NULL");
    gc_registry *r = calloc(1, sizeof *r);
    if (!r || pthread_mutex_init(&r->lock, NULL)) gc_fatal(heap, "out of memory creating a finalization registry");
    r->heap = heap;
    r->cleanup = cleanup;
    r->ctx = ctx;
    gc_add_root(heap, &r->head);
    pthread_mutex_lock(&heap->weak.lock);
    r->next = heap->registries;
    heap->registries = r;
    pthread_mutex_unlock(&heap->weak.lock);
    return r;
}

/* Under r->lock. */
static void unlink_cell(gc_mut *mut, gc_registry *r, gc_obj *cell) {
    gc_obj *prev = gc_read(cell, CELL_PREV), *next = gc_read(cell, CELL_NEXT);
    if (prev) gc_write(mut, prev, CELL_NEXT, next);
    else r->head = next;
    if (next) gc_write(mut, next, CELL_PREV, prev);
    gc_write(mut, cell, CELL_PREV, NULL);
    gc_write(mut, cell, CELL_NEXT, NULL);
    set_cell_registry(cell, NULL);
    r->cells--;
}

void gc_finalizer_register(gc_mut *mut, gc_registry *r, gc_obj *target, gc_obj *held, gc_obj *token) {
    gc_heap *heap = mut->heap;
    if (!r) gc_fatal(heap, "gc_finalizer_register: the registry is NULL");
    if (!target) gc_fatal(heap, "gc_finalizer_register: the target is NULL");
    if (held == target) gc_fatal(heap, "gc_finalizer_register: the held value is the target itself (it could never die)");
    size_t scope = gc_scope_open(mut);
    gc_obj **t = gc_push(mut, target), **h = gc_push(mut, held), **k = gc_push(mut, token);
    gc_obj *cell = gc_alloc(mut, GC_TYPE_FINCELL, CELL_SLOTS, sizeof(gc_registry *));
    uint64_t hdr = atomic_load_explicit(&cell->header, memory_order_relaxed);
    atomic_store_explicit(&cell->header, hdr | GC_HDR_WEAK, memory_order_relaxed);
    gc_write(mut, cell, CELL_TARGET, *t);
    gc_write(mut, cell, CELL_TOKEN, *k);
    gc_write(mut, cell, CELL_HELD, *h);
    set_cell_registry(cell, r);
    pthread_mutex_lock(&r->lock);
    gc_obj *first = r->head;
    gc_write(mut, cell, CELL_NEXT, first);
    if (first) gc_write(mut, first, CELL_PREV, cell);
    r->head = cell;
    r->cells++;
    pthread_mutex_unlock(&r->lock);
    gc_scope_close(mut, scope);
}

size_t gc_finalizer_unregister(gc_mut *mut, gc_registry *r, gc_obj *token) {
    if (!r) gc_fatal(mut->heap, "gc_finalizer_unregister: the registry is NULL");
    if (!token) return 0;
    size_t n = 0;
    pthread_mutex_lock(&r->lock);
    /* A walk of the whole list: JavaScript engines keep a map by token; gclab's workloads unregister
     * rarely, and the list costs no memory per registration beyond the cell. */
    for (gc_obj *c = r->head; c;) {
        gc_obj *next = gc_read(c, CELL_NEXT);
        if (gc_read(c, CELL_TOKEN) == token) {
            unlink_cell(mut, r, c);
            n++;
        }
        c = next;
    }
    pthread_mutex_unlock(&r->lock);
    return n;
}

void gc_registry_free(gc_mut *mut, gc_registry *r) {
    if (!r) return;
    gc_heap *heap = mut->heap;
    pthread_mutex_lock(&heap->weak.lock);
    for (gc_registry **p = &heap->registries; *p; p = &(*p)->next)
        if (*p == r) {
            *p = r->next;
            break;
        }
    /* Queued cells stay in the queue, with no registry: gc_run_finalizers drops them. */
    pthread_mutex_lock(&r->lock);
    for (gc_obj *c = r->head; c; c = gc_read(c, CELL_NEXT)) set_cell_registry(c, NULL);
    r->head = NULL;
    pthread_mutex_unlock(&r->lock);
    pthread_mutex_unlock(&heap->weak.lock);
    gc_remove_root(heap, &r->head);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

/* At heap destroy: no thread is attached any more. */
void gc_registries_free(gc_heap *heap) {
    while (heap->registries) {
        gc_registry *r = heap->registries;
        heap->registries = r->next;
        pthread_mutex_destroy(&r->lock);
        free(r);
    }
}

size_t gc_run_finalizers(gc_mut *mut) {
    gc_heap *heap = mut->heap;
    gc_weak_state *ws = &heap->weak;
    size_t ran = 0;
    for (;;) {
        pthread_mutex_lock(&ws->lock);
        if (!ws->queued) {
            pthread_mutex_unlock(&ws->lock);
            return ran;
        }
        /* First queued, first run: cleanups run in the order their targets were found dead. */
        gc_obj *cell = ws->queue[ws->qhead++];
        if (ws->qhead == ws->queued) ws->qhead = ws->queued = 0;
        gc_registry *r = cell_registry(cell);
        gc_cleanup_fn fn = NULL;
        void *ctx = NULL;
        if (r) {
            /* Freeing r needs the queue's lock, which we hold; unregistering may have cancelled the
             * cell since we read its registry: checked again under the registry's lock. */
            pthread_mutex_lock(&r->lock);
            if (cell_registry(cell) == r) {
                unlink_cell(mut, r, cell);
                fn = r->cleanup;
                ctx = r->ctx;
            }
            pthread_mutex_unlock(&r->lock);
        }
        gc_obj *held = gc_read(cell, CELL_HELD);
        pthread_mutex_unlock(&ws->lock);
        if (!fn) continue;   /* cancelled, or its registry freed */
        size_t scope = gc_scope_open(mut);
        gc_obj **h = gc_push(mut, held);
        fn(mut, *h, ctx);
        gc_scope_close(mut, scope);
        ran++;
    }
}

size_t gc_finalizers_pending(gc_heap *heap) {
    gc_weak_state *ws = &heap->weak;
    size_t n = 0;
    pthread_mutex_lock(&ws->lock);
    for (size_t i = ws->qhead; i < ws->queued; i++) n += cell_registry(ws->queue[i]) != NULL;
    pthread_mutex_unlock(&ws->lock);
    return n;
}
