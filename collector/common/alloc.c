/* alloc.c: the allocation slow path: refill a free list, allocate a large object, or collect.
 *
 * Pacing: a cycle starts when the bytes live after the last cycle plus the bytes handed out since
 * reach the trigger, clamp(live x heap_factor, initial_heap, max_heap). Bytes are counted when a
 * whole free list or a large object is handed out, never per object. The footprint limit (max_heap)
 * is separate and hard: when a block cannot be had even after a full cycle, the heap is exhausted. */
#include <sys/mman.h>
#include "heap.h"
#include "fastpath.h"
#include "freelist_alloc.h"
#include "spin.h"

bool gc_should_collect(gc_heap *heap) {
    uint64_t used = heap->live_after_gc + atomic_load_explicit(&heap->allocated_since_gc, memory_order_relaxed);
    return used >= atomic_load_explicit(&heap->trigger_bytes, memory_order_relaxed);
}

void gc_set_trigger(gc_heap *heap, uint64_t live_bytes) {
    double g = (double)live_bytes * heap->opts.heap_factor;
    uint64_t max = (uint64_t)heap->max_blocks * GC_BLOCK_SIZE;
    uint64_t goal = g > (double)max ? max : (uint64_t)g;
    if (goal < heap->opts.initial_heap) goal = heap->opts.initial_heap;
    uint64_t trigger = goal;
    if (gc_collector.start_fraction < 1.0 && goal > live_bytes)
        trigger = live_bytes + (uint64_t)((double)(goal - live_bytes) * gc_collector.start_fraction);
    heap->live_after_gc = live_bytes;
    atomic_store_explicit(&heap->allocated_since_gc, 0, memory_order_relaxed);
    atomic_store_explicit(&heap->goal_bytes, goal, memory_order_relaxed);
    atomic_store_explicit(&heap->trigger_bytes, trigger, memory_order_relaxed);
}

static void count_allocated(gc_mut *mut, size_t bytes) {
    gc_heap *heap = mut->heap;
    mut->allocated_bytes += bytes;
    atomic_fetch_add_explicit(&heap->allocated_since_gc, bytes, memory_order_relaxed);
    atomic_fetch_add_explicit(&heap->allocated_total, bytes, memory_order_relaxed);
}

/* The fast path never polls for safepoints; the slow path does. So the thread gets a list of at most
 * GC_POLL_BYTES of cells at a time (the rest of the block waits in fl_rest, still the thread's own):
 * a thread allocating flat out reaches a safepoint within 16 KiB of allocation, a few microseconds,
 * whatever the size class. Time to safepoint was a block's worth (64 KiB, 56 msgbuf pushes) before.
 * Stress mode cuts the list further, at the allocations left before it collects. */
#define GC_POLL_BYTES (16u << 10)

static void install(gc_mut *mut, unsigned cls, gc_cell *cells) {
    uint64_t limit = GC_POLL_BYTES / gc_class_bytes[cls];
    if (limit == 0) limit = 1;
    bool stress = mut->heap->opts.stress_every != 0;
    if (stress && mut->stress_left < limit) limit = mut->stress_left;
    gc_cell **tail = &cells;
    uint64_t n = 0;
    while (*tail && n < limit) tail = &(*tail)->next, n++;
    if (*tail) {
        /* refill() empties fl_rest before it installs, so nothing kept aside is lost here. */
        mut->fl_rest[cls] = *tail;
        *tail = NULL;
    }
    if (stress) mut->stress_left -= n;
    mut->fl[cls] = cells;
}

/* A block nobody has used yet (at or above the high-water mark) costs its first-touch page faults to
 * the slow path that carves it: 16 of them, and on this project's VMs (whose guest memory the host
 * backs lazily) a fault costs 2 to over 100 us, so a block 30 us to several hundred. A stop requested
 * meanwhile would wait for all of it: polling between 16 KiB steps still left single steps of 250-385
 * us (measured: tools and figures in README, "Time to safepoint"). So the thread faults the block in
 * inside a blocking region, where it counts as stopped: faulting in a free block touches no object
 * and no collector state, and the thread holds no cell it has not handed out (this is an allocation
 * slow path), so a stop need not wait for it; if one began meanwhile, gc_block_leave waits it out.
 * The block is the one first fit will take next (the cursor: blocks.c); another thread may take it
 * meanwhile, and populating pages it then writes is harmless (the kernel's work, not a store). */
static void prefault_fresh(void *arg) {
#ifdef MADV_POPULATE_WRITE
    gc_mut *mut = arg;
    gc_heap *heap = mut->heap;
    pthread_mutex_lock(&heap->block_lock);
    size_t i = heap->block_cursor;   /* where first fit will look first */
    pthread_mutex_unlock(&heap->block_lock);
    if (i >= heap->nblocks || i < atomic_load_explicit(&heap->block_hwm, memory_order_relaxed) || i == mut->prefaulted)
        return;
    mut->prefaulted = i;
    gc_block_enter(mut);
    madvise(gc_block_addr(heap, i), GC_BLOCK_SIZE, MADV_POPULATE_WRITE);
    gc_block_leave(mut);
#else
    (void)arg;
#endif
}

