/* bdw_fin.c: COLLECTOR=bdw's finalization registries (gclab.h: JavaScript's FinalizationRegistry).
 *
 * A registration is a cell (a FinalizationCell object, layout in bdw_heap.h) holding the held value
 * strongly and the target and token as libgc disappearing links. The target carries one libgc
 * finalizer, registered with GC_register_finalizer_no_order, whose client data is the head of the
 * chain of the target's cells (libgc keeps one finalizer per object, so every further registration of
 * the same target, from any registry, joins the chain).
 *
 * What libgc does when the target dies, all in GC_finalize at the end of that collection (after the
 * world restarted, allocation lock held): it first clears the short disappearing links of every
 * unreachable object, among them every WeakRef to the target and the cells' own target words; then it
 * queues the unreachable finalizable objects, the target among them. Later, outside the collection and
 * without the lock, libgc calls the finalizer (on_target_dead), which only moves the chain's cells to
 * the heap's queue; the cleanups run in gc_run_finalizers, on its caller's thread. So a cleanup never
 * runs inside a collection, never receives the target (on_target_dead drops it), and always finds
 * every weak reference to the target cleared.
 *
 * Why "no order": libgc's default, topologically ordered finalization never finalizes an object on a
 * cycle, and finalizes a dead object that another dead finalizable one reaches a cycle later;
 * JavaScript does neither. Unordered finalization queues every unreachable target in the same
 * collection, which is gclab.h's rule. (GC_register_finalizer_unreachable would hold back a target
 * reachable from another dead target: that is the ordering we do not want.) Its cost: libgc keeps the
 * dead target's memory, and what it reaches, until the finalizer has run, i.e. one collection longer;
 * nothing can reach it meanwhile.
 *
 * Held values keep targets alive. The cells are reachable from their registry (the root hook pushes
 * every registry's live list and the queue), and libgc marks from the roots before it looks at
 * finalizable objects, so a held value that reaches its target marks it, and that target is never
 * queued while the cell exists: gclab.h's (and JavaScript's) rule, with nothing resurrected.
 *
 * Who runs the finalizers: libgc does, in its default mode (finalize-on-demand off), on the thread
 * that allocates or collects next after the collection (GC_gcollect runs them before returning).
 * on-demand mode would keep every dead target's memory until someone called gc_run_finalizers;
 * since on_target_dead only moves cells under this file's lock, running it on any thread is safe, and
 * gc_run_finalizers and gc_finalizers_pending call GC_invoke_finalizers first, for chains that libgc
 * queued and no allocation has handed over yet.
 *
 * Locking. One process-wide lock (libgc is one heap per process; a finalizer may run after its heap
 * was destroyed) guards the registries' lists, the queue, the chains and every cell's bookkeeping. It
 * is never held while calling anything that may run libgc finalizers (GC_malloc, a cleanup), since
 * on_target_dead takes it; holding it, the code calls libgc only for what takes the allocation lock
 * without running finalizers (registering finalizers, GC_call_with_alloc_lock). Order: this lock, then
 * libgc's. The collection itself never takes it: the root hook reads the list heads with the world
 * stopped, and a holder stopped halfway through a list change keeps the cell it moves on its stack.
 */
#include "bdw_heap.h"

#include <stdlib.h>

#include "common/fatal.h"

struct gc_registry {
    gc_heap *heap;
    gc_cleanup_fn cleanup;
    void *ctx;
    struct gc_registry *next, *prev;    /* h->registries */
    _Atomic(gc_obj *) live;             /* cells not yet queued (state LIVE), via CELL_NEXT/PREV */
};

static pthread_mutex_t g_fin = PTHREAD_MUTEX_INITIALIZER;

void gc_bdw_fin_lock(void) { pthread_mutex_lock(&g_fin); }
void gc_bdw_fin_unlock(void) { pthread_mutex_unlock(&g_fin); }
gc_registry *gc_bdw_registry_next(gc_registry *r) { return r->next; }
gc_obj *gc_bdw_registry_live(gc_registry *r) { return atomic_load_explicit(&r->live, memory_order_relaxed); }

/* ---------------------------------------------------------------------------------------------- */
/* Cells and their lists (lock held) */

