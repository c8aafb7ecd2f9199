/* weakref.c: gclab.h's weak references and ephemerons for the precise collectors: allocation, and
 * reads with the barrier's keep-alive. What a cycle does with them is weak.h's.
 *
 * Slots are initialised with gc_write, the barrier included, although the object is new: a new weak
 * object is allocated black while marking runs and is never traced in that cycle, so its referents
 * must survive the cycle on their own. They do: the mutator holds them, so they are reachable now (a
 * Dijkstra store shades them; Steele's re-greys the new object, which is then traced like any other)
 * or were at the snapshot (Yuasa), unless the mutator read them out of another weak slot, which is
 * what the keep-alive on reads covers. And the generational barrier remembers an old weak object
 * pointing young, like any other. */
#include "heap.h"

static gc_obj *new_weak(gc_mut *mut, gc_type type, uint32_t nptrs, size_t nbytes) {
    gc_obj *o = gc_alloc(mut, type, nptrs, nbytes);
    /* Unpublished yet: nobody else reads the header until a slot or a root holds o. */
    uint64_t h = atomic_load_explicit(&o->header, memory_order_relaxed);
    atomic_store_explicit(&o->header, h | GC_HDR_WEAK, memory_order_relaxed);
    return o;
}

/* A read out of a weak slot while marking runs: the barrier decides whether the object must be shaded
 * (Yuasa's snapshot does not include objects reached only weakly, so one read now and stored where
 * the marker has already looked would be lost: G1's keep-alive on Reference.get). */
static inline gc_obj *weak_read(gc_mut *mut, gc_obj *o) {
    if (o && __builtin_expect(mut->barrier_on != 0, 0) && gc_collector.weak_read) gc_collector.weak_read(mut, o);
    return o;
}

static void expect_type(gc_mut *mut, const char *what, gc_obj *o, gc_type type) {
    if (!o) gc_fatal(mut->heap, "%s: NULL object", what);
    if (gc_typeof(o) != type)
        gc_fatal(mut->heap, "%s: object is a %s, not a %s", what, gc_type_name(mut->heap, gc_typeof(o)),
                 gc_type_name(mut->heap, type));
}

gc_obj *gc_weakref_new(gc_mut *mut, gc_obj *target) {
    size_t scope = gc_scope_open(mut);
    gc_obj **t = gc_push(mut, target);
    gc_obj *w = new_weak(mut, GC_TYPE_WEAKREF, 1, 0);
    gc_write(mut, w, 0, *t);
    gc_scope_close(mut, scope);
    return w;
}

gc_obj *gc_weakref_get(gc_mut *mut, gc_obj *ref) {
    expect_type(mut, "gc_weakref_get", ref, GC_TYPE_WEAKREF);
    return weak_read(mut, gc_read(ref, 0));
}

bool gc_has_ephemerons(void) { return true; }

gc_obj *gc_ephemeron_new(gc_mut *mut, gc_obj *key, gc_obj *value) {
    if (!key) gc_fatal(mut->heap, "gc_ephemeron_new: the key is NULL");
    size_t scope = gc_scope_open(mut);
    gc_obj **k = gc_push(mut, key), **v = gc_push(mut, value);
    gc_obj *e = new_weak(mut, GC_TYPE_EPHEMERON, 3, 0);
    gc_write(mut, e, 0, *k);
    gc_write(mut, e, 1, *v);
    gc_scope_close(mut, scope);
    return e;
}

gc_obj *gc_ephemeron_key(gc_mut *mut, gc_obj *e) {
    expect_type(mut, "gc_ephemeron_key", e, GC_TYPE_EPHEMERON);
    return weak_read(mut, gc_read(e, 0));
}

gc_obj *gc_ephemeron_value(gc_mut *mut, gc_obj *e) {
    expect_type(mut, "gc_ephemeron_value", e, GC_TYPE_EPHEMERON);
    return weak_read(mut, gc_read(e, 1));
}

/* A cycle clears an ephemeron only in a pause, and there is no safepoint between the test and the
 * store, so a value is never stored into an ephemeron already cleared. */
void gc_ephemeron_set_value(gc_mut *mut, gc_obj *e, gc_obj *value) {
    expect_type(mut, "gc_ephemeron_set_value", e, GC_TYPE_EPHEMERON);
    if (gc_read(e, 0)) gc_write(mut, e, 1, value);
}