/* Gives the thread cells of class cls. Returns false when a cycle is due (or the heap is full). */
static bool refill(gc_mut *mut, unsigned cls, bool after_cycle) {
    gc_heap *heap = mut->heap;
    if (mut->fl_rest[cls]) {
        gc_cell *rest = mut->fl_rest[cls];
        mut->fl_rest[cls] = NULL;
        install(mut, cls, rest);
        return mut->fl[cls] != NULL;
    }
    if (!after_cycle && gc_should_collect(heap)) return false;
    size_t bytes = 0;
    gc_cell *cells = gc_take_cells_hook(heap, cls, &bytes, prefault_fresh, mut);
    if (!cells) return false;
    count_allocated(mut, bytes);
    install(mut, cls, cells);
    return true;
}

/* Stress mode counts allocations as cells handed out: when the budget is spent, the cells handed out
 * but not used (other classes' lists) were no allocations, so they are taken back and refunded; only
 * with none outstanding is the budget truly spent, after exactly stress_every allocations. */
static void stress_tick(gc_mut *mut) {
    gc_heap *heap = mut->heap;
    if (!heap->opts.stress_every || mut->stress_left) return;
    for (unsigned c = 0; c < GC_NCLASSES; c++) {
        if (!mut->fl[c]) continue;
        gc_cell *tail = mut->fl[c];
        uint64_t n = 1;
        for (; tail->next; tail = tail->next) n++;
        tail->next = mut->fl_rest[c];
        mut->fl_rest[c] = mut->fl[c];
        mut->fl[c] = NULL;
        mut->stress_left += n;
    }
    if (mut->stress_left) return;
    if (gc_collector.stress) gc_collector.stress(mut);
    else gc_collector.collect(mut, GC_WHY_NEEDED);
    mut->stress_left = heap->opts.stress_every;
}

_Noreturn static void exhausted(gc_mut *mut, size_t size) {
    gc_heap *heap = mut->heap;
    gc_fatal(heap, "heap exhausted: a %zu-byte object does not fit in the %zu MiB heap (%llu MiB live after the last collection)",
             size, (heap->max_blocks * GC_BLOCK_SIZE) >> 20, (unsigned long long)(heap->live_after_gc >> 20));
}

static gc_obj *alloc_large(gc_mut *mut, gc_type type, uint32_t nptrs, size_t nbytes, size_t size) {
    gc_heap *heap = mut->heap;
    size_t n = (size + GC_LARGE_PREFIX + GC_BLOCK_SIZE - 1) >> GC_BLOCK_SHIFT;
    if (mut->heap->opts.stress_every) {
        if (mut->stress_left) mut->stress_left--;
        stress_tick(mut);
    }
    size_t first = SIZE_MAX;
    for (int attempt = 0; attempt < 2 && first == SIZE_MAX; attempt++) {
        if (attempt > 0 || gc_should_collect(heap)) gc_collector.collect(mut, attempt > 0 ? GC_WHY_NEEDED : GC_WHY_DUE);
        first = gc_blocks_acquire(heap, n);
        if (first == SIZE_MAX && gc_sweep_finish(heap) > 0) first = gc_blocks_acquire(heap, n);
    }
    if (first == SIZE_MAX) exhausted(mut, size);
    count_allocated(mut, n << GC_BLOCK_SHIFT);
    uint64_t *prefix = (uint64_t *)gc_block_addr(heap, first);
    prefix[0] = nptrs;
    prefix[1] = nbytes;
    gc_obj *obj = (gc_obj *)(prefix + 2);
    memset(obj->slot, 0, size - sizeof(uint64_t));
    atomic_store_explicit(&obj->header, gc_make_header(type, nptrs, nbytes, mut->colour), memory_order_relaxed);
    return obj;
}

static gc_obj *alloc_slow(gc_mut *mut, gc_type type, uint32_t nptrs, size_t nbytes) {
    /* An allocation slow path is a safepoint, and where collectors pace their work: the thread holds
     * no cell it has not handed out, so a cycle may start or end here. */
    gc_safepoint(mut);
    gc_note_cpu(&mut->cpu);
    if (gc_collector.alloc_hook) gc_collector.alloc_hook(mut);
    size_t size = gc_object_bytes(nptrs, nbytes);
    if (size > GC_SMALL_MAX) return alloc_large(mut, type, nptrs, nbytes, size);
    unsigned cls = gc_class_of_granules[(size + GC_GRANULE - 1) >> GC_GRANULE_SHIFT];
    stress_tick(mut);
    if (!mut->fl[cls]) {
        bool ok = refill(mut, cls, false);
        if (!ok) {
            gc_collector.collect(mut, GC_WHY_DUE);
            ok = refill(mut, cls, true);
        }
        if (!ok) {
            /* One more cycle: the first may have been another thread's, started before our need. */
            gc_collector.collect(mut, GC_WHY_NEEDED);
            ok = refill(mut, cls, true);
        }
        if (!ok) exhausted(mut, size);
    }
    return gc_alloc(mut, type, nptrs, nbytes);
}

gc_obj *gc_alloc_slow(gc_mut *mut, gc_type type, uint32_t nptrs, size_t nbytes) {
    gc_acct_push(GC_ACCT_STALL(GC_STALL_ALLOC));
    gc_obj *o = alloc_slow(mut, type, nptrs, nbytes);
    gc_acct_pop();
    return o;
}
