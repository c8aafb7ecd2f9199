/* pauselog.h: the record of every pause of a heap (docs/DESIGN.md §4).
 *
 * Only the thread that holds the collector role appends, so the log needs no lock of its own. A pause
 * must not call malloc while the world is stopped (a stopped thread may hold malloc's lock), so the
 * collector reserves the next slot before it stops the world and fills it in the pause.
 */
#ifndef GCLAB_PAUSELOG_H
#define GCLAB_PAUSELOG_H

#include <stddef.h>
#include "gclab.h"

typedef struct gc_pauselog {
    gc_pause *v;
    size_t n, cap;
} gc_pauselog;

/* Returns 0, or -1 when memory for the log could not be had. */
int gc_pauselog_init(gc_pauselog *log, size_t initial_capacity);
/* Makes room for at least `more` further records; call with the world running. Returns 0 or -1. */
int gc_pauselog_reserve(gc_pauselog *log, size_t more);
/* The next record, in room reserved before; NULL if none was (the pause is then not recorded). */
gc_pause *gc_pauselog_append(gc_pauselog *log);
void gc_pauselog_free(gc_pauselog *log);

#endif
