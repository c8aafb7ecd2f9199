/* leaks: the common JavaScript memory leaks as small programs, each with its fix (docs/DESIGN.md §5).
 *
 * Ground truth for the leak detector (harness/leak.h): each program knows exactly which objects it
 * leaks. It runs --ticks ticks, as a server's event loop or a memlab scenario does; a tick serves
 * --requests requests (each allocates a Request and a --request-size RequestBody, the garbage of
 * real work) and ends with a full collection (gc_collect, as `node --expose-gc` leak tests and memlab
 * force one), so every tick gives the detector a census of the heap after a full collection. Beside
 * it the program keeps a steady live set (--base KiB of AppState objects: the code, configuration and
 * caches every real process has, against which the detector's relative threshold is measured).
 *
 * Of each tick's requests, --leaks take the pattern's path, spread evenly over the tick (request i
 * with i % (requests / leaks) == 0, the first `leaks` such), each making objects of the pattern's own
 * type, of --leak-size raw bytes. The leaky program (--fixed 0) keeps them for ever; the fixed one
 * (--fixed 1) holds at most a bound that does not grow with the ticks:
 *
 *  1 listeners  Listener: a handler registered on a long-lived emitter for the request (it holds a
 *               buffer), never removed on the leaky path; the emitter fires once per tick, calling
 *               every handler. Fixed: removed when the request ends (0 held).
 *  2 cache      RequestRecord: the express example's global array of requests, grown for ever.
 *               Fixed: an LRU cache of --bound records (workloads/lru.h; at most --bound held).
 *               Every request reads a recent record back.
 *  3 closure    ClosureScope: Meteor's replaceThing, one long-lived callback per leaky request slot
 *               replaced each tick; the new callback's scope (a big array) also captures the previous
 *               callback, for a function that never runs, so every scope ever made stays reachable in
 *               a chain. Fixed: the scope holds only what the callback uses (--leaks held).
 *  4 timers     TimerRecord: an interval registered per request on a long-lived timer list, fired at
 *               every tick, never cleared. Fixed: cleared when its request ends, after its first
 *               firing at the next tick (--leaks held).
 *  5 detached   DetachedNode: a widget of 4 nodes (a root, two children, a grandchild) mounted in the
 *               document, with a click handler on its grandchild in a global handler table; at the
 *               end of the tick every widget is unmounted (unlinked from the document), but the leaky
 *               program leaves the handlers, whose node's parent links keep the whole detached
 *               subtree. Fixed: the handlers go with the widgets (0 held). The widgets' nodes have
 *               this type from birth: a tick unmounts what it mounted before its collection, so the
 *               census after a tick sees them detached.
 *  6 map-keys   MapValue: request metadata in a strong Map keyed by the request's MapKey object, which
 *               the request drops when it ends; the map keeps key and value (and its MapEntry). Fixed:
 *               a WeakMap (workloads/weakmap.h, ephemerons: 0 held). Refused on a collector without
 *               ephemerons (bdw).
 *  7 global     GlobalEntry: a global array (a metrics log) grown each tick. Fixed: a ring of --bound
 *               entries.
 *
 * Checks: every --check-every ticks and at the last, the tick's collection is gc_heap_census, and the
 * census's count of the pattern's type must equal the objects of it the program holds (its own count,
 * kept as it adds and drops them) on a precise collector (gc_collector_precise()), and be at least
 * that on a conservative one, where a stale word may keep a dropped object; the fixed program's own
 * count must never exceed its bound, and on a conservative collector the census may exceed it by at
 * most one tick's worth. Besides, the structures themselves are checked as the program uses them:
 * every handler the emitter fires, every timer as it fires (its firings since it was set), every
 * record read back, every chain of closures (its length), every map look-up gives what was stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"
#include "wl_fail.h"
#include "wl_size.h"
#include "lru.h"
#include "weakmap.h"

enum { P_PATTERN, P_FIXED, P_TICKS, P_REQUESTS, P_LEAKS, P_LEAK_SIZE, P_REQUEST_SIZE, P_BASE, P_BOUND,
       P_CHECK_EVERY, P_COUNT };

enum { PAT_LISTENERS = 1, PAT_CACHE, PAT_CLOSURE, PAT_TIMERS, PAT_DETACHED, PAT_MAPKEYS, PAT_GLOBAL, PAT_LAST = PAT_GLOBAL };

static const wl_param params[] = {
    [P_PATTERN] = {"pattern", "1 listeners, 2 cache, 3 closure, 4 timers, 5 detached, 6 map-keys, 7 global", 1, 1, PAT_LAST},
    [P_FIXED] = {"fixed", "1: the corrected program, which leaks nothing", 0, 0, 1},
    [P_TICKS] = {"ticks", "ticks, each serving the requests, then a full collection", 100, 1, 1000000},
    [P_REQUESTS] = {"requests", "requests served per tick", 4000, 1, (int64_t)1 << 30},
    [P_LEAKS] = {"leaks", "requests per tick that take the pattern's path (the leaky program keeps their objects)",
                 16, 1, 1 << 20},
    [P_LEAK_SIZE] = {"leak-size", "raw bytes of each object of the pattern's type", 4096, 32, 1 << 20},
    [P_REQUEST_SIZE] = {"request-size", "bytes of each request's body (garbage once served)", 1024, 16, 1 << 20},
    [P_BASE] = {"base", "KiB of long-lived application state", 8192, 0, 1 << 20},
    [P_BOUND] = {"bound", "entries the fixed cache (LRU) and global ring keep", 32, 1, 1 << 24},
    [P_CHECK_EVERY] = {"check-every", "ticks between census checks (0: the last tick only)", 10, 0, 1000000},
};

static const struct {
    const char *name, *type;
} patterns[] = {
    [PAT_LISTENERS] = {"listeners", "Listener"}, [PAT_CACHE] = {"cache", "RequestRecord"},
    [PAT_CLOSURE] = {"closure", "ClosureScope"}, [PAT_TIMERS] = {"timers", "TimerRecord"},
    [PAT_DETACHED] = {"detached", "DetachedNode"}, [PAT_MAPKEYS] = {"map-keys", "MapValue"},
    [PAT_GLOBAL] = {"global", "GlobalEntry"},
};

#define WIDGET_NODES 4      /* detached: nodes of a widget */
#define CONTAINERS 16       /* detached: document nodes that widgets are mounted under */
#define DOC_NODES 256       /* detached: the document's own nodes */
#define MAP_BUCKETS 1024    /* map-keys: the strong map's buckets */
#define STATE_SIZE 256      /* bytes of one Config object */
#define SMALL_SIZE 32       /* bytes of a stamped small object (Request, Callback, Handler): the stamp and its check byte */

