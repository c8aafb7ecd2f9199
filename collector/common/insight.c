/* insight.c: what a full-heap cycle does for heap insight inside its pause, right after the colour
 * flip, when an object is live exactly if its header has the heap's colour: the census (census.c),
 * dropping the snapshot ids of the objects it found dead (snapshot_ids.c), and a heap snapshot when one
 * is asked for (snapshot.c). One call, from the two places a full-heap cycle ends (marksweep.c for
 * stop-the-world cycles, cmark.c for incremental and concurrent ones). */
#include <stdio.h>
#include <string.h>
#include "heap.h"

void gc_after_full_mark(gc_heap *heap, uint32_t cycle, gc_pause *rec) {
    gc_census_take(heap, cycle, rec);
    gc_snap_ids_prune(heap, heap->colour);
    gc_snap_request *req = atomic_exchange_explicit(&heap->snap_req, NULL, memory_order_acq_rel);
    unsigned every = heap->opts.snapshot_every;
    if (!req && !(every && cycle % every == 0)) return;
    gc_snapshot_stats st = {0};
    if (req) {
        req->rc = gc_snapshot_write(heap, req->path, &st, req->err, req->errlen);
    } else {
        char path[4096], err[256];
        snprintf(path, sizeof path, "%s-%u.heapsnapshot", heap->opts.snapshot_prefix, cycle);
        if (gc_snapshot_write(heap, path, &st, err, sizeof err)) gc_fatal(heap, "%s", err);
    }
    heap->snapshots++;
    if (st.extra_bytes > heap->snapshot_extra) heap->snapshot_extra = st.extra_bytes;
    rec->snapshot_ns += st.ns;
}

int gc_write_heap_snapshot(gc_mut *mut, const char *path, char *err, size_t errlen) {
    gc_heap *heap = mut->heap;
    if (!path || !*path) {
        snprintf(err, errlen, "gc_write_heap_snapshot: no path");
        return -1;
    }
    /* One request at a time; waiting for another thread's is waiting, so blocked. */
    gc_block_enter(mut);
    pthread_mutex_lock(&heap->snap_lock);
    gc_block_leave(mut);
    gc_snap_request req = {.path = path, .err = err, .errlen = errlen, .rc = -2};
    atomic_store_explicit(&heap->snap_req, &req, memory_order_release);
    gc_collect(mut);   /* stop-the-world and full on every collector: its pause writes the file */
    gc_snap_request *left = atomic_exchange_explicit(&heap->snap_req, NULL, memory_order_acq_rel);
    pthread_mutex_unlock(&heap->snap_lock);
    if (left || req.rc == -2) {
        snprintf(err, errlen, "gc_write_heap_snapshot: the collection took no snapshot");
        return -1;
    }
    return req.rc;
}
