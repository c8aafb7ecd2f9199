/* snapshot_shallow.c: DevTools' shallow sizes (HeapSnapshot.ts, JSHeapSnapshot.calculateShallowSizes).
 * Before it computes anything else, DevTools moves the self size of each "hidden" or "array" node (and
 * of native "system / ExternalStringData") that one object alone reaches, through such nodes only, onto
 * that object, and sets the node's own to 0: a JS object's property and element backing stores are
 * shown as part of the object. Retained sizes, the Summary and the Comparison all see the moved sizes,
 * and nodes left at 0 are not counted in them. Not done when the root has no user root (an edge to a
 * non-synthetic node or to "(Document DOM trees)"): such a snapshot (V8's "expose internals", or
 * gclab's own, whose root holds only synthetic root groups) is shown as written. */
#include <stdlib.h>
#include <string.h>
#include "snapshot.h"

static bool has_user_roots(const snapshot *s) {
    for (uint32_t i = s->first_edge[s->root]; i < s->first_edge[s->root + 1]; i++) {
        uint32_t to = s->edge_to[i];
        if (snap_nkind(s, to) != SNAP_N_SYNTHETIC || !strcmp(snap_str(s, s->node_name[to]), "(Document DOM trees)"))
            return true;
    }
    return false;
}

int snap_shallow_sizes(snapshot *s) {
    if (!has_user_roots(s)) return 0;
    const uint32_t UNVISITED = UINT32_MAX, SHARED = UINT32_MAX - 1;
    uint32_t n = s->node_count;
    uint32_t *owner = malloc((size_t)n * sizeof *owner);
    uint32_t *work = malloc(2 * (size_t)n * sizeof *work);   /* a node enters at most twice (see below) */
    if (!owner || !work) {
        free(owner);
        free(work);
        return -1;
    }
    size_t top = 0;
    for (uint32_t i = 0; i < n; i++) {
        unsigned k = snap_nkind(s, i);
        if (k == SNAP_N_HIDDEN || k == SNAP_N_ARRAY ||
            (k == SNAP_N_NATIVE && !strcmp(snap_str(s, s->node_name[i]), "system / ExternalStringData"))) {
            owner[i] = UNVISITED;
        } else {
            owner[i] = i;
            work[top++] = i;
        }
    }
    /* Owners flow down non-weak edges into unowned nodes; a node reached from two owners is shared. A node
     * is pushed when it gets an owner and again when it becomes shared: at most twice. */
    while (top) {
        uint32_t v = work[--top], o = owner[v];
        for (uint32_t i = s->first_edge[v]; i < s->first_edge[v + 1]; i++) {
            if (snap_ekind(s, i) == SNAP_E_WEAK) continue;
            uint32_t t = s->edge_to[i];
            if (owner[t] == UNVISITED) {
                owner[t] = o;
                work[top++] = t;
            } else if (owner[t] != t && owner[t] != o && owner[t] != SHARED) {
                owner[t] = SHARED;
                work[top++] = t;
            }
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t o = owner[i];
        if (o == UNVISITED || o == SHARED || o == i) continue;
        if (snap_nkind(s, o) == SNAP_N_SYNTHETIC || o == s->root) continue;
        s->node_self[o] += s->node_self[i];
        s->node_self[i] = 0;
    }
    free(owner);
    free(work);
    return 0;
}
