/* root_table.h: the global roots a heap was given (gc_add_root), shared by every collector (bdw
 * included). The table has no lock of its own: each heap guards it with the lock its collections
 * already hold (common: roots_lock; bdw: libgc's allocation lock). */
#ifndef GCLAB_ROOT_TABLE_H
#define GCLAB_ROOT_TABLE_H

#include <stddef.h>
#include "gclab.h"

typedef struct gc_root_table {
    gc_obj ***slot;
    size_t n, cap;
} gc_root_table;

/* Returns 0, or -1 when the table could not grow. */
int gc_root_table_add(gc_root_table *t, gc_obj **slot);
void gc_root_table_remove(gc_root_table *t, gc_obj **slot);
void gc_root_table_free(gc_root_table *t);

#endif
