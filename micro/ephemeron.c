/* ephemeron.c: the cost of ephemerons in a full collection, and that it is linear in their number.
 *
 * The graph: a chain of k ephemerons, e[i] mapping key[i] to value[i], value[i] holding key[i+1], only
 * key[0] held by a root; the ephemerons sit in a pointer array (a root) in chain order ("forward") or
 * reversed, which is the order in which marking meets them. Reversed, every ephemeron is traced before
 * its key is marked: an iterative fixpoint (Lua's convergeephemerons) would need k rounds over the
 * pending list, k^2/2 ephemeron visits; gclab resolves each one once, when its key is marked (weak.h).
 * The control ("strong") is the same graph with plain 3-slot nodes for the ephemerons, so that the
 * ratio of the two at each k is what ephemeron semantics cost, and its constancy across k is the
 * linearity. One iteration is one gc_collect; the time is the marking and weak processing inside its
 * pauses (mark_ns + weak_ns, summed over its pause records). */
#include <string.h>
#include "common.h"

typedef struct chain_state {
    micro_env env;
    gc_obj **arr, **head;
    long k;
} chain_state;

enum { FORWARD, REVERSE, STRONG };

static void *chain_setup(long arg, const char **skip) {
    static char err[256];
    long k = arg >> 2, kind = arg & 3;
    if (kind != STRONG && !gc_has_ephemerons()) {
        *skip = "this collector has no ephemerons";
        return NULL;
    }
    chain_state *s = calloc(1, sizeof *s);
    if (!s || micro_env_open(&s->env, 1, (size_t)k * 160 + (64u << 20), err, sizeof err) != 0) {
        free(s);
        *skip = err;
        return NULL;
    }
    s->k = k;
    gc_mut *mut = s->env.mut;
    s->arr = gc_push(mut, gc_alloc(mut, s->env.array, (uint32_t)k, 0));
    s->head = gc_push(mut, gc_alloc(mut, s->env.leaf, 0, 8));
    gc_obj **key = gc_push(mut, *s->head);
    for (long i = 0; i < k; i++) {
        size_t scope = gc_scope_open(mut);
        gc_obj **val = gc_push(mut, gc_alloc(mut, s->env.node, 1, 8));
        gc_obj *e;
        if (kind == STRONG) {
            e = gc_alloc(mut, s->env.node, 3, 0);
            gc_write(mut, e, 0, *key);
            gc_write(mut, e, 1, *val);
        } else {
            e = gc_ephemeron_new(mut, *key, *val);
        }
        gc_write(mut, *s->arr, (size_t)(kind == REVERSE ? k - 1 - i : i), e);
        gc_obj *next = gc_alloc(mut, s->env.leaf, 0, 8);
        gc_write(mut, *val, 0, next);
        *key = next;
        gc_scope_close(mut, scope);
    }
    *key = NULL;
    gc_collect(mut);   /* settle: the first cycle also sweeps the set-up's garbage */
    return s;
}

static void chain_teardown(void *p) {
    chain_state *s = p;
    micro_env_close(&s->env);
    free(s);
}

static void chain_run(void *p, long arg, micro_run *r) {
    chain_state *s = p;
    static gc_pause recs[64];
    (void)arg;
    for (uint64_t i = 0; i < r->iters; i++) {
        size_t before = micro_pauses(&s->env, 0, NULL, 0);
        gc_collect(s->env.mut);
        size_t after = micro_pauses(&s->env, before, recs, sizeof recs / sizeof *recs);
        size_t n = after - before > sizeof recs / sizeof *recs ? sizeof recs / sizeof *recs : after - before;
        uint64_t t = 0, weak = 0, pending = 0, resolved = 0;
        for (size_t j = 0; j < n; j++) {
            t += recs[j].mark_ns + recs[j].weak_ns;
            weak += recs[j].weak_ns;
            pending += recs[j].eph_pending;
            resolved += recs[j].eph_resolved;
        }
        if (n == 0 || t == 0) {
            r->skip = "gc_collect left no pause record with marking time";
            return;
        }
        /* The chain must have survived whole: its last ephemeron still has its value. */
        gc_obj *last = gc_read(*s->arr, (size_t)((arg & 3) == REVERSE ? 0 : s->k - 1));
        if ((arg & 3) != STRONG && !gc_ephemeron_value(s->env.mut, last)) {
            r->skip = "the chain lost its tail: an ephemeron was cleared while its key was reachable";
            return;
        }
        r->manual_ns += (double)t;
        r->counter[0] += (double)t / (double)s->k;
        r->counter[1] += (double)weak / 1e6;
        r->counter[2] += (double)pending;
        r->counter[3] += (double)resolved;
    }
}

size_t micro_ephemeron_benches(micro_bench *out) {
    static const char *const kind_name[] = {"forward", "reverse", "strong"};
    static char names[12][48];
    size_t n = 0;
    for (long k = 1000; k <= 1000000; k *= 10)
        for (long kind = 0; kind < 3; kind++) {
            snprintf(names[n], sizeof names[n], "ephemeron_chain/%s/k:%ld", kind_name[kind], k);
            out[n] = (micro_bench){.name = names[n],
                                   .what = "one full collection with a chain of k ephemerons (strong: plain nodes): marking and weak processing",
                                   .manual_time = 1, .batch = 1, .iterations = k >= 1000000 ? 3 : 10, .arg = k << 2 | kind,
                                   .counter_name = {"ns_per_link", "weak_ms", "pending", "resolved"},
                                   .setup = chain_setup, .run = chain_run, .teardown = chain_teardown};
            n++;
        }
    return n;
}
