/* bdw.c: COLLECTOR=bdw, Boehm-Demers-Weiser libgc (8.2) as a peer behind the gclab API (DESIGN §3).
 *
 * libgc is a conservative, non-moving mark-sweep collector with parallel marking. This file adapts it:
 *
 * Roots. libgc finds thread stacks, registers and static data itself. The API's precise roots are
 * added by a GC_push_other_roots hook (chained to libgc's own, which pushes the thread stacks): each
 * attached thread's shadow stack roots[0, sp) and every registered global root slot. The shadow stacks
 * and the global root table are plain malloc memory that libgc does not otherwise scan; pushing only
 * the used part keeps a 1 Mi-handle stack from costing 8 MB of scanning per collection.
 *
 * Locking. The list of mutators, the global root table and the pause log are changed only while
 * holding libgc's allocation lock (GC_alloc_lock), which every collection holds from start to end, so
 * the push hook and the collection-event callback read them without further synchronisation.
 *
 * Pauses. GC_set_on_collection_event reports, for each collection (all are stop-the-world full
 * collections here): START, PRE_STOP_WORLD, POST_STOP_WORLD, MARK_START, MARK_END, PRE_START_WORLD,
 * POST_START_WORLD, RECLAIM_START, RECLAIM_END, END. A pause runs from PRE_STOP_WORLD to
 * POST_START_WORLD; time-to-safepoint is PRE_STOP_WORLD..POST_STOP_WORLD; mark_ns is
 * MARK_START..MARK_END. libgc 8.2 reclaims (starts its lazy sweep) after restarting the world, so
 * sweep_ns is 0 unless a RECLAIM event falls inside the pause. The callback runs with the allocation
 * lock held (and, inside the pause, the world stopped): it never calls malloc or anything that takes
 * the lock; it fills records of the gc_pauselog whose room is reserved outside the GC (at heap create
 * and from the allocation slow path when less than GC_BDW_LOG_SLACK records are left).
 *
 * What libgc does not give: per-marker work (gc_get_worker_stats returns zeros); exact live bytes
 * (live_bytes is heap size minus free blocks after the reclaim step, i.e. bytes in blocks that hold at
 * least one marked object: block granular, an upper bound); a heap that shrinks or can be
 * re-initialised (see gc_heap_create).
 */
#include "gclab.h"

#define GC_THREADS
#define GC_NO_THREAD_REDIRECTS
#include <gc/gc.h>
#include <gc/gc_mark.h>

#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "common/clock.h"
#include "common/pauselog.h"

#define GC_BDW_DEFAULT_MAX_HEAP ((size_t)1 << 30)
#define GC_BDW_MIN_MAX_HEAP ((size_t)1 << 20)
#define GC_BDW_DEFAULT_ROOTS ((size_t)1 << 20)
#define GC_BDW_MAX_TYPES 65535u
#define GC_BDW_LOG_INITIAL ((size_t)1 << 16)    /* pause records reserved at heap create */
#define GC_BDW_LOG_SLACK ((size_t)1 << 14)      /* keep at least this many free */
#define GC_BDW_CHECK_PERIOD 256u                /* allocations between slow-path visits */
#define GC_BDW_MAX_OBJECT ((size_t)1 << 46)     /* counts must fit below GC_BDW_TAG */

struct gc_heap {
    size_t max_heap;
    size_t initial_heap;            /* libgc's heap once gc_heap_create has expanded it */
    size_t root_capacity;
    double heap_factor;
    unsigned long divisor;      /* GC_free_space_divisor derived from heap_factor */
    unsigned markers;           /* libgc marker threads, including the collecting thread */
    unsigned stress_every;
    bool verify;
    gc_fatal_fn on_fatal;
    gc_thread_start_fn on_thread_start;
    _Atomic unsigned attached;  /* attaches so far: the on_thread_start index */
    void *ctx;

    /* Types: ids 1..ntypes; names are never freed or moved while the heap lives. */
    pthread_mutex_t type_lock;
    char **type_names;          /* GC_BDW_MAX_TYPES + 1 entries */
    _Atomic unsigned ntypes;

    /* Under the allocation lock. */
    gc_mut *muts;
    unsigned nmuts;
    gc_obj ***root_slots;
    size_t nroots, root_cap;
    gc_pauselog log;

    /* Written by the collection-event callback (allocation lock held). */
    gc_pause *cur;              /* the record of the current collection, or NULL */
    bool in_pause;
    uint64_t t_mark, t_reclaim, cpu_start;
    uint64_t collector_cpu_ns;  /* CPU of the collecting thread, START..END, summed */
    uint64_t mark_ns_total;
    uint64_t peak_heap;
    uint64_t live_bytes;
    uint64_t dropped_pauses;    /* pauses that found no reserved record (should stay 0) */

