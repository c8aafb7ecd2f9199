/* bdw_verify.c: the verifier of COLLECTOR=bdw (gc_verify_now).
 *
 * Walks the object graph from the precise roots (every attached thread's shadow stack and the global
 * roots) with the world stopped (GC_stop_world_external, which also holds the allocation lock) and
 * checks every reachable object: it is the start of a libgc object (GC_base(p) == p), its header's
 * type id is registered, and header + slots + raw bytes fit in GC_size(p). A pointer to a reclaimed
 * object shows as a bad header (a freed libgc object starts with its free-list link). Objects held
 * only by C stacks or registers (conservative roots) are not walked. While the world is stopped a
 * stopped thread may hold malloc's lock, so the visited set and the work stack live in mmap memory.
 *
 * Weak objects (bdw_heap.h). A WeakRef's slot holds a hidden pointer, never walked as a slot: the
 * verifier checks the object is one gc_weakref_new made and that its target, if not cleared, is a valid
 * object (with the allocation lock held no collection is between marking and clearing, so an uncleared
 * target is alive). Finalization cells are walked from the registries, as roots, under bdw_fin.c's
 * lock (taken before the world stops, so no list is halfway through a change): their slots are strong,
 * their target and token words are checked like a WeakRef's, and the lists must agree with the cells'
 * states and with gc_finalizers_pending's count.
 */
#include "bdw_heap.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/mman.h>

typedef struct vstate {
    gc_heap *h;
    uintptr_t *set;      /* open addressing, 0 = empty */
    size_t set_cap, set_n;
    gc_obj **stack;
    size_t stack_cap, stack_n;
    size_t problems;
    char *msg;
    size_t msglen;
    bool oom;
} vstate;

static void *vmap(size_t bytes) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static size_t vhash(uintptr_t p, size_t cap) {
    return (size_t)(((uint64_t)p >> 4) * 0x9E3779B97F4A7C15ull >> 20) & (cap - 1);
}

static bool vset_insert_raw(uintptr_t *set, size_t cap, uintptr_t p) {
    for (size_t i = vhash(p, cap);; i = (i + 1) & (cap - 1)) {
        if (set[i] == p) return false;
        if (set[i] == 0) {
            set[i] = p;
            return true;
        }
    }
}

/* Returns true if p was not in the set. */
static bool vset_insert(vstate *v, uintptr_t p) {
    if (2 * (v->set_n + 1) > v->set_cap) {
        size_t ncap = v->set_cap * 2;
        uintptr_t *n = vmap(ncap * sizeof *n);
        if (!n) {
            v->oom = true;
            return false;
        }
        for (size_t i = 0; i < v->set_cap; i++)
            if (v->set[i]) vset_insert_raw(n, ncap, v->set[i]);
        munmap(v->set, v->set_cap * sizeof *v->set);
        v->set = n;
        v->set_cap = ncap;
    }
    if (!vset_insert_raw(v->set, v->set_cap, p)) return false;
    v->set_n++;
    return true;
}

static void vproblem(vstate *v, const char *fmt, ...) {
    if (v->problems++ == 0 && v->msg && v->msglen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->msg, v->msglen, fmt, ap);
        va_end(ap);
    }
}