static gc_obj *cslot(gc_obj *c, int i) { return atomic_load_explicit(&c->slot[i], memory_order_acquire); }
static void cset(gc_obj *c, int i, gc_obj *v) { atomic_store_explicit(&c->slot[i], v, memory_order_release); }

/* A cell goes into a list only after its own links point into it, so a collection stopping this thread
 * anywhere finds it through the list or on this stack. */
static void list_push(_Atomic(gc_obj *) *head, gc_obj *c) {
    gc_obj *old = atomic_load_explicit(head, memory_order_relaxed);
    cset(c, GC_BDW_CELL_PREV, NULL);
    cset(c, GC_BDW_CELL_NEXT, old);
    if (old) cset(old, GC_BDW_CELL_PREV, c);
    atomic_store_explicit(head, c, memory_order_release);
}

static void list_append(_Atomic(gc_obj *) *head, _Atomic(gc_obj *) *tail, gc_obj *c) {
    gc_obj *last = atomic_load_explicit(tail, memory_order_relaxed);
    cset(c, GC_BDW_CELL_NEXT, NULL);
    cset(c, GC_BDW_CELL_PREV, last);
    if (last) cset(last, GC_BDW_CELL_NEXT, c);
    else atomic_store_explicit(head, c, memory_order_release);
    atomic_store_explicit(tail, c, memory_order_release);
}

/* tail may be NULL (the live lists keep none). */
static void list_remove(_Atomic(gc_obj *) *head, _Atomic(gc_obj *) *tail, gc_obj *c) {
    gc_obj *p = cslot(c, GC_BDW_CELL_PREV), *n = cslot(c, GC_BDW_CELL_NEXT);
    if (p) cset(p, GC_BDW_CELL_NEXT, n);
    else atomic_store_explicit(head, n, memory_order_release);
    if (n) cset(n, GC_BDW_CELL_PREV, p);
    else if (tail) atomic_store_explicit(tail, p, memory_order_release);
    cset(c, GC_BDW_CELL_NEXT, NULL);
    cset(c, GC_BDW_CELL_PREV, NULL);
}

/* libgc's finalizer of a target: moves the target's live cells to the queue. obj, the dead target, is
 * neither stored nor handed on. Cells already DONE (cancelled after the target died) are passed over. */
static void GC_CALLBACK on_target_dead(void *obj, void *chain) {
    (void)obj;
    gc_bdw_fin_lock();
    for (gc_obj *c = chain, *n; c; c = n) {
        n = cslot(c, GC_BDW_CELL_TNEXT);
        cset(c, GC_BDW_CELL_TNEXT, NULL);
        cset(c, GC_BDW_CELL_TPREV, NULL);
        gc_bdw_cell *cell = gc_bdw_cell_of(c);
        if (cell->state != GC_BDW_CELL_LIVE) continue;
        gc_registry *r = cell->reg;
        gc_heap *h = r->heap;
        list_remove(&r->live, NULL, c);
        cell->state = GC_BDW_CELL_QUEUED;
        cell->seq = ++h->fin_seq;
        list_append(&h->fin_head, &h->fin_tail, c);
        atomic_fetch_add_explicit(&h->fin_pending, 1, memory_order_relaxed);
    }
    gc_bdw_fin_unlock();
}

/* The sentinel that tells a failed libgc finalizer registration (out of memory: libgc then leaves the
 * old finalizer out-parameters untouched) from a successful one. */
static void GC_CALLBACK unset_proc(void *obj, void *cd) { (void)obj, (void)cd; }

static void *reveal_locked(void *word) { return gc_bdw_reveal(word); }

/* Takes a LIVE cell out of its living target's chain. The target is on this stack from the read on,
 * so no collection can find it dead before its finalizer is updated. */
static void unchain(gc_obj *c, gc_obj *target) {
    gc_obj *p = cslot(c, GC_BDW_CELL_TPREV), *n = cslot(c, GC_BDW_CELL_TNEXT);
    if (!p) {
        /* c heads the chain, so it is libgc's client data: hand libgc the rest of the chain, or no
         * finalizer at all. Should libgc run out of memory doing it, c stays in the chain, DONE, and
         * on_target_dead passes over it. */
        GC_finalization_proc ofn = unset_proc;
        GC_register_finalizer_no_order(target, n ? on_target_dead : 0, n, &ofn, NULL);
        if (ofn == unset_proc && n) return;
    } else {
        cset(p, GC_BDW_CELL_TNEXT, n);
    }
    if (n) cset(n, GC_BDW_CELL_TPREV, p);
    cset(c, GC_BDW_CELL_TNEXT, NULL);
    cset(c, GC_BDW_CELL_TPREV, NULL);
    GC_reachable_here(target);
}