    /* Baselines at heap create. */
    uint64_t gc_no0;
    uint64_t total_bytes0;
    uint64_t marker_cpu0;

    _Atomic uint64_t epoch;           /* completed collections seen by the callback */
    _Atomic uint64_t verified_epoch;  /* last epoch the verifier ran for */
    _Atomic uint64_t objects;         /* allocations counted by the slow path */
};

/* Process-wide libgc state: libgc is initialised once and cannot be torn down. */
static bool g_inited;
static unsigned g_markers;
static gc_heap *g_heap;                       /* written under the allocation lock */
static GC_push_other_roots_proc g_prev_push;
static pthread_mutex_t g_create_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic unsigned long g_warnings;      /* libgc warnings (collectors never print) */

/* ---------------------------------------------------------------------------------------------- */
/* Fatal errors */

static _Noreturn void fatal(gc_heap *h, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (h && h->on_fatal) h->on_fatal(h->ctx, msg);
    fprintf(stderr, "gclab: fatal: %s\n", msg);
    exit(3);
}

_Noreturn void gc_bdw_oom(gc_mut *mut, size_t bytes) {
    fatal(mut->heap, "heap exhausted: cannot allocate %zu bytes (max_heap %zu bytes, heap %zu bytes)",
          bytes, mut->heap->max_heap, (size_t)GC_get_heap_size());
}

_Noreturn void gc_bdw_root_overflow(gc_mut *mut) {
    fatal(mut->heap, "shadow stack overflow: more than %zu handles on one thread (root_capacity)",
          mut->cap);
}

/* ---------------------------------------------------------------------------------------------- */
/* libgc callbacks */

static void *GC_CALLBACK on_oom(size_t bytes) {
    (void)bytes;
    return NULL;   /* gc_alloc turns NULL into the heap's fatal handler */
}

static void GC_CALLBACK on_warn(char *fmt, GC_word arg) {
    (void)fmt;
    (void)arg;
    atomic_fetch_add_explicit(&g_warnings, 1, memory_order_relaxed);
}

/* Runs inside the collection with the allocation lock held and, between PRE_STOP_WORLD and
 * POST_START_WORLD, with the world stopped: no malloc, no libgc call that takes the lock. */
static void GC_CALLBACK on_event(GC_EventType ev) {
    gc_heap *h = g_heap;
    if (!h) return;
    uint64_t now;
    switch (ev) {
    case GC_EVENT_START:
        h->cpu_start = gc_thread_cpu_ns();
        break;
    case GC_EVENT_PRE_STOP_WORLD: {
        now = gc_now_ns();
        uint64_t heap = GC_get_heap_size();
        if (heap > h->peak_heap) h->peak_heap = heap;
        h->in_pause = true;
        h->cur = gc_pauselog_append(&h->log);
        if (!h->cur) {
            h->dropped_pauses++;
            break;
        }
        h->cur->start_ns = now;
        h->cur->heap_before = heap;
        h->cur->gc_threads = h->markers;
        h->cur->kind = "full";
        break;
    }
    case GC_EVENT_POST_STOP_WORLD:
        if (h->cur) h->cur->ttsp_ns = gc_now_ns() - h->cur->start_ns;
        break;
    case GC_EVENT_MARK_START:
        h->t_mark = gc_now_ns();
        break;
    case GC_EVENT_MARK_END: {
        uint64_t d = gc_now_ns() - h->t_mark;
        h->mark_ns_total += d;
        if (h->cur && h->in_pause) h->cur->mark_ns += d;
        break;
    }
    case GC_EVENT_RECLAIM_START:
        h->t_reclaim = gc_now_ns();
        break;
    case GC_EVENT_RECLAIM_END:
        if (h->cur && h->in_pause) h->cur->sweep_ns += gc_now_ns() - h->t_reclaim;
        break;
    case GC_EVENT_POST_START_WORLD:
        now = gc_now_ns();
        h->in_pause = false;
        if (h->cur) {
            h->cur->end_ns = now;
            h->cur->heap_after = GC_get_heap_size();
            h->cur->cycle = (uint32_t)(GC_get_gc_no() - h->gc_no0);
        }
        atomic_fetch_add_explicit(&h->epoch, 1, memory_order_release);
        break;
    case GC_EVENT_END: {
        /* After the reclaim step empty blocks are free: heap minus free blocks is the bytes in
         * blocks holding marked objects (what GC_get_memory_use would count, without its lock). */
        uint64_t heap = GC_get_heap_size(), free_b = GC_get_free_bytes();
        h->live_bytes = heap > free_b ? heap - free_b : 0;
        if (h->cur) h->cur->live_bytes = h->live_bytes;
        h->cur = NULL;
        h->collector_cpu_ns += gc_thread_cpu_ns() - h->cpu_start;
        break;
    }
    default:
        break;
    }
}

