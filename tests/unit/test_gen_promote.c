/* test_gen_promote.c: the generational collector's promotion and sizing policy.
 * - promotion age: with --promote-age N (1, 2, 3, 5, 15) an object stays young, its header age
 *   counting the scavenges it survived, for N-1 scavenges, and is old after the N-th; its contents
 *   survive every copy; the default age is 2;
 * - to-space overflow: when the survivors of a scavenge do not fit in to-space, the rest are promoted
 *   early, and nothing is lost;
 * - objects up to GC_GEN_YOUNG_MAX bytes are allocated young, larger ones old;
 * - options: a promote age above 15, a nursery smaller than the minimum or larger than half the heap
 *   are refused with a message; the nursery counts in the heap footprint;
 * - statistics: scavenges are recorded as "scavenge" pauses and gc_collect as "full"; copied plus
 *   promoted bytes never exceed the young bytes; the workers' object counts add up to the objects
 *   copied; stress mode (--stress-every) forces scavenges.
 * In a variant without a young generation the test reports a skip.
 *
 * Prints one line per check, "ok - name" or "FAIL - name: detail", then
 * "test_gen_promote: N checks, M failed"; exits 1 if any failed.
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
#define MiB ((size_t)1 << 20)


static gc_heap *make_heap(gc_options o, const char *what) {
    char err[256] = "";
    o.on_fatal = check_fatal;
    o.ctx = (void *)what;
    if (!o.max_heap) o.max_heap = 128 * MiB;
    o.verify = true;
    gc_heap *h = gc_heap_create(&o, err, sizeof err);
    if (!h) {
        printf("FAIL - %s: gc_heap_create: %s\n", what, err);
        printf("test_gen_promote: %u checks, %u failed\n", checks + 1, failed + 1);
        exit(1);
    }
    return h;
}

static unsigned age_of(const gc_obj *o) {
    return (unsigned)((atomic_load(&((gc_obj *)o)->header) & GC_HDR_AGE_MASK) >> GC_HDR_AGE_SHIFT);
}

static bool bytes_ok(gc_obj *o, size_t n, uint8_t seed) {
    const uint8_t *p = gc_raw(o);
    for (size_t i = 0; i < n; i++)
        if (p[i] != (uint8_t)(seed + i)) return false;
    return true;
}

static void fill(gc_obj *o, size_t n, uint8_t seed) {
    uint8_t *p = gc_raw(o);
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(seed + i);
}

static void test_age(unsigned age) {
    char what[64], name[160];
    snprintf(what, sizeof what, "promote age %u", age);
    gc_heap *h = make_heap((gc_options){.promote_age = age, .nursery = 2 * MiB, .gc_threads = 2}, what);
    gc_type t = gc_register_type(h, "thing");
    gc_mut *mut = gc_attach(h);
    size_t base = gc_scope_open(mut);
    gc_obj **x = gc_push(mut, gc_alloc(mut, t, 1, 200));
    gc_obj **y = gc_push(mut, gc_alloc(mut, t, 0, 40));
    gc_write(mut, *x, 0, *y);
    fill(*x, 200, 7);
    fill(*y, 40, 99);
    bool ok = gc_young_contains(gc_gen_young(h), *x) && age_of(*x) == 0;
    char why[160] = "";
    if (!ok) snprintf(why, sizeof why, "a new object is not young with age 0");
    for (unsigned s = 1; s <= age && ok; s++) {
        gc_gen_scavenge(mut);
        bool is_young = gc_young_contains(gc_gen_young(h), *x);
        bool intact = bytes_ok(*x, 200, 7) && gc_read(*x, 0) == *y && bytes_ok(*y, 40, 99);
        if (s < age && !(is_young && age_of(*x) == s))
            snprintf(why, sizeof why, "after scavenge %u: %s with age %u", s, is_young ? "young" : "old", age_of(*x)), ok = false;
        if (s == age && is_young) snprintf(why, sizeof why, "still young after scavenge %u", s), ok = false;
        if (!intact) snprintf(why, sizeof why, "contents lost at scavenge %u", s), ok = false;
    }
    snprintf(name, sizeof name, "%s: young (age = scavenges survived) for %u scavenges, old after the %u%s", what,
             age - 1, age, age == 1 ? "st" : age == 2 ? "nd" : age == 3 ? "rd" : "th");
    CHECK(ok, name, "%s", why);
    gc_gen_scavenge(mut);
    snprintf(name, sizeof name, "%s: an old object stays where it is, intact", what);
    gc_obj *before = *x;
    gc_gen_scavenge(mut);
    CHECK(*x == before && bytes_ok(*x, 200, 7) && bytes_ok(*y, 40, 99), name, "");
    gc_scope_close(mut, base);
    gc_detach(mut);
    gc_heap_destroy(h);
}

static void test_default_and_limits(void) {
    gc_heap *h = make_heap((gc_options){.gc_threads = 2}, "defaults");
    CHECK(h->opts.promote_age == 2, "the default promote age is 2", "%u", h->opts.promote_age);
    CHECK(h->opts.nursery > 0 && gc_young_region_bytes(gc_gen_young(h)) >= h->opts.nursery,
          "the default nursery is in place", "%zu bytes", h->opts.nursery);
    gc_heap_stats st;
    gc_get_stats(h, &st);
    CHECK(st.heap_bytes >= gc_young_region_bytes(gc_gen_young(h)), "the nursery counts in the heap footprint",
          "footprint %" PRIu64 ", nursery %zu", st.heap_bytes, gc_young_region_bytes(gc_gen_young(h)));
    gc_type t = gc_register_type(h, "thing");
    gc_mut *mut = gc_attach(h);
    size_t base = gc_scope_open(mut);
    gc_obj **a = gc_push(mut, gc_alloc(mut, t, 0, GC_GEN_YOUNG_MAX - 8));
    gc_obj **b = gc_push(mut, gc_alloc(mut, t, 0, GC_GEN_YOUNG_MAX - 7));
    gc_obj **c = gc_push(mut, gc_alloc(mut, t, 2000, 0));
    CHECK(gc_young_contains(gc_gen_young(h), *a), "an object of GC_GEN_YOUNG_MAX bytes is allocated young", "");
    CHECK(!gc_young_contains(gc_gen_young(h), *b) && !gc_young_contains(gc_gen_young(h), *c),
          "larger objects (raw or pointer arrays) are allocated old", "");
    gc_scope_close(mut, base);
    gc_detach(mut);
    gc_heap_destroy(h);

    struct { gc_options o; const char *want, *name; } bad[] = {
        {{.promote_age = 16}, "promote age 16 is out of range", "a promote age above 15 is refused"},
        {{.nursery = 64 << 10}, "too small", "a nursery below the minimum is refused"},
        {{.max_heap = 16 * MiB, .nursery = 9 * MiB}, "more than half", "a nursery over half the heap is refused"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        gc_heap *x = gc_heap_create(&bad[i].o, err, sizeof err);
        CHECK(!x && strstr(err, bad[i].want), bad[i].name, "%s", x ? "created" : err);
        if (x) gc_heap_destroy(x);
    }
}

/* Survivors that do not fit in to-space are promoted early, none lost. */
static void test_overflow(void) {
    gc_heap *h = make_heap((gc_options){.promote_age = 4, .nursery = 1 * MiB, .gc_threads = 2}, "overflow");
    gc_type t = gc_register_type(h, "thing");
    gc_mut *mut = gc_attach(h);
    size_t base = gc_scope_open(mut);
    size_t surv = gc_gen_young(h)->surv_bytes, n = surv / 512 * 2;   /* twice what to-space holds */
    gc_obj **arr = gc_push(mut, gc_alloc(mut, t, (uint32_t)n, 0));
    for (size_t i = 0; i < n; i++) {
        gc_obj *o = gc_alloc(mut, t, 0, 500);
        fill(o, 500, (uint8_t)i);
        gc_write(mut, *arr, i, o);
        if (i + 1 == n / 2) gc_gen_scavenge(mut);   /* a first batch moves to the survivor space */
    }
    gc_gen_scavenge(mut);
    size_t np;
    const gc_pause *log = gc_pause_log(h, &np);
    const gc_pause *p = &log[np - 1];
    size_t bad = 0, young = 0;
    for (size_t i = 0; i < n; i++) {
        gc_obj *o = gc_read(*arr, i);
        bad += !bytes_ok(o, 500, (uint8_t)i);
        young += gc_young_contains(gc_gen_young(h), o);
    }
    CHECK(bad == 0 && p->promoted_bytes > 0 && young > 0 && young < n && p->copied_bytes <= surv,
          "survivors overflowing to-space are promoted early, none lost",
          "%zu lost, %zu of %zu young, copied %" PRIu64 " (to-space %zu), promoted %" PRIu64, bad, young, n,
          p->copied_bytes, surv, p->promoted_bytes);
    gc_scope_close(mut, base);
    gc_detach(mut);
    gc_heap_destroy(h);
}

