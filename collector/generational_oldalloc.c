/* generational_oldalloc.c: the old generation's allocation path of COLLECTOR=generational.
 *
 * It is the block heap's free-list path, common/alloc.c, unchanged: an object too big to be young
 * (GC_GEN_YOUNG_MAX) takes a cell from the thread's size-class free list (refilled from the lazy
 * sweep, ready lists or a fresh block) or a run of blocks; gc_should_collect and gc_set_trigger pace
 * the old generation, and --stress-every goes through gc_collector.stress. alloc.c ends its slow path
 * in the free-list fast path gc_alloc (freelist_alloc.h), and this variant's gc_alloc is the nursery
 * bump (generational.h): the two cannot share a translation unit. So generational.mk leaves alloc.c
 * out of the common sources and it is compiled here, with generational.h's GCLAB_GEN_OLDALLOC
 * choosing the free-list gc_alloc; the gc_mut layout and the barrier are this variant's own. */
#define GCLAB_GEN_OLDALLOC 1
#include "common/alloc.c"
