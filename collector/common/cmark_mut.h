/* cmark_mut.h: what the incremental and concurrent collectors keep in each mutator (mutator.h's
 * struct gc_mut_collector): marking state of the thread's own, read by cmark.c. */
#ifndef GCLAB_CMARK_MUT_H
#define GCLAB_CMARK_MUT_H

#include <stdint.h>

struct gc_mut_collector {
    struct gc_packet *barrier_buf;  /* objects the barrier shaded, not yet in the grey pool */
    struct gc_marker *marker;       /* this thread's increments and assists */
    uint64_t barrier_hits, regreyed;
    uint64_t paced_bytes;           /* allocated_bytes already paid for in mark work */
};

#endif
