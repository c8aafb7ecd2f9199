/* test_snapshot: gc_write_heap_snapshot at two fixed points of a deterministic program, on every
 * collector. The files go to build/test-logs/snapshot-<variant>-common.heapsnapshot (before the
 * ephemerons, which bdw lacks) and snapshot-<variant>.heapsnapshot, where area 64 compares the graphs
 * of every collector (tests/snapshot/compare-graphs.js: the same types, counts and edges; bdw's
 * conservative extras only under its "(Conservative roots)");
 * here: the call's results, its refusal of a path it cannot write, and the program's own structure
 * surviving the collection the snapshot rides on. The graph has every kind of edge the writer knows:
 * slots, an array of more than 16 slots, weak references, ephemerons, finalization cells, detached
 * objects, a handle and a global root. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "gclab.h"
#include "check.h"

static void cleanup(gc_mut *mut, gc_obj *held, void *ctx) { (void)mut, (void)held, (void)ctx; }

int main(void) {
    char err[256] = "";
    gc_options o = {.max_heap = 64u << 20, .on_fatal = check_fatal, .ctx = "snapshot", .gc_threads = 2};
    gc_heap *h = gc_heap_create(&o, err, sizeof err);
    if (!h) {
        printf("FAIL - heap: %s\n", err);
        return 1;
    }
    gc_type t_node = gc_register_type(h, "Node"), t_arr = gc_register_type(h, "Array"), t_buf = gc_register_type(h, "Buffer");
    gc_mut *m = gc_attach(h);
    gc_obj *global = NULL;
    gc_add_root(h, &global);
    size_t sc = gc_scope_open(m);
    gc_obj **arr = gc_push(m, gc_alloc(m, t_arr, 40, 0));
    for (int i = 0; i < 40; i++) {
        gc_obj *n = gc_alloc(m, t_node, 3, 8);
        gc_write(m, *arr, (size_t)i, n);
        gc_write(m, n, 0, gc_alloc(m, t_buf, 0, 100 + (size_t)i));
        if (i) gc_write(m, n, 1, gc_read(*arr, (size_t)i - 1));
    }
    global = gc_alloc(m, t_node, 3, 8);
    gc_write(m, global, 2, gc_weakref_new(m, gc_read(*arr, 3)));
    gc_registry *r = gc_registry_new(h, cleanup, NULL);
    gc_finalizer_register(m, r, gc_read(*arr, 5), gc_read(*arr, 6), gc_read(*arr, 7));
    for (int i = 30; i < 35; i++) gc_set_detached(m, gc_read(*arr, (size_t)i), true);
    for (int i = 0; i < 5000; i++) gc_alloc(m, t_node, 3, 8);   /* garbage: never in the snapshot */

    /* What every collector can build (bdw has no ephemerons): snapshot-<variant>-common. */
    mkdir("build/test-logs", 0777);
    char path[256];
    snprintf(path, sizeof path, "build/test-logs/snapshot-%s-common.heapsnapshot", GCLAB_VARIANT);
    int rc = gc_write_heap_snapshot(m, path, err, sizeof err);
    struct stat st;
    CHECK(rc == 0 && stat(path, &st) == 0 && st.st_size > 1000, "snapshot: the common graph written", "rc %d: %s", rc, err);
    if (gc_has_ephemerons()) {
        gc_obj **e = gc_push(m, gc_ephemeron_new(m, gc_read(*arr, 8), gc_alloc(m, t_buf, 0, 64)));
        gc_write(m, *e, GC_EPHEMERON_NEXT, gc_ephemeron_new(m, gc_read(*arr, 9), gc_read(*arr, 10)));
        gc_write(m, global, 1, *e);
    }
    snprintf(path, sizeof path, "build/test-logs/snapshot-%s.heapsnapshot", GCLAB_VARIANT);
    rc = gc_write_heap_snapshot(m, path, err, sizeof err);
    CHECK(rc == 0 && stat(path, &st) == 0 && st.st_size > 1000, "snapshot: written", "rc %d: %s", rc, err);
    gc_heap_stats hs;
    gc_get_stats(h, &hs);
    CHECK(hs.snapshots == 2 && hs.snapshot_extra_bytes > 0 && hs.snapshot_ids_bytes > 0, "snapshot: counted in the heap's statistics",
          "snapshots %llu extra %llu ids %llu", (unsigned long long)hs.snapshots, (unsigned long long)hs.snapshot_extra_bytes,
          (unsigned long long)hs.snapshot_ids_bytes);
    int intact = 1;
    for (int i = 1; i < 40; i++) intact &= gc_read(gc_read(*arr, (size_t)i), 1) == gc_read(*arr, (size_t)i - 1);
    CHECK(intact && gc_weakref_get(m, gc_read(global, 2)) == gc_read(*arr, 3), "snapshot: the program's graph intact after it",
          "intact %d", intact);
    rc = gc_write_heap_snapshot(m, "/nonexistent-dir/x.heapsnapshot", err, sizeof err);
    CHECK(rc == -1 && strstr(err, "cannot write the snapshot"), "snapshot: an unwritable path is refused with the reason",
          "rc %d: %s", rc, err);
    gc_scope_close(m, sc);
    gc_remove_root(h, &global);
    gc_detach(m);
    gc_heap_destroy(h);
    printf("test_snapshot: %u checks, %u failed\n", checks, failed);
    return failed ? 1 : 0;
}
