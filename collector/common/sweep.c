/* sweep.c: lazy sweeping.
 *
 * Invariant: between cycles, a small cell is free iff its header is 0. Marking leaves dead objects
 * with the old colour; a block's sweep zeroes their headers and links every free cell into a list.
 * A block is swept at most once per cycle, by whoever claims it (the claim is an atomic cursor over
 * the class's part of sweep_list), so sweeping is spread over the mutators' allocation slow paths and
 * costs the pause nothing. Before the next cycle flips the colour every block must be swept, or its
 * dead objects would look marked: gc_sweep_finish does the rest, outside the pause, and keeps the
 * free lists it builds in the ready lists, for allocation while the next cycle marks (a free cell's
 * header is 0 whatever the colours, so allocating it then is safe). */
#include <sched.h>
#include <string.h>
#include "heap.h"

/* Links the free cells of block i (zeroing dead headers); returns the list and counts. */
static gc_cell *sweep_block(gc_heap *heap, size_t i, size_t *nfree, size_t *nlive) {
    gc_block *b = &heap->block[i];
    char *p = gc_block_addr(heap, i);
    uint64_t live = heap->colour;
    size_t cell = b->cell_bytes, free = 0, alive = 0;
    gc_cell *head = NULL, **tail = &head;
    for (size_t k = 0; k < b->ncells; k++, p += cell) {
        struct gc_obj *o = (struct gc_obj *)p;
        uint64_t h = atomic_load_explicit(&o->header, memory_order_relaxed);
        if (h != 0 && (h & GC_HDR_MARK) == live) {
            alive++;
            continue;
        }
        if (h != 0) atomic_store_explicit(&o->header, 0, memory_order_relaxed);
        gc_cell *c = (gc_cell *)p;
        *tail = c;
        tail = &c->next;
        free++;
    }
    *tail = NULL;
    *nfree = free;
    *nlive = alive;
    return head;
}

void gc_sweep_prepare(gc_heap *heap) {
    size_t count[GC_NCLASSES] = {0};
    size_t hwm = atomic_load_explicit(&heap->block_hwm, memory_order_relaxed);
    for (size_t i = 0; i < hwm; i++) {
        gc_block *b = &heap->block[i];
        uint8_t kind = atomic_load_explicit(&b->kind, memory_order_relaxed);
        if (kind == GC_BLK_SMALL) {
            count[b->cls]++;
        } else if (kind == GC_BLK_LARGE) {
            struct gc_obj *o = (struct gc_obj *)(gc_block_addr(heap, i) + GC_LARGE_PREFIX);
            uint64_t h = atomic_load_explicit(&o->header, memory_order_relaxed);
            if ((h & GC_HDR_MARK) != heap->colour) gc_blocks_release(heap, i, b->run);
        }
    }
    size_t at = 0;
    for (unsigned c = 0; c < GC_NCLASSES; c++) {
        heap->sweep_begin[c] = at;
        atomic_store_explicit(&heap->sweep_next[c], at, memory_order_relaxed);
        atomic_store_explicit(&heap->ready_reserved[c], at, memory_order_relaxed);
        atomic_store_explicit(&heap->ready_next[c], at, memory_order_relaxed);
        at += count[c];
        heap->sweep_end[c] = heap->sweep_begin[c];
    }
    for (size_t i = 0; i < at; i++) atomic_store_explicit(&heap->ready_list[i], 0, memory_order_relaxed);
    for (size_t i = 0; i < hwm; i++) {
        gc_block *b = &heap->block[i];
        if (atomic_load_explicit(&b->kind, memory_order_relaxed) == GC_BLK_SMALL)
            heap->sweep_list[heap->sweep_end[b->cls]++] = (uint32_t)i;
    }
}

/* A slow path sweeps at most SWEEP_MAX blocks before it gives up (and takes a ready or fresh block):
 * after a cycle, long runs of blocks can be wholly live (msgbuf's window) or wholly dead (its replaced
 * messages), and sweeping through a run of them in one allocation cost a mutator close to a
 * millisecond. The cursor has moved on, so the next slow path goes on from there. Wholly dead blocks
 * go back to the heap; the last one a budget reaches is kept for the caller. */
#define SWEEP_MAX 8

static gc_cell *sweep_claim(gc_heap *heap, unsigned cls, size_t *free_bytes, size_t budget) {
    for (size_t swept = 0; swept < budget; swept++) {
        size_t at = atomic_fetch_add_explicit(&heap->sweep_next[cls], 1, memory_order_relaxed);
        if (at >= heap->sweep_end[cls]) return NULL;
        size_t i = heap->sweep_list[at], nfree, nlive;
        gc_cell *cells = sweep_block(heap, i, &nfree, &nlive);
        if (nlive == 0 && swept + 1 < budget) {
            gc_blocks_release(heap, i, 1);
            continue;
        }
        if (nfree == 0) continue;
        *free_bytes = nfree * heap->block[i].cell_bytes;
        return cells;
    }
    return NULL;
}