/* Checks p (reached from `what`, index idx of parent) and queues it for its slots. */
static void vvisit(vstate *v, gc_obj *p, const char *what, const void *parent, size_t idx) {
    if (!p || v->oom) return;
    if (!vset_insert(v, (uintptr_t)p)) return;
    void *base = GC_base(p);
    if (base != (void *)p) {
        vproblem(v, "%p (%s %p[%zu]) is not the start of a libgc object (base %p)", (void *)p, what,
                 parent, idx, base);
        return;
    }
    uint64_t hdr = p->hdr;
    unsigned type = (unsigned)(hdr >> 48);
    if (!gc_type_registered(&v->h->types, type)) {
        vproblem(v, "object %p (%s %p[%zu]) has an unregistered type %u (header %#llx): freed?",
                 (void *)p, what, parent, idx, type, (unsigned long long)hdr);
        return;
    }
    size_t size = GC_size(p);
    uint64_t np = (hdr >> 24) & GC_BDW_ESC, nb = hdr & GC_BDW_ESC, extra = 0;
    if (np == GC_BDW_ESC || nb == GC_BDW_ESC) {
        if (np != GC_BDW_ESC || nb != GC_BDW_ESC || size < 3 * sizeof(uint64_t)) {
            vproblem(v, "object %p (type %s) has a malformed header %#llx", (void *)p,
                     v->h->types.name[type], (unsigned long long)hdr);
            return;
        }
        const uint64_t *tail = gc_bdw_big_tail(p);
        if ((tail[0] & GC_BDW_TAG) != GC_BDW_TAG || (tail[1] & GC_BDW_TAG) != GC_BDW_TAG) {
            vproblem(v, "object %p (type %s): big-object counts are not tagged", (void *)p,
                     v->h->types.name[type]);
            return;
        }
        np = tail[0] & ~GC_BDW_TAG;
        nb = tail[1] & ~GC_BDW_TAG;
        extra = 2 * sizeof(uint64_t);
        if (np > UINT32_MAX || nb > GC_BDW_MAX_OBJECT) {
            vproblem(v, "object %p (type %s): big-object counts out of range", (void *)p,
                     v->h->types.name[type]);
            return;
        }
    }
    uint64_t need = sizeof(uint64_t) + np * sizeof(gc_obj *) + nb + extra;
    if (need > size) {
        vproblem(v, "object %p (type %s, %llu ptrs, %llu bytes) needs %llu bytes but GC_size is %zu",
                 (void *)p, v->h->types.name[type], (unsigned long long)np, (unsigned long long)nb,
                 (unsigned long long)need, size);
        return;
    }
    if (type == GC_TYPE_WEAKREF || type == GC_TYPE_FINCELL) {
        if (type == GC_TYPE_WEAKREF ? !gc_bdw_is_weakref(p) : !gc_bdw_is_cell(p)) {
            vproblem(v, "object %p (%s %p[%zu]) has the built-in type %s but was not made by gclab's %s",
                     (void *)p, what, parent, idx, v->h->types.name[type],
                     type == GC_TYPE_WEAKREF ? "gc_weakref_new" : "gc_finalizer_register");
            return;
        }
    } else if (np == 0) {
        return;
    }
    if (v->stack_n == v->stack_cap) {
        size_t ncap = v->stack_cap * 2;
        void *n = mremap(v->stack, v->stack_cap * sizeof *v->stack, ncap * sizeof *v->stack,
                         MREMAP_MAYMOVE);
        if (n == MAP_FAILED) {
            v->oom = true;
            return;
        }
        v->stack = n;
        v->stack_cap = ncap;
    }
    v->stack[v->stack_n++] = p;
}

static void vdrain(vstate *v) {
    while (v->stack_n && !v->oom) {
        gc_obj *p = v->stack[--v->stack_n];
        gc_type type = gc_typeof(p);
        if (type == GC_TYPE_WEAKREF) {
            /* Its slot is hidden: no slot to walk, only the target to check. */
            vvisit(v, gc_bdw_reveal(&((gc_bdw_weakref *)p)->target), "target of WeakRef", p, 0);
            continue;
        }
        if (type == GC_TYPE_FINCELL) {
            gc_bdw_cell *cell = gc_bdw_cell_of(p);
            vvisit(v, gc_bdw_reveal(&cell->target), "target of cell", p, 0);
            vvisit(v, gc_bdw_reveal(&cell->token), "token of cell", p, 0);
        }
        uint32_t np = gc_nptrs(p);
        for (uint32_t i = 0; i < np && !v->oom; i++) vvisit(v, gc_read(p, i), "slot of", p, i);
    }
}

