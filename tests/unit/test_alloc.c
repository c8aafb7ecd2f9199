/* test_alloc.c: the allocator and the heap, through the public API (gclab.h) and, where a property is
 * only visible inside, through the common headers.
 *
 * - size classes: every object size 0..GC_SMALL_MAX maps to the smallest class whose cell fits it,
 *   waste <= 12.5% above 256 bytes, classes strictly increase, real objects do not overlap;
 * - options: bad ones make gc_heap_create return NULL with a message;
 * - objects are zeroed, also when their cell (or large run) held an object before;
 * - the header round-trips type, nptrs and nbytes, also for large objects whose counts saturate the
 *   header (> 2^20 slots or raw bytes), and such objects are traced to their last slot;
 * - unreachable objects are reclaimed (the footprint falls; 10x the heap in garbage never exhausts it);
 * - reachable objects survive many collections with their contents (checksummed payloads);
 * - global roots keep objects and release them when removed;
 * - gc_verify_now finds nothing in a healthy heap and catches deliberate corruption;
 * - stress mode (collect every 1 and every 7 allocations) with the verifier on keeps a structure intact,
 *   and stress_every = N collects about once per N allocations (also when allocations alternate
 *   between size classes);
 * - a cycle's live bytes lie between the live objects' sizes and their cells' footprint;
 * - heap exhaustion and a failed verification are fatal (exit 3, message on stderr) and go through
 *   gc_options.on_fatal: checked in child processes (this program re-executed with a mode argument).
 *
 * Prints one line per check, "ok - name" or "FAIL - name: detail", then
 * "test_alloc: N checks, M failed"; exits 1 if any failed.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gclab.h"
#include "../../collector/common/heap.h"

#include "check.h"

#define MiB ((size_t)1 << 20)
#define KiB ((size_t)1 << 10)


static gc_heap *make_heap(gc_options o, const char *what) {
    char err[256] = "";
    o.on_fatal = check_fatal;
    o.ctx = (void *)what;
    gc_heap *h = gc_heap_create(&o, err, sizeof err);
    if (!h) {
        printf("FAIL - %s: gc_heap_create: %s\n", what, err);
        printf("test_alloc: %u checks, %u failed\n", checks + 1, failed + 1);
        exit(1);
    }
    return h;
}

/* splitmix64 */
static uint64_t mix(uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static uint64_t rng_state = 12345;
static uint64_t rnd(void) { return mix(rng_state++); }

/* Payloads: the first 8 raw bytes hold a seed, the rest bytes derived from it. */
static void fill_payload(gc_obj *o, uint64_t seed) {
    size_t n = gc_nbytes(o);
    unsigned char *raw = gc_raw(o);
    if (n < 8) return;
    memcpy(raw, &seed, 8);
    for (size_t i = 8; i < n; i++) raw[i] = (unsigned char)(mix(seed + i / 8) >> (i % 8));
}
static int payload_ok(gc_obj *o, uint64_t seed) {
    size_t n = gc_nbytes(o);
    unsigned char *raw = gc_raw(o);
    uint64_t s;
    memcpy(&s, raw, 8);
    if (s != seed) return 0;
    for (size_t i = 8; i < n; i++)
        if (raw[i] != (unsigned char)(mix(seed + i / 8) >> (i % 8))) return 0;
    return 1;
}

static gc_type T_NODE, T_GARBAGE, T_BIG;
static void register_types(gc_heap *h) {
    T_NODE = gc_register_type(h, "node");
    T_GARBAGE = gc_register_type(h, "garbage");
    T_BIG = gc_register_type(h, "big");
}

/* Short-lived objects of mixed sizes, one in `large_every` a large one (0: none). */
static void make_garbage(gc_mut *m, size_t bytes, unsigned large_every) {
    size_t done = 0;
    for (unsigned k = 1; done < bytes; k++) {
        size_t nb;
        uint32_t np = (uint32_t)(rnd() % 4);
        if (large_every && k % large_every == 0)
            nb = 70 * KiB + rnd() % (200 * KiB);
        else
            nb = rnd() % 2000;
        gc_obj *o = gc_alloc(m, T_GARBAGE, np, nb);
        if (nb) ((unsigned char *)gc_raw(o))[nb - 1] = 0xee;
        done += gc_object_bytes(np, nb);
    }
}

/* A list of n nodes, each with a payload of 8..max_payload bytes whose seed is its position, built by
 * prepending (so node i from the head has seed base + i). Held by *head (a root). Garbage in between. */
static void build_list(gc_mut *m, gc_obj **head, size_t n, uint64_t base, size_t max_payload,
                       size_t garbage_each) {
    for (size_t k = n; k-- > 0;) {
        gc_obj *node = gc_alloc(m, T_NODE, 1, 8 + (size_t)mix(base + k) % (max_payload - 7));
        fill_payload(node, base + k);
        gc_write(m, node, 0, *head);
        *head = node;
        if (garbage_each) make_garbage(m, garbage_each, 0);
    }
}

/* Returns the number of nodes with a bad payload or position; *len gets the length. */
static size_t check_list(gc_obj *head, uint64_t base, size_t *len) {
    size_t bad = 0, i = 0;
    for (gc_obj *o = head; o; o = gc_read(o, 0), i++)
        if (gc_typeof(o) != T_NODE || gc_nptrs(o) != 1 || !payload_ok(o, base + i)) bad++;
    *len = i;
    return bad;
}

static uint64_t footprint(gc_heap *h) {
    gc_heap_stats s;
    gc_get_stats(h, &s);
    return s.heap_bytes;
}

/* ---- size classes ---- */

static void test_size_classes(void) {
    gc_size_classes_init();
    int fits = 1, smallest = 1, waste = 1;
    size_t bad_fit = 0, bad_small = 0, bad_waste = 0;
    for (size_t s = 0; s <= GC_SMALL_MAX; s++) {
        unsigned c = gc_class_of_granules[(s + GC_GRANULE - 1) >> GC_GRANULE_SHIFT];
        uint32_t cell = gc_class_bytes[c];
        if (c >= GC_NCLASSES || cell < s || cell < sizeof(gc_cell)) {
            if (fits) bad_fit = s;
            fits = 0;
        }
        if (c > 0 && gc_class_bytes[c - 1] >= s) {
            if (smallest) bad_small = s;
            smallest = 0;
        }
        if (s > 256 && (cell - s) * 8 > s) {
            if (waste) bad_waste = s;
            waste = 0;
        }
    }
    char name[128];
    snprintf(name, sizeof name, "every size 0..%u maps to a class whose cell fits it", GC_SMALL_MAX);
    CHECK(fits, name, "size %zu", bad_fit);
    CHECK(smallest, "every size maps to the smallest class that fits", "size %zu", bad_small);
    CHECK(waste, "waste <= 12.5% for every size above 256 bytes", "size %zu", bad_waste);
    int inc = 1, gran = 1;
    for (unsigned c = 0; c < GC_NCLASSES; c++) {
        if (c > 0 && gc_class_bytes[c] <= gc_class_bytes[c - 1]) inc = 0;
        if (gc_class_bytes[c] % GC_GRANULE) gran = 0;
    }
    CHECK(inc, "class sizes strictly increase", "not increasing");
    CHECK(gran, "class sizes are whole granules (16-byte aligned cells)", "odd size");
    CHECK_U64("the largest class is GC_SMALL_MAX", gc_class_bytes[GC_NCLASSES - 1], GC_SMALL_MAX);
    CHECK_U64("the smallest class is one granule", gc_class_bytes[0], GC_GRANULE);
    int mono = 1;
    for (unsigned g = 1; g <= GC_SMALL_GRANULES; g++)
        if (gc_class_of_granules[g] < gc_class_of_granules[g - 1]) mono = 0;
    CHECK(mono, "granules -> class is monotone", "decreases somewhere");

    /* Real objects of every class: neighbours must not overlap, each is 16-byte aligned and sits in
     * a cell of its class. */
    gc_heap *h = make_heap((gc_options){.max_heap = 64 * MiB, .initial_heap = 64 * MiB, .gc_threads = 2},
                           "size classes");
    register_types(h);
    gc_mut *m = gc_attach(h);
    size_t scope = gc_scope_open(m);
    int aligned = 1, cell_ok = 1, intact = 1;
    size_t bad_size = 0;
    for (size_t size = 8; size <= GC_SMALL_MAX; size += size < 512 ? 8 : 97) {
        size_t nb = size - 8;
        gc_obj **o[3];
        for (int k = 0; k < 3; k++) {
            o[k] = gc_push(m, gc_alloc(m, T_NODE, 0, nb));
            memset(gc_raw(*o[k]), 0x11 * (k + 1), nb);
            if ((uintptr_t)*o[k] % GC_GRANULE) aligned = 0;
            unsigned c = gc_class_of_granules[(size + GC_GRANULE - 1) >> GC_GRANULE_SHIFT];
            if (gc_obj_footprint(h, *o[k]) != gc_class_bytes[c]) cell_ok = 0, bad_size = size;
        }
        for (int k = 0; k < 3; k++) {
            unsigned char *r = gc_raw(*o[k]);
            for (size_t i = 0; i < nb; i++)
                if (r[i] != 0x11 * (k + 1)) intact = 0, bad_size = size;
            if (gc_typeof(*o[k]) != T_NODE || gc_nbytes(*o[k]) != nb) intact = 0, bad_size = size;
        }
        gc_scope_close(m, scope);
    }
    CHECK(aligned, "objects are 16-byte aligned", "misaligned object");
    CHECK(cell_ok, "each object sits in a cell of its size class", "size %zu", bad_size);
    CHECK(intact, "neighbouring objects of every class do not overlap", "size %zu", bad_size);
    gc_detach(m);
    gc_heap_destroy(h);
}

/* ---- options ---- */

static void test_options(void) {
    struct {
        const char *name, *word;
        gc_options o;
    } bad[] = {
        {"max heap of 1000 bytes is refused", "small", {.max_heap = 1000}},
        {"initial heap above the maximum is refused", "initial", {.max_heap = 8 * MiB, .initial_heap = 16 * MiB}},
        {"heap factor 0.5 is refused", "factor", {.heap_factor = 0.5}},
        {"heap factor 1.0 is refused", "factor", {.heap_factor = 1.0}},
        {"5000 GC threads are refused", "threads", {.gc_threads = 5000}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        gc_heap *h = gc_heap_create(&bad[i].o, err, sizeof err);
        CHECK(h == NULL && err[0] && strstr(err, bad[i].word), bad[i].name, "heap %p, message \"%s\"", (void *)h,
              err);
        if (h) gc_heap_destroy(h);
    }
    char err[256] = "";
    gc_heap *h = gc_heap_create(NULL, err, sizeof err);
    gc_heap_stats s;
    if (h) gc_get_stats(h, &s);
    CHECK(h && s.max_heap_bytes == (uint64_t)1 << 30 && s.gc_threads >= 1,
          "NULL options give the defaults (1 GiB, one GC thread per core)", "%s", h ? "wrong defaults" : err);
    CHECK(strcmp(gc_collector_name(), "stw") == 0, "collector name is stw", "got %s", gc_collector_name());
    if (h) {
        gc_type a = gc_register_type(h, "alpha"), b = gc_register_type(h, "beta");
        CHECK(a >= 1 && b != a && gc_register_type(h, "alpha") == a && strcmp(gc_type_name(h, b), "beta") == 0 &&
                  strcmp(gc_type_name(h, 0), "?") == 0,
              "types: ids from 1, the same name gives the same id, names round-trip", "a=%u b=%u", a, b);
        gc_heap_destroy(h);
    }
}

/* ---- zeroing ---- */

static void test_zeroed(void) {
    gc_heap *h = make_heap((gc_options){.max_heap = 32 * MiB, .initial_heap = 32 * MiB, .gc_threads = 2}, "zeroed");
    register_types(h);
    gc_mut *m = gc_attach(h);
    enum { K = 3000 };
    uintptr_t *old = malloc(K * sizeof *old);
    size_t scope = gc_scope_open(m);
    gc_obj **prev = gc_push(m, NULL);
    for (int i = 0; i < K; i++) {
        gc_obj *o = gc_alloc(m, T_NODE, 3, 40);   /* 72 bytes: the 80-byte class */
        for (int s = 0; s < 3; s++) gc_write(m, o, s, *prev);
        memset(gc_raw(o), 0xa5, 40);
        gc_push(m, o);
        *prev = o;
        old[i] = (uintptr_t)o;
    }
    gc_scope_close(m, scope);   /* all garbage now */
    gc_collect(m);

    /* The same class, two shapes: the old slots become raw bytes and the old raw bytes slots. */
    size_t dirty = 0, reused = 0;
    scope = gc_scope_open(m);
    for (int i = 0; i < K; i++) {
        int shape = i % 2;
        gc_obj *o = shape ? gc_alloc(m, T_NODE, 8, 0) : gc_alloc(m, T_GARBAGE, 0, 64);
        gc_push(m, o);
        for (uint32_t s = 0; s < gc_nptrs(o); s++)
            if (gc_read(o, s)) dirty++;
        unsigned char *r = gc_raw(o);
        for (size_t b = 0; b < gc_nbytes(o); b++)
            if (r[b]) dirty++;
        for (int j = 0; j < K; j++)
            if (old[j] == (uintptr_t)o) {
                reused++;
                break;
            }
    }
    CHECK(reused > K / 2, "small cells of dropped objects are reused after a collection",
          "only %zu of %d reused", reused, K);
    CHECK(dirty == 0, "reused small cells come back zeroed (slots NULL, raw bytes 0)", "%zu dirty words/bytes",
          dirty);
    gc_scope_close(m, scope);

    /* Large objects, one block (no madvise on release) and several. */
    size_t sizes[] = {40 * KiB, 200 * KiB, 3 * MiB};
    for (size_t k = 0; k < 3; k++) {
        scope = gc_scope_open(m);
        gc_obj **o = gc_push(m, gc_alloc(m, T_BIG, 100, sizes[k]));
        for (int s = 0; s < 100; s++) gc_write(m, *o, s, *o);
        memset(gc_raw(*o), 0xff, sizes[k]);
        uintptr_t was = (uintptr_t)*o;
        gc_scope_close(m, scope);
        gc_collect(m);
        gc_obj *n = gc_alloc(m, T_BIG, 100, sizes[k]);
        size_t d = 0;
        for (int s = 0; s < 100; s++) d += gc_read(n, s) != NULL;
        unsigned char *r = gc_raw(n);
        for (size_t b = 0; b < sizes[k]; b++) d += r[b] != 0;
        char name[128];
        snprintf(name, sizeof name, "a large object of %zu KiB in a reused run comes back zeroed", sizes[k] / KiB);
        CHECK(d == 0 && (uintptr_t)n == was, name, "%zu dirty, %s address", d,
              (uintptr_t)n == was ? "same" : "different (run not reused)");
        gc_collect(m);
    }
    free(old);
    gc_detach(m);
    gc_heap_destroy(h);
}

/* ---- headers ---- */

static void test_headers(void) {
    gc_heap *h = make_heap((gc_options){.max_heap = 128 * MiB, .gc_threads = 2}, "headers");
    register_types(h);
    gc_type types[3] = {T_NODE, T_GARBAGE, T_BIG};
    struct {
        uint32_t nptrs;
        size_t nbytes;
    } shapes[] = {
        {0, 0},       {0, 1},        {1, 0},         {2, 7},           {7, 100},         {0, 8184},
        {1023, 0},    {1, 8176},     {1024, 1},      {1025, 0},        {0, 8185},        {5000, 5000},
        {0xffffe, 0}, {0xfffff, 0},  {0x100000, 3},  {0x100005, 0},    {0, 0xffffe},     {0, 0xfffff},
        {0, 0x100000}, {3, (3u << 20) + 1}, {0x100001, 0x100001},
    };
    gc_mut *m = gc_attach(h);
    int ok = 1, sat_seen = 0, sat_ok = 1;
    char detail[160] = "";
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        size_t scope = gc_scope_open(m);
        uint32_t np = shapes[i].nptrs;
        size_t nb = shapes[i].nbytes;
        gc_type t = types[i % 3];
        gc_obj **o = gc_push(m, gc_alloc(m, t, np, nb));
        /* Mark the last slot and the last raw byte, then collect: the counts must still be right and the
         * marks in place. */
        gc_obj **leaf = gc_push(m, gc_alloc(m, T_NODE, 0, 16));
        if (np) gc_write(m, *o, np - 1, *leaf);
        if (nb) ((unsigned char *)gc_raw(*o))[nb - 1] = 0x5c;
        *leaf = NULL;
        gc_collect(m);
        uint64_t hdr = atomic_load(&(*o)->header);
        if (gc_typeof(*o) != t || gc_nptrs(*o) != np || gc_nbytes(*o) != nb ||
            (char *)gc_raw(*o) != (char *)(*o)->slot + (size_t)np * 8 ||
            (np && (!gc_read(*o, np - 1) || gc_typeof(gc_read(*o, np - 1)) != T_NODE)) ||
            (nb && ((unsigned char *)gc_raw(*o))[nb - 1] != 0x5c)) {
            if (ok)
                snprintf(detail, sizeof detail, "shape %u ptrs %zu bytes: type %u nptrs %u nbytes %zu", np, nb,
                         gc_typeof(*o), gc_nptrs(*o), gc_nbytes(*o));
            ok = 0;
        }
        int sat = np >= GC_HDR_SAT || nb >= GC_HDR_SAT;
        if (sat) {
            sat_seen++;
            if ((np >= GC_HDR_SAT) != (gc_hdr_nptrs(hdr) == GC_HDR_SAT) ||
                (nb >= GC_HDR_SAT) != (gc_hdr_nbytes(hdr) == GC_HDR_SAT))
                sat_ok = 0;
        }
        gc_scope_close(m, scope);
    }
    CHECK(ok, "header round-trips type, nptrs, nbytes (small and large, across a collection)", "%s", detail);
    CHECK(sat_seen >= 7 && sat_ok, "counts >= 2^20-1 saturate the header and come from the large prefix",
          "%d saturated shapes, saturation %s", sat_seen, sat_ok ? "ok" : "wrong");

    /* A saturated pointer array is traced to its end: small objects hung at several chunk boundaries
     * survive collections; and its live bytes count. */
    size_t scope = gc_scope_open(m);
    uint32_t np = 0x100000 + 7;
    gc_obj **arr = gc_push(m, gc_alloc(m, T_BIG, np, 0));
    uint32_t at[] = {0, 1023, 1024, 1025, 500000, 0xfffff, np - 1};
    for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
        gc_obj *leaf = gc_alloc(m, T_NODE, 0, 64);
        fill_payload(leaf, 777 + k);
        gc_write(m, *arr, at[k], leaf);
    }
    for (int c = 0; c < 3; c++) {
        make_garbage(m, 4 * MiB, 0);
        gc_collect(m);
    }
    int leaves = 1;
    for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
        gc_obj *leaf = gc_read(*arr, at[k]);
        if (!leaf || gc_typeof(leaf) != T_NODE || !payload_ok(leaf, 777 + k)) leaves = 0;
    }
    char msg[256] = "";
    size_t problems = gc_verify_now(m, msg, sizeof msg);
    CHECK(leaves && problems == 0, "objects held only by far slots of a 2^20+7-slot array survive",
          "leaves %s, verifier %zu: %s", leaves ? "ok" : "lost", problems, msg);
    size_t count;
    const gc_pause *p = gc_pause_log(h, &count);
    CHECK(count > 0 && p[count - 1].live_bytes >= (uint64_t)np * 8, "the big array's bytes count as live",
          "live %" PRIu64, count ? p[count - 1].live_bytes : 0);
    gc_scope_close(m, scope);
    gc_detach(m);
    gc_heap_destroy(h);
}

