#include "pauselog.h"

#include <stdlib.h>
#include <string.h>

int gc_pauselog_init(gc_pauselog *log, size_t initial_capacity) {
    memset(log, 0, sizeof *log);
    return gc_pauselog_reserve(log, initial_capacity ? initial_capacity : 1024);
}

int gc_pauselog_reserve(gc_pauselog *log, size_t more) {
    if (log->cap - log->n >= more) return 0;
    size_t cap = log->cap ? log->cap : 1024;
    while (cap - log->n < more) cap *= 2;
    gc_pause *v = realloc(log->v, cap * sizeof *v);
    if (!v) return -1;
    log->v = v;
    log->cap = cap;
    return 0;
}

gc_pause *gc_pauselog_append(gc_pauselog *log) {
    if (log->n == log->cap) return NULL;
    gc_pause *p = &log->v[log->n++];
    memset(p, 0, sizeof *p);
    return p;
}

void gc_pauselog_free(gc_pauselog *log) {
    free(log->v);
    memset(log, 0, sizeof *log);
}
