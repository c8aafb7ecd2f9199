/* test_gen_forward.c: the scavenger's forwarding protocol (collector/common/scavenge.c): however many
 * workers race to copy one shared graph, every object is copied exactly once and the graph stays
 * intact.
 *
 * The graph: N nodes, each with K edges to earlier nodes (a DAG with fan-in K on average) and 64 hub
 * nodes every node also points to. Every node is held by a large old array (one slot each) and the
 * hubs by a second old array of 16,000 slots, all pointing at the 64 hubs. Both arrays are old and
 * were written with young pointers, so their dirty cards give every worker range entries that lead to
 * the same objects at the start of the copy phase: the workers race for the hubs and, through the
 * edges, for every node.
 *
 * After each of several scavenges (objects stay young: promote age 15; 2, 4 and 16 workers, the last
 * oversubscribed on a 2-core machine, with the verifier on; 64-byte nodes, which are copied and then
 * installed with a CAS, and 336-byte nodes, which are claimed with a CAS and then copied):
 * - every pointer to node k (from the array, from other nodes' edges, from the hub array) is the same
 *   address: a second installed copy would split the parents between two addresses;
 * - every node's id, edges and payload (all its bytes) are as built;
 * - the scavenge copied exactly N objects (the workers' object counts) and N x node-size bytes;
 * - lost forwarding races are counted, showing that the race was exercised.
 * In a variant without a young generation the test reports a skip and passes.
 *
 * Prints one line per check, "ok - name" or "FAIL - name: detail", then
 * "test_gen_forward: N checks, M failed"; exits 1 if any failed.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gclab.h"
#include "../../collector/common/scavenge.h"

void gc_gen_scavenge(gc_mut *mut) __attribute__((weak));
gc_young *gc_gen_young(gc_heap *heap) __attribute__((weak));

#include "check.h"


enum { N = 20000, K = 4, HUBS = 64, HUB_SLOTS = 16000, REPS = 6 };

typedef struct node_raw {
    uint64_t id;
    uint64_t check;     /* a function of id, so a copy with a torn body shows */
} node_raw;

static uint64_t mix(uint64_t x) {
    x ^= x >> 31;
    x *= 0x7fb5d329728ea185ull;
    x ^= x >> 27;
    x *= 0x81dadef4bc2dd44dull;
    return x ^ (x >> 33);
}

/* Edge j of node i (i > 0): an earlier node; slot K is the node's hub. */
static uint64_t edge(uint64_t i, unsigned j) { return mix(i * K + j) % i; }
static uint64_t hub_of(uint64_t i) { return i % HUBS; }

/* Raw bytes after node_raw: 0 (64-byte nodes) or PAD_BIG (nodes over 256 bytes: copy_body's general
 * memcpy and larger size classes when promoted). */
enum { PAD_BIG = 256 };
static size_t pad;

static size_t node_size(void) {
    return (sizeof(uint64_t) + (K + 1) * sizeof(void *) + sizeof(node_raw) + pad + 15) & ~(size_t)15;
}

static bool pad_ok(gc_obj *n, uint64_t i) {
    const uint8_t *p = (const uint8_t *)gc_raw(n) + sizeof(node_raw);
    for (size_t k = 0; k < pad; k++)
        if (p[k] != (uint8_t)(i + k)) return false;
    return true;
}

static uint64_t total_objects(gc_heap *heap) {
    uint64_t n = 0;
    for (unsigned w = 0; w < gc_worker_count(heap); w++) {
        gc_worker_stats s;
        gc_get_worker_stats(heap, w, &s);
        n += s.objects;
    }
    return n;
}

static uint64_t total_races(gc_heap *heap) {
    uint64_t n = 0;
    for (unsigned w = 0; w < gc_gen_young(heap)->nworkers; w++) n += gc_gen_young(heap)->sc[w].lost_races;
    return n;
}

