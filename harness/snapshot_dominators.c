/* snapshot_dominators.c: the dominator tree of a snapshot and every node's retained size (the bytes
 * that would be freed if the node were), as Chrome DevTools computes them
 * (front_end/entrypoints/heap_snapshot_worker/HeapSnapshot.ts: computeIsEssentialEdge,
 * calculateDominatorsAndRetainedSizes), so that gclab's numbers and DevTools' agree on the same file.
 *
 * Which edges count ("essential" edges), DevTools' rules, all implemented here:
 *   - weak edges never retain (WeakRef targets, weak maps' backing, V8's weak fields);
 *   - a WeakMap value is retained by its key and its table together: V8 writes an internal edge from
 *     each, named "<i> / part of key (K @id) -> value (V @id) pair in WeakMap (table @T)"; the one from
 *     the table (the node whose id is T) is dropped, so the value hangs under the key;
 *   - an edge from a node to itself is dropped;
 *   - shortcut edges count only from the root (there they mark the user's global objects); elsewhere
 *     they duplicate a path that exists anyway;
 *   - "page-owned" nodes: everything reachable over non-weak edges from the root's shortcut edges and
 *     from a root element edge to a synthetic "(Document DOM trees)" node; an edge from a node that is
 *     not page-owned to one that is is dropped, so what the debugger or the VM also holds does not
 *     change the page's dominators. In a Node snapshot the global object is such a shortcut target.
 * Not applied: nothing of the dominator computation; DevTools' other V8- and DOM-specific rules touch
 * distances and class names only (snapshot_classes.c, snapshot_retainers.c say which).
 *
 * Nodes the root does not reach over essential edges are handled as DevTools handles them: those with
 * only non-essential (weak) retainers are searched from as if the root pointed at them, then any still
 * unreached (a cycle held only by itself) is put directly under the root.
 *
 * The algorithm is Lengauer and Tarjan's ("A fast algorithm for finding dominators in a flowgraph",
 * TOPLAS 1979), the simple version with path compression, as DevTools uses since 2024: depth-first
 * search and compression are iterative (no recursion, however deep the heap's chains), memory is ten
 * 32-bit words a node while it runs, and the result is the tree (the idom of each node), its children
 * as one array, and the retained sizes. */
#include <stdlib.h>
#include <string.h>
#include "snapshot.h"

typedef struct lt {
    uint32_t *parent, *ancestor, *vertex, *label, *semi, *dom, *next_edge, *stack, *bucket, *bucket_next;
} lt;

static inline bool bit(const uint64_t *b, uint32_t i) { return b[i >> 6] >> (i & 63) & 1; }

/* The table id of a WeakMap entry's edge name, or -1 when the name is not one (see above). */
static int64_t weakmap_table_id(const char *name) {
    const char *p = name;
    if (*p < '0' || *p > '9') return -1;
    while (*p >= '0' && *p <= '9') p++;
    static const char key[] = " / part of key (", value[] = ") -> value (", table[] = " pair in WeakMap (table @";
    if (strncmp(p, key, sizeof key - 1)) return -1;
    p += sizeof key - 1;
    const char *v = strstr(p, value);
    if (!v || v == p) return -1;
    const char *t = strstr(v + sizeof value - 1, table);
    if (!t) return -1;
    t += sizeof table - 1;
    if (*t < '0' || *t > '9') return -1;
    int64_t id = 0;
    while (*t >= '0' && *t <= '9' && id < (INT64_MAX - 9) / 10) id = id * 10 + (*t++ - '0');
    return t[0] == ')' && t[1] == '\0' ? id : -1;
}

/* Marks what the root's shortcut edges (and a "(Document DOM trees)" element) reach over non-weak edges. */
static uint8_t *page_owned(const snapshot *s) {
    uint32_t n = s->node_count, top = 0;
    uint8_t *page = calloc(n, 1);
    uint32_t *stack = malloc((size_t)n * sizeof *stack);
    if (!page || !stack) {
        free(page);
        free(stack);
        return NULL;
    }
    for (uint32_t i = s->first_edge[s->root]; i < s->first_edge[s->root + 1]; i++) {
        uint32_t to = s->edge_to[i];
        unsigned k = snap_ekind(s, i);
        if (k == SNAP_E_ELEMENT) {
            if (snap_nkind(s, to) != SNAP_N_SYNTHETIC || strcmp(snap_str(s, s->node_name[to]), "(Document DOM trees)")) continue;
        } else if (k != SNAP_E_SHORTCUT) {
            continue;
        }
        if (!page[to]) page[to] = 1, stack[top++] = to;
    }
    while (top) {
        uint32_t v = stack[--top];
        for (uint32_t i = s->first_edge[v]; i < s->first_edge[v + 1]; i++) {
            uint32_t to = s->edge_to[i];
            if (page[to] || snap_ekind(s, i) == SNAP_E_WEAK) continue;
            page[to] = 1;
            stack[top++] = to;
        }
    }
    free(stack);
    return page;
}