/* DOM node slots (DomNode and DetachedNode). */
enum { N_PARENT, N_CHILD, N_SIBLING, N_SLOTS };
/* Strong map entry slots. */
enum { E_KEY, E_VALUE, E_NEXT, E_SLOTS };

/* Every object made on a pattern's path starts with its request's id; a timer also with the tick
 * that set it and its firings. The last raw byte is the id's low byte: a freed and reused cell shows. */
typedef struct stamp {
    uint64_t id, tick, fires;
} stamp;

typedef struct app {
    gc_heap *heap;
    gc_mut *mut;
    int pattern;
    bool fixed, precise;
    uint64_t requests, leaks, stride, leak_size, request_size, bound;
    gc_type t_request, t_body, t_state, t_config, t_leak, t_vec, t_aux, t_aux2;
    /* Global roots: */
    gc_obj *state;          /* AppState objects, in a pointer array */
    gc_obj *vec;            /* the pattern's array: listeners, request log, callbacks, handlers, map buckets, ring */
    gc_obj *list;           /* timers: the list's head; map-keys (fixed): the WeakMap; detached: the document */
    uint64_t vlen;          /* used slots of vec (growable arrays) */
    uint64_t ring;          /* global, fixed: the next slot to overwrite */
    lru cache;              /* cache, fixed */
    bool have_cache;
    wm_types wmt;
    uint64_t held;          /* objects of the pattern's type the program holds */
    uint64_t next_id, tick;
    uint64_t hits, reads;
    uint64_t *recent;       /* cache: the ids of the last 2 * bound records made, a ring */
    uint64_t nrec;          /* cache: records made */
    wl_failure failure;
} app;

static void put_stamp(gc_obj *o, uint64_t id, uint64_t tick) {
    stamp s = {id, tick, 0};
    uint8_t *p = gc_raw(o);
    size_t n = gc_nbytes(o);
    memcpy(p, &s, n < sizeof s ? n : sizeof s);
    p[n - 1] = (uint8_t)id;
}

static stamp get_stamp(gc_obj *o) {
    stamp s = {0, 0, 0};
    size_t n = gc_nbytes(o);
    memcpy(&s, gc_raw(o), n < sizeof s ? n : sizeof s);
    return s;
}

/* o is an intact object of type t made for a request (id < next_id); what the check was for goes into
 * the reason. */