/* Walks the arrays; returns the number of problems and describes the first in why. */
static size_t check_graph(gc_obj *nodes, gc_obj *hubs, gc_obj **addr, char *why, size_t len) {
    size_t bad = 0;
    why[0] = 0;
#define BAD(...) do { if (!bad++) snprintf(why, len, __VA_ARGS__); } while (0)
    for (uint64_t i = 0; i < N; i++) {
        gc_obj *n = gc_read(nodes, i);
        addr[i] = n;
        const node_raw *r = n ? gc_raw(n) : NULL;
        if (!r || r->id != i || r->check != mix(i) || gc_nptrs(n) != K + 1 || !pad_ok(n, i))
            BAD("node %" PRIu64 " lost or torn", i);
    }
    if (bad) return bad;
    for (uint64_t i = 0; i < N; i++) {
        gc_obj *n = addr[i];
        for (unsigned j = 0; j < K; j++) {
            gc_obj *t = gc_read(n, j);
            if (i == 0) {
                if (t) BAD("node 0 has edge %u", j);
                continue;
            }
            uint64_t e = edge(i, j);
            if (t != addr[e]) BAD("edge %u of node %" PRIu64 " points at %p, node %" PRIu64 " is at %p", j, i, (void *)t, e, (void *)addr[e]);
        }
        if (gc_read(n, K) != addr[hub_of(i)]) BAD("hub edge of node %" PRIu64 " is not node %" PRIu64 "'s address", i, hub_of(i));
    }
    for (uint64_t s = 0; s < HUB_SLOTS; s++)
        if (gc_read(hubs, s) != addr[s % HUBS]) BAD("hub slot %" PRIu64 " does not hold hub %" PRIu64 "'s address", s, s % HUBS);
#undef BAD
    return bad;
}