/* A bit per edge: does it count for dominators (the rules at the top)? */
static uint64_t *essential_edges(const snapshot *s) {
    uint64_t *ess = calloc(((size_t)s->edge_count + 63) / 64 + 1, sizeof *ess);
    uint8_t *page = page_owned(s);
    int64_t *table_id = malloc(((size_t)s->string_count + 1) * sizeof *table_id);   /* per name: -2 not parsed yet */
    if (!ess || !page || !table_id) {
        free(ess);
        free(page);
        free(table_id);
        return NULL;
    }
    for (uint32_t i = 0; i < s->string_count; i++) table_id[i] = -2;
    for (uint32_t v = 0; v < s->node_count; v++)
        for (uint32_t i = s->first_edge[v]; i < s->first_edge[v + 1]; i++) {
            unsigned k = snap_ekind(s, i);
            uint32_t to = s->edge_to[i];
            if (k == SNAP_E_WEAK || to == v) continue;
            if (k == SNAP_E_INTERNAL) {
                int64_t *t = &table_id[s->edge_name[i]];
                if (*t == -2) *t = weakmap_table_id(snap_str(s, s->edge_name[i]));
                if (*t >= 0 && (uint64_t)*t == s->node_id[v]) continue;
            }
            if (v != s->root && (k == SNAP_E_SHORTCUT || (page[to] && !page[v]))) continue;
            ess[i >> 6] |= (uint64_t)1 << (i & 63);
        }
    free(page);
    free(table_id);
    return ess;
}

/* Iterative depth-first numbering from root (1-based vertex numbers: ordinal + 1), essential edges only. */
static void dfs(const snapshot *s, const uint64_t *ess, lt *a, uint32_t root, uint32_t *n) {
    a->next_edge[root - 1] = s->first_edge[root - 1];
    uint32_t v = root;
    while (v) {
        if (!a->semi[v]) {
            a->semi[v] = ++*n;
            a->vertex[*n] = a->label[v] = v;
        }
        uint32_t next = a->parent[v], o = v - 1;
        for (; a->next_edge[o] < s->first_edge[o + 1]; a->next_edge[o]++) {
            uint32_t i = a->next_edge[o];
            if (!bit(ess, i)) continue;
            uint32_t w = s->edge_to[i] + 1;
            if (!a->semi[w]) {
                a->parent[w] = v;
                a->next_edge[w - 1] = s->first_edge[w - 1];
                next = w;
                break;
            }
        }
        v = next;
    }
}

static bool only_weak_retainers(const snapshot *s, const uint64_t *ess, uint32_t o) {
    for (uint32_t r = s->first_retainer[o]; r < s->first_retainer[o + 1]; r++)
        if (bit(ess, s->retainer_edge[r])) return false;
    return true;
}

static uint32_t eval(lt *a, uint32_t v) {
    if (!a->ancestor[v]) return v;
    /* Path compression without recursion: climb, then fix the labels from the top down. */
    uint32_t sp = 0, x = v;
    while (a->ancestor[a->ancestor[x]]) {
        a->stack[++sp] = x;
        x = a->ancestor[x];
    }
    while (sp) {
        uint32_t w = a->stack[sp--];
        if (a->semi[a->label[a->ancestor[w]]] < a->semi[a->label[w]]) a->label[w] = a->label[a->ancestor[w]];
        a->ancestor[w] = a->ancestor[a->ancestor[w]];
    }
    return a->label[v];
}

static void lt_free(lt *a) {
    uint32_t **all[] = {&a->parent, &a->ancestor, &a->vertex, &a->label, &a->semi, &a->dom, &a->next_edge, &a->stack,
                        &a->bucket, &a->bucket_next};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(*all[i]), *all[i] = NULL;
}

