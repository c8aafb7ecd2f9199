/* walk.c: the one heap walk, for statistics, census and snapshots, and for diagnostics (cmark.c's
 * floating-garbage count). The block table says what each block holds: a small block is an array of
 * cells of one size (a cell with header 0 is free), a large block run holds one object after its
 * prefix, and blocks the collector took for its own layout are walked by the collector (collector.h),
 * which keeps that memory parseable (fillers over the gaps it leaves: layout.h). */
#include "walk.h"

void gc_heap_walk(gc_heap *heap, gc_object_fn *visit, void *ctx) {
    size_t hwm = atomic_load_explicit(&heap->block_hwm, memory_order_relaxed);
    for (size_t i = 0; i < hwm; i++) {
        gc_block *b = &heap->block[i];
        uint8_t kind = atomic_load_explicit(&b->kind, memory_order_relaxed);
        char *p = gc_block_addr(heap, i);
        if (kind == GC_BLK_SMALL) {
            for (uint32_t k = 0; k < b->ncells; k++, p += b->cell_bytes) {
                gc_obj *o = (gc_obj *)p;
                if (atomic_load_explicit(&o->header, memory_order_relaxed)) visit(heap, o, b->cell_bytes, ctx);
            }
        } else if (kind == GC_BLK_LARGE) {
            visit(heap, (gc_obj *)(p + GC_LARGE_PREFIX), (size_t)b->run << GC_BLOCK_SHIFT, ctx);
        }
    }
    if (gc_collector.walk) gc_collector.walk(heap, visit, ctx);
}