static bool intact(app *a, gc_obj *o, gc_type t, const char *what) {
    if (!o) {
        wl_fail(&a->failure, "tick %llu: %s is missing", (unsigned long long)a->tick, what);
        return false;
    }
    stamp s = get_stamp(o);
    const uint8_t *p = gc_raw(o);
    if (gc_typeof(o) != t || gc_nbytes(o) < sizeof(uint64_t) || s.id >= a->next_id ||
        p[gc_nbytes(o) - 1] != (uint8_t)s.id) {
        wl_fail(&a->failure, "tick %llu: %s is not intact (type %s, id %llu)", (unsigned long long)a->tick, what,
                gc_type_name(a->heap, gc_typeof(o)), (unsigned long long)s.id);
        return false;
    }
    return true;
}

/* Appends *val to the growable array vec (doubling it when full; the old one becomes garbage). */
static void vec_push(app *a, gc_obj **val) {
    if (a->vlen == gc_nptrs(a->vec)) {
        gc_obj *nv = gc_alloc(a->mut, a->t_vec, (uint32_t)(2 * a->vlen), 0);
        for (uint64_t i = 0; i < a->vlen; i++) gc_write(a->mut, nv, i, gc_read(a->vec, i));
        a->vec = nv;   /* a root: the collector finds the new array there from now on */
    }
    gc_write(a->mut, a->vec, a->vlen++, *val);
}

static gc_obj *make_leak(app *a, uint32_t nptrs, uint64_t id) {
    gc_obj *o = gc_alloc(a->mut, a->t_leak, nptrs, a->leak_size);
    put_stamp(o, id, a->tick);
    return o;
}

/* ---- The patterns: what a request on the pattern's path does (k: its rank among them this tick) ---- */

static void listeners_request(app *a, uint64_t id) {
    gc_mut *mut = a->mut;
    size_t scope = gc_scope_open(mut);
    gc_obj **l = gc_push(mut, make_leak(a, 0, id));
    vec_push(a, l);   /* emitter.on('data', handler) */
    a->held++;
    /* ... the request is served ... and only the fixed program calls emitter.off(). Requests run one
     * after another, so the handler to remove is the last one added. */
    if (a->fixed) {
        gc_write(mut, a->vec, --a->vlen, NULL);
        a->held--;
    }
    gc_scope_close(mut, scope);
}

/* Once per tick the emitter fires: every handler registered runs. */
static void listeners_emit(app *a) {
    for (uint64_t i = 0; i < a->vlen && !wl_failed(&a->failure); i++)
        intact(a, gc_read(a->vec, i), a->t_leak, "a registered listener");
    if (!wl_failed(&a->failure) && a->vlen != a->held)
        wl_fail(&a->failure, "tick %llu: the emitter has %llu listeners, the program registered %llu",
                (unsigned long long)a->tick, (unsigned long long)a->vlen, (unsigned long long)a->held);
}

static void cache_request(app *a, uint64_t id) {
    gc_mut *mut = a->mut;
    size_t scope = gc_scope_open(mut);
    gc_obj **rec = gc_push(mut, make_leak(a, 0, id));
    if (!a->fixed) {
        vec_push(a, rec);   /* requests.push(req) */
        a->held++;
    } else {
        lru_put(&a->cache, mut, id, *rec, NULL);
        a->held = lru_size(&a->cache);
        if (a->held > a->bound)
            wl_fail(&a->failure, "the LRU holds %llu records, over its bound %llu", (unsigned long long)a->held,
                    (unsigned long long)a->bound);
    }
    a->recent[a->nrec++ % (2 * a->bound)] = id;
    gc_scope_close(mut, scope);
}

/* Every request reads back a recent record (the one `back` records ago): the log always has it; the
 * LRU has it when it was not evicted, and then it must be that very record. */
static void cache_read(app *a, uint64_t back) {
    if (!a->nrec) return;
    uint64_t window = a->nrec < 2 * a->bound ? a->nrec : 2 * a->bound;
    back %= window;
    uint64_t id = a->recent[(a->nrec - 1 - back) % (2 * a->bound)];
    gc_obj *r = a->fixed ? lru_get(&a->cache, id) : gc_read(a->vec, a->vlen - 1 - back);
    a->reads++;
    if (!r) return;
    a->hits++;
    if (intact(a, r, a->t_leak, "a request record read back") && get_stamp(r).id != id)
        wl_fail(&a->failure, "tick %llu: record %llu read back gives record %llu", (unsigned long long)a->tick,
                (unsigned long long)id, (unsigned long long)get_stamp(r).id);
}

/* Meteor's replaceThing for callback slot k:
 *     const original = things[k];
 *     const unused = () => original && log(original);       // shares the scope below
 *     things[k] = { method: () => log(message) };            // scope: {original, bigArray, message}
 * The scope of `method` is the one `unused` closes over, original included (the leaky program). */
