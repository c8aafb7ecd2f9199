/* test_deque.c: the Chase-Lev work-stealing deque of collector/common/deque.h.
 *
 * Single-threaded: the owner takes the newest entry (LIFO), a thief the oldest (FIFO); an empty deque
 * answers EMPTY on both ends, also after it was used; growth from the smallest buffer keeps every entry
 * and its order, also when the live part wraps around the buffer; reset empties it.
 *
 * Under contention: one owner pushes N distinct values in bursts (growing the deque from its smallest
 * size) and takes some back, sometimes down to the last entry (the owner-thief race on one element),
 * while K = 3 thieves steal (more threads than the 2 cores here, deliberately, so threads are
 * preempted in the middle of a push, take or steal). Every value must come out exactly once: a bitmap
 * of atomic counters catches a lost value (0) and a duplicate (2). Each value points at a payload word
 * that the owner writes with a plain store just before pushing and every taker reads with a plain load,
 * so under TSan a missing happens-before from push to steal is reported as a race.
 *
 * Prints one line per check, "ok - name" or "FAIL - name: detail", then
 * "test_deque: N checks, M failed"; exits 1 if any failed.
 */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../collector/common/deque.h"

#include "check.h"

/* Entries are non-zero words and a steal answers 1 (ABORT) on a lost race: values are 2, 4, 6, ... */
static uintptr_t val(uint64_t i) { return (uintptr_t)(i + 1) << 1; }
static uint64_t idx(uintptr_t v) { return (uint64_t)(v >> 1) - 1; }

static uintptr_t steal_retry(gc_deque *d) {
    uintptr_t x;
    do x = gc_deque_steal(d); while (x == GC_DEQUE_ABORT);
    return x;
}

/* ---- single-threaded semantics ---- */

static void test_empty(void) {
    gc_deque d;
    gc_deque_init(&d, 1);
    CHECK(gc_deque_take(&d) == GC_DEQUE_EMPTY, "take on a new deque is EMPTY", "got a value");
    CHECK(gc_deque_steal(&d) == GC_DEQUE_EMPTY, "steal on a new deque is EMPTY", "got a value");
    CHECK(gc_deque_looks_empty(&d), "a new deque looks empty", "looks non-empty");
    /* Taking from an empty deque must leave it consistent (take decrements bottom, then restores it). */
    for (int i = 0; i < 5; i++) gc_deque_take(&d);
    CHECK(gc_deque_looks_empty(&d) && gc_deque_steal(&d) == GC_DEQUE_EMPTY,
          "repeated takes on an empty deque leave it empty", "bottom/top inconsistent");
    gc_deque_push(&d, val(7));
    CHECK(!gc_deque_looks_empty(&d), "one push makes it non-empty", "looks empty");
    uintptr_t x = gc_deque_take(&d);
    CHECK(x == val(7), "take returns the single entry", "got %#" PRIxPTR, x);
    CHECK(gc_deque_take(&d) == GC_DEQUE_EMPTY && gc_deque_steal(&d) == GC_DEQUE_EMPTY,
          "empty again after taking the single entry", "still has an entry");
    gc_deque_push(&d, val(8));
    x = gc_deque_steal(&d);
    CHECK(x == val(8), "steal returns the single entry", "got %#" PRIxPTR, x);
    CHECK(gc_deque_take(&d) == GC_DEQUE_EMPTY && gc_deque_steal(&d) == GC_DEQUE_EMPTY,
          "empty again after stealing the single entry", "still has an entry");
    gc_deque_destroy(&d);
}

static void test_lifo_fifo(void) {
    gc_deque d;
    gc_deque_init(&d, 1);
    enum { N = 10 };
    for (uint64_t i = 0; i < N; i++) gc_deque_push(&d, val(i));
    uintptr_t a = gc_deque_take(&d), b = gc_deque_steal(&d);
    CHECK(a == val(N - 1), "owner takes the newest entry", "got index %" PRIu64, idx(a));
    CHECK(b == val(0), "thief steals the oldest entry", "got index %" PRIu64, idx(b));
    /* Alternate the two ends: the owner walks down from the newest, the thief up from the oldest. */
    int ok = 1;
    uint64_t lo = 1, hi = N - 2;
    for (int k = 0; lo <= hi; k++) {
        uintptr_t x = k % 2 ? steal_retry(&d) : gc_deque_take(&d);
        uint64_t want = k % 2 ? lo++ : hi--;
        if (x != val(want)) ok = 0;
    }
    CHECK(ok, "alternating take/steal meet in the middle in order", "an entry out of order");
    CHECK(gc_deque_take(&d) == GC_DEQUE_EMPTY, "drained deque is empty", "still has an entry");
    gc_deque_destroy(&d);
}

