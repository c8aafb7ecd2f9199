/* walk.h: the one heap walk (walk.c). */
#ifndef GCLAB_WALK_H
#define GCLAB_WALK_H

#include "heap.h"

/* Called once per object: o, and the bytes it occupies (its cell, its block run, or its granules in
 * bump-allocated memory). ctx is the caller's own typed state. */
typedef void gc_object_fn(gc_heap *heap, gc_obj *o, size_t bytes, void *ctx);

/* Visits every object the heap holds: each allocated cell of a small block, each large object, and
 * every object in memory the collector lays out itself (its seam's walk: a young generation), each
 * once, in address order within each part. Objects found dead but not yet swept are visited too
 * (their header keeps the old colour: between cycles, an object is live iff it has heap->colour
 * and was reached, and right after a full stop-the-world cycle colour alone says it). The world must
 * be stopped and the caller hold the collector role; the walk may retire the mutators' allocation
 * buffers (their next allocation takes a new one). */
void gc_heap_walk(gc_heap *heap, gc_object_fn *visit, void *ctx);

#endif