/* ---- reclamation ---- */

static void test_reclaim(void) {
    /* Trigger at the maximum: nothing collects until we ask. */
    gc_heap *h = make_heap((gc_options){.max_heap = 64 * MiB, .initial_heap = 64 * MiB, .gc_threads = 2},
                           "reclaim");
    register_types(h);
    gc_mut *m = gc_attach(h);
    size_t scope = gc_scope_open(m);
    gc_obj **keep = gc_push(m, NULL);
    build_list(m, keep, 100, 1, 200, 0);
    make_garbage(m, 16 * MiB, 0);
    uint64_t f0 = footprint(h);
    gc_collect(m);
    uint64_t f1 = footprint(h);
    /* Sweeping is lazy: a wholly dead block is given back when swept, at the latest by the sweep that
     * finishes before the next cycle marks. */
    gc_collect(m);
    uint64_t f2 = footprint(h);
    CHECK(f0 >= 16 * MiB && f2 < f0 / 4, "dropped small garbage is given back (footprint falls)",
          "footprint %" PRIu64 " KiB -> %" PRIu64 " KiB after one collection -> %" PRIu64 " KiB after two",
          f0 >> 10, f1 >> 10, f2 >> 10);
    printf("# small garbage: footprint %" PRIu64 " KiB, after 1 collection %" PRIu64 " KiB, after 2 %" PRIu64
           " KiB\n",
           f0 >> 10, f1 >> 10, f2 >> 10);

    /* Large garbage is freed in the pause itself. */
    for (int i = 0; i < 8; i++) gc_alloc(m, T_BIG, 10, 2 * MiB);
    uint64_t g0 = footprint(h);
    gc_collect(m);
    uint64_t g1 = footprint(h);
    CHECK(g0 >= g1 + 16 * MiB, "dropped large objects are freed by the next collection",
          "footprint %" PRIu64 " KiB -> %" PRIu64 " KiB", g0 >> 10, g1 >> 10);
    size_t n;
    const gc_pause *p = gc_pause_log(h, &n);
    CHECK(n == 3 && p[2].heap_after + 16 * MiB <= p[2].heap_before, "the pause records heap before and after",
          "%zu pauses, before %" PRIu64 " after %" PRIu64, n, n ? p[n - 1].heap_before : 0,
          n ? p[n - 1].heap_after : 0);
    size_t len;
    size_t bad = check_list(*keep, 1, &len);
    CHECK(bad == 0 && len == 100, "the live list survived the reclamation", "%zu bad of %zu", bad, len);
    gc_scope_close(m, scope);
    gc_detach(m);
    gc_heap_destroy(h);

    /* 10x the heap in garbage through a 4 MiB heap, with large objects among it. */
    h = make_heap((gc_options){.max_heap = 4 * MiB, .gc_threads = 2}, "garbage 10x the heap");
    register_types(h);
    m = gc_attach(h);
    scope = gc_scope_open(m);
    keep = gc_push(m, NULL);
    build_list(m, keep, 200, 1000, 300, 0);
    make_garbage(m, 40 * MiB, 64);
    gc_heap_stats s;
    gc_get_stats(h, &s);
    bad = check_list(*keep, 1000, &len);
    CHECK(s.allocated_bytes >= 40 * MiB && s.peak_heap_bytes <= 4 * MiB && s.collections >= 5 && bad == 0 &&
              len == 200,
          "40 MiB of garbage through a 4 MiB heap: never exhausted, footprint within the limit, live list intact",
          "allocated %" PRIu64 " KiB, peak %" PRIu64 " KiB, %" PRIu64 " collections, %zu bad nodes of %zu",
          s.allocated_bytes >> 10, s.peak_heap_bytes >> 10, s.collections, bad, len);
    gc_scope_close(m, scope);
    gc_detach(m);
    gc_heap_destroy(h);
}

