/* test_gen_remember.c: the remembered set (card table) of the generational collector. Young objects
 * reachable only through old objects, where the old-to-young pointer was created by a write or left by
 * a scavenge, survive scavenges and full cycles with their contents:
 * - (a) a large old array receives young pointers only by writes, in slots on card boundaries and
 *   scattered: they survive two scavenges young and the third promoted; once every target is old the
 *   cards are clean again (the next scavenge finds no dirty card);
 * - (b) a parent promoted while its child stays young: the scavenger, not the barrier, must dirty the
 *   card (the store was young-to-young); the child survives the next scavenge through it;
 * - (c) a young pointer stored into a small object that was promoted (the barrier on a small block);
 * - (d) a full cycle (mark, then scavenge) between scavenges keeps old-to-young pointers;
 * - (e) four threads storing young pointers into interleaved slots of one old array (so they dirty the
 *   same cards at once) while their allocation triggers scavenges;
 * - (f) a thread whose first heap operation is such a store, before it ever allocates (the barrier's
 *   lazily filled bounds).
 * The verifier (on in every heap here) also checks after each collection that every old-to-young
 * pointer lies on a dirty card. In a variant without a young generation the test reports a skip.
 *
 * Prints one line per check, "ok - name" or "FAIL - name: detail", then
 * "test_gen_remember: N checks, M failed"; exits 1 if any failed.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gclab.h"
#include "../../collector/common/scavenge.h"

void gc_gen_scavenge(gc_mut *mut) __attribute__((weak));
gc_young *gc_gen_young(gc_heap *heap) __attribute__((weak));

#include "check.h"


static gc_heap *make_heap(const char *what, unsigned promote_age, size_t nursery) {
    char err[256] = "";
    gc_options o = {.max_heap = (size_t)128 << 20, .gc_threads = 2, .verify = true, .nursery = nursery,
                    .promote_age = promote_age, .on_fatal = check_fatal, .ctx = (void *)what};
    gc_heap *h = gc_heap_create(&o, err, sizeof err);
    if (!h) {
        printf("FAIL - %s: gc_heap_create: %s\n", what, err);
        printf("test_gen_remember: %u checks, %u failed\n", checks + 1, failed + 1);
        exit(1);
    }
    return h;
}

static gc_type t_node, t_arr;

static uint64_t payload(uint64_t k) { return k * 0x9e3779b97f4a7c15ull + 12345; }

static gc_obj *new_node(gc_mut *mut, uint64_t k) {
    gc_obj *n = gc_alloc(mut, t_node, 2, 2 * sizeof(uint64_t));
    uint64_t *r = gc_raw(n);
    r[0] = k;
    r[1] = payload(k);
    return n;
}

static bool node_ok(gc_obj *n, uint64_t k) {
    if (!n || gc_typeof(n) != t_node || gc_nptrs(n) != 2) return false;
    const uint64_t *r = gc_raw(n);
    return r[0] == k && r[1] == payload(k);
}

static bool young(gc_heap *h, const void *p) { return gc_young_contains(gc_gen_young(h), p); }

static const gc_pause *last_pause(gc_heap *h) {
    size_t n;
    const gc_pause *log = gc_pause_log(h, &n);
    return n ? &log[n - 1] : NULL;
}

static void verify_ok(gc_mut *mut, const char *name) {
    char msg[256];
    size_t problems = gc_verify_now(mut, msg, sizeof msg);
    CHECK(problems == 0, name, "%zu problems: %s", problems, msg);
}

/* (a) */
enum { ARR = 20000 };
static bool chosen(size_t i) {
    return i == 0 || i == 1 || i == 63 || i == 64 || i == 65 || i == 127 || i == 128 || (i >= 1000 && i < 1050) ||
           i % 97 == 0 || i == ARR - 1;
}