static void test_growth(void) {
    gc_deque d;
    gc_deque_init(&d, 1);   /* the smallest buffer the deque allows */
    int64_t size0 = atomic_load(&d.buf)->size;
    enum { N = 5000 };
    for (uint64_t i = 0; i < N; i++) gc_deque_push(&d, val(i));
    int64_t size1 = atomic_load(&d.buf)->size;
    CHECK(size1 >= N && size1 > size0, "buffer grew to hold every entry", "size %" PRId64 " -> %" PRId64, size0,
          size1);
    int ok = 1;
    for (uint64_t i = 0; i < N / 2; i++)
        if (steal_retry(&d) != val(i)) ok = 0;
    for (uint64_t i = N; i-- > N / 2;)
        if (gc_deque_take(&d) != val(i)) ok = 0;
    CHECK(ok, "growth keeps every entry in order (steal the old half, take the new half)", "mismatch");
    CHECK(gc_deque_take(&d) == GC_DEQUE_EMPTY, "grown deque drains to empty", "entry left");
    gc_deque_destroy(&d);

    /* Growth while the live part wraps around the end of the buffer: push, steal from the front so top
     * moves on, push past the buffer's end (wrapping), then push enough to grow. The copy must keep
     * the indices [top, bottom) in order. */
    gc_deque_init(&d, 1);
    int64_t size = atomic_load(&d.buf)->size;
    uint64_t next = 0, first = 0;
    for (int64_t i = 0; i < size; i++) gc_deque_push(&d, val(next++));
    int front_ok = 1;
    for (int64_t i = 0; i < size / 2 + 3; i++) {
        if (steal_retry(&d) != val(first)) front_ok = 0;
        first++;
    }
    CHECK(front_ok, "steals from a full smallest buffer come out oldest first", "mismatch");
    for (int64_t i = 0; i < size / 2; i++) gc_deque_push(&d, val(next++));   /* wraps, no growth yet */
    CHECK(atomic_load(&d.buf)->size == size, "wrapped pushes fill the buffer without growing",
          "size %" PRId64 " -> %" PRId64, size, atomic_load(&d.buf)->size);
    for (int64_t i = 0; i < 3 * size; i++) gc_deque_push(&d, val(next++));  /* grows twice, wrapped */
    ok = 1;
    while (first < next) {
        uintptr_t x = steal_retry(&d);
        if (x != val(first)) {
            ok = 0;
            break;
        }
        first++;
    }
    CHECK(ok, "growth of a wrapped deque keeps FIFO order for thieves", "index %" PRIu64 " wrong", first);
    CHECK(gc_deque_steal(&d) == GC_DEQUE_EMPTY, "wrapped, grown deque drains to empty", "entry left");

    /* Reset: retired buffers are freed, indices start over, the deque keeps working. */
    for (int i = 0; i < 100; i++) gc_deque_push(&d, val(i));
    gc_deque_take(&d);
    steal_retry(&d);
    gc_deque_reset(&d);
    CHECK(gc_deque_looks_empty(&d) && gc_deque_take(&d) == GC_DEQUE_EMPTY &&
              gc_deque_steal(&d) == GC_DEQUE_EMPTY && atomic_load(&d.buf)->prev == NULL,
          "reset leaves an empty deque with no retired buffers", "not empty");
    gc_deque_push(&d, val(1));
    gc_deque_push(&d, val(2));
    CHECK(steal_retry(&d) == val(1) && gc_deque_take(&d) == val(2), "deque works after reset", "wrong entries");
    gc_deque_destroy(&d);
}

/* ---- contention ---- */

enum { THIEVES = 3 };

typedef struct round {
    gc_deque d;
    uint64_t n;
    uint32_t *payload;              /* plain words, written before push, read after take/steal */
    _Atomic uint8_t *seen;          /* how often each value came out */
    _Atomic int done;               /* the owner pushed everything */
    _Atomic uint64_t bad;           /* values out of range or with a wrong payload */
    _Atomic uint64_t stolen, aborts;
    _Atomic int ready;              /* thieves running: the owner starts when all are */
    _Atomic uint64_t sink;
} round;

