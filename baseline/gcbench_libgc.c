/* gcbench_libgc.c: gcbench written straight against libgc (issue 14), the peer the bdw variant is
 * measured against: the same program as workloads/gcbench.c and gcbench_malloc.c (gcbench_trees.h),
 * nodes from GC_malloc, the array from GC_malloc_atomic, a checked tree simply dropped, threads
 * registered by libgc's own pthread_create (GC_THREADS). Built as build/libgc/gclab
 * (collector/libgc.mk), variant "libgc".
 *
 * libgc is configured as collector/bdw_events.c and bdw.c configure it, from the same options, so that
 * a suite's bdw/libgc ratio is the cost of gclab's wrapper alone (README, "bdw"):
 *   --gc-threads N     GC_set_markers_count(N) (libgc caps it; the collecting thread is one of them)
 *   --heap SIZE        GC_set_max_heap_size
 *   --heap-factor F    GC_set_free_space_divisor(round(2 / (F - 1))), at least 1 (bdw.c says why)
 *   --initial-heap S   GC_expand_hp to S before the first repetition (libgc's own small start without)
 *   interior pointers  off: GC_set_all_interior_pointers(0), as in bdw (every pointer this program
 *                      keeps is an object's start; the long-lived roots are in the data segment)
 * The environment variables libgc reads at GC_INIT (GC_ALL_INTERIOR_POINTERS, GC_MARKERS, ...) apply as
 * they do to bdw. Its rows record collections (GC_get_gc_no), pauses (the same number: every libgc
 * collection here stops the world once), the peak heap (libgc's heap only grows) and the heap at the
 * end; pause times, GC CPU and MMU are not measured (0, empty). */
#define GC_THREADS
#include <gc/gc.h>
#include <string.h>

#include "gcbench_base.h"

static const bl_baseline bl_self;

static node *bl_node(void) { return GC_malloc(sizeof(node)); }
static void bl_drop_tree(node *n) { (void)n; }
static uint64_t *bl_array(size_t bytes) {
    uint64_t *a = GC_malloc_atomic(bytes);   /* not zeroed */
    if (a) memset(a, 0, bytes);
    return a;
}
static void bl_drop_array(uint64_t *a) { (void)a; }

#include "gcbench_trees.h"

static void setup(const bl_opts *o) {
    GC_set_markers_count(o->gc_threads);
    GC_set_max_heap_size(o->max_heap);
    GC_set_all_interior_pointers(0);
    GC_INIT();
    double d = 2.0 / (o->heap_factor - 1.0);
    GC_set_free_space_divisor(d < 1.0 ? 1 : d > 1e6 ? 1000000ul : (GC_word)(d + 0.5));
    GC_word heap = GC_get_heap_size();
    if (o->initial_heap > heap) (void)GC_expand_hp(o->initial_heap - heap);
}

static void run(const int64_t *p, unsigned threads, bl_result *r) {
    GC_word heap0 = GC_get_heap_size(), gc0 = GC_get_gc_no();
    bl_run_shape(p, threads, r);
    struct GC_prof_stats_s ps;
    GC_get_prof_stats(&ps, sizeof ps);
    r->collections = GC_get_gc_no() - gc0;
    r->initial_heap = heap0;
    r->peak_heap = ps.heapsize_full;
    r->heap_end = GC_get_heap_size();
}

static const bl_baseline bl_self = {.name = "libgc", .what = "libgc called directly", .setup = setup, .run = run};

int main(int argc, char **argv) { return bl_main(argc, argv, &bl_self); }
