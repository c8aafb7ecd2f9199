/* topology.c: packages, cores and PUs (hwloc when the build has it), pinning orders, and the binding of
 * threads as they start (topology.h states the policy). */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "topology.h"
#ifdef GCLAB_HAVE_HWLOC
#include <hwloc.h>
#endif

/* ---- loading ---- */

/* Every CPU this process may run on, each its own core, one package. */
static void load_fallback(gc_topology *t, const char *why) {
    unsigned n = 0;
    cpu_set_t set;
    unsigned cpus[CPU_SETSIZE];
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        for (unsigned c = 0; c < CPU_SETSIZE; c++)
            if (CPU_ISSET(c, &set)) cpus[n++] = c;
    if (n == 0) {
        long k = sysconf(_SC_NPROCESSORS_ONLN);
        n = k > 0 ? (unsigned)(k < CPU_SETSIZE ? k : CPU_SETSIZE) : 1;
        for (unsigned c = 0; c < n; c++) cpus[c] = c;
    }
    t->pus = calloc(n, sizeof *t->pus);
    if (!t->pus) n = 0;   /* reported as 0 PUs; callers treat that as 1 core */
    for (unsigned i = 0; i < n; i++) t->pus[i] = (gc_topo_pu){.os = cpus[i], .core = i, .core_in_package = i};
    t->npus = t->ncores = n;
    t->npackages = 1;
    t->this_system = true;
    snprintf(t->source, sizeof t->source, "sysconf (%s): each CPU taken as a core of one package", why);
}

#ifdef GCLAB_HAVE_HWLOC
static int load_hwloc(gc_topology *t) {
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) != 0) return -1;
    if (hwloc_topology_load(topo) != 0) {
        hwloc_topology_destroy(topo);
        return -1;
    }
    int npu = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
    int ncore_hw = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    int npkg_hw = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
    if (npu <= 0) {
        hwloc_topology_destroy(topo);
        return -1;
    }
    if (ncore_hw < 0) ncore_hw = 0;
    if (npkg_hw < 0) npkg_hw = 0;
    size_t ncid = (size_t)ncore_hw + (size_t)npu, npid = (size_t)npkg_hw + 1;
    t->pus = calloc((size_t)npu, sizeof *t->pus);
    int *core_map = malloc(ncid * sizeof *core_map);     /* hwloc core id -> our core number */
    unsigned *pus_in_core = calloc(ncid, sizeof *pus_in_core);
    unsigned *core_rank = calloc(ncid, sizeof *core_rank);           /* rank of a core in its package */
    unsigned *cores_in_pkg = calloc(npid, sizeof *cores_in_pkg);
    int *pkg_map = malloc(npid * sizeof *pkg_map);
    if (!t->pus || !core_map || !pus_in_core || !core_rank || !cores_in_pkg || !pkg_map) {
        free(t->pus), free(core_map), free(pus_in_core), free(core_rank), free(cores_in_pkg), free(pkg_map);
        t->pus = NULL;
        hwloc_topology_destroy(topo);
        return -1;
    }
    for (size_t i = 0; i < ncid; i++) core_map[i] = -1;
    for (size_t i = 0; i < npid; i++) pkg_map[i] = -1;
    unsigned ncores = 0, npkgs = 0;
    for (int i = 0; i < npu; i++) {
        hwloc_obj_t pu = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, (unsigned)i);
        hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_CORE, pu);
        hwloc_obj_t pkg = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_PACKAGE, pu);
        /* No core object (some VMs): the PU is its own core; no package: all in one. */
        size_t cid = core && core->logical_index < (unsigned)ncore_hw ? core->logical_index : (size_t)ncore_hw + (size_t)i;
        size_t pid = pkg && pkg->logical_index < (unsigned)npkg_hw ? pkg->logical_index : (size_t)npkg_hw;
        if (pkg_map[pid] < 0) pkg_map[pid] = (int)npkgs++;
        if (core_map[cid] < 0) {
            core_map[cid] = (int)ncores++;
            core_rank[cid] = cores_in_pkg[pid]++;
        }
        t->pus[i] = (gc_topo_pu){.os = pu->os_index, .package = (unsigned)pkg_map[pid], .core = (unsigned)core_map[cid],
                                 .core_in_package = core_rank[cid], .rank = pus_in_core[cid]++};
    }
    t->npus = (unsigned)npu;
    t->ncores = ncores;
    t->npackages = npkgs;
    t->this_system = hwloc_topology_is_thissystem(topo) != 0;
    hwloc_obj_t root = hwloc_get_root_obj(topo);
    const char *backend = hwloc_obj_get_info_by_name(root, "Backend");
    const char *synth = hwloc_obj_get_info_by_name(root, "SyntheticDescription");
    const char *xml = getenv("HWLOC_XMLFILE");