/* ---- survival ---- */

static void test_survival(void) {
    gc_heap *h = make_heap((gc_options){.max_heap = 16 * MiB, .gc_threads = 2, .verify = true}, "survival");
    register_types(h);
    gc_mut *m = gc_attach(h);
    size_t scope = gc_scope_open(m);
    gc_obj **head = gc_push(m, NULL);
    enum { N = 3000 };
    build_list(m, head, N, 5000, 600, 1000);
    int ok = 1;
    size_t bad = 0, len = 0;
    for (int c = 0; c < 30 && ok; c++) {
        make_garbage(m, 512 * KiB, 100);
        gc_collect(m);
        bad = check_list(*head, 5000, &len);
        ok = bad == 0 && len == N;
    }
    gc_heap_stats s;
    gc_get_stats(h, &s);
    CHECK(ok && s.collections >= 30, "a 3000-node list with checksummed payloads survives 30+ collections intact",
          "%zu bad nodes, length %zu, %" PRIu64 " collections", bad, len, s.collections);
    char msg[256] = "";
    size_t problems = gc_verify_now(m, msg, sizeof msg);
    CHECK(problems == 0 && msg[0] == 0, "gc_verify_now finds nothing in a healthy heap", "%zu: %s", problems, msg);
    CHECK(s.live_bytes > 0 && s.live_bytes <= s.heap_bytes, "live bytes after the last cycle are plausible",
          "live %" PRIu64 " heap %" PRIu64, s.live_bytes, s.heap_bytes);
    gc_scope_close(m, scope);
    gc_detach(m);
    gc_heap_destroy(h);
}