/* One list of cells (a registry's live list, or the queue with reg NULL): each a cell in the state the
 * list implies, linked both ways, walked as a root. Returns the cells counted. */
static size_t vcells(vstate *v, gc_obj *c, gc_registry *reg, int state, const char *what) {
    size_t n = 0;
    for (gc_obj *prev = NULL; c && !v->oom; prev = c, c = gc_read(c, GC_BDW_CELL_NEXT), n++) {
        if (!gc_bdw_is_cell(c)) {
            vproblem(v, "%p on the %s is not a finalization cell", (void *)c, what);
            return n;
        }
        gc_bdw_cell *cell = gc_bdw_cell_of(c);
        if (cell->state != state || (reg && cell->reg != reg) || !cell->reg ||
            gc_read(c, GC_BDW_CELL_PREV) != prev) {
            vproblem(v, "cell %p on the %s: state %d, registry %p, back link %p (want %d, %p, %p)",
                     (void *)c, what, cell->state, (void *)cell->reg, (void *)gc_read(c, GC_BDW_CELL_PREV),
                     state, (void *)reg, (void *)prev);
            return n;
        }
        vvisit(v, c, what, reg, n);
        vdrain(v);
    }
    return n;
}

/* bdw_fin.c's lock held: the registries' cells and the queue. */
static void vregistries(vstate *v) {
    gc_heap *h = v->h;
    for (gc_registry *r = h->registries; r; r = gc_bdw_registry_next(r))
        vcells(v, gc_bdw_registry_live(r), r, GC_BDW_CELL_LIVE, "live list of a registry");
    size_t queued = vcells(v, atomic_load_explicit(&h->fin_head, memory_order_relaxed), NULL,
                           GC_BDW_CELL_QUEUED, "finalization queue");
    size_t pending = atomic_load_explicit(&h->fin_pending, memory_order_relaxed);
    if (!v->oom && queued != pending)
        vproblem(v, "the finalization queue holds %zu cells but %zu are counted pending", queued, pending);
}

size_t gc_verify_now(gc_mut *mut, char *msg, size_t msglen) {
    gc_heap *h = mut->heap;
    if (msg && msglen) msg[0] = '\0';
    vstate v = {.h = h, .msg = msg, .msglen = msglen};
    v.set_cap = (size_t)1 << 16;
    v.stack_cap = (size_t)1 << 14;
    v.set = vmap(v.set_cap * sizeof *v.set);
    v.stack = vmap(v.stack_cap * sizeof *v.stack);
    if (!v.set || !v.stack) {
        if (v.set) munmap(v.set, v.set_cap * sizeof *v.set);
        if (v.stack) munmap(v.stack, v.stack_cap * sizeof *v.stack);
        if (msg && msglen) snprintf(msg, msglen, "verifier: out of memory");
        return 1;
    }

    gc_bdw_fin_lock();          /* before libgc's lock, in bdw_fin.c's order */
    GC_stop_world_external();   /* takes the allocation lock, stops every other registered thread */
    unsigned t = 0;
    for (gc_mut *m = h->muts; m; m = m->next, t++) {
        for (size_t i = 0; i < m->sp; i++) {
            vvisit(&v, m->roots[i], "handle of thread", (void *)m, i);
            vdrain(&v);
        }
    }
    for (size_t i = 0; i < h->roots.n; i++) {
        vvisit(&v, *h->roots.slot[i], "global root", (void *)h->roots.slot[i], 0);
        vdrain(&v);
    }
    vregistries(&v);
    GC_start_world_external();
    gc_bdw_fin_unlock();

    if (v.oom) vproblem(&v, "verifier: out of memory after %zu objects", v.set_n);
    munmap(v.set, v.set_cap * sizeof *v.set);
    munmap(v.stack, v.stack_cap * sizeof *v.stack);
    return v.problems;
}
