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
 * - a cycle's live bytes lie between the live objects' sizes and their cells' footprint;
 * - heap exhaustion and a failed verification are fatal (exit 3, message on stderr) and go through
 *   gc_options.on_fatal: checked in child processes (this program re-executed with a mode argument).
 * Roots, the verifier's catches and stress mode are test_heap_checks.c's.
 *
 * Prints one line per check, "ok - name" or "FAIL - name: detail", then
 * "test_alloc: N checks, M failed"; exits 1 if any failed.
 */
#include "alloc_fixture.h"

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

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--child") == 0) return child_main(argv[2]);
    RUN(test_fatal());   /* first, while this process has no threads */
    RUN(test_size_classes());
    RUN(test_options());
    RUN(test_zeroed());
    RUN(test_headers());
    RUN(test_reclaim());
    RUN(test_survival());
    RUN(test_live_bytes());
    printf("test_alloc: %u checks, %u failed\n", checks, failed);
    return failed ? 1 : 0;
}