/* Drops a LIVE or QUEUED cell of h without running its cleanup; it ends DONE, its held value let go. */
static void cancel(gc_heap *h, gc_obj *c) {
    gc_bdw_cell *cell = gc_bdw_cell_of(c);
    if (cell->state == GC_BDW_CELL_QUEUED) {
        list_remove(&h->fin_head, &h->fin_tail, c);
        atomic_fetch_sub_explicit(&h->fin_pending, 1, memory_order_relaxed);
    } else {
        list_remove(&cell->reg->live, NULL, c);
        gc_obj *target = GC_call_with_alloc_lock(reveal_locked, &cell->target);
        /* A cleared target word: the target died and libgc holds the chain for on_target_dead, which
         * will pass over this cell once it is DONE. */
        if (target) unchain(c, target);
    }
    cset(c, GC_BDW_CELL_HELD, NULL);
    cell->state = GC_BDW_CELL_DONE;
    cell->reg = NULL;
}

/* ---------------------------------------------------------------------------------------------- */
/* Registries */

static void *link_registry(void *arg) {
    gc_registry *r = arg;
    gc_heap *h = r->heap;
    r->prev = NULL;
    r->next = h->registries;
    if (h->registries) h->registries->prev = r;
    h->registries = r;
    return NULL;
}

static void *unlink_registry(void *arg) {
    gc_registry *r = arg;
    if (r->prev) r->prev->next = r->next;
    else r->heap->registries = r->next;
    if (r->next) r->next->prev = r->prev;
    return NULL;
}

/* Lock held. A registry that is not h's (NULL, freed, another heap's) is bad input: fatal, after the
 * lock is let go (an on_fatal that longjmps must not leave it held). */
static void check_registry(gc_heap *h, gc_registry *r, const char *call) {
    for (gc_registry *q = h->registries; q; q = q->next)
        if (q == r) return;
    gc_bdw_fin_unlock();
    gc_fatal(h, "%s: %p is not a live registry of this heap", call, (void *)r);
}

static void check_object(gc_heap *h, const char *call, const char *what, gc_obj *p) {
    if (GC_base(p) != (void *)p)
        gc_fatal(h, "%s: %s %p is not an object of this heap", call, what, (void *)p);
}

gc_registry *gc_registry_new(gc_heap *h, gc_cleanup_fn cleanup, void *ctx) {
    if (!cleanup) gc_fatal(h, "gc_registry_new: cleanup is NULL");
    gc_registry *r = calloc(1, sizeof *r);
    if (!r) gc_fatal(h, "gc_registry_new: out of memory");
    r->heap = h;
    r->cleanup = cleanup;
    r->ctx = ctx;
    atomic_init(&r->live, NULL);
    gc_bdw_fin_lock();
    GC_call_with_alloc_lock(link_registry, r);
    gc_bdw_fin_unlock();
    return r;
}

/* Lock held: cancels every cell of r, live or queued. */
static void drop_cells(gc_heap *h, gc_registry *r) {
    gc_obj *c;
    while ((c = atomic_load_explicit(&r->live, memory_order_relaxed)) != NULL) cancel(h, c);
    c = atomic_load_explicit(&h->fin_head, memory_order_relaxed);
    while (c) {
        gc_obj *n = cslot(c, GC_BDW_CELL_NEXT);
        if (gc_bdw_cell_of(c)->reg == r) cancel(h, c);
        c = n;
    }
}

void gc_registry_free(gc_mut *mut, gc_registry *r) {
    gc_heap *h = mut->heap;
    gc_bdw_fin_lock();
    check_registry(h, r, "gc_registry_free");
    drop_cells(h, r);
    GC_call_with_alloc_lock(unlink_registry, r);
    gc_bdw_fin_unlock();
    free(r);
}

/* gc_heap_destroy: no mutator is left to re-register finalizers with, so the cells are only marked
 * DONE and stay in their targets' chains; on_target_dead passes over them whenever those targets die,
 * under whatever heap comes next. */
