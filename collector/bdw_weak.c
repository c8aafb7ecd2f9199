/* bdw_weak.c: COLLECTOR=bdw's weak references, and its refusal of ephemerons (gclab.h, "Weak
 * references, ephemerons and finalization").
 *
 * A WeakRef's target word is a libgc disappearing link (GC_general_register_disappearing_link) holding
 * the hidden target (layout in bdw_heap.h). libgc clears it in GC_finalize, which runs at the end of
 * the collection that found the target unreachable, after the world restarted but still under the
 * allocation lock, and before it decides anything about finalization: so by the time any cell of the
 * target is queued (bdw_fin.c), every weak reference to it reads NULL, as gclab.h asks.
 *
 * Reading the word. Between the end of marking and GC_finalize mutators run again while the target is
 * already condemned; a reader that revealed the word then would hold a pointer to an object about to
 * be reclaimed. libgc's documented remedy (gc.h, GC_general_register_disappearing_link) is to reveal
 * hidden pointers only under the allocation lock, which the whole collection holds: gc_weakref_get
 * reads under GC_call_with_alloc_lock (libgc 8.2 has no reader lock), so it sees the target either
 * before the collection, alive, or after it, alive or cleared. The pointer it returns is then on the
 * caller's stack, which libgc scans, so the target cannot die before the caller stores it.
 */
#include "bdw_heap.h"

#include "common/fatal.h"

static void *reveal_locked(void *word) { return gc_bdw_reveal(word); }

/* A pointer the API will hand to libgc as an object: libgc wants the start of one of its objects
 * (anything else it would take for a different object, or crash on). */
static void check_object(gc_heap *h, const char *call, const char *what, gc_obj *p) {
    if (GC_base(p) != (void *)p)
        gc_fatal(h, "%s: %s %p is not an object of this heap", call, what, (void *)p);
}

gc_obj *gc_weakref_new(gc_mut *mut, gc_obj *target) {
    gc_heap *h = mut->heap;
    if (target) check_object(h, "gc_weakref_new", "target", target);
    if (GC_BDW_UNLIKELY(--mut->countdown == 0)) gc_bdw_alloc_slow(mut);
    gc_bdw_weakref *w = GC_malloc_atomic(sizeof *w);
    if (!w) gc_bdw_oom(mut, sizeof *w);
    w->hdr = GC_BDW_HDR(GC_TYPE_WEAKREF, 1, 0);
    atomic_init(&w->target, 0);
    if (target) {
        /* target is on this stack until the link exists, so no collection can miss it in between. */
        atomic_store_explicit(&w->target, GC_HIDE_POINTER(target), memory_order_relaxed);
        int rc = GC_general_register_disappearing_link((void **)&w->target, target);
        if (rc != GC_SUCCESS)
            gc_fatal(h, "gc_weakref_new: libgc could not register a weak link (error %d: out of memory)", rc);
        GC_reachable_here(target);
    }
    return (gc_obj *)w;
}

gc_obj *gc_weakref_get(gc_mut *mut, gc_obj *ref) {
    if (!gc_bdw_is_weakref(ref))
        gc_fatal(mut->heap, "gc_weakref_get: %p is not a WeakRef made by gc_weakref_new", (void *)ref);
    gc_bdw_weakref *w = (gc_bdw_weakref *)ref;
    return GC_call_with_alloc_lock(reveal_locked, &w->target);
}

/* libgc has nothing to build ephemerons on: its disappearing links clear a word when an object dies,
 * but it offers no hook to mark a value only once its key is marked (a fixpoint inside marking). An
 * ephemeron faked as a strong value would keep its key alive through a value that refers to it, and
 * one faked as a weak value would lose values still needed: either breaks gclab.h's promise, so the
 * calls refuse, and gc_has_ephemerons says so first. */
#define NO_EPHEMERONS "ephemerons are not supported by the bdw collector (libgc has no ephemerons)"

bool gc_has_ephemerons(void) { return false; }

gc_obj *gc_ephemeron_new(gc_mut *mut, gc_obj *key, gc_obj *value) {
    (void)key, (void)value;
    gc_fatal(mut->heap, "gc_ephemeron_new: " NO_EPHEMERONS);
}

gc_obj *gc_ephemeron_key(gc_mut *mut, gc_obj *e) {
    (void)e;
    gc_fatal(mut->heap, "gc_ephemeron_key: " NO_EPHEMERONS);
}

gc_obj *gc_ephemeron_value(gc_mut *mut, gc_obj *e) {
    (void)e;
    gc_fatal(mut->heap, "gc_ephemeron_value: " NO_EPHEMERONS);
}

void gc_ephemeron_set_value(gc_mut *mut, gc_obj *e, gc_obj *value) {
    (void)e, (void)value;
    gc_fatal(mut->heap, "gc_ephemeron_set_value: " NO_EPHEMERONS);
}
