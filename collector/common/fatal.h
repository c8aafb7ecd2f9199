/* fatal.h: how a heap that cannot go on ends, the same for every collector (bdw included), so an
 * embedder's on_fatal and the harness's exit status 3 see one behaviour whatever the variant. */
#ifndef GCLAB_FATAL_H
#define GCLAB_FATAL_H

#include "gclab.h"

/* Calls the heap's on_fatal (which must not return), else prints "gclab: fatal: <msg>" on stderr and
 * exits with status 3. heap may be NULL (no handler yet). */
_Noreturn void gc_fatal(gc_heap *heap, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The options a heap was created with, defaults filled in. Each heap defines it (common/api.c,
 * bdw.c): fatal.c knows neither heap's layout. */
const gc_options *gc_heap_options(gc_heap *heap);

#endif
