/* wl_size.h: the arithmetic of a workload's sizes: what an object takes in the heap (for live_bytes)
 * and a thread's share of a total split across threads. */
#ifndef GCLAB_WL_SIZE_H
#define GCLAB_WL_SIZE_H

#include <stdint.h>

/* Heap bytes of an object of nptrs pointer slots and nbytes raw bytes: a header word and the slots,
 * rounded up to 16 bytes. A lower bound for live_bytes: a collector may add more of its own. */
static inline uint64_t wl_obj_size(uint64_t nptrs, uint64_t nbytes) {
    return (8 + 8 * nptrs + nbytes + 15) & ~(uint64_t)15;
}

/* Thread t's share when `total` is split across n threads: the first total % n get one more. */
static inline uint64_t wl_share(uint64_t total, unsigned n, unsigned t) { return total / n + (t < total % n); }

#endif