static void test_array(void) {
    gc_heap *h = make_heap("old array", 3, (size_t)4 << 20);
    t_node = gc_register_type(h, "node");
    t_arr = gc_register_type(h, "array");
    gc_mut *mut = gc_attach(h);
    size_t base = gc_scope_open(mut);
    gc_obj **arr = gc_push(mut, gc_alloc(mut, t_arr, ARR, 0));
    CHECK(!young(h, *arr), "a 20000-slot array is allocated old", "at %p", (void *)*arr);
    for (size_t i = 0; i < ARR; i++)
        if (chosen(i)) gc_write(mut, *arr, i, new_node(mut, i));
    char name[128];
    for (int s = 1; s <= 4; s++) {
        gc_gen_scavenge(mut);
        const gc_pause *p = last_pause(h);
        size_t bad = 0, wrong_gen = 0, first = SIZE_MAX;
        for (size_t i = 0; i < ARR; i++) {
            gc_obj *n = gc_read(*arr, i);
            if (chosen(i) ? !node_ok(n, i) : n != NULL) {
                bad++;
                if (first == SIZE_MAX) first = i;
            } else if (n && young(h, n) != (s < 3)) {
                wrong_gen++;
            }
        }
        snprintf(name, sizeof name, "(a) after scavenge %d every young object held only by the old array is intact", s);
        CHECK(bad == 0, name, "%zu slots wrong, first %zu", bad, first);
        snprintf(name, sizeof name, "(a) after scavenge %d they are %s (promote age 3)", s, s < 3 ? "still young" : "old");
        CHECK(wrong_gen == 0, name, "%zu in the wrong generation", wrong_gen);
        if (s == 1) CHECK(p && p->cards_scanned > 0, "(a) the first scavenge scanned dirty cards", "%" PRIu64 " cards", p ? p->cards_scanned : 0);
        if (s == 4)
            CHECK(p && p->cards_scanned == 0, "(a) once every target is old, the cards are clean (none scanned)",
                  "%" PRIu64 " cards", p ? p->cards_scanned : 0);
    }
    verify_ok(mut, "(a) the verifier, remembered-set check included, finds nothing wrong");
    gc_scope_close(mut, base);
    gc_detach(mut);
    gc_heap_destroy(h);
}

/* (b), (c), (d) */
static void test_small(void) {
    gc_heap *h = make_heap("small objects", 2, (size_t)2 << 20);
    t_node = gc_register_type(h, "node");
    t_arr = gc_register_type(h, "array");
    gc_mut *mut = gc_attach(h);
    size_t base = gc_scope_open(mut);

    /* (b) */
    gc_obj **parent = gc_push(mut, new_node(mut, 1));
    gc_gen_scavenge(mut);
    gc_write(mut, *parent, 0, new_node(mut, 2));   /* young to young: the barrier dirties nothing */
    CHECK(young(h, *parent), "(b) the parent is young before its second scavenge", "");
    gc_gen_scavenge(mut);
    gc_obj *child = gc_read(*parent, 0);
    CHECK(!young(h, *parent) && young(h, child) && node_ok(*parent, 1) && node_ok(child, 2),
          "(b) second scavenge: parent promoted, child copied young, both intact", "parent %s, child %s",
          young(h, *parent) ? "young" : "old", young(h, child) ? "young" : "old");
    CHECK(gc_gen_young(h)->cards[((uintptr_t)&(*parent)->slot[0] - (uintptr_t)h->base) >> GC_CARD_SHIFT] != 0,
          "(b) the scavenger dirtied the card of the promoted parent's young slot", "");
    gc_gen_scavenge(mut);
    child = gc_read(*parent, 0);
    CHECK(node_ok(child, 2) && !young(h, child), "(b) the child survives the next scavenge through the card, and is promoted", "%s",
          node_ok(child, 2) ? "still young" : "child lost");

    /* (c) */
    gc_obj **old = gc_push(mut, new_node(mut, 3));
    gc_gen_scavenge(mut);
    gc_gen_scavenge(mut);
    CHECK(!young(h, *old), "(c) a small object is old after two scavenges", "");
    gc_write(mut, *old, 1, new_node(mut, 4));
    gc_gen_scavenge(mut);
    CHECK(node_ok(gc_read(*old, 1), 4) && young(h, gc_read(*old, 1)),
          "(c) a young object stored into a small old object survives a scavenge", "");
    gc_gen_scavenge(mut);
    CHECK(node_ok(gc_read(*old, 1), 4), "(c) ... and the next one (promoted)", "");

    /* (d) */
    gc_write(mut, *old, 0, new_node(mut, 5));
    gc_write(mut, *parent, 1, new_node(mut, 6));
    gc_collect(mut);
    const gc_pause *p = last_pause(h);
    CHECK(p && p->kind == GC_PAUSE_FULL && node_ok(gc_read(*old, 0), 5) && node_ok(gc_read(*parent, 1), 6),
          "(d) old-to-young pointers survive a full cycle", "%s pause", p ? gc_pause_kind_name(p->kind) : "no");
    gc_gen_scavenge(mut);
    CHECK(node_ok(gc_read(*old, 0), 5) && node_ok(gc_read(*parent, 1), 6) && node_ok(gc_read(*old, 1), 4) &&
              node_ok(gc_read(*parent, 0), 2),
          "(d) ... and the scavenge after it", "");
    verify_ok(mut, "(b-d) the verifier finds nothing wrong");
    gc_scope_close(mut, base);
    gc_detach(mut);
    gc_heap_destroy(h);
}