static void closure_request(app *a, uint64_t id, uint64_t k) {
    gc_mut *mut = a->mut;
    size_t scope = gc_scope_open(mut);
    gc_obj **sc = gc_push(mut, make_leak(a, 1, id));
    gc_obj *cb = gc_alloc(mut, a->t_aux, 1, SMALL_SIZE);
    put_stamp(cb, id, a->tick);
    gc_obj *original = gc_read(a->vec, k);   /* read after the allocations: they may move it */
    if (!a->fixed) gc_write(mut, *sc, 0, original);
    gc_write(mut, cb, 0, *sc);
    gc_write(mut, a->vec, k, cb);
    /* The leaky program holds every scope ever made; the fixed one the current one per slot. */
    if (!a->fixed || !original) a->held++;
    gc_scope_close(mut, scope);
}

/* Each slot's chain: callback -> scope -> previous callback -> ... has one scope per tick it was
 * replaced in (the leaky program) or one (the fixed one). */
static void closure_check(app *a) {
    for (uint64_t k = 0; k < a->leaks && !wl_failed(&a->failure); k++) {
        uint64_t n = 0;
        for (gc_obj *cb = gc_read(a->vec, k); cb && !wl_failed(&a->failure); n++) {
            if (!intact(a, cb, a->t_aux, "a callback") || !intact(a, gc_read(cb, 0), a->t_leak, "a closure's scope")) break;
            cb = gc_read(gc_read(cb, 0), 0);
        }
        uint64_t want = a->fixed ? (a->tick ? 1 : 0) : a->tick;
        if (!wl_failed(&a->failure) && n != want)
            wl_fail(&a->failure, "tick %llu: callback %llu's chain of scopes has %llu, expected %llu",
                    (unsigned long long)a->tick, (unsigned long long)k, (unsigned long long)n,
                    (unsigned long long)want);
    }
}

static void timers_request(app *a, uint64_t id) {
    gc_mut *mut = a->mut;
    gc_obj *t = make_leak(a, 1, id);   /* setInterval(poll, ...) */
    gc_write(mut, t, 0, a->list);
    a->list = t;
    a->held++;
}

/* The start of a tick: every interval fires (once per tick since the tick that set it); the fixed
 * program clears those whose request has ended (set in an earlier tick, now fired once). */
static void timers_fire(app *a) {
    gc_mut *mut = a->mut;
    gc_obj *prev = NULL;
    uint64_t n = 0;
    for (gc_obj *t = a->list; t && !wl_failed(&a->failure);) {
        if (!intact(a, t, a->t_leak, "an interval record")) break;
        stamp s = get_stamp(t);
        s.fires++;
        if (s.fires != a->tick - s.tick) {
            wl_fail(&a->failure, "tick %llu: the interval of request %llu, set at tick %llu, fires for the %llu. time",
                    (unsigned long long)a->tick, (unsigned long long)s.id, (unsigned long long)s.tick,
                    (unsigned long long)s.fires);
            break;
        }
        memcpy(gc_raw(t), &s, sizeof s);
        gc_obj *next = gc_read(t, 0);
        if (a->fixed) {   /* clearInterval: unlinked */
            if (prev) gc_write(mut, prev, 0, next);
            else a->list = next;
            a->held--;
        } else {
            prev = t;
            n++;
        }
        t = next;
    }
    if (!wl_failed(&a->failure) && n != a->held)
        wl_fail(&a->failure, "tick %llu: %llu intervals fired, the program set %llu and cleared the rest",
                (unsigned long long)a->tick, (unsigned long long)n, (unsigned long long)a->held);
}

static gc_obj *node(app *a, gc_type t, gc_obj **parent, uint64_t id, size_t bytes) {
    gc_obj *n = gc_alloc(a->mut, t, N_SLOTS, bytes);
    put_stamp(n, id, a->tick);
    if (parent) {   /* prepended to the parent's children */
        gc_write(a->mut, n, N_PARENT, *parent);
        gc_write(a->mut, n, N_SIBLING, gc_read(*parent, N_CHILD));
        gc_write(a->mut, *parent, N_CHILD, n);
    }
    return n;
}