static void test_stats(void) {
    gc_heap *h = make_heap((gc_options){.nursery = 1 * MiB, .gc_threads = 2, .stress_every = 50}, "stats");
    gc_type t = gc_register_type(h, "thing");
    gc_mut *mut = gc_attach(h);
    size_t base = gc_scope_open(mut);
    gc_obj **keep = gc_push(mut, gc_alloc(mut, t, 100, 0));
    for (int i = 0; i < 5000; i++) {
        gc_obj *o = gc_alloc(mut, t, 1, 24);
        if (i % 10 == 0) gc_write(mut, *keep, (size_t)(i / 10) % 100, o);
    }
    gc_collect(mut);
    size_t np;
    const gc_pause *log = gc_pause_log(h, &np);
    size_t scav = 0, full = 0, sane = 0;
    for (size_t i = 0; i < np; i++) {
        if (log[i].kind == GC_PAUSE_SCAVENGE) scav++;
        else if (log[i].kind == GC_PAUSE_FULL) full++;
        sane += log[i].copied_bytes + log[i].promoted_bytes <= log[i].young_bytes;
    }
    CHECK(scav >= 5000 / 50 * 7 / 8 - 1, "stress mode (every 50 allocations) forces scavenges",
          "%zu scavenges, %zu full, for 5000 allocations", scav, full);
    CHECK(full >= 1 && log[np - 1].kind == GC_PAUSE_FULL, "gc_collect is a full cycle; stress mode makes some too",
          "%zu full, last %s", full, gc_pause_kind_name(log[np - 1].kind));
    CHECK(sane == np, "copied + promoted bytes never exceed the young bytes (survival rate <= 1)", "%zu of %zu", sane, np);
    uint64_t objects = 0;
    for (unsigned w = 0; w < gc_worker_count(h); w++) {
        gc_worker_stats s;
        gc_get_worker_stats(h, w, &s);
        objects += s.objects;
    }
    CHECK(objects > 0, "the workers' statistics count the work", "%" PRIu64 " objects", objects);
    gc_scope_close(mut, base);
    gc_detach(mut);
    gc_heap_destroy(h);
}

int main(void) {
    char err[256];
    gc_options o = {.max_heap = 64 * MiB};
    gc_heap *probe = gc_heap_create(&o, err, sizeof err);
    bool has_young = probe && gc_gen_young && gc_gen_scavenge;
    if (probe) gc_heap_destroy(probe);
    if (!has_young) {
        printf("ok - skipped: collector %s has no young generation\n", gc_collector_name());
        printf("test_gen_promote: 1 checks, 0 failed\n");
        return 0;
    }
    unsigned ages[] = {1, 2, 3, 5, 15};
    for (size_t i = 0; i < sizeof ages / sizeof ages[0]; i++) test_age(ages[i]);
    test_default_and_limits();
    test_overflow();
    test_stats();
    printf("test_gen_promote: %u checks, %u failed\n", checks, failed);
    return failed ? 1 : 0;
}
