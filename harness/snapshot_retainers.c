/* snapshot_retainers.c: why is this object alive? DevTools' Retainers panel lists the edges that point
 * at an object (weak and invisible ones left out: JSHeapSnapshot.retainingEdgesFilter) nearest the root
 * first, and each expands towards the root. gclab prints, for each retaining edge, the shortest path
 * from the root to the edge's source that does not pass through the object itself, then the edge:
 * a breadth-first search from the root over non-weak edges (DevTools' distances ignore weak edges too)
 * with the object left out, so that a cycle through the object is never offered as its own reason.
 * Not applied: DevTools' V8-specific distance filters (a NativeContext's sloppy_function_map, the
 * descriptor links of "(map descriptors)" arrays) and its searching from the user's roots first; paths
 * here are plain shortest paths, which through V8's internals can be shorter than the one DevTools
 * expands first. */
#include <stdlib.h>
#include <string.h>
#include "snapshot.h"

void snap_edge_label(const snapshot *s, uint32_t e, char *buf, size_t len) {
    char num[16];
    const char *name = num;
    if (snap_edge_named(s, e)) name = snap_str(s, s->edge_name[e]);
    else snprintf(num, sizeof num, "%u", s->edge_name[e]);
    bool has_space = strchr(name, ' ') != NULL;
    switch (snap_ekind(s, e)) {
    case SNAP_E_CONTEXT: snprintf(buf, len, "->%s", name); break;
    case SNAP_E_ELEMENT: snprintf(buf, len, "[%s]", name); break;
    case SNAP_E_WEAK: snprintf(buf, len, "[[%s]]", name); break;
    case SNAP_E_SHORTCUT:
    case SNAP_E_PROPERTY: snprintf(buf, len, has_space ? "[\"%s\"]" : ".%s", name); break;
    case SNAP_E_INTERNAL:
    case SNAP_E_HIDDEN:
    case SNAP_E_INVISIBLE: snprintf(buf, len, "{%s}", name); break;
    default: snprintf(buf, len, "?%s?", name); break;
    }
}

typedef struct cand {
    uint32_t edge, from, dist, order;
} cand;

static int by_dist(const void *x, const void *y) {
    const cand *a = x, *b = y;
    if (a->dist != b->dist) return a->dist < b->dist ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

long snap_retainer_paths(const snapshot *s, uint32_t target, unsigned max, snap_path **paths, uint32_t *nretainers) {
    uint32_t n = s->node_count, NONE = UINT32_MAX;
    uint32_t *dist = malloc((size_t)n * sizeof *dist), *via = malloc((size_t)n * sizeof *via);
    uint32_t *queue = malloc((size_t)n * sizeof *queue), *src = malloc((size_t)n * sizeof *src);
    uint32_t nr = s->first_retainer[target + 1] - s->first_retainer[target];
    cand *c = malloc((nr ? nr : 1) * sizeof *c);
    snap_path *p = calloc(max ? max : 1, sizeof *p);
    long np = -1;
    if (!dist || !via || !queue || !src || !c || !p) goto out;
    memset(dist, 0xff, (size_t)n * sizeof *dist);
    /* Breadth first from the root, never entering target; v was first reached by edge via[v] from src[v]. */
    uint32_t head = 0, tail = 0;
    dist[s->root] = 0;
    via[s->root] = NONE;
    queue[tail++] = s->root;
    while (head < tail && target != s->root) {
        uint32_t v = queue[head++];
        for (uint32_t i = s->first_edge[v]; i < s->first_edge[v + 1]; i++) {
            uint32_t w = s->edge_to[i];
            if (dist[w] != NONE || w == target || snap_ekind(s, i) == SNAP_E_WEAK) continue;
            dist[w] = dist[v] + 1;
            via[w] = i;
            src[w] = v;
            queue[tail++] = w;
        }
    }
    /* The retaining edges, nearest source first. */
    uint32_t k = 0;
    *nretainers = 0;
    for (uint32_t r = s->first_retainer[target]; r < s->first_retainer[target + 1]; r++) {
        uint32_t e = s->retainer_edge[r], from = s->retainer_node[r];
        unsigned kind = snap_ekind(s, e);
        if (kind == SNAP_E_WEAK || kind == SNAP_E_INVISIBLE) continue;
        (*nretainers)++;
        if (from == target || dist[from] == NONE) continue;
        c[k] = (cand){.edge = e, .from = from, .dist = dist[from], .order = r};
        k++;
    }
    qsort(c, k, sizeof *c, by_dist);
    np = 0;
    for (uint32_t i = 0; i < k && np < (long)max; i++) {
        snap_path *q = &p[np];
        q->len = c[i].dist + 1;
        q->edge = malloc(q->len * sizeof *q->edge);
        if (!q->edge) {
            snap_paths_free(p, np);
            p = NULL;
            np = -1;
            goto out;
        }
        q->edge[q->len - 1] = c[i].edge;
        uint32_t v = c[i].from;
        for (uint32_t at = q->len - 1; at > 0; at--) {
            q->edge[at - 1] = via[v];
            v = src[v];
        }
        np++;
    }
out:
    free(dist);
    free(via);
    free(queue);
    free(src);
    free(c);
    if (np < 0) free(p);
    else *paths = p;
    return np;
}

void snap_paths_free(snap_path *p, long n) {
    for (long i = 0; i < n; i++) free(p[i].edge);
    free(p);
}
