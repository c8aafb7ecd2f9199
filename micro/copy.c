/* copy.c: scavenge copy rate against memcpy bandwidth.
 *
 * memcpy/64MiB: one memcpy between two 64 MiB buffers (touched beforehand): the physical limit of
 * copying on this machine, in bytes copied per second.
 *
 * scavenge/copy: a window of 256 Ki live objects of 64 bytes (16 MiB) where each new object replaces
 * the oldest, so young objects survive a while and scavenges copy and promote them. One iteration
 * allocates until at least one scavenge happened; the rate is the bytes the scavenges copied and
 * promoted over their copying time (mark_ns of "scavenge" pause records). A variant without
 * scavenges (no generational collector) skips it. */
#include <string.h>
#include "common.h"

#define COPY_BUF ((size_t)64 << 20)
#define WINDOW (1u << 18)

typedef struct memcpy_state {
    char *src, *dst;
} memcpy_state;

static void *memcpy_setup(long arg, const char **skip) {
    memcpy_state *s = calloc(1, sizeof *s);
    (void)arg;
    if (s) s->src = malloc(COPY_BUF), s->dst = malloc(COPY_BUF);
    if (!s || !s->src || !s->dst) {
        if (s) free(s->src), free(s->dst);
        free(s);
        *skip = "out of memory";
        return NULL;
    }
    memset(s->src, 0x5a, COPY_BUF);
    memset(s->dst, 0, COPY_BUF);
    return s;
}

static void memcpy_teardown(void *p) {
    memcpy_state *s = p;
    free(s->src), free(s->dst), free(s);
}

static void memcpy_run(void *p, long arg, micro_run *r) {
    memcpy_state *s = p;
    (void)arg;
    for (uint64_t i = 0; i < r->iters; i++) {
        memcpy(s->dst, s->src, COPY_BUF);
        MICRO_KEEP(s->dst[i & 4095]);
    }
    r->bytes = (double)COPY_BUF * (double)r->iters;
}

typedef struct scav_state {
    micro_env env;
    gc_obj **ring;
    uint64_t next;
} scav_state;

static void *scav_setup(long arg, const char **skip) {
    static char err[256];
    scav_state *s = calloc(1, sizeof *s);
    (void)arg;
    if (!s || micro_env_open(&s->env, 0, 0, err, sizeof err) != 0) { free(s); *skip = err; return NULL; }
    s->ring = gc_push(s->env.mut, gc_alloc(s->env.mut, s->env.array, WINDOW, 0));
    return s;
}

static void scav_teardown(void *p) {
    scav_state *s = p;
    micro_env_close(&s->env);
    free(s);
}

static void scav_run(void *p, long arg, micro_run *r) {
    scav_state *s = p;
    gc_mut *mut = s->env.mut;
    (void)arg;
    for (uint64_t it = 0; it < r->iters; it++) {
        size_t seen = micro_pauses(&s->env, 0, NULL, 0);
        uint64_t scavenges = 0;
        static gc_pause recs[4096];
        /* up to 1 GiB of allocation for one scavenge, checked every 64 MiB */
        for (unsigned chunk = 0; chunk < 16 && !scavenges; chunk++) {
            for (uint32_t i = 0; i < (1u << 20); i++) {
                gc_obj *o = gc_alloc(mut, s->env.node, 1, 48);
                gc_write(mut, *s->ring, (s->next++) & (WINDOW - 1), o);
            }
            size_t n = micro_pauses(&s->env, seen, recs, sizeof recs / sizeof *recs);
            if (n - seen > sizeof recs / sizeof *recs) n = seen + sizeof recs / sizeof *recs;
            for (size_t i = 0; i < n - seen; i++) {
                const gc_pause *pz = &recs[i];
                if (pz->kind != GC_PAUSE_SCAVENGE) continue;
                uint64_t t = pz->mark_ns ? pz->mark_ns : pz->end_ns - pz->start_ns - pz->ttsp_ns;
                r->manual_ns += (double)t;
                r->bytes += (double)(pz->copied_bytes + pz->promoted_bytes);
                r->counter[0] += (double)(pz->end_ns - pz->start_ns) / 1e6;
                r->counter[1] += (double)pz->promoted_bytes / 1048576.0;
                scavenges++;
            }
            seen = n;
        }
        if (!scavenges) {
            r->skip = "no scavenges: this variant has no copying young generation";
            return;
        }
        r->counter[2] += (double)scavenges;
    }
}

size_t micro_copy_benches(micro_bench *out) {
    size_t n = 0;
    out[n++] = (micro_bench){.name = "memcpy/64MiB", .what = "one memcpy of 64 MiB (the physical limit of copying)",
                             .batch = 1, .setup = memcpy_setup, .run = memcpy_run, .teardown = memcpy_teardown};
    out[n++] = (micro_bench){.name = "scavenge/copy", .what = "allocation of 64-byte objects in a 16 MiB sliding window until a scavenge: copying time",
                             .manual_time = 1, .batch = 1, .iterations = 5, .counter_name = {"pause_ms", "promoted_MiB", "scavenges"},
                             .setup = scav_setup, .run = scav_run, .teardown = scav_teardown};
    return n;
}