static void run(unsigned workers, size_t padding) {
    char what[64], name[256], err[256] = "";
    pad = padding;
    snprintf(what, sizeof what, "%u workers, %zu-byte nodes", workers, node_size());
    gc_options o = {.max_heap = (size_t)512 << 20, .gc_threads = workers, .verify = true, .nursery = (size_t)96 << 20,
                    .promote_age = 15, .on_fatal = check_fatal, .ctx = what};
    gc_heap *heap = gc_heap_create(&o, err, sizeof err);
    if (!heap) {
        check(0, what, "gc_heap_create: %s", err);
        return;
    }
    gc_type t_node = gc_register_type(heap, "node"), t_arr = gc_register_type(heap, "array");
    gc_mut *mut = gc_attach(heap);
    size_t base = gc_scope_open(mut);
    gc_obj **nodes = gc_push(mut, gc_alloc(mut, t_arr, N, 0));
    gc_obj **hubs = gc_push(mut, gc_alloc(mut, t_arr, HUB_SLOTS, 0));
    CHECK(!gc_young_contains(gc_gen_young(heap), *nodes) && !gc_young_contains(gc_gen_young(heap), *hubs),
          "the arrays are large, so allocated old", "nodes at %p, hubs at %p", (void *)*nodes, (void *)*hubs);
    for (uint64_t i = 0; i < N; i++) {
        gc_obj *n = gc_alloc(mut, t_node, K + 1, sizeof(node_raw) + pad);
        node_raw *r = gc_raw(n);
        r->id = i;
        r->check = mix(i);
        for (size_t k = 0; k < pad; k++) ((uint8_t *)(r + 1))[k] = (uint8_t)(i + k);
        for (unsigned j = 0; i > 0 && j < K; j++) gc_write(mut, n, j, gc_read(*nodes, edge(i, j)));
        gc_write(mut, n, K, i < HUBS ? (i == 0 ? n : NULL) : gc_read(*nodes, hub_of(i)));
        gc_write(mut, *nodes, i, n);
    }
    /* Hubs point at themselves only for node 0; give the other hubs their hub edge now. */
    for (uint64_t i = 1; i < HUBS; i++) gc_write(mut, gc_read(*nodes, i), K, gc_read(*nodes, hub_of(i)));
    for (uint64_t s = 0; s < HUB_SLOTS; s++) gc_write(mut, *hubs, s, gc_read(*nodes, s % HUBS));

    gc_obj **addr = malloc(N * sizeof *addr);
    char why[256];
    size_t bad = check_graph(*nodes, *hubs, addr, why, sizeof why);
    snprintf(name, sizeof name, "%s: the graph is intact as built", what);
    CHECK(bad == 0, name, "%zu problems, first: %s", bad, why);

    uint64_t races0 = total_races(heap);
    size_t all_ok = 0, counts_ok = 0;
    char first[512] = "";
    for (int rep = 0; rep < REPS; rep++) {
        uint64_t before = total_objects(heap);
        size_t np0;
        gc_pause_log(heap, &np0);
        gc_gen_scavenge(mut);
        size_t np;
        const gc_pause *log = gc_pause_log(heap, &np);
        const gc_pause *p = np > np0 ? &log[np - 1] : NULL;
        uint64_t copied = total_objects(heap) - before;
        bad = check_graph(*nodes, *hubs, addr, why, sizeof why);
        bool young = true;
        for (uint64_t i = 0; i < N; i++) young &= gc_young_contains(gc_gen_young(heap), addr[i]);
        if (bad == 0 && young) all_ok++;
        else if (!first[0]) snprintf(first, sizeof first, "scavenge %d: %zu problems (%s)%s", rep + 1, bad, why, young ? "" : "; a node left the young generation");
        if (p && p->kind == GC_PAUSE_SCAVENGE && copied == N && p->copied_bytes + p->promoted_bytes == N * node_size())
            counts_ok++;
        else if (!first[0])
            snprintf(first, sizeof first, "scavenge %d: %s pause, %" PRIu64 " objects copied (want %d), %" PRIu64 " bytes (want %zu)",
                     rep + 1, p ? gc_pause_kind_name(p->kind) : "no", copied, N, p ? p->copied_bytes + p->promoted_bytes : 0, N * node_size());
    }
    snprintf(name, sizeof name, "%s: after each of %d scavenges every node has one address, and the graph is intact", what, REPS);
    CHECK(all_ok == REPS, name, "%s", first);
    snprintf(name, sizeof name, "%s: each scavenge copied exactly %d objects, %zu bytes", what, N, N * node_size());
    CHECK(counts_ok == REPS, name, "%s", first);
    /* A race needs two workers on the cores at once. On a busy machine they may never overlap, so
     * three more scavenges run with the race window widened (every 4th copy yields between reserving
     * room and installing the address), and more until a race has shown; each is checked the same way. */
    int extra = 0;
    gc_gen_young(heap)->test_widen = 4;
    for (; workers > 1 && (extra < 3 || total_races(heap) == races0) && extra < 200; extra++) {
        uint64_t before = total_objects(heap);
        gc_gen_scavenge(mut);
        uint64_t copied = total_objects(heap) - before;
        if (check_graph(*nodes, *hubs, addr, why, sizeof why) && !first[0])
            snprintf(first, sizeof first, "extra scavenge %d: %s", extra + 1, why);
        if (copied != N && !first[0])
            snprintf(first, sizeof first, "extra scavenge %d: %" PRIu64 " objects copied, want %d", extra + 1, copied, N);
    }
    gc_gen_young(heap)->test_widen = 0;
    if (extra) {
        snprintf(name, sizeof name, "%s: %d more scavenges with a widened race window copied each object once and left the graph intact", what, extra);
        CHECK(!first[0], name, "%s", first);
    }
    uint64_t races = total_races(heap) - races0;
    printf("# %s: %" PRIu64 " forwarding races lost (a copy undone, or a claim found taken) over %d scavenges\n", what, races, REPS + extra);
    if (workers > 1) {
        snprintf(name, sizeof name, "%s: workers raced for the same objects (lost forwarding CASes seen)", what);
        CHECK(races > 0, name, "no lost race in %d scavenges", REPS + extra);
    }
    char msg[256];
    snprintf(name, sizeof name, "%s: the verifier finds nothing wrong", what);
    CHECK(gc_verify_now(mut, msg, sizeof msg) == 0, name, "%s", msg);
    free(addr);
    gc_scope_close(mut, base);
    gc_detach(mut);
    gc_heap_destroy(heap);
}

int main(void) {
    char err[256];
    gc_options o = {.max_heap = (size_t)64 << 20};
    gc_heap *probe = gc_heap_create(&o, err, sizeof err);
    bool young = probe && gc_gen_young && gc_gen_scavenge;
    if (probe) gc_heap_destroy(probe);
    if (!young) {
        printf("ok - skipped: collector %s has no young generation\n", gc_collector_name());
        printf("test_gen_forward: 1 checks, 0 failed\n");
        return 0;
    }
    run(2, 0);
    run(4, 0);
    run(16, 0);
    run(2, PAD_BIG);
    run(16, PAD_BIG);
    printf("test_gen_forward: %u checks, %u failed\n", checks, failed);
    return failed ? 1 : 0;
}