static void detached_request(app *a, uint64_t id, uint64_t k) {
    gc_mut *mut = a->mut;
    size_t scope = gc_scope_open(mut);
    gc_obj **container = gc_push(mut, gc_read(gc_read(a->list, N_CHILD), N_CHILD));
    /* The containers are the body's children; widget k goes under container k % CONTAINERS. */
    for (uint64_t c = 0; c < k % CONTAINERS; c++) *container = gc_read(*container, N_SIBLING);
    gc_obj **root = gc_push(mut, node(a, a->t_leak, container, id, a->leak_size));
    gc_obj **child = gc_push(mut, node(a, a->t_leak, root, id, a->leak_size));
    node(a, a->t_leak, root, id, a->leak_size);
    gc_obj **leaf = gc_push(mut, node(a, a->t_leak, child, id, a->leak_size));
    gc_obj **h = gc_push(mut, gc_alloc(mut, a->t_aux, 1, SMALL_SIZE));   /* button.addEventListener('click', ...) */
    put_stamp(*h, id, a->tick);
    gc_write(mut, *h, 0, *leaf);
    vec_push(a, h);
    a->held += WIDGET_NODES;
    gc_scope_close(mut, scope);
}

/* A widget leaving the document: its nodes are detached (detachedness 2 in heap snapshots, what
 * DevTools' "Detached" filter and memlab's detached-DOM rule look for). No allocation: nothing moves. */
static void set_detached_tree(gc_mut *mut, gc_obj *n) {
    gc_set_detached(mut, n, true);
    for (gc_obj *c = gc_read(n, N_CHILD); c; c = gc_read(c, N_SIBLING)) set_detached_tree(mut, c);
}

/* The end of a tick: every widget unmounted (unlinked from its container and marked detached); the
 * fixed program removes their handlers too. The leaky program's handlers are checked: each reaches a
 * whole widget. */
static void detached_unmount(app *a) {
    gc_mut *mut = a->mut;
    for (gc_obj *c = gc_read(gc_read(a->list, N_CHILD), N_CHILD); c; c = gc_read(c, N_SIBLING)) {
        for (gc_obj *w = gc_read(c, N_CHILD); w;) {
            gc_obj *next = gc_read(w, N_SIBLING);
            set_detached_tree(mut, w);
            gc_write(mut, w, N_PARENT, NULL);
            gc_write(mut, w, N_SIBLING, NULL);
            w = next;
        }
        gc_write(mut, c, N_CHILD, NULL);
    }
    if (a->fixed) {
        for (uint64_t i = 0; i < a->vlen; i++) gc_write(mut, a->vec, i, NULL);
        a->vlen = 0;
        a->held = 0;
        return;
    }
    for (uint64_t i = 0; i < a->vlen && !wl_failed(&a->failure); i++) {
        gc_obj *h = gc_read(a->vec, i);
        if (!intact(a, h, a->t_aux, "a click handler")) break;
        gc_obj *leaf = gc_read(h, 0), *child = leaf ? gc_read(leaf, N_PARENT) : NULL;
        gc_obj *root = child ? gc_read(child, N_PARENT) : NULL;
        uint64_t id = get_stamp(h).id;
        if (!intact(a, leaf, a->t_leak, "a handler's node") || !intact(a, child, a->t_leak, "its parent") ||
            !intact(a, root, a->t_leak, "its widget's root") || gc_read(root, N_PARENT) ||
            get_stamp(leaf).id != id || get_stamp(root).id != id) {
            wl_fail(&a->failure, "tick %llu: handler %llu does not reach its own detached widget",
                    (unsigned long long)a->tick, (unsigned long long)i);
            break;
        }
    }
    if (!wl_failed(&a->failure) && a->vlen * WIDGET_NODES != a->held)
        wl_fail(&a->failure, "tick %llu: %llu handlers hold widgets, the program counts %llu nodes",
                (unsigned long long)a->tick, (unsigned long long)a->vlen, (unsigned long long)a->held);
}

static void mapkeys_request(app *a, uint64_t id) {
    gc_mut *mut = a->mut;
    size_t scope = gc_scope_open(mut);
    gc_obj **key = gc_push(mut, gc_alloc(mut, a->t_aux, 0, WM_KEY_BYTES + 8));   /* the request object */
    wm_key_init(*key, id);
    gc_obj **val = gc_push(mut, make_leak(a, 0, id));                          /* metadata.set(req, ...) */
    if (!a->fixed) {
        gc_obj *e = gc_alloc(mut, a->t_aux2, E_SLOTS, 0);
        gc_obj *buckets = a->vec;
        size_t b = id % MAP_BUCKETS;
        gc_write(mut, e, E_KEY, *key);
        gc_write(mut, e, E_VALUE, *val);
        gc_write(mut, e, E_NEXT, gc_read(buckets, b));
        gc_write(mut, buckets, b, e);
        a->held++;
    } else {
        wm_set(mut, &a->wmt, &a->list, key, val);
    }
    /* ... the request's handlers read the metadata back ... */
    gc_obj *got = NULL;
    if (a->fixed) {
        got = wm_get(mut, a->list, *key);
    } else {
        for (gc_obj *e = gc_read(a->vec, id % MAP_BUCKETS); e && !got; e = gc_read(e, E_NEXT))
            if (gc_read(e, E_KEY) == *key) got = gc_read(e, E_VALUE);
    }
    if (got != *val)
        wl_fail(&a->failure, "tick %llu: the map does not give request %llu's metadata back",
                (unsigned long long)a->tick, (unsigned long long)id);
    gc_scope_close(mut, scope);   /* the request ends: its key is dropped */
}

