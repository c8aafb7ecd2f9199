/* test_harness_pin.c: topologies and pinning plans (harness/topology.h): the compact and scatter orders
 * of regular topologies worked out by hand, hwloc's synthetic topologies giving the same, the positions
 * mutators and GC workers take, binding that works on this machine and binding that cannot (a CPU that
 * does not exist), which must be reported and must leave the thread running.
 *
 * Prints "ok - name" or "FAIL - name: detail" per check, then "test_harness_pin: N checks, M failed";
 * exits 1 if any failed.
 */
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../harness/topology.h"

#include "check.h"

/* The policy's order as OS CPU numbers, space separated. */
static void order_text(const gc_topology *t, gc_pin_policy p, char *buf, size_t len) {
    unsigned order[256];
    gc_pin_order(t, p, order);
    size_t at = 0;
    buf[0] = 0;
    for (unsigned k = 0; k < t->npus && at < len; k++)
        at += (size_t)snprintf(buf + at, len - at, "%s%u", k ? " " : "", t->pus[order[k]].os);
}

static void check_order(const gc_topology *t, gc_pin_policy p, const char *want, const char *name) {
    char got[1024];
    order_text(t, p, got, sizeof got);
    check(strcmp(got, want) == 0, name, "got '%s', want '%s'", got, want);
}

/* pack:2 core:4 pu:2, logical = OS numbering: package 0 has cores 0-3 with PUs (0 1) (2 3) (4 5) (6 7),
 * package 1 cores 4-7 with PUs (8 9) ... (14 15).
 *   compact: the PUs of core 0, then core 1, ..., package 0 then 1: 0 1 2 ... 15.
 *   scatter: first PU of each core, alternating packages (core 0 of package 0, core 0 of package 1,
 *            core 1 of package 0, ...): 0 8 2 10 4 12 6 14, then the second PUs: 1 9 3 11 5 13 7 15. */
static const char *const COMPACT_242 = "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15";
static const char *const SCATTER_242 = "0 8 2 10 4 12 6 14 1 9 3 11 5 13 7 15";

static void test_regular(void) {
    gc_topology t;
    check(gc_topology_regular(&t, 2, 4, 2) == 0, "build pack:2 core:4 pu:2", "failed");
    check(t.npackages == 2 && t.ncores == 8 && t.npus == 16, "pack:2 core:4 pu:2 counts", "%u %u %u", t.npackages,
          t.ncores, t.npus);
    check_order(&t, GC_PIN_COMPACT, COMPACT_242, "compact order, pack:2 core:4 pu:2");
    check_order(&t, GC_PIN_SCATTER, SCATTER_242, "scatter order, pack:2 core:4 pu:2");
    check_order(&t, GC_PIN_NONE, COMPACT_242, "none: logical order (never bound)");
    /* Positions: mutator i and GC worker j take positions i and j, modulo 16. */
    check(gc_pin_position(&t, GC_THREAD_MUTATOR, 3) == 3, "mutator 3 at position 3", "got %u",
          gc_pin_position(&t, GC_THREAD_MUTATOR, 3));
    check(gc_pin_position(&t, GC_THREAD_GC, 5) == 5, "gc 5 at position 5", "got %u", gc_pin_position(&t, GC_THREAD_GC, 5));
    check(gc_pin_position(&t, GC_THREAD_MUTATOR, 17) == 1, "mutator 17 wraps to position 1", "got %u",
          gc_pin_position(&t, GC_THREAD_MUTATOR, 17));
    gc_topology_free(&t);

    /* pack:2 core:3 pu:1: compact 0 1 2 3 4 5; scatter alternates packages: 0 3 1 4 2 5. */
    gc_topology_regular(&t, 2, 3, 1);
    check_order(&t, GC_PIN_COMPACT, "0 1 2 3 4 5", "compact order, pack:2 core:3 pu:1");
    check_order(&t, GC_PIN_SCATTER, "0 3 1 4 2 5", "scatter order, pack:2 core:3 pu:1");
    gc_topology_free(&t);

    /* pack:1 core:2 pu:2 (a 2-core SMT laptop): compact 0 1 2 3; scatter one PU per core first: 0 2 1 3. */
    gc_topology_regular(&t, 1, 2, 2);
    check_order(&t, GC_PIN_COMPACT, "0 1 2 3", "compact order, pack:1 core:2 pu:2");
    check_order(&t, GC_PIN_SCATTER, "0 2 1 3", "scatter order, pack:1 core:2 pu:2");
    gc_topology_free(&t);

    check(gc_topology_regular(&t, 0, 4, 2) != 0, "0 packages refused", "accepted");
}