/* Live bytes of a cycle: a known live set of 1000 objects of 257 bytes (cell 288) and one large one. */
static void test_live_bytes(void) {
    gc_heap *h = make_heap((gc_options){.max_heap = 32 * MiB, .initial_heap = 32 * MiB, .gc_threads = 2},
                           "live bytes");
    register_types(h);
    gc_mut *m = gc_attach(h);
    size_t scope = gc_scope_open(m);
    for (int i = 0; i < 1000; i++) gc_push(m, gc_alloc(m, T_NODE, 0, 249));
    gc_push(m, gc_alloc(m, T_BIG, 0, 100 * KiB));   /* two blocks */
    make_garbage(m, 2 * MiB, 0);
    gc_collect(m);
    size_t n;
    const gc_pause *p = gc_pause_log(h, &n);
    uint64_t lo = 1000 * 257 + 2 * GC_BLOCK_SIZE, hi = 1000 * 288 + 2 * GC_BLOCK_SIZE;
    CHECK(n == 1 && p[0].live_bytes >= lo && p[0].live_bytes <= hi,
          "live bytes of a cycle lie between the objects' sizes and their cells' footprint",
          "live %" PRIu64 ", want %" PRIu64 "..%" PRIu64, n ? p[0].live_bytes : 0, lo, hi);
    printf("# live bytes %" PRIu64 " (object sizes %" PRIu64 ", cell footprint %" PRIu64 ")\n",
           n ? p[0].live_bytes : 0, lo, hi);
    gc_scope_close(m, scope);
    gc_detach(m);
    gc_heap_destroy(h);
}

