/* fatal.c: gc_fatal (fatal.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "fatal.h"

_Noreturn void gc_fatal(gc_heap *heap, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const gc_options *o = heap ? gc_heap_options(heap) : NULL;
    if (o && o->on_fatal) o->on_fatal(o->ctx, msg);
    fprintf(stderr, "gclab: fatal: %s\n", msg);
    exit(3);
}
