/* layout.h: the object header and the size classes of gclab's own (precise) heaps.
 *
 * An object is a header word, `nptrs` pointer slots, then `nbytes` raw bytes, rounded up to a 16-byte
 * granule. The header is one 64-bit word:
 *
 *   bit  0      mark colour: an object is marked when this bit equals the heap's current colour.
 *               Colours alternate per cycle, so marks are never cleared: a cycle marks with the
 *               colour that the previous cycle's survivors do not have.
 *   bit  1      forwarded (copying collectors): the word then holds the new address | 2
 *   bits 2-5    age in scavenges survived (copying collectors)
 *   bit  6      ephemeron key: some ephemeron traced this cycle waits for this object to be marked
 *               (weak.h states the protocol; set and cleared by atomic read-modify-write)
 *   bit  7      weak: the object is a weak reference, an ephemeron or a finalization cell, whose type
 *               (types.h) says which of its slots are weak; set at allocation, never changed
 *   bits 8-23   type id (>= 1, so a live header is never 0; a free cell's header is 0)
 *   bits 24-43  nptrs, saturated at GC_HDR_SAT: the exact count is then in the large prefix
 *   bits 44-63  nbytes, saturated likewise
 *
 * Only a large object (over GC_SMALL_MAX bytes) can have a saturated count. A large object starts
 * GC_LARGE_PREFIX bytes into its first block, and the two words before its header hold its exact
 * nptrs and nbytes, so reading the counts never needs the heap or a side table. The header is written once, before the object is published, and afterwards
 * only its GC bits change, by atomic read-modify-write, so markers and mutators may read it at once.
 */
#ifndef GCLAB_LAYOUT_H
#define GCLAB_LAYOUT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define GC_GRANULE 16u
#define GC_GRANULE_SHIFT 4
#define GC_BLOCK_SHIFT 16                       /* 64 KiB blocks */
#define GC_BLOCK_SIZE ((size_t)1 << GC_BLOCK_SHIFT)
#define GC_SMALL_MAX 32768u                     /* larger objects live in runs of whole blocks */
#define GC_SMALL_GRANULES (GC_SMALL_MAX / GC_GRANULE)
#define GC_NCLASSES 72                          /* see sizeclass.c */
#define GC_LARGE_PREFIX 16u

#define GC_HDR_MARK ((uint64_t)1)
#define GC_HDR_FORWARDED ((uint64_t)2)
#define GC_HDR_AGE_SHIFT 2
#define GC_HDR_AGE_MASK ((uint64_t)0xf << GC_HDR_AGE_SHIFT)
#define GC_HDR_EPHKEY ((uint64_t)1 << 6)
#define GC_HDR_WEAK ((uint64_t)1 << 7)
#define GC_HDR_TYPE_SHIFT 8
#define GC_HDR_NPTRS_SHIFT 24
#define GC_HDR_NBYTES_SHIFT 44
#define GC_HDR_SAT ((uint64_t)0xfffff)

/* The mutator-visible object: only gc_obj pointers cross the API. Slots are atomic because markers
 * read them while mutators write (concurrent collectors), and workloads may share objects across
 * threads; relaxed atomics are plain moves on x86 and arm64. */
typedef _Atomic(struct gc_obj *) gc_slot;
struct gc_obj {
    _Atomic uint64_t header;
    gc_slot slot[];
};

/* A free cell on a size-class free list: header 0, then the link. */
typedef struct gc_cell {
    uint64_t zero;
    struct gc_cell *next;
} gc_cell;

extern uint8_t gc_class_of_granules[GC_SMALL_GRANULES + 1];   /* granules -> size class */
extern uint32_t gc_class_bytes[GC_NCLASSES];                   /* size class -> cell bytes */
void gc_size_classes_init(void);

static inline size_t gc_object_bytes(uint32_t nptrs, size_t nbytes) {
    return sizeof(uint64_t) + (size_t)nptrs * sizeof(void *) + nbytes;
}

static inline uint64_t gc_make_header(uint16_t type, uint32_t nptrs, size_t nbytes, uint64_t colour) {
    uint64_t p = nptrs < GC_HDR_SAT ? nptrs : GC_HDR_SAT;
    uint64_t b = nbytes < GC_HDR_SAT ? nbytes : GC_HDR_SAT;
    return colour | (uint64_t)type << GC_HDR_TYPE_SHIFT | p << GC_HDR_NPTRS_SHIFT | b << GC_HDR_NBYTES_SHIFT;
}

static inline uint16_t gc_hdr_type(uint64_t h) { return (uint16_t)(h >> GC_HDR_TYPE_SHIFT); }
static inline uint64_t gc_hdr_nptrs(uint64_t h) { return (h >> GC_HDR_NPTRS_SHIFT) & GC_HDR_SAT; }
static inline uint64_t gc_hdr_nbytes(uint64_t h) { return h >> GC_HDR_NBYTES_SHIFT; }

/* Exact counts, for any object. */
static inline uint64_t gc_obj_nptrs_of(const struct gc_obj *o, uint64_t h) {
    uint64_t n = gc_hdr_nptrs(h);
    return n != GC_HDR_SAT ? n : ((const uint64_t *)o)[-2];
}
static inline uint64_t gc_obj_nbytes_of(const struct gc_obj *o, uint64_t h) {
    uint64_t n = gc_hdr_nbytes(h);
    return n != GC_HDR_SAT ? n : ((const uint64_t *)o)[-1];
}

/* A filler: a dead gap in memory that a collector hands out by bumping a pointer (a young generation),
 * given a header so that a walk steps over it (walk.c). Its type is 0, which no registered type has,
 * so no pointer may reach it and the verifier would refuse one that did; no slots; raw bytes span the
 * gap. Gaps are whole granules, at most a TLAB or copy buffer (well under GC_HDR_SAT bytes). */
static inline void gc_write_filler(void *gap, size_t bytes) {
    atomic_store_explicit(&((struct gc_obj *)gap)->header, (uint64_t)(bytes - sizeof(uint64_t)) << GC_HDR_NBYTES_SHIFT,
                          memory_order_relaxed);
}

/* The bytes an object occupies in bump-allocated memory: its size rounded up to the granule. */
static inline size_t gc_bump_bytes(uint64_t header, const struct gc_obj *o) {
    size_t size = sizeof(uint64_t) + (size_t)gc_obj_nptrs_of(o, header) * sizeof(void *) + (size_t)gc_obj_nbytes_of(o, header);
    return (size + GC_GRANULE - 1) & ~(size_t)(GC_GRANULE - 1);
}

#endif