gc_cell *gc_sweep_next(gc_heap *heap, unsigned cls, size_t *free_bytes) {
    /* Nothing left to sweep in this class (the common case once a cycle's sweep is done): no clock
     * read for the account. Racy, and only a hint: sweep_claim decides. */
    if (atomic_load_explicit(&heap->sweep_next[cls], memory_order_relaxed) >= heap->sweep_end[cls]) return NULL;
    gc_acct_push(GC_ACCT_STALL(GC_STALL_SWEEP));   /* a mutator's, when one sweeps (account.h) */
    gc_cell *cells = sweep_claim(heap, cls, free_bytes, SWEEP_MAX);
    gc_acct_pop();
    return cells;
}

size_t gc_sweep_finish(gc_heap *heap) {
    gc_acct_push(GC_ACCT_STALL(GC_STALL_SWEEP));   /* a mutator's, when one finishes it (account.h) */
    size_t before = atomic_load_explicit(&heap->blocks_in_use, memory_order_relaxed);
    for (unsigned c = 0; c < GC_NCLASSES; c++) {
        size_t bytes;
        gc_cell *cells;
        while ((cells = sweep_claim(heap, c, &bytes, SIZE_MAX))) {
            size_t i = gc_block_index(heap, cells);
            heap->block_free[i] = cells;
            heap->block_free_bytes[i] = (uint32_t)bytes;
            size_t at = atomic_fetch_add_explicit(&heap->ready_reserved[c], 1, memory_order_relaxed);
            atomic_store_explicit(&heap->ready_list[at], (uint32_t)i + 1, memory_order_release);
        }
    }
    size_t after = atomic_load_explicit(&heap->blocks_in_use, memory_order_relaxed);
    gc_acct_pop();
    return before > after ? before - after : 0;
}

gc_cell *gc_ready_next(gc_heap *heap, unsigned cls, size_t *free_bytes) {
    size_t at = atomic_load_explicit(&heap->ready_next[cls], memory_order_relaxed);
    do {
        if (at >= atomic_load_explicit(&heap->ready_reserved[cls], memory_order_acquire)) return NULL;
    } while (!atomic_compare_exchange_weak_explicit(&heap->ready_next[cls], &at, at + 1, memory_order_relaxed,
                                                    memory_order_relaxed));
    /* The slot is ours; its producer may still be between reserving and writing it. */
    uint32_t e;
    while ((e = atomic_load_explicit(&heap->ready_list[at], memory_order_acquire)) == 0) sched_yield();
    *free_bytes = heap->block_free_bytes[e - 1];
    return heap->block_free[e - 1];
}

/* A mutator's sweeping and its preparing of fresh blocks are charged to its account (account.h). */
static gc_cell *fresh_block(gc_heap *heap, unsigned cls, size_t *free_bytes) {
    gc_acct_push(GC_ACCT_STALL(GC_STALL_FRESH));
    gc_cell *cells = gc_fresh_block(heap, cls, free_bytes);
    gc_acct_pop();
    return cells;
}

gc_cell *gc_take_cells(gc_heap *heap, unsigned cls, size_t *free_bytes) {
    return gc_take_cells_hook(heap, cls, free_bytes, NULL, NULL);
}

gc_cell *gc_take_cells_hook(gc_heap *heap, unsigned cls, size_t *free_bytes, void (*before_fresh)(void *),
                            void *arg) {
    gc_cell *cells = gc_sweep_next(heap, cls, free_bytes);
    if (!cells) cells = gc_ready_next(heap, cls, free_bytes);
    if (!cells && before_fresh) {
        /* Faulting in fresh memory ahead of carving it (alloc.c) is fresh memory's cost too. */
        gc_acct_push(GC_ACCT_STALL(GC_STALL_FRESH));
        before_fresh(arg);
        gc_acct_pop();
    }
    if (!cells) cells = fresh_block(heap, cls, free_bytes);
    if (!cells) {
        gc_sweep_finish(heap);
        cells = gc_ready_next(heap, cls, free_bytes);
        if (!cells) cells = fresh_block(heap, cls, free_bytes);
    }
    return cells;
}

gc_cell *gc_fresh_block(gc_heap *heap, unsigned cls, size_t *free_bytes) {
    size_t i = gc_blocks_acquire(heap, 1);
    if (i == SIZE_MAX) return NULL;
    gc_block *b = &heap->block[i];
    b->cls = (uint8_t)cls;
    b->cell_bytes = gc_class_bytes[cls];
    b->ncells = (uint32_t)(GC_BLOCK_SIZE / b->cell_bytes);
    b->run = 1;
    /* The block may hold stale bytes from an earlier life: every cell gets a 0 header and a link. */
    char *p = gc_block_addr(heap, i);
    gc_cell *head = (gc_cell *)p;
    for (uint32_t k = 0; k < b->ncells; k++, p += b->cell_bytes) {
        gc_cell *c = (gc_cell *)p;
        c->zero = 0;
        c->next = k + 1 < b->ncells ? (gc_cell *)(p + b->cell_bytes) : NULL;
    }
    atomic_store_explicit(&b->kind, GC_BLK_SMALL, memory_order_release);
    *free_bytes = (size_t)b->ncells * b->cell_bytes;
    return head;
}
