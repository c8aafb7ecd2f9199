/* snapshot_classes.c: DevTools' class of each node and its Summary view (count, shallow size, retained
 * size per class), by the rules of HeapSnapshot.ts (calculateObjectNames, buildAggregates,
 * calculateClassesRetainedSize, propagateDOMState).
 *
 * A node's class: "object" and "native" nodes are grouped by their name (the constructor's name, gclab's
 * registered type name), with '<div id="a">' shortened to '<div>'; "hidden" nodes are "(system)", "code"
 * "(compiled code)", "closure" "Function", "regexp" "RegExp", any other type "(<type>)": "(string)",
 * "(array)", "(synthetic)", ... A native node that is detached, or reachable from a detached native
 * node through native nodes only without being reachable from an attached one (DevTools' DOM state
 * propagation over the detachedness field), is renamed "Detached <name>".
 * Not applied: DevTools' grouping of plain "Object"s by their property names ("{a, b}", inferred
 * interfaces) and its splitting of a class by the constructor's script location: both need V8's
 * property edges and locations array, and gclab's own snapshots have neither; here every "Object" is one
 * class.
 *
 * The Summary counts a node only when its self size is not 0 (DevTools' rule: it leaves out the
 * synthetic roots). A class's retained size is the sum of its nodes' retained sizes, except a node
 * dominated by another counted node of the same class, whose bytes are already in that one's. */
#include <stdlib.h>
#include <string.h>
#include "snapshot.h"

static uint32_t hash(const char *s) {
    uint32_t h = 2166136261u;
    while (*s) h = (h ^ (uint8_t)*s++) * 16777619u;
    return h;
}

static int grow(snap_classes *t) {
    uint32_t nslots = t->nslots ? t->nslots * 2 : 1024;
    uint32_t *slot = calloc(nslots, sizeof *slot);
    if (!slot) return -1;
    for (uint32_t i = 0; i < t->count; i++) {
        uint32_t h = hash(t->name[i]) & (nslots - 1);
        while (slot[h]) h = (h + 1) & (nslots - 1);
        slot[h] = i + 1;
    }
    free(t->slot);
    t->slot = slot;
    t->nslots = nslots;
    return 0;
}

/* The index of name in the table, added if new; UINT32_MAX out of memory. */
static uint32_t intern(snap_classes *t, const char *name) {
    if ((t->count + 1) * 2 > t->nslots && grow(t)) return UINT32_MAX;
    uint32_t h = hash(name) & (t->nslots - 1);
    for (; t->slot[h]; h = (h + 1) & (t->nslots - 1))
        if (!strcmp(t->name[t->slot[h] - 1], name)) return t->slot[h] - 1;
    if (t->count == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 256;
        char **nn = realloc(t->name, cap * sizeof *nn);
        if (!nn) return UINT32_MAX;
        t->name = nn;
        t->cap = cap;
    }
    if (!(t->name[t->count] = strdup(name))) return UINT32_MAX;
    t->slot[h] = t->count + 1;
    return t->count++;
}

void snap_classes_free(snap_classes *t) {
    for (uint32_t i = 0; i < t->count; i++) free(t->name[i]);
    free(t->name);
    free(t->slot);
    memset(t, 0, sizeof *t);
}

/* DevTools' propagateDOMState: which native nodes end up detached (renamed "Detached ..."). */
static uint8_t *detached_natives(const snapshot *s) {
    uint32_t n = s->node_count;
    uint8_t *state = malloc(n), *visited = calloc(n, 1), *renamed = calloc(n, 1);
    uint32_t *att = malloc((size_t)n * sizeof *att), *det = malloc((size_t)n * sizeof *det);
    uint32_t natt = 0, ndet = 0;
    if (!state || !visited || !renamed || !att || !det) {
        free(renamed);
        renamed = NULL;
        goto out;
    }
    memcpy(state, s->node_detached, n);
#define PROCESS(o, st)                                                    \
    do {                                                                  \
        uint32_t o_ = (o);                                                \
        if (visited[o_]) break;                                           \
        visited[o_] = 1;                                                  \
        if (snap_nkind(s, o_) != SNAP_N_NATIVE) break;                    \
        state[o_] = (st);                                                 \
        if ((st) == 1) att[natt++] = o_;                                  \
        else if ((st) == 2) renamed[o_] = 1, det[ndet++] = o_;            \
    } while (0)
    for (uint32_t o = 0; o < n; o++)
        if (s->node_detached[o]) PROCESS(o, s->node_detached[o]);
    while (natt) {
        uint32_t o = att[--natt];
        for (uint32_t i = s->first_edge[o]; i < s->first_edge[o + 1]; i++) {
            unsigned k = snap_ekind(s, i);
            if (k != SNAP_E_HIDDEN && k != SNAP_E_INVISIBLE && k != SNAP_E_WEAK) PROCESS(s->edge_to[i], 1);
        }
    }
    while (ndet) {
        uint32_t o = det[--ndet];
        if (state[o] == 1) continue;
        for (uint32_t i = s->first_edge[o]; i < s->first_edge[o + 1]; i++) {
            unsigned k = snap_ekind(s, i);
            if (k != SNAP_E_HIDDEN && k != SNAP_E_INVISIBLE && k != SNAP_E_WEAK) PROCESS(s->edge_to[i], 2);
        }
    }
#undef PROCESS
out:
    free(state);
    free(visited);
    free(att);
    free(det);
    return renamed;
}