/* A little work per entry, as marking does per object, so the threads interleave instead of one
 * finishing before the others are scheduled. */
static void work(round *r, uint64_t x, unsigned spins) {
    for (unsigned i = 0; i < spins; i++) x = x * 6364136223846793005ull + 1442695040888963407ull;
    atomic_store_explicit(&r->sink, x, memory_order_relaxed);
}

static void wait_ready(round *r) {
    while (atomic_load(&r->ready) < THIEVES) sched_yield();
}

static uint32_t payload_of(uint64_t i) { return (uint32_t)(i * 2654435761u) ^ 0x5a5a5a5au; }

static void consume(round *r, uintptr_t x) {
    uint64_t i = idx(x);
    if ((x & 1) || i >= r->n || r->payload[i] != payload_of(i)) {
        atomic_fetch_add(&r->bad, 1);
        return;
    }
    atomic_fetch_add_explicit(&r->seen[i], 1, memory_order_relaxed);
}

static void *thief(void *arg) {
    round *r = arg;
    uint64_t got = 0, aborts = 0;
    atomic_fetch_add(&r->ready, 1);
    for (;;) {
        int done = atomic_load_explicit(&r->done, memory_order_acquire);
        uintptr_t x = gc_deque_steal(&r->d);
        if (x == GC_DEQUE_ABORT) {
            aborts++;
            continue;
        }
        if (x == GC_DEQUE_EMPTY) {
            if (done) break;    /* the owner finished before this empty answer: nothing more comes */
            sched_yield();
            continue;
        }
        consume(r, x);
        work(r, x, 20);
        got++;
    }
    atomic_fetch_add(&r->stolen, got);
    atomic_fetch_add(&r->aborts, aborts);
    return NULL;
}