/* Heap growth (allocation lock held): keeps peak_heap exact between collections. */
static void GC_CALLBACK on_heap_resize(GC_word new_size) {
    (void)new_size;
    gc_heap *h = g_heap;
    if (!h) return;
    uint64_t heap = GC_get_heap_size();   /* excluding unmapped memory, like heap_bytes */
    if (heap > h->peak_heap) h->peak_heap = heap;
}

/* The API's precise roots, pushed at every collection (world stopped, allocation lock held). */
static void GC_CALLBACK push_roots(void) {
    gc_heap *h = g_heap;
    if (h) {
        for (gc_mut *m = h->muts; m; m = m->next)
            if (m->sp) GC_push_all(m->roots, m->roots + m->sp);
        /* Eager: a push per slot could overflow libgc's mark stack during root pushing (which
         * aborts); eager scanning marks what the slot points to at once. */
        for (size_t i = 0; i < h->nroots; i++) GC_push_all_eager(h->root_slots[i], h->root_slots[i] + 1);
    }
    if (g_prev_push) g_prev_push();
}

/* ---------------------------------------------------------------------------------------------- */
/* GC CPU time */

/* CPU time of libgc's helper marker threads (named "GC-marker-N" by libgc), read through their
 * per-thread CPU clocks; the thread that starts a collection is counted by on_event. Returns
 * false if no marker thread could be found (then gc_get_stats estimates). */
static bool marker_cpu_ns(uint64_t *out) {
    *out = 0;
    DIR *d = opendir("/proc/self/task");
    if (!d) return false;
    bool found = false;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9') continue;
        unsigned tid = (unsigned)strtoul(de->d_name, NULL, 10);
        char path[64], comm[32] = {0};
        snprintf(path, sizeof path, "/proc/self/task/%u/comm", tid);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        bool marker = fgets(comm, sizeof comm, f) && strncmp(comm, "GC-marker", 9) == 0;
        fclose(f);
        if (!marker) continue;
        /* Linux thread CPU clock of a tid (what pthread_getcpuclockid computes): (~tid << 3) | 6. */
        clockid_t clk = (clockid_t)((~tid << 3) | 6u);
        struct timespec ts;
        if (clock_gettime(clk, &ts) == 0) {
            *out += (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
            found = true;
        }
    }
    closedir(d);
    return found;
}

/* ---------------------------------------------------------------------------------------------- */
/* Heap */

const char *gc_collector_name(void) { return "bdw"; }

static void *set_tuning(void *arg) {
    gc_heap *h = arg;
    GC_set_max_heap_size(h->max_heap);
    GC_set_free_space_divisor(h->divisor);
    return NULL;
}