/* The class name of an object or native node named name: '<div id="a">' -> '<div>'. */
static const char *tag_class(const char *name, char *buf, size_t len) {
    size_t skip = !strncmp(name, "Detached <", 10) ? 10 : name[0] == '<' ? 0 : (size_t)-1;
    if (skip == (size_t)-1) return name;
    const char *sp = strchr(name + skip, ' ');
    if (!sp) return name;
    snprintf(buf, len, "%.*s>", (int)(sp - name), name);
    return buf;
}

int snap_node_classes(const snapshot *s, snap_classes *t, uint32_t *cls) {
    uint8_t *detached = detached_natives(s);
    uint32_t *by_string = malloc(((size_t)s->string_count + 1) * sizeof *by_string);
    uint32_t by_type[SNAP_MAX_TYPES];
    size_t cap = 256;
    char *buf = malloc(cap);
    int rc = -1;
    if (!detached || !by_string || !buf) goto out;
    memset(by_string, 0xff, ((size_t)s->string_count + 1) * sizeof *by_string);
    memset(by_type, 0xff, sizeof by_type);
    for (uint32_t o = 0; o < s->node_count; o++) {
        unsigned kind = snap_nkind(s, o);
        uint32_t c;
        if (kind == SNAP_N_OBJECT || kind == SNAP_N_NATIVE) {
            const char *name = snap_str(s, s->node_name[o]);
            if (detached[o]) {
                size_t need = strlen(name) + 16;
                if (need > cap) {
                    char *nb = realloc(buf, need);
                    if (!nb) goto out;
                    buf = nb;
                    cap = need;
                }
                snprintf(buf, cap, "Detached %s", name);
                char *tmp = malloc(cap);
                if (!tmp) goto out;
                c = intern(t, tag_class(buf, tmp, cap));
                free(tmp);
            } else if ((c = by_string[s->node_name[o]]) == UINT32_MAX) {
                size_t need = strlen(name) + 2;
                if (need > cap) {
                    char *nb = realloc(buf, need);
                    if (!nb) goto out;
                    buf = nb;
                    cap = need;
                }
                c = by_string[s->node_name[o]] = intern(t, tag_class(name, buf, cap));
            }
        } else if ((c = by_type[s->node_type[o]]) == UINT32_MAX) {
            const char *name = kind == SNAP_N_HIDDEN ? "(system)" : kind == SNAP_N_CODE ? "(compiled code)"
                               : kind == SNAP_N_CLOSURE ? "Function" : kind == SNAP_N_REGEXP ? "RegExp" : NULL;
            char tmp[96];
            if (!name) snprintf(tmp, sizeof tmp, "(%s)", s->node_type_name[s->node_type[o]]), name = tmp;
            c = by_type[s->node_type[o]] = intern(t, name);
        }
        if (c == UINT32_MAX) goto out;
        cls[o] = c;
    }
    rc = 0;
out:
    free(detached);
    free(by_string);
    free(buf);
    return rc;
}

static const snap_classes *sort_names;

static int by_retained(const void *x, const void *y) {
    const snap_class_row *a = x, *b = y;
    if (a->retained != b->retained) return a->retained > b->retained ? -1 : 1;
    if (a->shallow != b->shallow) return a->shallow > b->shallow ? -1 : 1;
    return strcmp(sort_names->name[a->cls], sort_names->name[b->cls]);
}

long snap_summary(const snapshot *s, const snap_dom *d, const uint32_t *cls, const snap_classes *t,
                  snap_class_row **rows) {
    uint32_t n = s->node_count;
    snap_class_row *agg = calloc(t->count ? t->count : 1, sizeof *agg);
    uint8_t *active = calloc(t->count ? t->count : 1, 1);
    uint32_t *stack = malloc(2 * (size_t)n * sizeof *stack);
    if (!agg || !active || !stack) {
        free(agg);
        free(active);
        free(stack);
        return -1;
    }
    for (uint32_t o = 0; o < n; o++)
        if (s->node_self[o]) agg[cls[o]].count++, agg[cls[o]].shallow += s->node_self[o];
    /* Down the dominator tree from the root; a class is active while a counted node of it is on the
     * path, and its descendants of that class add nothing (their bytes are in its retained size). An
     * entry with the top bit set is the end of that node's subtree. */
    const uint32_t END = 1u << 31;
    size_t top = 0;
    stack[top++] = s->root;
    while (top) {
        uint32_t e = stack[--top];
        if (e & END) {
            active[cls[e & ~END]] = 0;
            continue;
        }
        uint32_t from = d->first_dominated[e], to = d->first_dominated[e + 1];
        if (s->node_self[e] && !active[cls[e]]) {
            agg[cls[e]].retained += d->retained[e];
            if (from != to) {
                active[cls[e]] = 1;
                stack[top++] = e | END;
            }
        }
        for (uint32_t i = from; i < to; i++) stack[top++] = d->dominated[i];
    }
    free(active);
    free(stack);
    size_t k = 0;
    for (uint32_t c = 0; c < t->count; c++)
        if (agg[c].count) agg[c].cls = c, agg[k++] = agg[c];
    sort_names = t;
    qsort(agg, k, sizeof *agg, by_retained);
    *rows = agg;
    return (long)k;
}
