/* root_table.c: the global-root table (root_table.h). */
#include <stdlib.h>
#include "root_table.h"

int gc_root_table_add(gc_root_table *t, gc_obj **slot) {
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        gc_obj ***g = realloc(t->slot, cap * sizeof *g);
        if (!g) return -1;
        t->slot = g;
        t->cap = cap;
    }
    t->slot[t->n++] = slot;
    return 0;
}

void gc_root_table_remove(gc_root_table *t, gc_obj **slot) {
    for (size_t i = 0; i < t->n; i++)
        if (t->slot[i] == slot) {
            t->slot[i] = t->slot[--t->n];
            break;
        }
}

void gc_root_table_free(gc_root_table *t) {
    free(t->slot);
    t->slot = NULL;
    t->n = t->cap = 0;
}
