/* insight.c: what a full-heap cycle does for heap insight inside its pause, right after the colour
 * flip, when an object is live exactly if its header has the heap's colour: the census (census.c),
 * dropping the snapshot ids of the objects it found dead (snapshot_heap.c), and a heap snapshot when
 * one is asked for (snapshot_heap.c, snapshot.c). One call, from the two places a full-heap cycle ends
 * (marksweep.c for stop-the-world cycles, cmark.c for incremental and concurrent ones). */
#include <stdio.h>
#include <string.h>
#include "heap.h"

void gc_after_full_mark(gc_heap *heap, uint32_t cycle, gc_pause *rec) {
    gc_census_take(heap, cycle, rec);
    gc_snap_ids_prune(heap, heap->colour);
    gc_snap_request *req;
    char buf[4096], err[256];
    const char *path = gc_snap_due(&heap->snap_req, &req, heap->opts.snapshot_every, heap->opts.snapshot_prefix, cycle,
                                   buf, sizeof buf);
    if (!path) return;
    gc_snapshot_stats st = {0};
    if (req) req->rc = gc_snapshot_write(heap, path, &st, req->err, req->errlen);
    else if (gc_snapshot_write(heap, path, &st, err, sizeof err)) gc_fatal(heap, "%s", err);
    heap->snapshots++;
    if (st.extra_bytes > heap->snapshot_extra) heap->snapshot_extra = st.extra_bytes;
    rec->snapshot_ns += st.ns;
}

int gc_write_heap_snapshot(gc_mut *mut, const char *path, char *err, size_t errlen) {
    return gc_snap_request_run(mut, &mut->heap->snap_req, &mut->heap->snap_lock, path, err, errlen);
}
