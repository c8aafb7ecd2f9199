/* snapshot_diff.c: DevTools' Comparison view (HeapSnapshot.ts: calculateSnapshotDiff,
 * calculateDiffForClass) of a base snapshot A and a later one B. Per class, matched by name: an object
 * of B whose id is not among A's objects of that class is new, one of A not among B's is deleted (so an
 * object whose class changed counts as deleted from one class and new in the other, as in DevTools).
 * Only counted objects take part (self size not 0, as in the Summary). Ids are what makes this work:
 * V8 and gclab's writer keep an object's id for its life and never reuse one. */
#include <stdlib.h>
#include <string.h>
#include "snapshot.h"

int snap_diff_collect(const snapshot *s, snap_classes *t, snap_diff_objects *o) {
    memset(o, 0, sizeof *o);
    uint32_t *cls = malloc(((size_t)s->node_count ? s->node_count : 1) * sizeof *cls);
    if (!cls || snap_node_classes(s, t, cls)) {
        free(cls);
        return -1;
    }
    size_t n = 0;
    for (uint32_t i = 0; i < s->node_count; i++) n += s->node_self[i] != 0;
    o->cls = malloc((n ? n : 1) * sizeof *o->cls);
    o->id = malloc((n ? n : 1) * sizeof *o->id);
    o->self = malloc((n ? n : 1) * sizeof *o->self);
    if (!o->cls || !o->id || !o->self) {
        free(cls);
        snap_diff_objects_free(o);
        return -1;
    }
    for (uint32_t i = 0; i < s->node_count; i++)
        if (s->node_self[i]) {
            o->cls[o->n] = cls[i];
            o->id[o->n] = s->node_id[i];
            o->self[o->n++] = s->node_self[i];
        }
    free(cls);
    return 0;
}

void snap_diff_objects_free(snap_diff_objects *o) {
    free(o->cls);
    free(o->id);
    free(o->self);
    memset(o, 0, sizeof *o);
}

/* Sorts o by (class, id) through a permutation, so that the three arrays stay in step. */
static const snap_diff_objects *sort_objs;

static int by_class_id(const void *x, const void *y) {
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    const snap_diff_objects *o = sort_objs;
    if (o->cls[a] != o->cls[b]) return o->cls[a] < o->cls[b] ? -1 : 1;
    if (o->id[a] != o->id[b]) return o->id[a] < o->id[b] ? -1 : 1;
    return 0;
}

static int sort_objects(snap_diff_objects *o) {
    size_t *perm = malloc((o->n ? o->n : 1) * sizeof *perm);
    uint32_t *cls = malloc((o->n ? o->n : 1) * sizeof *cls);
    uint64_t *id = malloc((o->n ? o->n : 1) * sizeof *id), *self = malloc((o->n ? o->n : 1) * sizeof *self);
    if (!perm || !cls || !id || !self) {
        free(perm), free(cls), free(id), free(self);
        return -1;
    }
    for (size_t i = 0; i < o->n; i++) perm[i] = i;
    sort_objs = o;
    qsort(perm, o->n, sizeof *perm, by_class_id);
    for (size_t i = 0; i < o->n; i++) cls[i] = o->cls[perm[i]], id[i] = o->id[perm[i]], self[i] = o->self[perm[i]];
    free(perm);
    free(o->cls), free(o->id), free(o->self);
    o->cls = cls, o->id = id, o->self = self;
    return 0;
}

static const snap_classes *sort_names;

static int by_delta(const void *x, const void *y) {
    const snap_diff_row *a = x, *b = y;
    int64_t da = (int64_t)(a->added_size - a->removed_size), db = (int64_t)(b->added_size - b->removed_size);
    if (da != db) return da > db ? -1 : 1;
    int64_t ca = (int64_t)(a->added - a->removed), cb = (int64_t)(b->added - b->removed);
    if (ca != cb) return ca > cb ? -1 : 1;
    return strcmp(sort_names->name[a->cls], sort_names->name[b->cls]);
}

long snap_diff(snap_diff_objects *a, snap_diff_objects *b, const snap_classes *t, snap_diff_row **rows) {
    if (sort_objects(a) || sort_objects(b)) return -1;
    size_t cap = 64, k = 0, i = 0, j = 0;
    snap_diff_row *r = malloc(cap * sizeof *r);
    if (!r) return -1;
    /* One merge over both, class by class. */
    while (i < a->n || j < b->n) {
        uint32_t c = i < a->n && (j >= b->n || a->cls[i] <= b->cls[j]) ? a->cls[i] : b->cls[j];
        snap_diff_row row = {.cls = c};
        while ((i < a->n && a->cls[i] == c) || (j < b->n && b->cls[j] == c)) {
            bool ina = i < a->n && a->cls[i] == c, inb = j < b->n && b->cls[j] == c;
            if (ina && (!inb || a->id[i] < b->id[j])) {
                row.removed++, row.removed_size += a->self[i++];
            } else if (inb && (!ina || b->id[j] < a->id[i])) {
                row.added++, row.added_size += b->self[j++];
            } else {
                i++, j++;
            }
        }
        if (!row.added && !row.removed) continue;
        if (k == cap) {
            snap_diff_row *nr = realloc(r, (cap *= 2) * sizeof *nr);
            if (!nr) {
                free(r);
                return -1;
            }
            r = nr;
        }
        r[k++] = row;
    }
    sort_names = t;
    qsort(r, k, sizeof *r, by_delta);
    *rows = r;
    return (long)k;
}