#ifdef HWLOC_VERSION
    const char *ver = HWLOC_VERSION;
#else
    const char *ver = "2";
#endif
    if (!t->this_system && xml && *xml)
        snprintf(t->source, sizeof t->source, "hwloc %s, XML %.100s (not this machine: bindings to CPUs it lacks fail)",
                 ver, xml);
    else if (synth)
        snprintf(t->source, sizeof t->source, "hwloc %s, synthetic \"%.100s\"%s", ver, synth,
                 t->this_system ? "" : " (not this machine: bindings to CPUs it lacks fail)");
    else
        snprintf(t->source, sizeof t->source, "hwloc %s, %s%s", ver, backend ? backend : "?",
                 t->this_system ? ", this machine" : " (not this machine: bindings to CPUs it lacks fail)");
    free(core_map), free(pus_in_core), free(core_rank), free(cores_in_pkg), free(pkg_map);
    hwloc_topology_destroy(topo);
    return 0;
}
#endif

void gc_topology_load(gc_topology *t) {
    memset(t, 0, sizeof *t);
#ifdef GCLAB_HAVE_HWLOC
    if (load_hwloc(t) == 0) return;
    memset(t, 0, sizeof *t);
    load_fallback(t, "hwloc could not load the topology");
#else
    load_fallback(t, "gclab was built without hwloc");
#endif
}

int gc_topology_regular(gc_topology *t, unsigned packages, unsigned cores_per_package, unsigned pus_per_core) {
    memset(t, 0, sizeof *t);
    if (!packages || !cores_per_package || !pus_per_core || packages > 4096 || cores_per_package > 4096 ||
        pus_per_core > 64)
        return -1;
    unsigned n = packages * cores_per_package * pus_per_core;
    t->pus = calloc(n, sizeof *t->pus);
    if (!t->pus) return -1;
    unsigned i = 0;
    for (unsigned p = 0; p < packages; p++)
        for (unsigned c = 0; c < cores_per_package; c++)
            for (unsigned u = 0; u < pus_per_core; u++, i++)
                t->pus[i] = (gc_topo_pu){.os = i, .package = p, .core = p * cores_per_package + c,
                                         .core_in_package = c, .rank = u};
    t->npackages = packages;
    t->ncores = packages * cores_per_package;
    t->npus = n;
    t->this_system = false;
    snprintf(t->source, sizeof t->source, "regular pack:%u core:%u pu:%u (built by hand)", packages,
             cores_per_package, pus_per_core);
    return 0;
}

void gc_topology_free(gc_topology *t) {
    free(t->pus);
    memset(t, 0, sizeof *t);
}

static gc_topology g_topo;
static pthread_once_t g_topo_once = PTHREAD_ONCE_INIT;
static void load_global(void) { gc_topology_load(&g_topo); }

const gc_topology *gc_topology_get(void) {
    pthread_once(&g_topo_once, load_global);
    return &g_topo;
}

unsigned gc_topology_cores(void) {
    unsigned n = gc_topology_get()->ncores;
    return n ? n : 1;
}

unsigned gc_topology_pus(void) {
    unsigned n = gc_topology_get()->npus;
    return n ? n : 1;
}

const char *gc_topology_source(void) {
#ifdef GCLAB_HAVE_HWLOC
    return "hwloc";
#else
    return "sysconf";
#endif
}

void gc_topology_describe(const gc_topology *t, FILE *f, const char *indent) {
    fprintf(f, "%s%u package%s, %u core%s, %u PU%s; source: %s\n", indent, t->npackages, t->npackages == 1 ? "" : "s",
            t->ncores, t->ncores == 1 ? "" : "s", t->npus, t->npus == 1 ? "" : "s", t->source);
    for (unsigned p = 0; p < t->npackages; p++) {
        fprintf(f, "%spackage %u:", indent, p);
        int lastcore = -1;
        for (unsigned i = 0; i < t->npus; i++) {
            const gc_topo_pu *u = &t->pus[i];
            if (u->package != p) continue;
            if ((int)u->core != lastcore) {
                fprintf(f, "%s core %u (PU", lastcore < 0 ? "" : ")", u->core);
                lastcore = (int)u->core;
            }
            fprintf(f, " %u", u->os);
        }
        fprintf(f, "%s\n", lastcore < 0 ? "" : ")");
    }
}

/* ---- orders ---- */

int gc_pin_parse(const char *s, gc_pin_policy *out) {
    if (!strcmp(s, "none")) *out = GC_PIN_NONE;
    else if (!strcmp(s, "compact")) *out = GC_PIN_COMPACT;
    else if (!strcmp(s, "scatter")) *out = GC_PIN_SCATTER;
    else return -1;
    return 0;
}

