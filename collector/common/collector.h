/* collector.h: the seam between the common heap and the collector built into this variant.
 *
 * A collector over the common block heap is its own files (collector/<name>.c for its policy and
 * phases, collector/<name>.h for its inline fast paths and its part of each mutator, collector/
 * <name>.mk for its sources) and one definition: the table below, `gc_collector`. The build picks the
 * collector (make COLLECTOR=...), so the table is a constant the linker resolves and the fast paths,
 * in the collector's header, inline into the mutator's code as before: only slow paths go through the
 * table. The common heap (api.c, alloc.c, verify.c, ...) calls the collector only through it and
 * never names a collector or reads its state: that state hangs off heap->collector, which only the
 * collector (and the machinery it chose to use, such as cmark.c or scavenge.c, through arguments it
 * passes) reads. bdw is no such collector: it implements gclab.h over libgc directly (bdw.c).
 *
 * A slot may be NULL where the comment says so; the common heap then does the default. */
#ifndef GCLAB_COLLECTOR_H
#define GCLAB_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include "gclab.h"

/* Why a collection is asked for. Each collector says what it runs for each, decided under the
 * collector role (handshake.c, gc_role_take). */
typedef enum gc_collect_why {
    GC_WHY_DUE,         /* the heap reached its trigger: a cycle should run (a concurrent or incremental
                         * collector may only start one) */
    GC_WHY_NEEDED,      /* an allocation cannot go on without a finished cycle (one that completed
                         * while the caller waited will do) */
    GC_WHY_EXPLICIT,    /* gc_collect: when it returns, every object that was unreachable when it was
                         * called has been found dead (a cycle whose marking began earlier does not do) */
} gc_collect_why;

typedef struct gc_collector_ops {
    const char *name;                   /* gc_collector_name() */
    /* Pacing: after a cycle the heap's goal is live x heap_factor, and the next cycle starts at
     * live + (goal - live) x start_fraction: 1 for a stop-the-world collector, less for one whose
     * cycle runs while the mutators allocate (alloc.c, gc_set_trigger). */
    double start_fraction;

    /* Set up once the common heap exists (its state goes in heap->collector); torn down before the
     * common heap goes. init returns 0, or -1 with one line in err. NULL: no state of its own. */
    int (*init)(gc_heap *heap, char *err, size_t errlen);
    void (*free)(gc_heap *heap);
    /* A mutator about to detach (its part of gc_mut still holds work, a barrier buffer say). NULL:
     * nothing to do. */
    void (*detach)(gc_mut *mut);

    /* A collection, for the reason given (an allocation slow path, gc_collect, stress mode). */
    void (*collect)(gc_mut *mut, gc_collect_why why);
    /* Called on every allocation slow path before it takes cells, a safepoint where the thread holds
     * no cell it has not handed out: where incremental work and assists are paid. NULL: none. */
    void (*alloc_hook)(gc_mut *mut);
    /* What --stress-every does every N allocations. NULL: collect(GC_WHY_NEEDED). */
    void (*stress)(gc_mut *mut);

    /* True while a cycle is marking between two pauses (reachable objects may then be white by
     * design: gc_verify_now finishes the cycle first). NULL: never. World stopped or role held. */
    bool (*marking)(gc_heap *heap);
    /* A mutator read o out of a weak slot (a weak reference's target, an ephemeron's key or value)
     * while its barrier is on: the barrier's keep-alive, where its invariant needs one (weakref.c).
     * NULL: never needed. */
    void (*weak_read)(gc_mut *mut, struct gc_obj *o);
    /* gclab.h's gc_test_marking. NULL: the barrier has no state to switch (returns false). */
    bool (*test_marking)(gc_mut *mut, bool on);
    /* Fills in the collector's own fields of gc_get_stats (a nursery's size, say). NULL: none. */
    void (*stats)(gc_heap *heap, gc_heap_stats *out);

    /* The verifier's questions about memory the collector owns (blocks of kind GC_BLK_COLLECTOR):
     * verify_room says how many bytes from p on belong to one used part (0: p is not in one), and
     * verify_slot checks a pointer the walk found in slot `slot` of o against the collector's own
     * invariants (a remembered set, say): NULL when it holds, else what is wrong. Both may be NULL. */
    size_t (*verify_room)(gc_heap *heap, const void *p);
    const char *(*verify_slot)(gc_heap *heap, const struct gc_obj *o, const void *slot, const struct gc_obj *p);
    /* The heap walk's part in that memory (walk.c): visit(heap, o, bytes, ctx) for every object in
     * it, fillers skipped. World stopped, role held. NULL: the collector lays out nothing itself. */
    void (*walk)(gc_heap *heap, void (*visit)(gc_heap *, struct gc_obj *, size_t, void *), void *ctx);
} gc_collector_ops;

/* Defined by the collector of this variant, once. */
extern const gc_collector_ops gc_collector;

#endif
