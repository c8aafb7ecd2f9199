/* types.h: the registered type names of a heap, shared by every collector (bdw included): ids are
 * dense from 1 and a name is never moved or freed while the heap lives, so readers need no lock. */
#ifndef GCLAB_TYPES_H
#define GCLAB_TYPES_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "gclab.h"

typedef struct gc_type_table {
    pthread_mutex_t lock;
    char *name[1u << 16];
    _Atomic uint32_t count;         /* ids 1..count-1 are registered */
} gc_type_table;

/* The built-in types of weak references, ephemerons and finalization cells (gclab.h), registered by
 * every heap before any other, so their ids are the same constants everywhere: a tracer tells them
 * apart by the header's GC_HDR_WEAK bit and then these ids (trace.h). */
enum { GC_TYPE_WEAKREF = 1, GC_TYPE_EPHEMERON = 2, GC_TYPE_FINCELL = 3, GC_TYPE_FIRST_USER = 4 };

void gc_type_table_init(gc_type_table *t);
void gc_type_table_free(gc_type_table *t);
static inline bool gc_type_registered(gc_type_table *t, unsigned type) {
    return type != 0 && type < atomic_load_explicit(&t->count, memory_order_acquire);
}

/* The heap's table. Each heap defines it (common/api.c, bdw.c), so that gc_register_type and
 * gc_type_name are written once, in types.c. */
gc_type_table *gc_heap_types(gc_heap *heap);

#endif