const char *gc_pin_name(gc_pin_policy p) {
    return p == GC_PIN_COMPACT ? "compact" : p == GC_PIN_SCATTER ? "scatter" : "none";
}

static const gc_topology *g_sort_topo;   /* qsort has no context argument; orders are computed rarely */

static int cmp_compact(const void *a, const void *b) {
    const gc_topo_pu *x = &g_sort_topo->pus[*(const unsigned *)a], *y = &g_sort_topo->pus[*(const unsigned *)b];
    if (x->package != y->package) return x->package < y->package ? -1 : 1;
    if (x->core_in_package != y->core_in_package) return x->core_in_package < y->core_in_package ? -1 : 1;
    if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    return (*(const unsigned *)a > *(const unsigned *)b) - (*(const unsigned *)a < *(const unsigned *)b);
}

static int cmp_scatter(const void *a, const void *b) {
    const gc_topo_pu *x = &g_sort_topo->pus[*(const unsigned *)a], *y = &g_sort_topo->pus[*(const unsigned *)b];
    if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    if (x->core_in_package != y->core_in_package) return x->core_in_package < y->core_in_package ? -1 : 1;
    if (x->package != y->package) return x->package < y->package ? -1 : 1;
    return (*(const unsigned *)a > *(const unsigned *)b) - (*(const unsigned *)a < *(const unsigned *)b);
}

void gc_pin_order(const gc_topology *t, gc_pin_policy p, unsigned *order) {
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    for (unsigned i = 0; i < t->npus; i++) order[i] = i;
    if (p == GC_PIN_NONE || t->npus < 2) return;
    pthread_mutex_lock(&lock);
    g_sort_topo = t;
    qsort(order, t->npus, sizeof *order, p == GC_PIN_COMPACT ? cmp_compact : cmp_scatter);
    pthread_mutex_unlock(&lock);
}

unsigned gc_pin_position(const gc_topology *t, gc_thread_kind kind, unsigned index) {
    (void)kind;   /* separate sequences over the same order: mutator i and GC worker i share position i */
    return t->npus ? index % t->npus : 0;
}

/* ---- binding ---- */

typedef struct binding {
    gc_thread_kind kind;
    unsigned index;
    unsigned pu;        /* index into topo->pus */
    int err;            /* 0, or the errno of the failed binding */
    bool used;
} binding;

struct gc_pinner {
    const gc_topology *topo;
    gc_pin_policy policy;
    bool dry;
    unsigned *order;
    pthread_mutex_t lock;
    cpu_set_t initial;  /* the process's CPUs when the pinner was made: where a failed binding leaves a thread */
    bool have_initial;
    binding *b;         /* [0, cap): mutators at 2i, GC workers at 2i + 1 */
    size_t cap;
    unsigned failures;
    bool warned;
};

gc_pinner *gc_pinner_new(const gc_topology *t, gc_pin_policy p, bool dry) {
    if (p == GC_PIN_NONE || t->npus == 0) return NULL;
    gc_pinner *pn = calloc(1, sizeof *pn);
    if (!pn) return NULL;
    pn->topo = t;
    pn->policy = p;
    pn->dry = dry;
    pn->order = malloc(t->npus * sizeof *pn->order);
    if (!pn->order) {
        free(pn);
        return NULL;
    }
    gc_pin_order(t, p, pn->order);
    pn->have_initial = sched_getaffinity(0, sizeof pn->initial, &pn->initial) == 0;
    pthread_mutex_init(&pn->lock, NULL);
    return pn;
}

void gc_pinner_free(gc_pinner *pn) {
    if (!pn) return;
    pthread_mutex_destroy(&pn->lock);
    free(pn->order);
    free(pn->b);
    free(pn);
}

/* Binds thread tid (0: the calling thread) to one CPU; returns 0 or an errno. */
static int bind_tid(pid_t tid, unsigned cpu) {
    size_t ncpu = (size_t)cpu + 1;
    cpu_set_t *set = CPU_ALLOC(ncpu);
    if (!set) return ENOMEM;
    size_t size = CPU_ALLOC_SIZE(ncpu);
    CPU_ZERO_S(size, set);
    CPU_SET_S(cpu, size, set);
    int rc = sched_setaffinity(tid, size, set) == 0 ? 0 : errno;
    CPU_FREE(set);
    return rc;
}

