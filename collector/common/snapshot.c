/* snapshot.c: the V8 .heapsnapshot writer (gclab.h, docs/DESIGN.md §13), for Chrome DevTools' Memory
 * panel and memlab, of any collector's heap through a source (snapshot_writer.h): the block heap's
 * (snapshot_heap.c) and libgc's (bdw_snapshot.c).
 *
 * A snapshot is written inside the pause that ends a full-heap marking, when the source knows exactly
 * which objects are live. The format needs each edge's target as a node index, and node_count and
 * edge_count before the nodes: the source counts first and ranks objects (index_of), then the writer
 * streams the nodes and then the edges, object by object in the source's order, with no copy of the
 * graph. It allocates nothing: one static 1 MiB buffer, written with write(2).
 *
 * The graph, as DevTools reads V8's:
 *   node 0       the synthetic root (type synthetic, name ""), one element edge to (GC roots);
 *   (GC roots)   synthetic, element edges to the source's sub-roots ("(Handles of thread N)" for each
 *                attached thread's shadow stack, "(Global handles)", "(Finalization queue)", and what
 *                a collector adds: bdw's "(Conservative roots)"), each with element edges to what it
 *                holds;
 *   objects      type object, named by their registered type, self size their exact bytes (header,
 *                slots, raw bytes); id from snapshot_ids.c (odd, stable, never reused);
 *                detachedness 2 when the program said so (gc_set_detached), else 0;
 *   edges        a pointer slot is a property edge "slotN" (an object with more than 16 slots is an
 *                array: element edges by index); weak references, ephemerons and finalization cells
 *                as their source names them (snapshot_heap.c, bdw_snapshot.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "gclab.h"
#include "snapshot_writer.h"

enum { NT_OBJECT = 3, NT_SYNTHETIC = 9 };                          /* V8's node types */

/* Strings: "", "(GC roots)", the fixed edge names, the type names (type id + S_TYPES), "slot0".."slot15",
 * the source's extra strings, the sub-roots' names; written last in this order. */
enum { S_EMPTY, S_GCROOTS, S_NAMES };
#define S_TYPES (S_NAMES + GC_SNAP_NAMES)
static const char *const fixed_names[GC_SNAP_NAMES] = {"target", "token", "held", "prev", "next", "key"};

struct gc_snap_writer {
    const gc_snap_source *src;
    int fd;
    bool failed;
    int error;                      /* errno of the failed write */
    size_t n;                       /* bytes in buf */
    uint64_t nsyn;                  /* synthetic nodes before the objects */
    uint64_t slot_names, extra_names, root_names;   /* first string index of each */
    uint64_t root_index;            /* the next element index of the sub-root being written */
};

static char buf[1 << 20];

/* ---- the stream ---- */

static void flush(gc_snap_writer *w) {
    for (size_t at = 0; at < w->n && !w->failed;) {
        ssize_t k = write(w->fd, buf + at, w->n - at);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) w->failed = true, w->error = k < 0 ? errno : EIO;
        else at += (size_t)k;
    }
    w->n = 0;
}

static void put(gc_snap_writer *w, const char *s, size_t len) {
    if (w->n + len > sizeof buf) flush(w);
    if (len > sizeof buf) return;   /* never: every piece is a number or a name */
    memcpy(buf + w->n, s, len);
    w->n += len;
}

static void puts_(gc_snap_writer *w, const char *s) { put(w, s, strlen(s)); }
static void putc_(gc_snap_writer *w, char c) { put(w, &c, 1); }

static void put_u64(gc_snap_writer *w, uint64_t v) {
    char d[24], *p = d + sizeof d;
    do *--p = (char)('0' + v % 10);
    while ((v /= 10));
    put(w, p, (size_t)(d + sizeof d - p));
}

