/* types.c: the type table (types.h) and the API's gc_register_type and gc_type_name over it. */
#include <stdlib.h>
#include <string.h>
#include "fatal.h"
#include "types.h"

static const char *const builtin[GC_TYPE_FIRST_USER] = {
    [GC_TYPE_WEAKREF] = "WeakRef", [GC_TYPE_EPHEMERON] = "Ephemeron", [GC_TYPE_FINCELL] = "FinalizationCell"};

/* Static strings for the built-ins: gc_type_table_free frees only ids from GC_TYPE_FIRST_USER on. */
void gc_type_table_init(gc_type_table *t) {
    pthread_mutex_init(&t->lock, NULL);
    for (unsigned i = 1; i < GC_TYPE_FIRST_USER; i++) t->name[i] = (char *)builtin[i];
    atomic_init(&t->count, GC_TYPE_FIRST_USER);
}

void gc_type_table_free(gc_type_table *t) {
    for (uint32_t i = GC_TYPE_FIRST_USER; i < atomic_load(&t->count); i++) free(t->name[i]);
    pthread_mutex_destroy(&t->lock);
}

gc_type gc_register_type(gc_heap *heap, const char *name) {
    gc_type_table *t = gc_heap_types(heap);
    pthread_mutex_lock(&t->lock);
    uint32_t n = atomic_load_explicit(&t->count, memory_order_relaxed);
    for (uint32_t i = 1; i < n; i++)
        if (strcmp(t->name[i], name) == 0) {
            pthread_mutex_unlock(&t->lock);
            return (gc_type)i;
        }
    if (n > UINT16_MAX) {
        pthread_mutex_unlock(&t->lock);
        gc_fatal(heap, "too many types (at most %u)", UINT16_MAX);
    }
    t->name[n] = strdup(name);
    if (!t->name[n]) gc_fatal(heap, "out of memory registering type %s", name);
    atomic_store_explicit(&t->count, n + 1, memory_order_release);
    pthread_mutex_unlock(&t->lock);
    return (gc_type)n;
}

const char *gc_type_name(gc_heap *heap, gc_type type) {
    gc_type_table *t = gc_heap_types(heap);
    return gc_type_registered(t, type) ? t->name[type] : "?";
}