static void global_request(app *a, uint64_t id) {
    gc_mut *mut = a->mut;
    size_t scope = gc_scope_open(mut);
    gc_obj **e = gc_push(mut, make_leak(a, 0, id));
    if (!a->fixed || a->vlen < a->bound) {
        vec_push(a, e);
        a->held++;
    } else {
        gc_write(mut, a->vec, a->ring, *e);
        a->ring = (a->ring + 1) % a->bound;
    }
    gc_scope_close(mut, scope);
}

/* ---- The program ---- */

/* The bound the fixed program's count of its pattern's type never exceeds. */
static uint64_t fixed_bound(const app *a) {
    switch (a->pattern) {
    case PAT_CACHE:
    case PAT_GLOBAL: return a->bound;
    case PAT_CLOSURE:
    case PAT_TIMERS: return a->leaks;
    default: return 0;
    }
}

/* Objects of the pattern's type one tick makes. */
static uint64_t per_tick(const app *a) { return a->leaks * (a->pattern == PAT_DETACHED ? WIDGET_NODES : 1); }

static void serve(app *a, uint64_t i) {
    gc_mut *mut = a->mut;
    uint64_t id = a->next_id++;
    size_t scope = gc_scope_open(mut);
    gc_obj **req = gc_push(mut, gc_alloc(mut, a->t_request, 1, SMALL_SIZE));
    put_stamp(*req, id, a->tick);
    gc_obj *body = gc_alloc(mut, a->t_body, 0, a->request_size);
    memset(gc_raw(body), (int)(uint8_t)id, a->request_size);
    gc_write(mut, *req, 0, body);
    if (i % a->stride == 0 && i / a->stride < a->leaks) {
        uint64_t k = i / a->stride;
        switch (a->pattern) {
        case PAT_LISTENERS: listeners_request(a, id); break;
        case PAT_CACHE: cache_request(a, id); break;
        case PAT_CLOSURE: closure_request(a, id, k); break;
        case PAT_TIMERS: timers_request(a, id); break;
        case PAT_DETACHED: detached_request(a, id, k); break;
        case PAT_MAPKEYS: mapkeys_request(a, id); break;
        case PAT_GLOBAL: global_request(a, id); break;
        }
    }
    if (a->pattern == PAT_CACHE) cache_read(a, i);
    /* The response: the body must be as the request left it. */
    const uint8_t *p = gc_raw(gc_read(*req, 0));
    if (get_stamp(*req).id != id || p[0] != (uint8_t)id || p[a->request_size - 1] != (uint8_t)id)
        wl_fail(&a->failure, "tick %llu: request %llu's body is not intact", (unsigned long long)a->tick,
                (unsigned long long)id);
    gc_scope_close(mut, scope);
}

/* The tick's collection with a census: the pattern's type counted against what the program holds. */
static void census_check(app *a) {
    size_t n;
    gc_census_row *rows = gc_heap_census(a->mut, &n);
    if (!rows) {
        wl_fail(&a->failure, "tick %llu: gc_heap_census gave no census", (unsigned long long)a->tick);
        return;
    }
    uint64_t got = 0;
    for (size_t i = 0; i < n; i++)
        if (rows[i].type == a->t_leak) got = rows[i].objects;
    free(rows);
    const char *type = patterns[a->pattern].type;
    uint64_t bound = fixed_bound(a);
    if (a->fixed && a->held > bound)
        wl_fail(&a->failure, "tick %llu: the fixed program holds %llu %s objects, over its bound %llu",
                (unsigned long long)a->tick, (unsigned long long)a->held, type, (unsigned long long)bound);
    else if (a->precise ? got != a->held : got < a->held)
        wl_fail(&a->failure, "tick %llu: the census counts %llu %s objects, the program holds %s%llu",
                (unsigned long long)a->tick, (unsigned long long)got, type, a->precise ? "" : "at least ",
                (unsigned long long)a->held);
    else if (!a->precise && a->fixed && got > bound + per_tick(a))
        wl_fail(&a->failure,
                "tick %llu: the census counts %llu %s objects, more than the fixed program's bound %llu and a tick's %llu",
                (unsigned long long)a->tick, (unsigned long long)got, type, (unsigned long long)bound,
                (unsigned long long)per_tick(a));
}