static uint64_t xorshift(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void contention_round(int k, uint64_t n) {
    round r;
    memset(&r, 0, sizeof r);
    gc_deque_init(&r.d, 1);
    int64_t size0 = atomic_load(&r.d.buf)->size;
    r.n = n;
    r.payload = calloc(n, sizeof *r.payload);
    r.seen = calloc(n, sizeof *r.seen);
    if (!r.payload || !r.seen) {
        CHECK(0, "contention: memory", "calloc failed");
        return;
    }
    pthread_t t[THIEVES];
    for (int i = 0; i < THIEVES; i++) pthread_create(&t[i], NULL, thief, &r);
    wait_ready(&r);

    uint64_t rng = 0x243f6a8885a308d3ull * (uint64_t)(k + 1), pushed = 0, taken = 0;
    while (pushed < n) {
        /* A burst: sometimes long (the deque grows while thieves read it), mostly short. */
        uint64_t burst = xorshift(&rng) % 16 == 0 ? 1 + xorshift(&rng) % 2000 : 1 + xorshift(&rng) % 8;
        for (uint64_t b = 0; b < burst && pushed < n; b++, pushed++) {
            r.payload[pushed] = payload_of(pushed);
            gc_deque_push(&r.d, val(pushed));
            work(&r, pushed, 10);
        }
        /* Take some back; one time in eight drain to empty, racing the thieves for the last entry. */
        uint64_t want = xorshift(&rng) % 8 == 0 ? UINT64_MAX : xorshift(&rng) % (burst / 2 + 1);
        for (uint64_t b = 0; b < want; b++) {
            uintptr_t x = gc_deque_take(&r.d);
            if (x == GC_DEQUE_EMPTY) break;
            consume(&r, x);
            work(&r, x, 20);
            taken++;
        }
    }
    atomic_store_explicit(&r.done, 1, memory_order_release);
    for (uintptr_t x; (x = gc_deque_take(&r.d)) != GC_DEQUE_EMPTY;) {
        consume(&r, x);
        taken++;
    }
    for (int i = 0; i < THIEVES; i++) pthread_join(t[i], NULL);
    /* Nothing may remain: the owner drained it and thieves only remove. */
    uintptr_t left = gc_deque_steal(&r.d);

    uint64_t lost = 0, dup = 0, first_bad = UINT64_MAX;
    for (uint64_t i = 0; i < n; i++) {
        uint8_t c = atomic_load(&r.seen[i]);
        if (c == 0) lost++;
        if (c > 1) dup++;
        if (c != 1 && first_bad == UINT64_MAX) first_bad = i;
    }
    char name[128];
    snprintf(name, sizeof name, "contention round %d: %" PRIu64 " values, %d thieves: none lost", k, n, THIEVES);
    CHECK(lost == 0, name, "%" PRIu64 " lost (first bad index %" PRIu64 ")", lost, first_bad);
    snprintf(name, sizeof name, "contention round %d: none duplicated", k);
    CHECK(dup == 0, name, "%" PRIu64 " duplicated (first bad index %" PRIu64 ")", dup, first_bad);
    snprintf(name, sizeof name, "contention round %d: no foreign value or stale payload", k);
    CHECK(atomic_load(&r.bad) == 0, name, "%" PRIu64 " bad values", atomic_load(&r.bad));
    snprintf(name, sizeof name, "contention round %d: taken + stolen == pushed, deque empty after", k);
    CHECK(taken + atomic_load(&r.stolen) == n && left == GC_DEQUE_EMPTY, name,
          "taken %" PRIu64 " + stolen %" PRIu64 " != %" PRIu64 " (left %#" PRIxPTR ")", taken,
          atomic_load(&r.stolen), n, left);
    snprintf(name, sizeof name, "contention round %d: the deque grew from its smallest size", k);
    CHECK(atomic_load(&r.d.buf)->size > size0, name, "size stayed %" PRId64, size0);
    printf("# round %d: owner took %" PRIu64 ", thieves stole %" PRIu64 " (%" PRIu64 " aborted steals), buffer %" PRId64
           " entries\n",
           k, taken, atomic_load(&r.stolen), atomic_load(&r.aborts), atomic_load(&r.d.buf)->size);
    gc_deque_destroy(&r.d);
    free(r.payload);
    free((void *)r.seen);
}

/* The last-entry race alone: the owner pushes one value and takes it back while thieves hammer the
 * deque, so nearly every take is the t == b case decided by the CAS on top. */
static void last_entry_round(uint64_t n) {
    round r;
    memset(&r, 0, sizeof r);
    gc_deque_init(&r.d, 1);
    r.n = n;
    r.payload = calloc(n, sizeof *r.payload);
    r.seen = calloc(n, sizeof *r.seen);
    if (!r.payload || !r.seen) {
        CHECK(0, "last entry: memory", "calloc failed");
        return;
    }
    pthread_t t[THIEVES];
    for (int i = 0; i < THIEVES; i++) pthread_create(&t[i], NULL, thief, &r);
    wait_ready(&r);
    uint64_t taken = 0;
    for (uint64_t i = 0; i < n; i++) {
        r.payload[i] = payload_of(i);
        gc_deque_push(&r.d, val(i));
        work(&r, i, (unsigned)(i % 64));
        uintptr_t x = gc_deque_take(&r.d);
        if (x != GC_DEQUE_EMPTY) {
            consume(&r, x);
            taken++;
        }
    }
    atomic_store_explicit(&r.done, 1, memory_order_release);
    for (int i = 0; i < THIEVES; i++) pthread_join(t[i], NULL);
    uint64_t lost = 0, dup = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint8_t c = atomic_load(&r.seen[i]);
        lost += c == 0;
        dup += c > 1;
    }
    CHECK(lost == 0 && dup == 0 && atomic_load(&r.bad) == 0 && taken + atomic_load(&r.stolen) == n,
          "last-entry race (push one, take it, thieves racing): each value exactly once",
          "%" PRIu64 " lost, %" PRIu64 " duplicated, %" PRIu64 " bad, taken %" PRIu64 " stolen %" PRIu64, lost, dup,
          atomic_load(&r.bad), taken, atomic_load(&r.stolen));
    printf("# last-entry: owner took %" PRIu64 ", thieves stole %" PRIu64 "\n", taken, atomic_load(&r.stolen));
    gc_deque_destroy(&r.d);
    free(r.payload);
    free((void *)r.seen);
}

#if defined(__SANITIZE_THREAD__)
#define SLOW_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SLOW_BUILD 1
#endif
#endif
#ifndef SLOW_BUILD
#define SLOW_BUILD 0
#endif

int main(void) {
    test_empty();
    test_lifo_fifo();
    test_growth();
    uint64_t n = SLOW_BUILD || getenv("GCLAB_TEST_QUICK") ? 150000 : 1000000;
    for (int k = 0; k < 6; k++) contention_round(k, n);
    last_entry_round(n / 4);
    printf("test_deque: %u checks, %u failed\n", checks, failed);
    return failed ? 1 : 0;
}