int snap_dominators(const snapshot *s, snap_dom *d, char *err, size_t errlen) {
    memset(d, 0, sizeof *d);
    uint32_t N = s->node_count, r = s->root + 1, n = 0;
    lt a = {0};
    uint32_t **all[] = {&a.parent, &a.ancestor, &a.vertex, &a.label, &a.semi, &a.dom, &a.next_edge, &a.stack,
                        &a.bucket, &a.bucket_next};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (!(*all[i] = calloc((size_t)N + 1, sizeof(uint32_t)))) goto oom;
    uint64_t *ess = essential_edges(s);
    if (!ess) goto oom;

    dfs(s, ess, &a, r, &n);
    d->unreachable = N - n;
    for (uint32_t v = 1; v <= N && n < N; v++)
        if (!a.semi[v] && only_weak_retainers(s, ess, v - 1)) {
            a.parent[v] = r;
            dfs(s, ess, &a, v, &n);
        }
    for (uint32_t v = 1; v <= N && n < N; v++)
        if (!a.semi[v]) {
            a.parent[v] = r;
            a.semi[v] = ++n;
            a.vertex[n] = a.label[v] = v;
        }

    /* Semidominators in decreasing DFS order, each bucket emptied as its vertex's link is made. */
    for (uint32_t i = n; i >= 2; i--) {
        uint32_t w = a.vertex[i], o = w - 1;
        bool orphan = true;
        for (uint32_t k = s->first_retainer[o]; k < s->first_retainer[o + 1]; k++) {
            if (!bit(ess, s->retainer_edge[k])) continue;
            orphan = false;
            uint32_t u = eval(&a, s->retainer_node[k] + 1);
            if (a.semi[u] < a.semi[w]) a.semi[w] = a.semi[u];
        }
        if (orphan) a.semi[w] = a.semi[r];   /* as if the root pointed at it */
        uint32_t b = a.vertex[a.semi[w]];
        a.bucket_next[w] = a.bucket[b];
        a.bucket[b] = w;
        uint32_t p = a.parent[w];
        a.ancestor[w] = p;
        for (uint32_t v = a.bucket[p]; v; v = a.bucket_next[v]) {
            uint32_t u = eval(&a, v);
            a.dom[v] = a.semi[u] < a.semi[v] ? u : p;
        }
        a.bucket[p] = 0;
    }
    /* As DevTools: dom[0] = root, so a vertex whose bucket was never emptied (one of the unreached nodes
     * put under the root, whose semidominator is not its ancestor) ends up under the root. */
    a.dom[0] = a.dom[r] = r;
    for (uint32_t i = 2; i <= n; i++) {
        uint32_t w = a.vertex[i];
        if (a.dom[w] != a.vertex[a.semi[w]]) a.dom[w] = a.dom[a.dom[w]];
    }
    free(ess);

    d->idom = malloc((size_t)N * sizeof *d->idom);
    d->retained = malloc((size_t)N * sizeof *d->retained);
    d->first_dominated = calloc((size_t)N + 1, sizeof *d->first_dominated);
    d->dominated = malloc(((size_t)N ? N : 1) * sizeof *d->dominated);
    if (!d->idom || !d->retained || !d->first_dominated || !d->dominated) goto oom;
    for (uint32_t o = 0; o < N; o++) {
        d->idom[o] = a.dom[o + 1] - 1;
        d->retained[o] = s->node_self[o];
    }
    /* Children before their dominators: reverse DFS order. */
    for (uint32_t i = n; i > 1; i--) {
        uint32_t o = a.vertex[i] - 1;
        d->retained[d->idom[o]] += d->retained[o];
    }
    lt_free(&a);
    /* The tree's children, each node's as one slice of d->dominated. */
    for (uint32_t o = 0; o < N; o++)
        if (o != s->root) d->first_dominated[d->idom[o] + 1]++;
    for (uint32_t o = 0; o < N; o++) d->first_dominated[o + 1] += d->first_dominated[o];
    for (uint32_t o = 0; o < N; o++)
        if (o != s->root) d->dominated[d->first_dominated[d->idom[o]]++] = o;
    for (uint32_t o = N; o > 0; o--) d->first_dominated[o] = d->first_dominated[o - 1];
    d->first_dominated[0] = 0;
    return 0;
oom:
    lt_free(&a);
    snap_dom_free(d);
    snprintf(err, errlen, "out of memory for the dominator tree of %u nodes", N);
    return -1;
}

void snap_dom_free(snap_dom *d) {
    free(d->idom);
    free(d->retained);
    free(d->first_dominated);
    free(d->dominated);
    memset(d, 0, sizeof *d);
}