/* ---- global roots ---- */

static gc_obj *global_small, *global_big;

static void test_global_roots(void) {
    gc_heap *h = make_heap((gc_options){.max_heap = 32 * MiB, .initial_heap = 32 * MiB, .gc_threads = 2},
                           "global roots");
    register_types(h);
    gc_mut *m = gc_attach(h);
    gc_add_root(h, &global_small);
    gc_add_root(h, &global_big);
    global_small = gc_alloc(m, T_NODE, 1, 120);
    fill_payload(global_small, 99);
    global_big = gc_alloc(m, T_BIG, 4, 4 * MiB);
    fill_payload(global_big, 98);
    gc_obj *child = gc_alloc(m, T_NODE, 1, 40);
    fill_payload(child, 97);
    gc_write(m, global_small, 0, child);
    for (int c = 0; c < 3; c++) {
        make_garbage(m, 4 * MiB, 0);
        gc_collect(m);
    }
    gc_obj *c = gc_read(global_small, 0);
    CHECK(payload_ok(global_small, 99) && c && payload_ok(c, 97) && payload_ok(global_big, 98),
          "objects held only by global roots (and their children) survive collections", "payload changed");
    uint64_t f0 = footprint(h);
    gc_obj *was_small = global_small;
    gc_remove_root(h, &global_big);
    gc_remove_root(h, &global_small);
    gc_collect(m);
    uint64_t f1 = footprint(h);
    CHECK(f0 >= f1 + 4 * MiB, "a large object is freed once its global root is removed",
          "footprint %" PRIu64 " KiB -> %" PRIu64 " KiB", f0 >> 10, f1 >> 10);
    gc_collect(m);   /* finishes the lazy sweep of the small object's block */
    size_t bi = gc_block_index(h, was_small);
    uint8_t kind = atomic_load(&h->block[bi].kind);
    uint64_t hdr = kind == GC_BLK_SMALL ? atomic_load(&was_small->header) : 0;
    CHECK(hdr == 0, "a small object is freed once its global root is removed (its cell is free)",
          "header still %#" PRIx64, hdr);
    global_small = global_big = NULL;
    gc_detach(m);
    gc_heap_destroy(h);
}