static void bind_and_record(gc_pinner *pn, pid_t tid, gc_thread_kind kind, unsigned index) {
    unsigned pu = pn->order[gc_pin_position(pn->topo, kind, index)];
    int err = pn->dry ? 0 : bind_tid(tid, pn->topo->pus[pu].os);
    /* Unbound means unbound: not left on the CPU of whichever pinned thread created this one. */
    if (err && pn->have_initial) sched_setaffinity(tid, sizeof pn->initial, &pn->initial);
    pthread_mutex_lock(&pn->lock);
    size_t slot = 2 * (size_t)index + (kind == GC_THREAD_GC);
    if (slot >= pn->cap) {
        size_t cap = pn->cap ? pn->cap : 16;
        while (cap <= slot) cap *= 2;
        binding *nb = realloc(pn->b, cap * sizeof *nb);
        if (nb) {
            memset(nb + pn->cap, 0, (cap - pn->cap) * sizeof *nb);
            pn->b = nb;
            pn->cap = cap;
        }
    }
    if (slot < pn->cap) {
        binding *b = &pn->b[slot];
        if (!b->used || !b->err) *b = (binding){kind, index, pu, err, true};   /* keep a failure seen once */
    }
    bool warn = err && !pn->warned;
    if (err) {
        pn->failures++;
        pn->warned = true;
    }
    pthread_mutex_unlock(&pn->lock);
    if (warn)
        fprintf(stderr, "gclab: warning: cannot bind %s %u to PU %u (OS CPU %u): %s; such threads run unbound "
                "(machine.txt lists every binding)\n", kind == GC_THREAD_GC ? "GC worker" : "mutator", index, pu,
                pn->topo->pus[pu].os, strerror(err));
}

void gc_pinner_thread_start(void *ctx, gc_thread_kind kind, unsigned index) {
    gc_pinner *pn = ctx;
    if (pn) bind_and_record(pn, 0, kind, index);
}

unsigned gc_pinner_bind_named_markers(gc_pinner *pn) {
    if (!pn) return 0;
    DIR *d = opendir("/proc/self/task");
    if (!d) return 0;
    unsigned found = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9') continue;
        char path[300], comm[64] = {0};
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", de->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        bool ok = fgets(comm, sizeof comm, f) != NULL;
        fclose(f);
        unsigned k;
        if (!ok || sscanf(comm, "GC-marker-%u", &k) != 1) continue;
        bind_and_record(pn, (pid_t)atoi(de->d_name), GC_THREAD_GC, k + 1);
        found++;
    }
    closedir(d);
    return found;
}

static void print_pu(const gc_topology *t, unsigned pu, FILE *f) {
    const gc_topo_pu *u = &t->pus[pu];
    fprintf(f, "PU %u (package %u, core %u)", u->os, u->package, u->core);
}

void gc_pinner_report(const gc_pinner *pn, FILE *f) {
    if (!pn) {
        fputs("none (the OS schedules every thread)", f);
        return;
    }
    const char *sep = "";
    for (int pass = 0; pass < 2; pass++)   /* mutators first, then GC workers */
        for (size_t s = (size_t)pass; s < pn->cap; s += 2) {
            const binding *b = &pn->b[s];
            if (!b->used) continue;
            fprintf(f, "%s%s %u -> ", sep, b->kind == GC_THREAD_GC ? "gc" : "mutator", b->index);
            print_pu(pn->topo, b->pu, f);
            if (b->err) fprintf(f, " FAILED: %s, unbound", strerror(b->err));
            sep = "; ";
        }
    if (!*sep) fputs("no thread started", f);
    if (pn->dry) fputs(" [dry run: planned, not bound]", f);
}

unsigned gc_pinner_failures(const gc_pinner *pn) { return pn ? pn->failures : 0; }

void gc_pin_print_plan(const gc_topology *t, gc_pin_policy p, unsigned threads, unsigned gc_threads, FILE *f) {
    unsigned *order = malloc((t->npus ? t->npus : 1) * sizeof *order);
    if (!order || t->npus == 0) {
        free(order);
        fprintf(f, "no PUs known\n");
        return;
    }
    gc_pin_order(t, p, order);
    fprintf(f, "pin %s: order (OS CPU numbers):", gc_pin_name(p));
    for (unsigned k = 0; k < t->npus; k++) fprintf(f, " %u", t->pus[order[k]].os);
    fputc('\n', f);
    if (p == GC_PIN_NONE) {
        fprintf(f, "no binding: the OS schedules every thread\n");
        free(order);
        return;
    }
    for (unsigned i = 0; i < threads; i++) {
        fprintf(f, "mutator %u -> ", i);
        print_pu(t, order[gc_pin_position(t, GC_THREAD_MUTATOR, i)], f);
        fputc('\n', f);
    }
    fprintf(f, "gc 0 is the collecting mutator (stays on its mutator's PU)\n");
    for (unsigned j = 1; j < gc_threads; j++) {
        fprintf(f, "gc %u -> ", j);
        print_pu(t, order[gc_pin_position(t, GC_THREAD_GC, j)], f);
        fputc('\n', f);
    }
    free(order);
}
