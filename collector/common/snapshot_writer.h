/* snapshot_writer.h: the one V8 .heapsnapshot writer (snapshot.c) and what it asks of a collector.
 *
 * The writer knows the format (meta, the synthetic nodes, strings, the streamed file); a collector
 * gives it a source: its live objects in node order, the position of an object among them, each
 * object's node and edges, and the sub-roots under "(GC roots)" with what each holds. Two sources
 * exist: the block heap's (snapshot_heap.c: a bitmap of the live objects, ranked) and libgc's
 * (bdw_snapshot.c: a sorted array of the marked objects' addresses). The writer never allocates: it
 * writes through one static buffer with write(2), so that libgc's collection callback, with the world
 * stopped and malloc off limits, can use it.
 *
 * The snapshot id map is here too (snapshot_ids.c): ids that follow an object for its life, given on
 * first sight, dropped when the object dies, keyed by the object's address. */
#ifndef GCLAB_SNAPSHOT_WRITER_H
#define GCLAB_SNAPSHOT_WRITER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GC_SNAP_ARRAY_SLOTS 16          /* more pointer slots than this: an array (element edges) */
#define GC_SNAP_FIRST_ID ((uint64_t)1 << 20 | 1)   /* objects' ids; smaller ones are synthetic */

/* V8's edge types a source uses. */
enum { GC_SNAP_ELEMENT = 1, GC_SNAP_PROPERTY = 2, GC_SNAP_INTERNAL = 3, GC_SNAP_WEAK = 6 };
/* The fixed edge names (gc_snap_edge_named). */
enum { GC_SNAP_TARGET, GC_SNAP_TOKEN, GC_SNAP_HELD, GC_SNAP_PREV, GC_SNAP_NEXT, GC_SNAP_KEY, GC_SNAP_NAMES };

typedef struct gc_snap_writer gc_snap_writer;

/* One object's node. */
typedef struct gc_snap_node {
    uint32_t type;          /* its type id: the node's name is the type's name */
    uint64_t id;            /* odd, >= GC_SNAP_FIRST_ID */
    uint64_t self_size;     /* exact bytes: header, slots, raw bytes */
    uint64_t edges;         /* exactly the edges edges_of gives it */
    bool detached;
} gc_snap_node;

typedef struct gc_snap_source {
    void *ctx;
    uint64_t objects, edges;    /* the live objects and the sum of their edges */
    uint32_t ntypes;            /* type ids below this have names */
    unsigned nroots;            /* sub-roots under (GC roots) */
    size_t nextra;              /* the source's own strings, after the slot names (gc_snap_edge_extra) */
    const char *(*type_name)(void *ctx, uint32_t type);
    /* Sub-root r: its name (buf is room to format one), how many edges, and the edges themselves
     * (gc_snap_root_edge per object held). */
    const char *(*root_name)(void *ctx, unsigned r, char *buf, size_t len);
    uint64_t (*root_count)(void *ctx, unsigned r);
    void (*root_edges)(void *ctx, unsigned r, gc_snap_writer *w);
    /* Every live object, in node order (the same order each time it is called). */
    void (*each_object)(void *ctx, void (*fn)(gc_snap_writer *w, const void *o), gc_snap_writer *w);
    uint64_t (*index_of)(void *ctx, const void *o);   /* o's position in that order */
    void (*node_of)(void *ctx, const void *o, gc_snap_node *n);
    void (*edges_of)(void *ctx, const void *o, gc_snap_writer *w);   /* gc_snap_edge_* per edge */
    void (*extra_string)(void *ctx, size_t k, gc_snap_writer *w);    /* gc_snap_put_string, once */
} gc_snap_source;

/* Writes the snapshot of src to path; returns 0, or -1 with err set. Allocates nothing. One at a time
 * (the buffer is static): callers write inside a pause. */
int gc_snap_write(const gc_snap_source *src, const char *path, char *err, size_t errlen);

/* For a source's callbacks. */
void gc_snap_root_edge(gc_snap_writer *w, const void *to);                  /* element edge of a sub-root */
void gc_snap_edge_slot(gc_snap_writer *w, uint64_t i, uint64_t nslots, const void *to);   /* "slotN", or element i */
void gc_snap_edge_named(gc_snap_writer *w, unsigned type, unsigned name, const void *to);
void gc_snap_edge_extra(gc_snap_writer *w, unsigned type, size_t k, const void *to);
void gc_snap_put_string(gc_snap_writer *w, const char *s);

/* ---- when: the pause of a full-heap collection ----
 * gc_write_heap_snapshot leaves a request for the next such pause (gc_snap_request_run); the pause
 * writes the file a request or snapshot_every asks for (gc_snap_due). */
typedef struct gc_snap_request {
    const char *path;
    char *err;
    size_t errlen;
    int rc;                         /* -2 until the pause took it */
} gc_snap_request;
typedef struct gc_snapshot_stats {
    uint64_t objects, edges, ns, extra_bytes;
} gc_snapshot_stats;
struct gc_mut;
/* gc_write_heap_snapshot on any collector: one request at a time (lock), left in *slot for the pause
 * of the full collection it then runs (gc_collect). */
int gc_snap_request_run(struct gc_mut *mut, _Atomic(gc_snap_request *) *slot, pthread_mutex_t *lock, const char *path,
                        char *err, size_t errlen);
/* In the pause: the path to write, taking the request in *slot if there is one, else
 * <prefix>-<cycle>.heapsnapshot into buf when every is due at cycle; NULL when none is due. */
const char *gc_snap_due(_Atomic(gc_snap_request *) *slot, gc_snap_request **req, unsigned every, const char *prefix,
                        uint32_t cycle, char *buf, size_t len);

/* ---- snapshot_ids.c: the id map ----
 * Keys are object addresses; ids odd, from GC_SNAP_FIRST_ID up by 2, never reused. The map's memory is
 * mmap'd (libgc's callback uses it with malloc off limits); its lock orders mutators' gc_set_detached
 * against each other, and the collector's own calls run where no mutator holds it (a pause, or
 * libgc's allocation lock, which bdw's gc_set_detached takes around it). gc_fatal(heap, ...) when ids
 * or memory run out. */
struct gc_heap;
typedef struct gc_snap_ids gc_snap_ids;
gc_snap_ids *gc_snapmap_new(void);                           /* NULL: no memory */
uint64_t gc_snapmap_id(struct gc_heap *heap, gc_snap_ids *m, const void *o, bool *detached);
void gc_snapmap_set_detached(struct gc_heap *heap, gc_snap_ids *m, const void *o, bool detached);
/* Drops the entries of the objects alive() says died. */
void gc_snapmap_prune(gc_snap_ids *m, bool (*alive)(const void *o, void *arg), void *arg);
/* Entries in [lo, lo + span) move to where(o), or go when it returns NULL (a scavenge). */
void gc_snapmap_moved(struct gc_heap *heap, gc_snap_ids *m, uintptr_t lo, uintptr_t span, void *(*where)(void *o));
void gc_snapmap_free(gc_snap_ids *m);
size_t gc_snapmap_bytes(const gc_snap_ids *m);

#endif
