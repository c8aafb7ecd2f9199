/* bdw.c: COLLECTOR=bdw, Boehm-Demers-Weiser libgc (8.2) as a peer behind the gclab API (docs/DESIGN.md §3):
 * the heap's life, threads, global roots and the allocation slow path. Its other jobs are in
 * bdw_events.c (libgc's callbacks, pause recording), bdw_stats.c, bdw_verify.c, bdw_census.c
 * (statistics by type, external memory) and bdw_snapshot.c (heap snapshots).
 *
 * libgc is a conservative, non-moving mark-sweep collector with parallel marking. This file adapts it:
 *
 * Roots. libgc finds thread stacks, registers and static data itself. The API's precise roots are
 * added by a GC_push_other_roots hook (chained to libgc's own, which pushes the thread stacks): each
 * attached thread's shadow stack roots[0, sp) and every registered global root slot. The shadow stacks
 * and the global root table are plain malloc memory that libgc does not otherwise scan; pushing only
 * the used part keeps a 1 Mi-handle stack from costing 8 MB of scanning per collection.
 *
 * Options, types, global roots and fatal errors are common/options.c, types.c, root_table.c and
 * fatal.c, as for the other collectors, so they behave and fail alike.
 *
 * What libgc does not give: per-marker work (gc_get_worker_stats returns zeros); exact live bytes
 * (live_bytes is heap size minus free blocks after the reclaim step, i.e. bytes in blocks that hold at
 * least one marked object: block granular, an upper bound; used_bytes and heapUsed likewise, now
 * rather than after the last collection; a census counts exact bytes, see bdw_census.c); a heap that
 * shrinks or can be re-initialised (see gc_heap_create).
 */
#include "bdw_heap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fatal.h"
#include "common/options.h"

#define GC_BDW_LOG_INITIAL ((size_t)1 << 16)    /* pause records reserved at heap create */
#define GC_BDW_LOG_SLACK ((size_t)1 << 14)      /* keep at least this many free */
#define GC_BDW_CHECK_PERIOD 256u                /* allocations between slow-path visits */

/* One heap at a time: libgc is one heap per process. */
static pthread_mutex_t g_create_lock = PTHREAD_MUTEX_INITIALIZER;

const gc_options *gc_heap_options(gc_heap *h) { return &h->opts; }
gc_type_table *gc_heap_types(gc_heap *h) { return &h->types; }

_Noreturn void gc_bdw_oom(gc_mut *mut, size_t bytes) {
    gc_fatal(mut->heap, "heap exhausted: cannot allocate %zu bytes (max_heap %zu bytes, heap %zu bytes)",
             bytes, mut->heap->opts.max_heap, (size_t)GC_get_heap_size());
}

_Noreturn void gc_bdw_root_overflow(gc_mut *mut) {
    gc_fatal(mut->heap, "shadow stack overflow: more than %zu handles on one thread (root_capacity)",
             mut->cap);
}

/* ---------------------------------------------------------------------------------------------- */
/* Heap */

const char *gc_collector_name(void) { return "bdw"; }
bool gc_collector_precise(void) { return false; }

