/* common.h: what the C side of the micro-benchmarks shares (micro/common.c). */
#ifndef GCLAB_MICRO_COMMON_H
#define GCLAB_MICRO_COMMON_H

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include "gclab.h"
#include "micro.h"

/* One heap with the calling thread attached. Every micro-benchmark uses the same max heap, so libgc
 * (one heap per process, never shrinking) can create a fresh heap for each. */
#define MICRO_MAX_HEAP ((size_t)3 << 30)

typedef struct micro_env {
    gc_heap *heap;
    gc_mut *mut;
    gc_type leaf, node, array;
} micro_env;

/* Returns 0, or -1 with the heap's error in err. gc_threads 0: one per core. */
int micro_env_open(micro_env *e, unsigned gc_threads, size_t initial_heap, char *err, size_t errlen);
void micro_env_close(micro_env *e);

/* The number of pause records; copies records from..from+max-1 (those that exist) into out. */
size_t micro_pauses(micro_env *e, size_t from, gc_pause *out, size_t max);
/* The number of pause records; the newest into *out when there is one. */
size_t micro_last_pause(micro_env *e, gc_pause *out);

uint64_t micro_now_ns(void);

/* Keeps a value alive without a store (the compiler must compute it). */
#define MICRO_KEEP(x) __asm__ volatile("" : : "r"(x))

/* The benchmark groups (alloc.c, barrier.c, mark.c, copy.c, safepoint.c, ephemeron.c): each appends its cases. */
size_t micro_alloc_benches(micro_bench *out);
size_t micro_barrier_benches(micro_bench *out);
size_t micro_mark_benches(micro_bench *out, unsigned cores);
size_t micro_copy_benches(micro_bench *out);
size_t micro_safepoint_benches(micro_bench *out, unsigned cores);
size_t micro_ephemeron_benches(micro_bench *out);

#endif