static void errf(char *err, size_t errlen, const char *fmt, ...) {
    if (!err || !errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

gc_heap *gc_heap_create(const gc_options *opts, char *err, size_t errlen) {
    gc_options o = {0};
    if (opts) o = *opts;
    if (o.max_heap == 0) o.max_heap = GC_BDW_DEFAULT_MAX_HEAP;
    if (o.root_capacity == 0) o.root_capacity = GC_BDW_DEFAULT_ROOTS;
    if (o.heap_factor == 0) o.heap_factor = 2.0;
    if (!(o.heap_factor > 1.0) || isinf(o.heap_factor)) {
        errf(err, errlen, "bdw: heap_factor must be > 1 (got %g)", o.heap_factor);
        return NULL;
    }
    if (o.max_heap < GC_BDW_MIN_MAX_HEAP) {
        errf(err, errlen, "bdw: max_heap must be at least %zu bytes (got %zu)", GC_BDW_MIN_MAX_HEAP,
             o.max_heap);
        return NULL;
    }
    if (o.initial_heap > o.max_heap) {
        errf(err, errlen, "bdw: initial_heap %zu exceeds max_heap %zu", o.initial_heap, o.max_heap);
        return NULL;
    }
    if (o.root_capacity > ((size_t)1 << 32)) {
        errf(err, errlen, "bdw: root_capacity %zu is too large", o.root_capacity);
        return NULL;
    }

    pthread_mutex_lock(&g_create_lock);
    if (g_heap) {
        pthread_mutex_unlock(&g_create_lock);
        errf(err, errlen, "bdw: a heap already exists (libgc is one heap per process)");
        return NULL;
    }
    if (!g_inited) {
        /* Marker count and max heap must be set before GC_INIT (the initial heap must fit). */
        GC_set_markers_count(o.gc_threads);
        GC_set_max_heap_size(o.max_heap);
        GC_set_warn_proc(on_warn);
        GC_INIT();
        GC_allow_register_threads();   /* also starts the marker threads */
        int par = GC_get_parallel();
        g_markers = par > 0 ? (unsigned)par + 1 : 1;
        GC_set_oom_fn(on_oom);
        GC_set_on_collection_event(on_event);
        GC_set_on_heap_resize(on_heap_resize);
        g_prev_push = GC_get_push_other_roots();   /* libgc's own: pushes the thread stacks */
        GC_set_push_other_roots(push_roots);
        g_inited = true;
    }
    if (o.gc_threads != 0 && o.gc_threads != g_markers) {
        /* Loud rather than a silently different configuration: libgc sets its markers once (at the
         * first heap of the process) and caps their number. */
        pthread_mutex_unlock(&g_create_lock);
        errf(err, errlen, "bdw: libgc runs %u marker threads in this process (fixed at its first heap, "
             "capped by libgc); cannot use %u", g_markers, o.gc_threads);
        return NULL;
    }
    {
        /* libgc never returns address space: a heap grown by an earlier gclab heap in this process
         * counts against max_heap (GC_heapsize includes unmapped memory). */
        struct GC_prof_stats_s ps;
        GC_get_prof_stats(&ps, sizeof ps);
        if (ps.heapsize_full > o.max_heap) {
            pthread_mutex_unlock(&g_create_lock);
            errf(err, errlen,
                 "bdw: libgc's heap is already %zu bytes (grown by an earlier heap in this process) "
                 "> max_heap %zu; libgc cannot shrink it",
                 (size_t)ps.heapsize_full, o.max_heap);
            return NULL;
        }
    }

    gc_heap *h = calloc(1, sizeof *h);
    if (!h) goto nomem;
    h->max_heap = o.max_heap;
    h->root_capacity = o.root_capacity;
    h->heap_factor = o.heap_factor;
    /* heap_factor -> GC_free_space_divisor. libgc collects once the bytes allocated since the last
     * collection reach (2 * live pointer-bearing bytes + live atomic bytes / 4 + roots) / divisor.
     * For pointer-bearing live data L the heap therefore peaks near L + 2L/divisor, i.e.
     * heap_factor f = 1 + 2/divisor, divisor = 2 / (f - 1): f = 2 -> 2, f = 1.5 -> 4, f = 3 -> 1.
     * divisor is an integer >= 1, so factors above 3 behave as 3. Live data in atomic objects counts
     * 1/8 as much in libgc's trigger, so pointer-free heaps run tighter than f. libgc's default is 3
     * (f ~ 1.67). */
    {
        double d = 2.0 / (o.heap_factor - 1.0);
        h->divisor = d < 1.0 ? 1 : d > 1e6 ? 1000000ul : (unsigned long)(d + 0.5);
    }
    h->markers = g_markers;
    h->stress_every = o.stress_every;
    h->verify = o.verify;
    h->on_fatal = o.on_fatal;
    h->on_thread_start = o.on_thread_start;
    h->ctx = o.ctx;
    pthread_mutex_init(&h->type_lock, NULL);
    h->type_names = calloc(GC_BDW_MAX_TYPES + 1, sizeof *h->type_names);
    if (!h->type_names) goto nomem;
    if (gc_pauselog_init(&h->log, GC_BDW_LOG_INITIAL) != 0) goto nomem;

    GC_call_with_alloc_lock(set_tuning, h);
    if (o.initial_heap) {
        GC_word cur = 0;
        GC_get_heap_usage_safe(&cur, NULL, NULL, NULL, NULL);
        if (o.initial_heap > cur) (void)GC_expand_hp(o.initial_heap - cur);
    }
    {
        GC_word cur = 0;
        GC_get_heap_usage_safe(&cur, NULL, NULL, NULL, NULL);
        h->initial_heap = cur;
    }

    {
        GC_word heap = 0, total = 0;
        GC_get_heap_usage_safe(&heap, NULL, NULL, NULL, &total);
        h->total_bytes0 = total;
        h->peak_heap = heap;
    }
    uint64_t mcpu;
    h->marker_cpu0 = marker_cpu_ns(&mcpu) ? mcpu : 0;
    /* gc_no0 and g_heap under the lock, so that no collection falls between them. */
    GC_alloc_lock();
    h->gc_no0 = GC_get_gc_no();
    g_heap = h;
    GC_alloc_unlock();
    pthread_mutex_unlock(&g_create_lock);
    return h;

nomem:
    if (h) {
        gc_pauselog_free(&h->log);
        free(h->type_names);
        free(h);
    }
    pthread_mutex_unlock(&g_create_lock);
    errf(err, errlen, "bdw: out of memory creating the heap");
    return NULL;
}

static void *collect_and_unmap(void *arg) {
    (void)arg;
    GC_gcollect_and_unmap();
    return NULL;
}

void gc_heap_destroy(gc_heap *h) {
    if (!h) return;
    pthread_mutex_lock(&g_create_lock);
    /* Every mutator should have detached; any left are unlinked (not freed) so that the root hook
     * never reads them again. */
    GC_alloc_lock();
    h->muts = NULL;
    h->nmuts = 0;
    g_heap = NULL;
    GC_alloc_unlock();
    /* Drop this heap's garbage and return what libgc can to the OS before the next heap. The
     * calling thread must be known to libgc to collect. */
    if (GC_thread_is_registered()) {
        collect_and_unmap(NULL);
    } else {
        struct GC_stack_base sb;
        if (GC_get_stack_base(&sb) == GC_SUCCESS && GC_register_my_thread(&sb) == GC_SUCCESS) {
            collect_and_unmap(NULL);
            GC_unregister_my_thread();
        }
    }
    gc_pauselog_free(&h->log);
    for (unsigned t = 1; t <= GC_BDW_MAX_TYPES && h->type_names[t]; t++) free(h->type_names[t]);
    free(h->type_names);
    free(h->root_slots);
    pthread_mutex_destroy(&h->type_lock);
    free(h);
    pthread_mutex_unlock(&g_create_lock);
}

/* ---------------------------------------------------------------------------------------------- */
/* Types */

gc_type gc_register_type(gc_heap *h, const char *name) {
    pthread_mutex_lock(&h->type_lock);
    unsigned n = atomic_load_explicit(&h->ntypes, memory_order_relaxed);
    for (unsigned t = 1; t <= n; t++) {
        if (strcmp(h->type_names[t], name) == 0) {
            pthread_mutex_unlock(&h->type_lock);
            return (gc_type)t;
        }
    }
    if (n >= GC_BDW_MAX_TYPES) {
        pthread_mutex_unlock(&h->type_lock);
        fatal(h, "too many types (max %u)", GC_BDW_MAX_TYPES);
    }
    char *copy = strdup(name);
    if (!copy) {
        pthread_mutex_unlock(&h->type_lock);
        fatal(h, "out of memory registering type %s", name);
    }
    h->type_names[n + 1] = copy;
    atomic_store_explicit(&h->ntypes, n + 1, memory_order_release);
    pthread_mutex_unlock(&h->type_lock);
    return (gc_type)(n + 1);
}

const char *gc_type_name(gc_heap *h, gc_type type) {
    unsigned n = atomic_load_explicit(&h->ntypes, memory_order_acquire);
    if (type == 0 || type > n) return NULL;
    return h->type_names[type];
}

/* ---------------------------------------------------------------------------------------------- */
/* Threads */

static void *link_mut(void *arg) {
    gc_mut *m = arg;
    gc_heap *h = m->heap;
    m->prev = NULL;
    m->next = h->muts;
    if (h->muts) h->muts->prev = m;
    h->muts = m;
    h->nmuts++;
    return NULL;
}

static void *unlink_mut(void *arg) {
    gc_mut *m = arg;
    gc_heap *h = m->heap;
    if (m->prev) m->prev->next = m->next;
    else if (h->muts == m) h->muts = m->next;
    if (m->next) m->next->prev = m->prev;
    m->next = m->prev = NULL;
    if (h->nmuts) h->nmuts--;
    return NULL;
}

static uint32_t mut_period(const gc_heap *h) {
    if (h->verify) return 1;   /* verify after every collection: check the epoch on each allocation */
    if (h->stress_every && h->stress_every < GC_BDW_CHECK_PERIOD) return h->stress_every;
    return GC_BDW_CHECK_PERIOD;
}

gc_mut *gc_attach(gc_heap *h) {
    if (h->on_thread_start)
        h->on_thread_start(h->ctx, GC_THREAD_MUTATOR, atomic_fetch_add_explicit(&h->attached, 1, memory_order_relaxed));
    gc_mut *m = calloc(1, sizeof *m);
    if (!m) fatal(h, "out of memory attaching a thread");
    /* Plain malloc memory: libgc does not scan it; push_roots pushes roots[0, sp). */
    m->roots = malloc(h->root_capacity * sizeof *m->roots);
    if (!m->roots) fatal(h, "out of memory for a shadow stack of %zu handles", h->root_capacity);
    m->cap = h->root_capacity;
    m->heap = h;
    m->period = mut_period(h);
    m->countdown = m->period;
    m->stress_left = h->stress_every;
    m->seen_epoch = atomic_load_explicit(&h->epoch, memory_order_acquire);

    /* The thread that called GC_INIT is registered already (GC_DUPLICATE): it stays registered. */
    struct GC_stack_base sb;
    if (GC_get_stack_base(&sb) != GC_SUCCESS) fatal(h, "cannot find the stack of an attaching thread");
    int r = GC_register_my_thread(&sb);
    if (r != GC_SUCCESS && r != GC_DUPLICATE) fatal(h, "libgc refused to register a thread (%d)", r);
    m->registered = r == GC_SUCCESS;
    GC_call_with_alloc_lock(link_mut, m);
    return m;
}

static void after_collection(gc_mut *m);

/* libgc's barrier-free marking has no state for the mutator's stores to depend on. */
bool gc_test_marking(gc_mut *m, bool on) {
    (void)m, (void)on;
    return false;
}

void gc_detach(gc_mut *m) {
    gc_heap *h = m->heap;
    atomic_fetch_add_explicit(&h->objects, m->period - m->countdown, memory_order_relaxed);
    after_collection(m);
    GC_call_with_alloc_lock(unlink_mut, m);
    free(m->roots);
    int registered = m->registered;
    free(m);
    if (registered) GC_unregister_my_thread();
}

/* libgc stops every registered thread with signals, blocked or not, and scans its whole stack; a
 * blocking region needs no handshake. (GC_do_blocking would let libgc skip scanning the blocked
 * frames, but takes a callback rather than a bracket.) */
void gc_block_enter(gc_mut *mut) { (void)mut; }
void gc_block_leave(gc_mut *mut) { (void)mut; }

/* ---------------------------------------------------------------------------------------------- */
/* Global roots */

/* The table is changed under libgc's allocation lock, so push_roots never sees it half-updated.
 * realloc under that lock is safe: the world is running, and no thread holding malloc's lock ever
 * waits for libgc's. */
void gc_add_root(gc_heap *h, gc_obj **slot) {
    bool ok = true;
    GC_alloc_lock();
    if (h->nroots == h->root_cap) {
        size_t ncap = h->root_cap ? h->root_cap * 2 : 64;
        gc_obj ***v = realloc(h->root_slots, ncap * sizeof *v);
        if (v) {
            h->root_slots = v;
            h->root_cap = ncap;
        } else {
            ok = false;
        }
    }
    if (ok) h->root_slots[h->nroots++] = slot;
    GC_alloc_unlock();
    if (!ok) fatal(h, "out of memory adding a global root");
}

void gc_remove_root(gc_heap *h, gc_obj **slot) {
    GC_alloc_lock();
    for (size_t i = h->nroots; i-- > 0;) {
        if (h->root_slots[i] == slot) {
            h->root_slots[i] = h->root_slots[--h->nroots];
            break;
        }
    }
    GC_alloc_unlock();
}

/* ---------------------------------------------------------------------------------------------- */
/* Allocation slow path, big objects */

static void *reserve_log(void *arg) {
    gc_heap *h = arg;
    if (h->log.cap - h->log.n < GC_BDW_LOG_SLACK) (void)gc_pauselog_reserve(&h->log, 4 * GC_BDW_LOG_SLACK);
    return NULL;
}

/* At a safe point after one or more collections: make room in the pause log, verify if asked. */
static void after_collection(gc_mut *m) {
    gc_heap *h = m->heap;
    uint64_t e = atomic_load_explicit(&h->epoch, memory_order_acquire);
    if (e == m->seen_epoch) return;
    m->seen_epoch = e;
    /* realloc under libgc's lock (no collection writes the log meanwhile), world running. */
    GC_call_with_alloc_lock(reserve_log, h);
    if (h->verify) {
        uint64_t v = atomic_load_explicit(&h->verified_epoch, memory_order_relaxed);
        if (v < e && atomic_compare_exchange_strong(&h->verified_epoch, &v, e)) {
            char msg[256];
            size_t problems = gc_verify_now(m, msg, sizeof msg);
            if (problems)
                fatal(h, "verify: %zu problem(s) after collection %lu: %s", problems,
                      (unsigned long)(GC_get_gc_no() - h->gc_no0), msg);
        }
    }
}

void gc_bdw_alloc_slow(gc_mut *m) {
    gc_heap *h = m->heap;
    atomic_fetch_add_explicit(&h->objects, m->period, memory_order_relaxed);
    m->countdown = m->period;
    if (h->stress_every) {
        m->stress_left = m->stress_left > m->period ? m->stress_left - m->period : 0;
        if (m->stress_left == 0) {
            m->stress_left = h->stress_every;
            GC_gcollect();
        }
    }
    after_collection(m);
}

gc_obj *gc_bdw_alloc_big(gc_mut *m, gc_type type, uint32_t nptrs, size_t nbytes) {
    gc_heap *h = m->heap;
    size_t ptrs = (size_t)nptrs * sizeof(gc_obj *);
    if (nbytes > GC_BDW_MAX_OBJECT || ptrs + nbytes > GC_BDW_MAX_OBJECT)
        fatal(h, "object too large: %u pointer slots and %zu raw bytes", nptrs, nbytes);
    size_t size = sizeof(uint64_t) + ptrs + nbytes + 2 * sizeof(uint64_t);
    gc_obj *obj = nptrs ? GC_malloc(size) : GC_malloc_atomic(size);
    if (!obj) gc_bdw_oom(m, size);
    if (!nptrs) memset((char *)obj + sizeof(uint64_t), 0, nbytes);
    uint64_t *tail = (uint64_t *)((char *)obj + GC_size(obj) - 2 * sizeof(uint64_t));
    tail[0] = (uint64_t)nptrs | GC_BDW_TAG;
    tail[1] = (uint64_t)nbytes | GC_BDW_TAG;
    obj->hdr = GC_BDW_HDR(type, GC_BDW_ESC, GC_BDW_ESC);
    return obj;
}

static const uint64_t *big_tail(const gc_obj *obj) {
    return (const uint64_t *)((const char *)obj + GC_size(obj) - 2 * sizeof(uint64_t));
}

uint32_t gc_bdw_big_nptrs(const gc_obj *obj) { return (uint32_t)(big_tail(obj)[0] & ~GC_BDW_TAG); }
size_t gc_bdw_big_nbytes(const gc_obj *obj) { return (size_t)(big_tail(obj)[1] & ~GC_BDW_TAG); }

void gc_collect(gc_mut *m) {
    GC_gcollect();
    after_collection(m);
}

/* ---------------------------------------------------------------------------------------------- */
/* Statistics */

static void *read_stats(void *arg) {
    void **a = arg;
    gc_heap *h = a[0];
    gc_heap_stats *s = a[1];
    s->collections = GC_get_gc_no() - h->gc_no0;
    s->allocated_bytes = GC_get_total_bytes() - h->total_bytes0;
    s->heap_bytes = GC_get_heap_size();
    if (s->heap_bytes > h->peak_heap) h->peak_heap = s->heap_bytes;
    s->peak_heap_bytes = h->peak_heap;
    s->live_bytes = h->live_bytes;
    s->gc_cpu_ns = h->collector_cpu_ns;
    *(uint64_t *)a[2] = h->mark_ns_total;
    return NULL;
}

void gc_get_stats(gc_heap *h, gc_heap_stats *out) {
    memset(out, 0, sizeof *out);
    uint64_t mark_total = 0;
    void *a[3] = {h, out, &mark_total};
    GC_call_with_alloc_lock(read_stats, a);
    /* GC CPU = CPU of the thread running each collection, START..END (its share of marking plus
     * the reclaim step), + CPU of libgc's helper marker threads since heap create (per-thread CPU
     * clocks). If the markers cannot be found, their share is estimated as mark time x helpers. */
    uint64_t mcpu;
    if (marker_cpu_ns(&mcpu))
        out->gc_cpu_ns += mcpu > h->marker_cpu0 ? mcpu - h->marker_cpu0 : 0;
    else if (h->markers > 1)
        out->gc_cpu_ns += mark_total * (h->markers - 1);
    out->allocated_objects = atomic_load_explicit(&h->objects, memory_order_relaxed);
    out->max_heap_bytes = h->max_heap;
    out->gc_threads = h->markers;
    out->initial_heap_bytes = h->initial_heap;
}

static void *read_log(void *arg) {
    void **a = arg;
    gc_heap *h = a[0];
    *(size_t *)a[1] = h->log.n;
    return h->log.v;
}

const gc_pause *gc_pause_log(gc_heap *h, size_t *count) {
    size_t n = 0;
    void *a[2] = {h, &n};
    gc_pause *v = GC_call_with_alloc_lock(read_log, a);
    if (count) *count = n;
    return v;
}

unsigned gc_worker_count(gc_heap *h) { return h->markers; }

/* libgc does not expose per-marker work (objects, bytes, steals, busy/idle time): all zeros. */
void gc_get_worker_stats(gc_heap *h, unsigned worker, gc_worker_stats *out) {
    (void)h;
    (void)worker;
    memset(out, 0, sizeof *out);
}

/* ---------------------------------------------------------------------------------------------- */
/* Verifier
 *
 * Walks the object graph from the precise roots (every attached thread's shadow stack and the global
 * roots) with the world stopped (GC_stop_world_external, which also holds the allocation lock) and
 * checks every reachable object: it is the start of a libgc object (GC_base(p) == p), its header's
 * type id is registered, and header + slots + raw bytes fit in GC_size(p). A pointer to a reclaimed
 * object shows as a bad header (a freed libgc object starts with its free-list link). Objects held
 * only by C stacks or registers (conservative roots) are not walked. While the world is stopped a
 * stopped thread may hold malloc's lock, so the visited set and the work stack live in mmap memory.
 */

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
    unsigned ntypes = atomic_load_explicit(&v->h->ntypes, memory_order_acquire);
    if (type == 0 || type > ntypes) {
        vproblem(v, "object %p (%s %p[%zu]) has an unregistered type %u (header %#llx): freed?",
                 (void *)p, what, parent, idx, type, (unsigned long long)hdr);
        return;
    }
    size_t size = GC_size(p);
    uint64_t np = (hdr >> 24) & GC_BDW_ESC, nb = hdr & GC_BDW_ESC, extra = 0;
    if (np == GC_BDW_ESC || nb == GC_BDW_ESC) {
        if (np != GC_BDW_ESC || nb != GC_BDW_ESC || size < 3 * sizeof(uint64_t)) {
            vproblem(v, "object %p (type %s) has a malformed header %#llx", (void *)p,
                     v->h->type_names[type], (unsigned long long)hdr);
            return;
        }
        const uint64_t *tail = big_tail(p);
        if ((tail[0] & GC_BDW_TAG) != GC_BDW_TAG || (tail[1] & GC_BDW_TAG) != GC_BDW_TAG) {
            vproblem(v, "object %p (type %s): big-object counts are not tagged", (void *)p,
                     v->h->type_names[type]);
            return;
        }
        np = tail[0] & ~GC_BDW_TAG;
        nb = tail[1] & ~GC_BDW_TAG;
        extra = 2 * sizeof(uint64_t);
        if (np > UINT32_MAX || nb > GC_BDW_MAX_OBJECT) {
            vproblem(v, "object %p (type %s): big-object counts out of range", (void *)p,
                     v->h->type_names[type]);
            return;
        }
    }
    uint64_t need = sizeof(uint64_t) + np * sizeof(gc_obj *) + nb + extra;
    if (need > size) {
        vproblem(v, "object %p (type %s, %llu ptrs, %llu bytes) needs %llu bytes but GC_size is %zu",
                 (void *)p, v->h->type_names[type], (unsigned long long)np, (unsigned long long)nb,
                 (unsigned long long)need, size);
        return;
    }
    if (np == 0) return;
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
        uint32_t np = gc_nptrs(p);
        for (uint32_t i = 0; i < np && !v->oom; i++) vvisit(v, gc_read(p, i), "slot of", p, i);
    }
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

    GC_stop_world_external();   /* takes the allocation lock, stops every other registered thread */
    unsigned t = 0;
    for (gc_mut *m = h->muts; m; m = m->next, t++) {
        for (size_t i = 0; i < m->sp; i++) {
            vvisit(&v, m->roots[i], "handle of thread", (void *)m, i);
            vdrain(&v);
        }
    }
    for (size_t i = 0; i < h->nroots; i++) {
        vvisit(&v, *h->root_slots[i], "global root", (void *)h->root_slots[i], 0);
        vdrain(&v);
    }
    GC_start_world_external();

    if (v.oom) vproblem(&v, "verifier: out of memory after %zu objects", v.set_n);
    munmap(v.set, v.set_cap * sizeof *v.set);
    munmap(v.stack, v.stack_cap * sizeof *v.stack);
    return v.problems;
}