static void tick(app *a, uint64_t ticks, uint64_t check_every) {
    a->tick++;
    /* The fixed map-keys pattern's WeakMap drops the entries the last collection cleared, as a
     * JavaScript engine's WeakMap does at collection time: cleared ephemerons left in the buckets are
     * objects a heap snapshot shows (memlab counted them as new and kept), not a leak of the program. */
    if (a->pattern == PAT_MAPKEYS && a->fixed) wm_purge(a->mut, &a->list);
    if (a->pattern == PAT_TIMERS) timers_fire(a);
    for (uint64_t i = 0; i < a->requests && !wl_failed(&a->failure); i++) serve(a, i);
    switch (a->pattern) {
    case PAT_LISTENERS: listeners_emit(a); break;
    case PAT_CLOSURE: closure_check(a); break;
    case PAT_DETACHED: detached_unmount(a); break;
    }
    if (wl_failed(&a->failure)) return;
    /* One collection a tick, whether it is checked or not: two in a row would give the detector two
     * equal censuses, which it rightly does not count as growth. */
    if (a->tick == ticks || (check_every && a->tick % check_every == 0)) census_check(a);
    else gc_collect(a->mut);
}

/* The long-lived state every pattern runs beside; detached also builds its document. */
static void setup(app *a, uint64_t base_bytes) {
    gc_mut *mut = a->mut;
    uint64_t n = base_bytes / wl_obj_size(0, STATE_SIZE);
    a->state = gc_alloc(mut, a->t_state, (uint32_t)n, 0);
    for (uint64_t i = 0; i < n; i++) {
        gc_obj *c = gc_alloc(mut, a->t_config, 0, STATE_SIZE);
        memset(gc_raw(c), (int)(uint8_t)i, STATE_SIZE);
        gc_write(mut, a->state, i, c);
    }
    switch (a->pattern) {
    case PAT_CLOSURE: a->vec = gc_alloc(mut, a->t_vec, (uint32_t)a->leaks, 0); break;
    case PAT_MAPKEYS:
        if (a->fixed) a->list = wm_new(mut, &a->wmt, 64);
        else a->vec = gc_alloc(mut, a->t_vec, MAP_BUCKETS, 0);
        break;
    case PAT_DETACHED: {
        /* document -> head (the static content: the rest of the document's nodes) and body -> the
         * containers widgets are mounted under. body is made last, so it is the document's first child. */
        size_t scope = gc_scope_open(mut);
        a->list = node(a, a->t_aux2, NULL, 0, 64);
        gc_obj **head = gc_push(mut, node(a, a->t_aux2, &a->list, 0, 64));
        for (int i = 0; i < DOC_NODES - CONTAINERS - 3; i++) node(a, a->t_aux2, head, 0, 64);
        gc_obj **body = gc_push(mut, node(a, a->t_aux2, &a->list, 0, 64));
        for (int c = 0; c < CONTAINERS; c++) node(a, a->t_aux2, body, 0, 64);
        a->vec = gc_alloc(mut, a->t_vec, 16, 0);
        gc_scope_close(mut, scope);
        break;
    }
    case PAT_TIMERS: break;   /* its list starts empty */
    default: a->vec = gc_alloc(mut, a->t_vec, 16, 0);
    }
}

static uint64_t live_bytes(const int64_t *param, unsigned threads) {
    (void)threads;
    uint64_t base = (uint64_t)param[P_BASE] * 1024;
    uint64_t leak = wl_obj_size(0, (uint64_t)param[P_LEAK_SIZE]), per = (uint64_t)param[P_LEAKS];
    if (param[P_PATTERN] == PAT_DETACHED) per *= WIDGET_NODES;
    uint64_t kept = param[P_FIXED] ? 0 : per * (uint64_t)param[P_TICKS];
    return base / wl_obj_size(0, STATE_SIZE) * wl_obj_size(0, STATE_SIZE) + kept * leak;
}