void gc_snap_put_string(gc_snap_writer *w, const char *s) {
    putc_(w, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') putc_(w, '\\'), putc_(w, (char)c);
        else if (c < 0x20) {
            char e[7] = {'\\', 'u', '0', '0', "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15], 0};
            puts_(w, e);
        } else putc_(w, (char)c);
    }
    putc_(w, '"');
}

/* ---- nodes ---- */

static void node(gc_snap_writer *w, unsigned type, uint64_t name, uint64_t id, uint64_t size, uint64_t edges,
                 unsigned detached, bool first) {
    if (!first) putc_(w, ',');
    putc_(w, '\n');
    put_u64(w, type), putc_(w, ',');
    put_u64(w, name), putc_(w, ',');
    put_u64(w, id), putc_(w, ',');
    put_u64(w, size), putc_(w, ',');
    put_u64(w, edges), puts_(w, ",0,");
    put_u64(w, detached);
}

static void object_node(gc_snap_writer *w, const void *o) {
    gc_snap_node n;
    w->src->node_of(w->src->ctx, o, &n);
    node(w, NT_OBJECT, S_TYPES + n.type, n.id, n.self_size, n.edges, n.detached ? 2 : 0, false);
}

/* ---- edges ---- */

static void edge(gc_snap_writer *w, unsigned type, uint64_t name_or_index, uint64_t to_node) {
    putc_(w, ',');
    putc_(w, '\n');
    put_u64(w, type), putc_(w, ',');
    put_u64(w, name_or_index), putc_(w, ',');
    put_u64(w, to_node * 7);   /* a node's position times the node field count */
}

static uint64_t to_node(gc_snap_writer *w, const void *o) { return w->nsyn + w->src->index_of(w->src->ctx, o); }

void gc_snap_root_edge(gc_snap_writer *w, const void *to) { edge(w, GC_SNAP_ELEMENT, w->root_index++, to_node(w, to)); }

void gc_snap_edge_slot(gc_snap_writer *w, uint64_t i, uint64_t nslots, const void *to) {
    if (nslots > GC_SNAP_ARRAY_SLOTS) edge(w, GC_SNAP_ELEMENT, i, to_node(w, to));
    else edge(w, GC_SNAP_PROPERTY, w->slot_names + i, to_node(w, to));
}

void gc_snap_edge_named(gc_snap_writer *w, unsigned type, unsigned name, const void *to) {
    edge(w, type, S_NAMES + name, to_node(w, to));
}

void gc_snap_edge_extra(gc_snap_writer *w, unsigned type, size_t k, const void *to) {
    edge(w, type, w->extra_names + k, to_node(w, to));
}

static void object_edges(gc_snap_writer *w, const void *o) { w->src->edges_of(w->src->ctx, o, w); }

/* ---- the file ---- */

static const char meta[] =
    "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\",\"trace_node_id\","
    "\"detachedness\"],\"node_types\":[[\"hidden\",\"array\",\"string\",\"object\",\"code\",\"closure\",\"regexp\","
    "\"number\",\"native\",\"synthetic\",\"concatenated string\",\"sliced string\",\"symbol\",\"bigint\",\"object shape\"],"
    "\"string\",\"number\",\"number\",\"number\",\"number\",\"number\"],\"edge_fields\":[\"type\",\"name_or_index\","
    "\"to_node\"],\"edge_types\":[[\"context\",\"element\",\"property\",\"internal\",\"hidden\",\"shortcut\",\"weak\"],"
    "\"string_or_number\",\"node\"],\"trace_function_info_fields\":[\"function_id\",\"name\",\"script_name\","
    "\"script_id\",\"line\",\"column\"],\"trace_node_fields\":[\"id\",\"function_info_index\",\"count\",\"size\","
    "\"children\"],\"sample_fields\":[\"timestamp_us\",\"last_assigned_id\"],\"location_fields\":[\"object_index\","
    "\"script_id\",\"line\",\"column\"]},";

static void write_all(gc_snap_writer *w) {
    const gc_snap_source *s = w->src;
    unsigned nroots = s->nroots;
    uint64_t handles = 0;
    for (unsigned r = 0; r < nroots; r++) handles += s->root_count(s->ctx, r);
    w->nsyn = 2 + (uint64_t)nroots;
    w->slot_names = S_TYPES + s->ntypes;
    w->extra_names = w->slot_names + GC_SNAP_ARRAY_SLOTS;
    w->root_names = w->extra_names + s->nextra;
    puts_(w, meta);
    puts_(w, "\"node_count\":"), put_u64(w, w->nsyn + s->objects);
    puts_(w, ",\"edge_count\":"), put_u64(w, 1 + nroots + handles + s->edges);
    puts_(w, ",\"trace_function_count\":0},\n\"nodes\":[");
    /* Synthetic ids: 1 the root, 3 (GC roots), then 5, 7, ... the sub-roots (below GC_SNAP_FIRST_ID). */
    node(w, NT_SYNTHETIC, S_EMPTY, 1, 0, 1, 0, true);
    node(w, NT_SYNTHETIC, S_GCROOTS, 3, 0, nroots, 0, false);
    for (unsigned r = 0; r < nroots; r++)
        node(w, NT_SYNTHETIC, w->root_names + r, 5 + 2 * (uint64_t)r, 0, s->root_count(s->ctx, r), 0, false);
    s->each_object(s->ctx, object_node, w);
    puts_(w, "],\n\"edges\":[");
    /* The root's edge has no comma before it; edge() writes one before each of the others. */
    putc_(w, '\n'), put_u64(w, GC_SNAP_ELEMENT), puts_(w, ",1,"), put_u64(w, 1 * 7);
    for (unsigned r = 0; r < nroots; r++) edge(w, GC_SNAP_ELEMENT, r + 1, 2 + r);
    for (unsigned r = 0; r < nroots; r++) {
        w->root_index = 0;
        s->root_edges(s->ctx, r, w);
    }
    s->each_object(s->ctx, object_edges, w);
    puts_(w, "],\n\"trace_function_infos\":[],\n\"trace_tree\":[],\n\"samples\":[],\n\"locations\":[],\n\"strings\":[");
    gc_snap_put_string(w, "");
    puts_(w, ",");
    gc_snap_put_string(w, "(GC roots)");
    for (unsigned k = 0; k < GC_SNAP_NAMES; k++) puts_(w, ","), gc_snap_put_string(w, fixed_names[k]);
    for (uint32_t ty = 0; ty < s->ntypes; ty++) {
        puts_(w, ",\n");
        gc_snap_put_string(w, ty ? s->type_name(s->ctx, ty) : "(filler)");
    }
    for (unsigned k = 0; k < GC_SNAP_ARRAY_SLOTS; k++) {
        char name[16];
        snprintf(name, sizeof name, "slot%u", k);
        puts_(w, ","), gc_snap_put_string(w, name);
    }
    for (size_t k = 0; k < s->nextra; k++) puts_(w, ",\n"), s->extra_string(s->ctx, k, w);
    for (unsigned r = 0; r < nroots; r++) {
        char name[64];
        puts_(w, ",\n"), gc_snap_put_string(w, s->root_name(s->ctx, r, name, sizeof name));
    }
    puts_(w, "]}\n");
    flush(w);
}

int gc_snap_write(const gc_snap_source *src, const char *path, char *err, size_t errlen) {
    gc_snap_writer w = {.src = src};
    w.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (w.fd < 0) {
        snprintf(err, errlen, "cannot write the snapshot %s: %s", path, strerror(errno));
        return -1;
    }
    write_all(&w);
    if (close(w.fd) && !w.failed) w.failed = true, w.error = errno;
    if (w.failed) {
        snprintf(err, errlen, "error writing the snapshot %s: %s", path, strerror(w.error));
        return -1;
    }
    return 0;
}

/* ---- when ---- */

int gc_snap_request_run(gc_mut *mut, _Atomic(gc_snap_request *) *slot, pthread_mutex_t *lock, const char *path,
                        char *err, size_t errlen) {
    if (!path || !*path) {
        snprintf(err, errlen, "gc_write_heap_snapshot: no path");
        return -1;
    }
    /* One request at a time; waiting for another thread's is waiting, so blocked. */
    gc_block_enter(mut);
    pthread_mutex_lock(lock);
    gc_block_leave(mut);
    gc_snap_request req = {.path = path, .err = err, .errlen = errlen, .rc = -2};
    atomic_store_explicit(slot, &req, memory_order_release);
    gc_collect(mut);   /* stop-the-world and full on every collector: its pause writes the file */
    gc_snap_request *left = atomic_exchange_explicit(slot, NULL, memory_order_acq_rel);
    pthread_mutex_unlock(lock);
    if (left || req.rc == -2) {
        snprintf(err, errlen, "gc_write_heap_snapshot: the collection took no snapshot");
        return -1;
    }
    return req.rc;
}

const char *gc_snap_due(_Atomic(gc_snap_request *) *slot, gc_snap_request **req, unsigned every, const char *prefix,
                        uint32_t cycle, char *buf, size_t len) {
    *req = atomic_exchange_explicit(slot, NULL, memory_order_acq_rel);
    if (*req) return (*req)->path;
    if (!(every && cycle % every == 0)) return NULL;
    snprintf(buf, len, "%s-%u.heapsnapshot", prefix, cycle);
    return buf;
}
