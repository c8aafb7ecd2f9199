/* alloc_fixture.h: what test_alloc.c and test_heap_checks.c share: a heap maker that fails the test
 * on error, a checksummed payload, garbage and list builders. */
#ifndef GCLAB_TEST_ALLOC_FIXTURE_H
#define GCLAB_TEST_ALLOC_FIXTURE_H

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


static __attribute__((unused)) gc_heap *make_heap(gc_options o, const char *what) {
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
static __attribute__((unused)) uint64_t mix(uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static __attribute__((unused)) uint64_t rng_state = 12345;
static __attribute__((unused)) uint64_t rnd(void) { return mix(rng_state++); }

/* Payloads: the first 8 raw bytes hold a seed, the rest bytes derived from it. */
static __attribute__((unused)) void fill_payload(gc_obj *o, uint64_t seed) {
    size_t n = gc_nbytes(o);
    unsigned char *raw = gc_raw(o);
    if (n < 8) return;
    memcpy(raw, &seed, 8);
    for (size_t i = 8; i < n; i++) raw[i] = (unsigned char)(mix(seed + i / 8) >> (i % 8));
}
static __attribute__((unused)) int payload_ok(gc_obj *o, uint64_t seed) {
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
static __attribute__((unused)) void register_types(gc_heap *h) {
    T_NODE = gc_register_type(h, "node");
    T_GARBAGE = gc_register_type(h, "garbage");
    T_BIG = gc_register_type(h, "big");
}

/* Short-lived objects of mixed sizes, one in `large_every` a large one (0: none). */
static __attribute__((unused)) void make_garbage(gc_mut *m, size_t bytes, unsigned large_every) {
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
static __attribute__((unused)) void build_list(gc_mut *m, gc_obj **head, size_t n, uint64_t base, size_t max_payload,
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
static __attribute__((unused)) size_t check_list(gc_obj *head, uint64_t base, size_t *len) {
    size_t bad = 0, i = 0;
    for (gc_obj *o = head; o; o = gc_read(o, 0), i++)
        if (gc_typeof(o) != T_NODE || gc_nptrs(o) != 1 || !payload_ok(o, base + i)) bad++;
    *len = i;
    return bad;
}

static __attribute__((unused)) uint64_t footprint(gc_heap *h) {
    gc_heap_stats s;
    gc_get_stats(h, &s);
    return s.heap_bytes;
}

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

#endif