static int run(wl_ctx *ctx, char *err, size_t errlen) {
    app a;
    memset(&a, 0, sizeof a);
    a.heap = ctx->heap;
    a.pattern = (int)ctx->param[P_PATTERN];
    a.fixed = ctx->param[P_FIXED] != 0;
    a.precise = gc_collector_precise();
    a.requests = (uint64_t)ctx->param[P_REQUESTS];
    a.leaks = (uint64_t)ctx->param[P_LEAKS];
    a.leak_size = (uint64_t)ctx->param[P_LEAK_SIZE];
    a.request_size = (uint64_t)ctx->param[P_REQUEST_SIZE];
    a.bound = (uint64_t)ctx->param[P_BOUND];
    uint64_t ticks = (uint64_t)ctx->param[P_TICKS], check_every = (uint64_t)ctx->param[P_CHECK_EVERY];
    if (a.leaks > a.requests) {
        snprintf(err, errlen, "--leaks %llu is more than --requests %llu", (unsigned long long)a.leaks,
                 (unsigned long long)a.requests);
        return WL_BAD_PARAMS;
    }
    if (a.pattern == PAT_MAPKEYS && a.fixed && !gc_has_ephemerons()) {
        snprintf(err, errlen, "the fixed map-keys pattern needs a WeakMap, and the %s collector has no ephemerons "
                 "(gc_has_ephemerons() is false)", gc_collector_name());
        return WL_BAD_PARAMS;
    }
    a.stride = a.requests / a.leaks;
    wl_fail_init(&a.failure);
    static const char *const vec_type[] = {
        [PAT_LISTENERS] = "ListenerArray", [PAT_CACHE] = "RequestLog", [PAT_CLOSURE] = "Callbacks",
        [PAT_TIMERS] = NULL, [PAT_DETACHED] = "HandlerArray", [PAT_MAPKEYS] = "MapBuckets",
        [PAT_GLOBAL] = "GlobalArray",
    };
    a.t_request = gc_register_type(a.heap, "Request");
    a.t_body = gc_register_type(a.heap, "RequestBody");
    a.t_state = gc_register_type(a.heap, "AppState");
    a.t_config = gc_register_type(a.heap, "Config");
    a.t_leak = gc_register_type(a.heap, patterns[a.pattern].type);
    /* The pattern's other types, only those it makes (timers: a list of its records, no array). */
    if (vec_type[a.pattern] && !(a.pattern == PAT_MAPKEYS && a.fixed)) a.t_vec = gc_register_type(a.heap, vec_type[a.pattern]);
    if (a.pattern == PAT_CLOSURE) a.t_aux = gc_register_type(a.heap, "Callback");
    if (a.pattern == PAT_DETACHED) {
        a.t_aux = gc_register_type(a.heap, "Handler");
        a.t_aux2 = gc_register_type(a.heap, "DomNode");
    }
    if (a.pattern == PAT_MAPKEYS) {
        a.t_aux = gc_register_type(a.heap, "MapKey");
        if (!a.fixed) a.t_aux2 = gc_register_type(a.heap, "MapEntry");
    }
    if (a.pattern == PAT_MAPKEYS && a.fixed) wm_register_types(a.heap, &a.wmt);

    a.mut = gc_attach(a.heap);
    gc_add_root(a.heap, &a.state);
    gc_add_root(a.heap, &a.vec);
    gc_add_root(a.heap, &a.list);
    setup(&a, (uint64_t)ctx->param[P_BASE] * 1024);
    if (a.pattern == PAT_CACHE) {
        a.recent = malloc(sizeof *a.recent * 2 * a.bound);
        if (a.fixed) a.have_cache = a.recent && lru_init(&a.cache, a.heap, a.mut, a.t_vec, (uint32_t)a.bound);
        if (!a.recent || (a.fixed && !a.have_cache))
            wl_fail(&a.failure, "out of memory for a cache of %llu records", (unsigned long long)a.bound);
    }
    gc_collect(a.mut);   /* the start-up garbage gone before the first tick */
    while (a.tick < ticks && !wl_failed(&a.failure)) tick(&a, ticks, check_every);
    if (!wl_failed(&a.failure) && a.pattern == PAT_CACHE && a.reads && !a.hits)
        wl_fail(&a.failure, "none of %llu reads of a recent record found it", (unsigned long long)a.reads);
    ctx->ops = a.next_id;
    if (a.have_cache) lru_free(&a.cache);
    free(a.recent);
    gc_remove_root(a.heap, &a.list);
    gc_remove_root(a.heap, &a.vec);
    gc_remove_root(a.heap, &a.state);
    gc_detach(a.mut);
    int status = wl_fail_report(&a.failure, err, errlen);
    wl_fail_destroy(&a.failure);
    return status;
}

const workload wl_leaks = {
    .name = "leaks",
    .summary = "the common JavaScript leaks (--pattern N, see its help) and their fixes (--fixed 1), ticks ending in "
               "a full collection; ground truth for --leak-check",
    .params = params,
    .nparams = P_COUNT,
    .multithreaded = false,
    .latency = false,
    .live_bytes = live_bytes,
    .run = run,
};