static void test_parse(void) {
    gc_pin_policy p = GC_PIN_NONE;
    check(gc_pin_parse("compact", &p) == 0 && p == GC_PIN_COMPACT, "parse compact", "failed");
    check(gc_pin_parse("scatter", &p) == 0 && p == GC_PIN_SCATTER, "parse scatter", "failed");
    check(gc_pin_parse("none", &p) == 0 && p == GC_PIN_NONE, "parse none", "failed");
    check(gc_pin_parse("spread", &p) != 0, "parse rejects 'spread'", "accepted");
    check(strcmp(gc_pin_name(GC_PIN_SCATTER), "scatter") == 0, "name of scatter", "got %s", gc_pin_name(GC_PIN_SCATTER));
}

static void test_hwloc_synthetic(void) {
#ifdef GCLAB_HAVE_HWLOC
    gc_topology t;
    setenv("HWLOC_SYNTHETIC", "pack:2 core:4 pu:2", 1);
    gc_topology_load(&t);
    check(t.npackages == 2 && t.ncores == 8 && t.npus == 16, "hwloc synthetic pack:2 core:4 pu:2 counts", "%u %u %u",
          t.npackages, t.ncores, t.npus);
    check(!t.this_system, "synthetic topology is not this machine", "this_system set");
    check(strstr(t.source, "synthetic") != NULL, "source says synthetic", "'%s'", t.source);
    check_order(&t, GC_PIN_COMPACT, COMPACT_242, "hwloc synthetic: compact order");
    check_order(&t, GC_PIN_SCATTER, SCATTER_242, "hwloc synthetic: scatter order");
    gc_topology_free(&t);

    /* The core-sweep example of the issue: 2 packages of 8 cores with 2 PUs each. */
    setenv("HWLOC_SYNTHETIC", "pack:2 core:8 pu:2", 1);
    gc_topology_load(&t);
    check(t.npackages == 2 && t.ncores == 16 && t.npus == 32, "hwloc synthetic pack:2 core:8 pu:2 counts", "%u %u %u",
          t.npackages, t.ncores, t.npus);
    char got[1024];
    order_text(&t, GC_PIN_SCATTER, got, sizeof got);
    check(strncmp(got, "0 16 2 18 4 20", 14) == 0, "pack:2 core:8 pu:2 scatter starts 0 16 2 18 4 20", "got '%s'", got);
    gc_topology_free(&t);

    /* Without core objects (a machine description that only has PUs): each PU its own core. */
    setenv("HWLOC_SYNTHETIC", "pack:1 pu:4", 1);
    gc_topology_load(&t);
    check(t.ncores == 4 && t.npus == 4, "no core level: each PU a core", "%u cores %u PUs", t.ncores, t.npus);
    check_order(&t, GC_PIN_SCATTER, "0 1 2 3", "no core level: scatter order");
    gc_topology_free(&t);
    unsetenv("HWLOC_SYNTHETIC");
#else
    check(1, "hwloc synthetic topologies (skipped: built without hwloc)", "");
#endif
    gc_topology h;
    gc_topology_load(&h);
    check(h.npus >= 1 && h.ncores >= 1 && h.ncores <= h.npus && h.npackages >= 1, "this machine's topology is sane",
          "%u packages %u cores %u PUs", h.npackages, h.ncores, h.npus);
    gc_topology_free(&h);
}

typedef struct start_arg {
    gc_pinner *pn;
    gc_thread_kind kind;
    unsigned index;
    int bound_cpu;   /* the single CPU the thread ended up on, -1 if several, -2 if unknown */
    int ncpus;
} start_arg;

static void *thread_main(void *p) {
    start_arg *a = p;
    gc_pinner_thread_start(a->pn, a->kind, a->index);
    cpu_set_t s;
    a->bound_cpu = -2;
    if (sched_getaffinity(0, sizeof s, &s) == 0) {
        a->ncpus = CPU_COUNT(&s);
        a->bound_cpu = -1;
        if (a->ncpus == 1)
            for (int c = 0; c < CPU_SETSIZE; c++)
                if (CPU_ISSET(c, &s)) a->bound_cpu = c;
    }
    return NULL;
}

static void start_thread(gc_pinner *pn, gc_thread_kind kind, unsigned index, start_arg *a) {
    *a = (start_arg){pn, kind, index, -2, 0};
    pthread_t th;
    if (pthread_create(&th, NULL, thread_main, a) == 0) pthread_join(th, NULL);
}

