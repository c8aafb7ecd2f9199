/* blocks.c: the heap reservation, its block table, and runs of blocks.
 *
 * Block acquisition takes block_lock: it happens once per 64 KiB of allocation (a free list refill) or
 * per large object, never per object, so the lock is off the allocation fast path. */
#include <string.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include "heap.h"

int gc_blocks_init(gc_heap *heap, char *err, size_t errlen) {
    heap->nblocks = heap->max_blocks * 2;
    size_t bytes = heap->nblocks << GC_BLOCK_SHIFT;
    void *base = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) {
        snprintf(err, errlen, "cannot reserve %zu MiB of address space for the heap", bytes >> 20);
        return -1;
    }
    heap->base = base;
    heap->block = calloc(heap->nblocks, sizeof *heap->block);
    heap->sweep_list = calloc(heap->nblocks, sizeof *heap->sweep_list);
    heap->ready_list = calloc(heap->nblocks, sizeof *heap->ready_list);
    heap->block_free = calloc(heap->nblocks, sizeof *heap->block_free);
    heap->block_free_bytes = calloc(heap->nblocks, sizeof *heap->block_free_bytes);
    if (!heap->block || !heap->sweep_list || !heap->ready_list || !heap->block_free || !heap->block_free_bytes) {
        snprintf(err, errlen, "out of memory for the block table");
        return -1;
    }
    pthread_mutex_init(&heap->block_lock, NULL);
    heap->block_cursor = 0;
    atomic_init(&heap->blocks_in_use, 0);
    heap->peak_blocks = 0;
    return 0;
}

void gc_blocks_free(gc_heap *heap) {
    if (heap->base) munmap(heap->base, heap->nblocks << GC_BLOCK_SHIFT);
    free(heap->block);
    free(heap->sweep_list);
    free(heap->ready_list);
    free(heap->block_free);
    free(heap->block_free_bytes);
    pthread_mutex_destroy(&heap->block_lock);
}

static bool run_free(gc_heap *heap, size_t first, size_t n) {
    for (size_t i = first; i < first + n; i++)
        if (atomic_load_explicit(&heap->block[i].kind, memory_order_relaxed) != GC_BLK_FREE) return false;
    return true;
}

size_t gc_blocks_acquire(gc_heap *heap, size_t n) {
    pthread_mutex_lock(&heap->block_lock);
    size_t in_use = atomic_load_explicit(&heap->blocks_in_use, memory_order_relaxed);
    size_t found = SIZE_MAX;
    if (in_use + n <= heap->max_blocks) {
        /* First fit from the lowest free block: the heap stays packed at the bottom of the
         * reservation, so the pages it touches (RSS) track its footprint. Next fit would walk the whole
         * reservation and fault in fresh pages all the time. */
        for (size_t i = heap->block_cursor; i + n <= heap->nblocks; i++) {
            if (run_free(heap, i, n)) {
                found = i;
                break;
            }
        }
    }
    if (found != SIZE_MAX) {
        for (size_t i = found; i < found + n; i++) {
            gc_block *b = &heap->block[i];
            b->run = i == found ? (uint32_t)n : (uint32_t)found;
            atomic_store_explicit(&b->kind, i == found ? GC_BLK_LARGE : GC_BLK_LARGE_TAIL, memory_order_release);
        }
        /* The cursor is below no free block. A single block is the first free one from the cursor,
         * so everything before it is in use and the cursor moves past it; a run may have left free
         * blocks too few to hold it behind, so the cursor moves only when the run began there. The
         * fresh-block prefault (alloc.c) reads the cursor as the block the next one will be. */
        if (n == 1 || found == heap->block_cursor) heap->block_cursor = found + n;
        if (found + n > atomic_load_explicit(&heap->block_hwm, memory_order_relaxed))
            atomic_store_explicit(&heap->block_hwm, found + n, memory_order_relaxed);
        atomic_store_explicit(&heap->blocks_in_use, in_use + n, memory_order_relaxed);
        if (in_use + n > heap->peak_blocks) heap->peak_blocks = in_use + n;
    }
    pthread_mutex_unlock(&heap->block_lock);
    return found;
}

void gc_blocks_release(gc_heap *heap, size_t first, size_t n) {
    /* A large run gives its pages back (peak RSS then reflects the footprint); a single block is
     * reused soon by a free list and keeps them. */
    if (n > 1) madvise(gc_block_addr(heap, first), n << GC_BLOCK_SHIFT, MADV_DONTNEED);
    pthread_mutex_lock(&heap->block_lock);
    for (size_t i = first; i < first + n; i++)
        atomic_store_explicit(&heap->block[i].kind, GC_BLK_FREE, memory_order_relaxed);
    if (first < heap->block_cursor) heap->block_cursor = first;
    atomic_fetch_sub_explicit(&heap->blocks_in_use, n, memory_order_relaxed);
    pthread_mutex_unlock(&heap->block_lock);
}

size_t gc_obj_footprint(gc_heap *heap, const struct gc_obj *o) {
    gc_block *b = &heap->block[gc_block_index(heap, o)];
    if (atomic_load_explicit(&b->kind, memory_order_acquire) == GC_BLK_SMALL) return b->cell_bytes;
    return (size_t)b->run << GC_BLOCK_SHIFT;
}