/* ---- the verifier catches corruption ---- */

static _Alignas(16) uint64_t not_in_heap[4];

static void expect_problem(gc_mut *m, const char *name, const char *word, int min_count) {
    char msg[256] = "";
    size_t n = gc_verify_now(m, msg, sizeof msg);
    CHECK((int)n >= min_count && strstr(msg, word) && strstr(msg, "0x"), name, "%zu problems, message \"%s\"", n,
          msg);
    printf("#   verifier said (%zu problems): %s\n", n, msg);
}

static void expect_healthy(gc_mut *m, const char *name) {
    char msg[256] = "";
    size_t n = gc_verify_now(m, msg, sizeof msg);
    CHECK(n == 0, name, "%zu problems: %s", n, msg);
}

static void test_verifier_catches(void) {
    gc_heap *h = make_heap((gc_options){.max_heap = 32 * MiB, .gc_threads = 2}, "verifier");
    register_types(h);
    gc_mut *m = gc_attach(h);
    size_t scope = gc_scope_open(m);
    gc_obj **a = gc_push(m, gc_alloc(m, T_NODE, 3, 16));
    gc_obj *b = gc_alloc(m, T_NODE, 2, 48);
    gc_write(m, *a, 0, b);
    gc_obj *big = gc_alloc(m, T_BIG, 2, 100 * KiB);
    gc_write(m, *a, 1, big);
    gc_obj **dead = gc_push(m, gc_alloc(m, T_GARBAGE, 0, 48));
    uintptr_t dead_addr = (uintptr_t)*dead;
    *dead = NULL;
    gc_collect(m);
    gc_collect(m);   /* the second finishes the first one's sweep: the dead cell is free now */
    b = gc_read(*a, 0);
    big = gc_read(*a, 1);
    expect_healthy(m, "verifier: healthy before corruption");

    /* 1. A pointer into the middle of an object. */
    atomic_store(&(*a)->slot[0], (gc_obj *)((char *)b + 16));
    expect_problem(m, "verifier catches a pointer into the middle of a cell", "middle of a cell", 1);
    {
        char msg[256] = "";
        gc_verify_now(m, msg, sizeof msg);
        CHECK(strstr(msg, "slot 0") && strstr(msg, "node"), "verifier message names the slot and the parent type",
              "\"%s\"", msg);
    }
    atomic_store(&(*a)->slot[0], b);

    /* 2. A reachable object that looks unmarked: the collector "lost" it. */
    atomic_fetch_xor(&b->header, GC_HDR_MARK);
    expect_problem(m, "verifier catches a reachable object without the live mark colour", "not marked live", 1);
    atomic_fetch_xor(&b->header, GC_HDR_MARK);

    /* 3. Into a large object's body. */
    atomic_store(&(*a)->slot[2], (gc_obj *)((char *)big + 4096));
    expect_problem(m, "verifier catches a pointer into a large object", "large object", 1);
    atomic_store(&(*a)->slot[2], NULL);

    /* 4. Outside the heap; 5. to a free cell (or a block given back). */
    atomic_store(&(*a)->slot[2], (gc_obj *)not_in_heap);
    expect_problem(m, "verifier catches a pointer outside the heap", "outside the heap", 1);
    atomic_store(&(*a)->slot[2], (gc_obj *)dead_addr);
    expect_problem(m, "verifier catches a pointer to a freed object", "free", 1);
    atomic_store(&(*a)->slot[2], NULL);

    /* 6. An unregistered type. */
    uint64_t flip = (uint64_t)(T_NODE ^ 999) << GC_HDR_TYPE_SHIFT;
    atomic_fetch_xor(&b->header, flip);
    expect_problem(m, "verifier catches an object with an unregistered type", "unregistered type", 1);
    atomic_fetch_xor(&b->header, flip);

    /* 7. A root that points at garbage, and two problems at once are both counted. */
    gc_obj **r = gc_push(m, (gc_obj *)((char *)b + 32));
    atomic_fetch_xor(&big->header, GC_HDR_MARK);
    expect_problem(m, "verifier counts every problem (bad root + lost large object)", "root", 2);
    atomic_fetch_xor(&big->header, GC_HDR_MARK);
    *r = NULL;

    expect_healthy(m, "verifier: healthy again after restoring");
    gc_collect(m);
    CHECK(gc_typeof(gc_read(*a, 0)) == T_NODE && gc_nptrs(gc_read(*a, 1)) == 2,
          "the restored heap collects normally", "objects damaged");
    gc_scope_close(m, scope);
    gc_detach(m);
    gc_heap_destroy(h);
}