void gc_bdw_fin_destroy(gc_heap *h) {
    gc_bdw_fin_lock();
    for (gc_registry *r = h->registries, *rn; r; r = rn) {
        rn = r->next;
        for (gc_obj *c = atomic_load_explicit(&r->live, memory_order_relaxed), *n; c; c = n) {
            n = cslot(c, GC_BDW_CELL_NEXT);
            cset(c, GC_BDW_CELL_HELD, NULL);
            gc_bdw_cell_of(c)->state = GC_BDW_CELL_DONE;
            gc_bdw_cell_of(c)->reg = NULL;
        }
        GC_call_with_alloc_lock(unlink_registry, r);
        free(r);
    }
    for (gc_obj *c = atomic_load_explicit(&h->fin_head, memory_order_relaxed); c; c = cslot(c, GC_BDW_CELL_NEXT)) {
        gc_bdw_cell_of(c)->state = GC_BDW_CELL_DONE;
        gc_bdw_cell_of(c)->reg = NULL;
    }
    atomic_store_explicit(&h->fin_head, NULL, memory_order_relaxed);
    atomic_store_explicit(&h->fin_tail, NULL, memory_order_relaxed);
    atomic_store_explicit(&h->fin_pending, 0, memory_order_relaxed);
    gc_bdw_fin_unlock();
}

/* The root hook (world stopped, allocation lock held): the cells hold the held values. */
static void push_word(gc_obj *p) {
    if (p) GC_push_all_eager(&p, &p + 1);
}

void gc_bdw_push_fin_roots(gc_heap *h) {
    for (gc_registry *r = h->registries; r; r = r->next)
        push_word(atomic_load_explicit(&r->live, memory_order_relaxed));
    push_word(atomic_load_explicit(&h->fin_head, memory_order_relaxed));
}

/* ---------------------------------------------------------------------------------------------- */
/* Registration */

static void weak_word(gc_heap *h, _Atomic GC_hidden_pointer *w, gc_obj *obj) {
    atomic_store_explicit(w, GC_HIDE_POINTER(obj), memory_order_relaxed);
    int rc = GC_general_register_disappearing_link((void **)w, obj);
    if (rc != GC_SUCCESS)
        gc_fatal(h, "gc_finalizer_register: libgc could not register a weak link (error %d: out of memory)", rc);
}

void gc_finalizer_register(gc_mut *mut, gc_registry *r, gc_obj *target, gc_obj *held, gc_obj *token) {
    static const char call[] = "gc_finalizer_register";
    gc_heap *h = mut->heap;
    if (!target) gc_fatal(h, "%s: target is NULL", call);
    check_object(h, call, "target", target);
    if (held) check_object(h, call, "held value", held);
    if (token) check_object(h, call, "token", token);

    /* Built before the lock (allocating may run libgc finalizers, which take it); until it is in the
     * lists, the cell, target, held value and token are all on this stack. */
    gc_obj *c = gc_alloc(mut, GC_TYPE_FINCELL, GC_BDW_CELL_SLOTS, sizeof(gc_bdw_cell));
    gc_bdw_cell *cell = gc_bdw_cell_of(c);
    cset(c, GC_BDW_CELL_HELD, held);
    weak_word(h, &cell->target, target);
    if (token) weak_word(h, &cell->token, token);
    cell->state = GC_BDW_CELL_LIVE;

    gc_bdw_fin_lock();
    check_registry(h, r, call);
    cell->reg = r;
    GC_finalization_proc ofn = unset_proc;
    void *ocd = NULL;
    GC_register_finalizer_no_order(target, on_target_dead, c, &ofn, &ocd);
    if (ofn == unset_proc) {
        gc_bdw_fin_unlock();
        gc_fatal(h, "%s: libgc could not register a finalizer (out of memory)", call);
    }
    if (ofn && ofn != on_target_dead) {
        GC_register_finalizer_no_order(target, ofn, ocd, NULL, NULL);
        gc_bdw_fin_unlock();
        gc_fatal(h, "%s: target %p has a libgc finalizer that gclab did not register", call, (void *)target);
    }
    /* The target is alive (on this stack), so on_target_dead cannot be walking this chain now. */
    if (ocd) {
        cset(c, GC_BDW_CELL_TNEXT, ocd);
        cset(ocd, GC_BDW_CELL_TPREV, c);
    }
    list_push(&r->live, c);
    gc_bdw_fin_unlock();
    GC_reachable_here(target);
    GC_reachable_here(held);
    GC_reachable_here(token);
}

