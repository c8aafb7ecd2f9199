/* sizeclass.c: size classes for small objects.
 *
 * Every granule up to 256 bytes has its own class (the small objects that dominate allocation waste
 * nothing); above, each power of two is split into 8 classes, so internal fragmentation stays under
 * 12.5% up to GC_SMALL_MAX. 16 + 5 x 8 = 56 classes. */
#include <pthread.h>
#include "layout.h"

uint8_t gc_class_of_granules[GC_SMALL_GRANULES + 1];
uint32_t gc_class_bytes[GC_NCLASSES];

static void build(void) {
    unsigned cls = 0;
    for (uint32_t size = GC_GRANULE; size <= GC_SMALL_MAX;) {
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