/* ---- stress mode ---- */

static void test_stress(unsigned every, size_t allocations) {
    char name[160];
    snprintf(name, sizeof name, "stress every %u", every);
    gc_heap *h = make_heap(
        (gc_options){.max_heap = 4 * MiB, .gc_threads = 2, .stress_every = every, .verify = true}, name);
    register_types(h);
    gc_mut *m = gc_attach(h);
    size_t scope = gc_scope_open(m);
    gc_obj **head = gc_push(m, NULL);
    enum { N = 150 };
    build_list(m, head, N, 70000, 200, 0);
    /* Churn: replace nodes in the middle (the old ones become garbage), allocate garbage, a large
     * object now and then. */
    uint64_t seeds[N];
    for (size_t i = 0; i < N; i++) seeds[i] = 70000 + i;
    size_t done = N;
    while (done < allocations) {
        size_t pos = 1 + rnd() % (N - 2);
        gc_obj *prev = *head;
        for (size_t i = 0; i + 1 < pos; i++) prev = gc_read(prev, 0);
        gc_obj **pp = gc_push(m, prev);
        uint64_t seed = rnd();
        gc_obj *node = gc_alloc(m, T_NODE, 1, 8 + seed % 300);
        fill_payload(node, seed);
        gc_write(m, node, 0, gc_read(gc_read(*pp, 0), 0));
        gc_write(m, *pp, 0, node);
        seeds[pos] = seed;
        gc_scope_close(m, scope + 1);
        gc_alloc(m, T_GARBAGE, 2, rnd() % 500);
        if (done % 97 == 0) gc_alloc(m, T_BIG, 3, 70 * KiB);
        done += done % 97 == 0 ? 3 : 2;
    }
    size_t bad = 0, len = 0;
    for (gc_obj *o = *head; o; o = gc_read(o, 0), len++)
        if (len >= N || !payload_ok(o, seeds[len])) bad++;
    gc_heap_stats s;
    gc_get_stats(h, &s);
    snprintf(name, sizeof name,
             "stress_every=%u with the verifier on: %zu allocations, the list stays intact", every, allocations);
    CHECK(bad == 0 && len == N && s.collections >= allocations / every / 2, name,
          "%zu bad nodes, length %zu, %" PRIu64 " collections", bad, len, s.collections);
    printf("# stress_every=%u: %" PRIu64 " collections\n", every, s.collections);
    gc_scope_close(m, scope);
    gc_detach(m);
    gc_heap_destroy(h);
}

/* stress_every = N promises a collection every N allocations per thread (gclab.h). Counted for one
 * size class and for two classes taken in turn (as any real workload does). */
static void test_stress_rate(void) {
    enum { EVERY = 7, ALLOCS = 700 };
    for (int classes = 1; classes <= 2; classes++) {
        gc_heap *h = make_heap((gc_options){.max_heap = 4 * MiB, .gc_threads = 1, .stress_every = EVERY},
                               "stress rate");
        register_types(h);
        gc_mut *m = gc_attach(h);
        for (int i = 0; i < ALLOCS; i++) gc_alloc(m, T_GARBAGE, 0, classes == 2 && i % 2 ? 100 : 16);
        gc_heap_stats s;
        gc_get_stats(h, &s);
        char name[160];
        snprintf(name, sizeof name,
                 "stress_every=%d collects about once per %d allocations (%d allocations, %d size class%s)", EVERY,
                 EVERY, ALLOCS, classes, classes > 1 ? "es in turn" : "");
        uint64_t want = ALLOCS / EVERY;
        CHECK(s.collections >= want / 2 && s.collections <= want * 2, name,
              "%" PRIu64 " collections, want about %" PRIu64, s.collections, want);
        gc_detach(m);
        gc_heap_destroy(h);
    }
}

/* ---- fatal errors, in child processes ---- */