static void *set_tuning(void *arg) {
    gc_heap *h = arg;
    GC_set_max_heap_size(h->opts.max_heap);
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

/* The common checks, and what libgc adds: the shadow stack is allocated whole at attach. */
static int check_options(gc_options *o, char *err, size_t errlen) {
    if (gc_options_check(o, err, errlen)) return -1;
    if (o->root_capacity > ((size_t)1 << 32)) {
        errf(err, errlen, "bdw: root_capacity %zu is too large", o->root_capacity);
        return -1;
    }
    return 0;
}

/* What an earlier heap of this process fixed and libgc cannot change: the marker threads and the
 * heap it grew. threads: what was asked, 0 for libgc's default. */
static int check_libgc_state(unsigned markers, unsigned threads, size_t max_heap, char *err, size_t errlen) {
    if (threads != 0 && threads != markers) {
        /* Loud rather than a silently different configuration: libgc sets its markers once (at the
         * first heap of the process) and caps their number. */
        errf(err, errlen, "bdw: libgc runs %u marker threads in this process (fixed at its first heap, "
             "capped by libgc); cannot use %u", markers, threads);
        return -1;
    }
    /* libgc never returns address space: a heap grown by an earlier gclab heap in this process
     * counts against max_heap (GC_heapsize includes unmapped memory). */
    struct GC_prof_stats_s ps;
    GC_get_prof_stats(&ps, sizeof ps);
    if (ps.heapsize_full > max_heap) {
        errf(err, errlen,
             "bdw: libgc's heap is already %zu bytes (grown by an earlier heap in this process) "
             "> max_heap %zu; libgc cannot shrink it",
             (size_t)ps.heapsize_full, max_heap);
        return -1;
    }
    return 0;
}

/* heap_factor -> GC_free_space_divisor. libgc collects once the bytes allocated since the last
 * collection reach (2 * live pointer-bearing bytes + live atomic bytes / 4 + roots) / divisor.
 * For pointer-bearing live data L the heap therefore peaks near L + 2L/divisor, i.e.
 * heap_factor f = 1 + 2/divisor, divisor = 2 / (f - 1): f = 2 -> 2, f = 1.5 -> 4, f = 3 -> 1.
 * divisor is an integer >= 1, so factors above 3 behave as 3. Live data in atomic objects counts
 * 1/8 as much in libgc's trigger, so pointer-free heaps run tighter than f. libgc's default is 3
 * (f ~ 1.67). */
static unsigned long free_space_divisor(double heap_factor) {
    double d = 2.0 / (heap_factor - 1.0);
    return d < 1.0 ? 1 : d > 1e6 ? 1000000ul : (unsigned long)(d + 0.5);
}

static gc_heap *heap_new(const gc_options *o, unsigned markers) {
    gc_heap *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->opts = *o;
    h->divisor = free_space_divisor(o->heap_factor);
    h->markers = markers;
    gc_type_table_init(&h->types);
    pthread_mutex_init(&h->snap_lock, NULL);
    if (gc_pauselog_init(&h->log, GC_BDW_LOG_INITIAL) != 0) {
        gc_type_table_free(&h->types);
        free(h);
        return NULL;
    }
    return h;
}

/* Tunes libgc for this heap, grows it to the initial heap asked for (0: libgc's own, smaller start)
 * and takes the baselines the statistics are counted from. */
static void take_libgc(gc_heap *h, size_t initial_heap) {
    GC_call_with_alloc_lock(set_tuning, h);
    if (initial_heap) {
        GC_word cur = 0;
        GC_get_heap_usage_safe(&cur, NULL, NULL, NULL, NULL);
        if (initial_heap > cur) (void)GC_expand_hp(initial_heap - cur);
    }
    GC_word heap = 0, total = 0;
    GC_get_heap_usage_safe(&heap, NULL, NULL, NULL, &total);
    h->initial_heap = heap;
    h->total_bytes0 = total;
    h->peak_heap = heap;
    uint64_t mcpu;
    h->marker_cpu0 = gc_bdw_marker_cpu_ns(&mcpu) ? mcpu : 0;
    /* gc_no0 and gc_bdw_heap under the lock, so that no collection falls between them. */
    GC_alloc_lock();
    h->gc_no0 = GC_get_gc_no();
    gc_bdw_heap = h;
    GC_alloc_unlock();
}

gc_heap *gc_heap_create(const gc_options *opts, char *err, size_t errlen) {
    gc_options o = opts ? *opts : (gc_options){0};
    /* Left 0, these two are libgc's to choose (its marker count, capped; its small first heap), not
     * the common defaults gc_options_check fills in. */
    unsigned threads = o.gc_threads;
    size_t initial_heap = o.initial_heap;
    if (check_options(&o, err, errlen)) return NULL;

    pthread_mutex_lock(&g_create_lock);
    gc_heap *h = NULL;
    if (gc_bdw_heap) {
        errf(err, errlen, "bdw: a heap already exists (libgc is one heap per process)");
        goto out;
    }
    unsigned markers = gc_bdw_init_libgc(threads, o.max_heap);
    if (check_libgc_state(markers, threads, o.max_heap, err, errlen)) goto out;
    h = heap_new(&o, markers);
    if (!h) {
        errf(err, errlen, "bdw: out of memory creating the heap");
        goto out;
    }
    take_libgc(h, initial_heap);
out:
    pthread_mutex_unlock(&g_create_lock);
    return h;
}

static void *collect_and_unmap(void *arg) {
    (void)arg;
    GC_gcollect_and_unmap();
    return NULL;
}

void gc_heap_destroy(gc_heap *h) {
    if (!h) return;
    pthread_mutex_lock(&g_create_lock);
    /* Before the heap goes: libgc may still run finalizers of this heap's targets later. */
    gc_bdw_fin_destroy(h);
    /* Every mutator should have detached; any left are unlinked (not freed) so that the root hook
     * never reads them again. */
    GC_alloc_lock();
    h->muts = NULL;
    h->nmuts = 0;
    gc_bdw_heap = NULL;
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
    gc_bdw_census_free(h);
    gc_bdw_snapshot_free(h);
    pthread_mutex_destroy(&h->snap_lock);
    gc_pauselog_free(&h->log);
    gc_type_table_free(&h->types);
    gc_root_table_free(&h->roots);
    free(h);
    pthread_mutex_unlock(&g_create_lock);
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
    if (h->opts.verify) return 1;   /* verify after every collection: check the epoch on each allocation */
    if (h->opts.stress_every && h->opts.stress_every < GC_BDW_CHECK_PERIOD) return h->opts.stress_every;
    return GC_BDW_CHECK_PERIOD;
}

gc_mut *gc_attach(gc_heap *h) {
    if (h->opts.on_thread_start)
        h->opts.on_thread_start(h->opts.ctx, GC_THREAD_MUTATOR, atomic_fetch_add_explicit(&h->attached, 1, memory_order_relaxed));
    gc_mut *m = calloc(1, sizeof *m);
    if (!m) gc_fatal(h, "out of memory attaching a thread");
    /* Plain malloc memory: libgc does not scan it; push_roots pushes roots[0, sp). */
    m->roots = malloc(h->opts.root_capacity * sizeof *m->roots);
    if (!m->roots) gc_fatal(h, "out of memory for a shadow stack of %zu handles", h->opts.root_capacity);
    m->cap = h->opts.root_capacity;
    m->heap = h;
    m->period = mut_period(h);
    m->countdown = m->period;
    m->stress_left = h->opts.stress_every;
    m->seen_epoch = atomic_load_explicit(&h->epoch, memory_order_acquire);

    /* The thread that called GC_INIT is registered already (GC_DUPLICATE): it stays registered. */
    struct GC_stack_base sb;
    if (GC_get_stack_base(&sb) != GC_SUCCESS) gc_fatal(h, "cannot find the stack of an attaching thread");
    int r = GC_register_my_thread(&sb);
    if (r != GC_SUCCESS && r != GC_DUPLICATE) gc_fatal(h, "libgc refused to register a thread (%d)", r);
    m->registered = r == GC_SUCCESS;
    GC_call_with_alloc_lock(link_mut, m);
    gc_acct_self = &m->acct;
    return m;
}

static void after_collection(gc_mut *m);

/* libgc's barrier-free marking has no state for the mutator's stores to depend on. */
bool gc_test_marking(gc_mut *m, bool on) {
    (void)m, (void)on;
    return false;
}

/* libgc collects in the thread that allocates: its events charge that thread (bdw_events.c). Its
 * stops of the other threads (signals) and its allocator's own work (lazy reclaim) are not seen. */
const gc_mut_account *gc_mut_account_of(gc_mut *mut) { return &mut->acct.a; }

void gc_detach(gc_mut *m) {
    if (gc_acct_self == &m->acct) gc_acct_self = NULL;
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
    GC_alloc_lock();
    int rc = gc_root_table_add(&h->roots, slot);
    GC_alloc_unlock();
    if (rc) gc_fatal(h, "out of memory registering a global root");
}

void gc_remove_root(gc_heap *h, gc_obj **slot) {
    GC_alloc_lock();
    gc_root_table_remove(&h->roots, slot);
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
    if (h->opts.verify) {
        uint64_t v = atomic_load_explicit(&h->verified_epoch, memory_order_relaxed);
        if (v < e && atomic_compare_exchange_strong(&h->verified_epoch, &v, e)) {
            char msg[256];
            size_t problems = gc_verify_now(m, msg, sizeof msg);
            if (problems)
                gc_fatal(h, "verify: %zu problem(s) after collection %lu: %s", problems,
                         (unsigned long)(GC_get_gc_no() - h->gc_no0), msg);
        }
    }
}

void gc_bdw_alloc_slow(gc_mut *m) {
    gc_heap *h = m->heap;
    atomic_fetch_add_explicit(&h->objects, m->period, memory_order_relaxed);
    m->countdown = m->period;
    if (h->opts.stress_every) {
        m->stress_left = m->stress_left > m->period ? m->stress_left - m->period : 0;
        if (m->stress_left == 0) {
            m->stress_left = h->opts.stress_every;
            GC_gcollect();
        }
    }
    after_collection(m);
}

gc_obj *gc_bdw_alloc_big(gc_mut *m, gc_type type, uint32_t nptrs, size_t nbytes) {
    gc_heap *h = m->heap;
    size_t ptrs = (size_t)nptrs * sizeof(gc_obj *);
    if (nbytes > GC_BDW_MAX_OBJECT || ptrs + nbytes > GC_BDW_MAX_OBJECT)
        gc_fatal(h, "object too large: %u pointer slots and %zu raw bytes", nptrs, nbytes);
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

uint32_t gc_bdw_big_nptrs(const gc_obj *obj) { return (uint32_t)(gc_bdw_big_tail(obj)[0] & ~GC_BDW_TAG); }
size_t gc_bdw_big_nbytes(const gc_obj *obj) { return (size_t)(gc_bdw_big_tail(obj)[1] & ~GC_BDW_TAG); }

/* A census taken while a gc_collect waits is the program's own (bdw_census.c). */
void gc_collect(gc_mut *m) {
    atomic_fetch_add_explicit(&m->heap->collects_waiting, 1, memory_order_acq_rel);
    GC_gcollect();
    atomic_fetch_sub_explicit(&m->heap->collects_waiting, 1, memory_order_acq_rel);
    after_collection(m);
}
