/* sizeclass.c: size classes for small objects.
 *
 * Every granule below 256 bytes has its own class (the small objects that dominate allocation waste
 * nothing); from 256 bytes, each power of two is split into 8 classes, so internal fragmentation
 * stays under 12.5% up to GC_SMALL_MAX: 15 + 7 x 8 + 1 = 72 classes. Small objects go up to 32 KiB
 * because a large object occupies whole 64 KiB blocks: an 8 KiB message as a large object would
 * waste seven eighths of its block; in a 9 KiB class it wastes under 2%. */
#include <pthread.h>
#include "layout.h"

uint8_t gc_class_of_granules[GC_SMALL_GRANULES + 1];
uint32_t gc_class_bytes[GC_NCLASSES];

static void build(void) {
    unsigned cls = 0;
    for (uint32_t size = GC_GRANULE; size <= GC_SMALL_MAX;) {
        if (cls == GC_NCLASSES) __builtin_trap();   /* GC_NCLASSES disagrees with this loop */
        gc_class_bytes[cls++] = size;
        uint32_t step = size < 256 ? GC_GRANULE : (uint32_t)1 << (31 - __builtin_clz(size)) >> 3;
        size += step;
    }
    unsigned c = 0;
    for (unsigned g = 0; g <= GC_SMALL_GRANULES; g++) {
        while (gc_class_bytes[c] < g * GC_GRANULE) c++;
        gc_class_of_granules[g] = (uint8_t)c;
    }
}

void gc_size_classes_init(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, build);
}