/* Allocation lock held, so no collection clears a token word while it is compared. */
typedef struct match_arg {
    gc_heap *h;
    gc_registry *r;
    GC_hidden_pointer token;
    size_t found;
} match_arg;

static void match_list(match_arg *a, gc_obj *c) {
    for (; c; c = cslot(c, GC_BDW_CELL_NEXT)) {
        gc_bdw_cell *cell = gc_bdw_cell_of(c);
        cell->match = cell->reg == a->r &&
                      atomic_load_explicit(&cell->token, memory_order_relaxed) == a->token;
        a->found += (size_t)cell->match;
    }
}

static void *mark_matches(void *arg) {
    match_arg *a = arg;
    match_list(a, atomic_load_explicit(&a->r->live, memory_order_relaxed));
    match_list(a, atomic_load_explicit(&a->h->fin_head, memory_order_relaxed));
    return NULL;
}

size_t gc_finalizer_unregister(gc_mut *mut, gc_registry *r, gc_obj *token) {
    static const char call[] = "gc_finalizer_unregister";
    gc_heap *h = mut->heap;
    if (token) check_object(h, call, "token", token);
    gc_bdw_fin_lock();
    check_registry(h, r, call);
    /* A cell registered without a token has none to match: NULL cancels nothing. */
    match_arg a = {.h = h, .r = r, .token = GC_HIDE_POINTER(token)};
    if (token) GC_call_with_alloc_lock(mark_matches, &a);
    size_t n = 0;
    if (a.found) {
        for (int q = 0; q < 2; q++) {
            gc_obj *c = atomic_load_explicit(q ? &h->fin_head : &r->live, memory_order_relaxed);
            while (c) {
                gc_obj *next = cslot(c, GC_BDW_CELL_NEXT);
                if (gc_bdw_cell_of(c)->match) {
                    cancel(h, c);
                    n++;
                }
                c = next;
            }
        }
    }
    gc_bdw_fin_unlock();
    GC_reachable_here(token);
    return n;
}

/* ---------------------------------------------------------------------------------------------- */
/* Running cleanups */

size_t gc_run_finalizers(gc_mut *mut) {
    gc_heap *h = mut->heap;
    (void)GC_invoke_finalizers();
    /* "Queued so far": cells that cleanups queue meanwhile (by collecting) wait for the next call. */
    gc_bdw_fin_lock();
    uint64_t upto = h->fin_seq;
    gc_bdw_fin_unlock();
    size_t ran = 0;
    for (;;) {
        gc_bdw_fin_lock();
        gc_obj *c = atomic_load_explicit(&h->fin_head, memory_order_relaxed);
        if (!c || gc_bdw_cell_of(c)->seq > upto) {
            gc_bdw_fin_unlock();
            break;
        }
        gc_bdw_cell *cell = gc_bdw_cell_of(c);
        list_remove(&h->fin_head, &h->fin_tail, c);
        atomic_fetch_sub_explicit(&h->fin_pending, 1, memory_order_relaxed);
        gc_cleanup_fn cleanup = cell->reg->cleanup;
        void *ctx = cell->reg->ctx;
        /* From here the held value lives on this stack (an argument of the cleanup), not in the cell. */
        gc_obj *held = cslot(c, GC_BDW_CELL_HELD);
        cset(c, GC_BDW_CELL_HELD, NULL);
        cell->state = GC_BDW_CELL_DONE;
        cell->reg = NULL;
        gc_bdw_fin_unlock();
        cleanup(mut, held, ctx);
        ran++;
    }
    return ran;
}

size_t gc_finalizers_pending(gc_heap *h) {
    /* GC_invoke_finalizers keeps the finalizer record it took off libgc's queue only on the calling
     * stack until the finalizer returns: only a thread libgc scans may call it. */
    if (GC_thread_is_registered()) (void)GC_invoke_finalizers();
    return atomic_load_explicit(&h->fin_pending, memory_order_relaxed);
}