/* (e) */
enum { WRITERS = 4, SLOTS = 40000, GARBAGE = 40 };
typedef struct writer {
    gc_heap *h;
    gc_obj **arr;       /* a global root */
    unsigned t;
} writer;

static void *writer_main(void *p) {
    writer *w = p;
    gc_mut *mut = gc_attach(w->h);
    for (size_t i = w->t; i < SLOTS; i += WRITERS) {
        gc_obj *n = new_node(mut, i);
        gc_write(mut, *w->arr, i, n);   /* *w->arr reloaded after the allocation */
        for (int g = 0; g < GARBAGE; g++) new_node(mut, 0);
    }
    gc_detach(mut);
    return NULL;
}

static void test_threads(void) {
    gc_heap *h = make_heap("threads", 2, (size_t)1 << 20);
    h->opts.verify = false;   /* many scavenges: the check at the end verifies */
    t_node = gc_register_type(h, "node");
    t_arr = gc_register_type(h, "array");
    gc_obj *arr = NULL;
    gc_add_root(h, &arr);
    gc_mut *mut = gc_attach(h);
    arr = gc_alloc(mut, t_arr, SLOTS, 0);
    gc_block_enter(mut);
    pthread_t th[WRITERS];
    writer w[WRITERS];
    for (unsigned t = 0; t < WRITERS; t++) {
        w[t] = (writer){h, &arr, t};
        pthread_create(&th[t], NULL, writer_main, &w[t]);
    }
    for (unsigned t = 0; t < WRITERS; t++) pthread_join(th[t], NULL);
    gc_block_leave(mut);
    size_t bad = 0;
    for (size_t i = 0; i < SLOTS; i++) bad += !node_ok(gc_read(arr, i), i);
    size_t np;
    gc_pause_log(h, &np);
    CHECK(bad == 0 && np > 10, "(e) 4 threads storing young objects into one old array's shared cards, many scavenges: all intact",
          "%zu of %d slots wrong after %zu pauses", bad, SLOTS, np);
    gc_gen_scavenge(mut);
    bad = 0;
    for (size_t i = 0; i < SLOTS; i++) bad += !node_ok(gc_read(arr, i), i);
    CHECK(bad == 0, "(e) ... and after one more scavenge", "%zu slots wrong", bad);
    verify_ok(mut, "(e) the verifier finds nothing wrong");
    gc_remove_root(h, &arr);
    gc_detach(mut);
    gc_heap_destroy(h);
}

/* (f) */
typedef struct storer {
    gc_heap *h;
    gc_obj **arr, **obj;
} storer;

static void *storer_main(void *p) {
    storer *s = p;
    gc_mut *mut = gc_attach(s->h);
    gc_write(mut, *s->arr, 5, *s->obj);   /* this thread's first heap operation */
    gc_detach(mut);
    return NULL;
}

static void test_first_store(void) {
    gc_heap *h = make_heap("first store", 2, (size_t)1 << 20);
    t_node = gc_register_type(h, "node");
    t_arr = gc_register_type(h, "array");
    gc_obj *arr = NULL, *obj = NULL;
    gc_add_root(h, &arr);
    gc_add_root(h, &obj);
    gc_mut *mut = gc_attach(h);
    arr = gc_alloc(mut, t_arr, 2000, 0);
    obj = new_node(mut, 7);
    gc_block_enter(mut);
    storer s = {h, &arr, &obj};
    pthread_t th;
    pthread_create(&th, NULL, storer_main, &s);
    pthread_join(th, NULL);
    gc_block_leave(mut);
    obj = NULL;   /* now only the old array holds it */
    gc_gen_scavenge(mut);
    CHECK(node_ok(gc_read(arr, 5), 7), "(f) a store made before the storing thread ever allocated is remembered", "");
    gc_remove_root(h, &arr);
    gc_remove_root(h, &obj);
    gc_detach(mut);
    gc_heap_destroy(h);
}

int main(void) {
    char err[256];
    gc_options o = {.max_heap = (size_t)64 << 20};
    gc_heap *probe = gc_heap_create(&o, err, sizeof err);
    bool has_young = probe && gc_gen_young && gc_gen_scavenge;
    if (probe) gc_heap_destroy(probe);
    if (!has_young) {
        printf("ok - skipped: collector %s has no young generation\n", gc_collector_name());
        printf("test_gen_remember: 1 checks, 0 failed\n");
        return 0;
    }
    test_array();
    test_small();
    test_threads();
    test_first_store();
    printf("test_gen_remember: %u checks, %u failed\n", checks, failed);
    return failed ? 1 : 0;
}