/* Reads what the pinner reports into buf. */
static void report_text(const gc_pinner *pn, char *buf, size_t len) {
    FILE *f = tmpfile();
    buf[0] = 0;
    if (!f) return;
    gc_pinner_report(pn, f);
    rewind(f);
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = 0;
    fclose(f);
}

static void test_pinner(void) {
    char rep[4096];
    gc_topology t;
    gc_topology_regular(&t, 2, 4, 2);
    check(gc_pinner_new(&t, GC_PIN_NONE, false) == NULL, "pin none: no pinner", "got one");
    gc_pinner *dry = gc_pinner_new(&t, GC_PIN_SCATTER, true);
    gc_pinner_thread_start(dry, GC_THREAD_MUTATOR, 0);
    gc_pinner_thread_start(dry, GC_THREAD_MUTATOR, 1);
    gc_pinner_thread_start(dry, GC_THREAD_GC, 3);
    report_text(dry, rep, sizeof rep);
    check(strstr(rep, "mutator 0 -> PU 0 (package 0, core 0)") && strstr(rep, "mutator 1 -> PU 8 (package 1, core 4)") &&
              strstr(rep, "gc 3 -> PU 10 (package 1, core 5)") && strstr(rep, "dry run"),
          "dry scatter plan: mutators 0 1 on PUs 0 8, gc 3 on PU 10", "report '%s'", rep);
    check(gc_pinner_failures(dry) == 0, "dry run never fails", "%u failures", gc_pinner_failures(dry));
    gc_pinner_free(dry);

    /* A PU whose OS number does not exist here: binding fails, is reported, the thread runs unbound. */
    t.pus[0].os = 100000;
    t.pus[1].os = 100001;
    gc_pinner *pn = gc_pinner_new(&t, GC_PIN_COMPACT, false);
    fflush(stderr);
    int saved = dup(2);
    FILE *cap = tmpfile();
    if (cap) dup2(fileno(cap), 2);
    start_arg a, b;
    start_thread(pn, GC_THREAD_MUTATOR, 0, &a);
    start_thread(pn, GC_THREAD_GC, 1, &b);
    fflush(stderr);
    if (saved >= 0) dup2(saved, 2), close(saved);
    unsigned lines = 0;
    if (cap) {
        rewind(cap);
        int c;
        while ((c = getc(cap)) != EOF) lines += c == '\n';
        fclose(cap);
    }
    check(gc_pinner_failures(pn) == 2, "binding to a CPU that does not exist fails (twice)", "%u failures",
          gc_pinner_failures(pn));
    check(lines == 1, "the failure is reported once on stderr", "%u lines", lines);
    cpu_set_t mine;
    sched_getaffinity(0, sizeof mine, &mine);
    check(a.ncpus == CPU_COUNT(&mine), "a thread whose binding failed keeps the process's CPUs", "%d CPUs, process %d",
          a.ncpus, CPU_COUNT(&mine));
    report_text(pn, rep, sizeof rep);
    check(strstr(rep, "mutator 0 -> PU 100000") && strstr(rep, "FAILED") && strstr(rep, "gc 1 -> PU 100001"),
          "the report names each failed binding", "report '%s'", rep);
    gc_pinner_free(pn);
    gc_topology_free(&t);

    /* This machine: compact binds mutator 0 to the first PU of the order, GC worker 1 to the second. */
    const gc_topology *here = gc_topology_get();
    if (here->this_system && here->npus >= 1) {
        unsigned order[1024];
        if (here->npus <= 1024) {
            gc_pin_order(here, GC_PIN_COMPACT, order);
            pn = gc_pinner_new(here, GC_PIN_COMPACT, false);
            start_thread(pn, GC_THREAD_MUTATOR, 0, &a);
            start_thread(pn, GC_THREAD_GC, 1, &b);
            check(a.bound_cpu == (int)here->pus[order[0]].os, "this machine: mutator 0 bound to the first PU", "on %d, want %u",
                  a.bound_cpu, here->pus[order[0]].os);
            unsigned want = here->pus[order[1 % here->npus]].os;
            check(b.bound_cpu == (int)want, "this machine: gc 1 bound to the second PU", "on %d, want %u", b.bound_cpu, want);
            check(gc_pinner_failures(pn) == 0, "this machine: no failures", "%u", gc_pinner_failures(pn));
            gc_pinner_free(pn);
        }
    } else {
        check(1, "binding on this machine (skipped: topology is not this machine)", "");
    }
}

int main(void) {
    test_regular();
    test_parse();
    test_hwloc_synthetic();
    test_pinner();
    printf("test_harness_pin: %u checks, %u failed\n", checks, failed);
    return failed ? 1 : 0;
}