static void on_fatal_child(void *ctx, const char *msg) {
    fprintf(stderr, "on_fatal(ctx=%s): %s\n", (const char *)ctx, msg);
    fflush(stderr);
    _exit(4);
}

static int child_main(const char *mode) {
    gc_options o = {.max_heap = 4 * MiB, .gc_threads = 2};
    if (strcmp(mode, "exhaust-onfatal") == 0) {
        o.on_fatal = on_fatal_child;
        o.ctx = "cookie-42";
    }
    if (strcmp(mode, "verify") == 0) o.verify = true;
    char err[256];
    gc_heap *h = gc_heap_create(&o, err, sizeof err);
    if (!h) {
        fprintf(stderr, "child: %s\n", err);
        return 10;
    }
    register_types(h);
    gc_mut *m = gc_attach(h);
    gc_obj **head = gc_push(m, NULL);
    if (strncmp(mode, "exhaust", 7) == 0) {
        for (;;) {   /* reachable 1 KiB nodes until the heap is exhausted */
            gc_obj *n = gc_alloc(m, T_NODE, 1, 1000);
            gc_write(m, n, 0, *head);
            *head = n;
        }
    } else if (strcmp(mode, "too-large") == 0) {
        gc_alloc(m, T_BIG, 0, 8 * MiB);
    } else if (strcmp(mode, "verify") == 0) {
        *head = gc_alloc(m, T_NODE, 1, 0);
        gc_obj *b = gc_alloc(m, T_NODE, 0, 32);
        gc_write(m, *head, 0, b);
        atomic_fetch_xor(&b->header, (uint64_t)(T_NODE ^ 4321) << GC_HDR_TYPE_SHIFT);
        gc_collect(m);   /* marks fine; the verifier after the cycle must stop the program */
    }
    fprintf(stderr, "child: survived mode %s\n", mode);
    return 0;
}

static void run_child(const char *mode, int want_status, const char *want1, const char *want2) {
    int fd[2];
    char out[8192];
    size_t len = 0;
    int status = -1;
    if (pipe(fd) == 0) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            dup2(fd[1], 2);
            close(fd[0]);
            close(fd[1]);
#if defined(__SANITIZE_THREAD__)
            /* TSan sleeps a second at exit by default, to let threads report; the child needs not. */
            char opts[1024];
            const char *prev = getenv("TSAN_OPTIONS");
            snprintf(opts, sizeof opts, "%s%satexit_sleep_ms=0", prev ? prev : "", prev ? " " : "");
            setenv("TSAN_OPTIONS", opts, 1);
#endif
            char *argv[] = {"/proc/self/exe", "--child", (char *)mode, NULL};
            execv(argv[0], argv);
            _exit(99);
        }
        close(fd[1]);
        ssize_t r;
        while ((r = read(fd[0], out + len, sizeof out - 1 - len)) > 0) len += (size_t)r;
        close(fd[0]);
        waitpid(pid, &status, 0);
    }
    out[len] = 0;
    char *nl = strchr(out, '\n');
    char first[300];
    snprintf(first, sizeof first, "%.*s", nl ? (int)(nl - out) : (int)len, out);
    char name[200];
    snprintf(name, sizeof name, "child '%s' exits with status %d and says \"%s\"", mode, want_status, want1);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == want_status && strstr(out, want1) &&
              (!want2 || strstr(out, want2)),
          name, "status %d (%s %d), stderr \"%s\"", status, WIFEXITED(status) ? "exit" : "signal",
          WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), first);
    printf("#   child stderr: %s\n", first);
}

static void test_fatal(void) {
    run_child("exhaust", 3, "gclab: fatal: heap exhausted", NULL);
    run_child("exhaust-onfatal", 4, "on_fatal(ctx=cookie-42): heap exhausted", NULL);
    run_child("too-large", 3, "heap exhausted", "8388616-byte object");
    run_child("verify", 3, "heap verification failed", "unregistered type");
}

#if defined(__SANITIZE_THREAD__)
#define STRESS_ALLOCS 400   /* every collection hands work to the GC threads: slow under TSan */
#else
#define STRESS_ALLOCS 1500
#endif

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--child") == 0) return child_main(argv[2]);
    /* Each section prints its wall time, to keep the whole under a few seconds even under TSan. */
#define RUN(call)                                                                     \
    do {                                                                              \
        struct timespec t0_, t1_;                                                     \
        clock_gettime(CLOCK_MONOTONIC, &t0_);                                         \
        call;                                                                         \
        clock_gettime(CLOCK_MONOTONIC, &t1_);                                         \
        printf("# %s: %.0f ms\n", #call,                                              \
               (t1_.tv_sec - t0_.tv_sec) * 1e3 + (t1_.tv_nsec - t0_.tv_nsec) / 1e6);  \
    } while (0)
    RUN(test_fatal());   /* first, while this process has no threads */
    RUN(test_size_classes());
    RUN(test_options());
    RUN(test_zeroed());
    RUN(test_headers());
    RUN(test_reclaim());
    RUN(test_survival());
    RUN(test_live_bytes());
    RUN(test_global_roots());
    RUN(test_verifier_catches());
    RUN(test_stress(1, STRESS_ALLOCS));
    RUN(test_stress(7, 5 * STRESS_ALLOCS));
    RUN(test_stress_rate());
    printf("test_alloc: %u checks, %u failed\n", checks, failed);
    return failed ? 1 : 0;
}
