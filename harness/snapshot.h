/* snapshot.h: a V8 .heapsnapshot read back (snapshot_read.c) and what gclab computes on it: DevTools'
 * class names and Summary aggregates (snapshot_classes.c), dominators and retained sizes
 * (snapshot_dominators.c), the Comparison view (snapshot_diff.c) and retainer paths
 * (snapshot_retainers.c). `gclab snapshot ...` (snapshot_cmd.c) prints them. DESIGN §8. */
#ifndef GCLAB_SNAPSHOT_H
#define GCLAB_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The node and edge types DevTools treats specially, found by name in snapshot.meta (a type the meta
 * does not list is simply never seen). Every other type is SNAP_OTHER; its name stays in the meta. */
enum { SNAP_N_OTHER, SNAP_N_HIDDEN, SNAP_N_OBJECT, SNAP_N_NATIVE, SNAP_N_SYNTHETIC, SNAP_N_CODE, SNAP_N_CLOSURE,
       SNAP_N_REGEXP, SNAP_N_ARRAY };
enum { SNAP_E_OTHER, SNAP_E_WEAK, SNAP_E_SHORTCUT, SNAP_E_INTERNAL, SNAP_E_ELEMENT, SNAP_E_HIDDEN, SNAP_E_INVISIBLE,
       SNAP_E_PROPERTY, SNAP_E_CONTEXT };
#define SNAP_MAX_TYPES 64

/* One snapshot, held as flat arrays (structure of arrays: no padding, memory a fixed number of bytes per
 * node and per edge plus the strings). Nodes are ordinals 0..node_count-1 in file order; node i's edges
 * are first_edge[i]..first_edge[i+1]-1, in file order, as V8 lays them out. */
typedef struct snapshot {
    uint32_t node_count, edge_count, string_count;
    uint32_t root;                      /* ordinal of the root: snapshot.root_index / field count, else 0 */
    uint8_t *node_type;                 /* index into node_type_name */
    uint32_t *node_name;                /* string index */
    uint64_t *node_id;
    uint64_t *node_self;                /* self_size */
    uint8_t *node_detached;             /* detachedness (0 unknown, 1 attached, 2 detached); 0 without the field */
    uint32_t *first_edge;               /* node_count + 1 entries */
    uint8_t *edge_type;                 /* index into edge_type_name */
    uint32_t *edge_name;                /* string index, or the element/hidden index */
    uint32_t *edge_to;                  /* target ordinal */
    char *strings;                      /* every string, NUL-terminated, one after another */
    uint64_t *string_off;               /* string_count offsets into strings */
    char *node_type_name[SNAP_MAX_TYPES], *edge_type_name[SNAP_MAX_TYPES];
    unsigned n_node_types, n_edge_types;
    uint8_t node_kind[SNAP_MAX_TYPES];  /* SNAP_N_* of each node type */
    uint8_t edge_kind[SNAP_MAX_TYPES];  /* SNAP_E_* of each edge type */
    /* Reverse edges (snap_build_retainers): node i's retainers are first_retainer[i].. first_retainer[i+1]-1,
     * each an edge index (retainer_edge) and the node it comes from (retainer_node). */
    uint32_t *first_retainer, *retainer_edge, *retainer_node;
} snapshot;

static inline const char *snap_str(const snapshot *s, uint32_t i) { return s->strings + s->string_off[i]; }
static inline unsigned snap_nkind(const snapshot *s, uint32_t node) { return s->node_kind[s->node_type[node]]; }
static inline unsigned snap_ekind(const snapshot *s, uint32_t edge) { return s->edge_kind[s->edge_type[edge]]; }
/* Element and hidden edges are named by a number, every other edge by a string (DevTools' rule). */
static inline bool snap_edge_named(const snapshot *s, uint32_t edge) {
    unsigned k = snap_ekind(s, edge);
    return k != SNAP_E_ELEMENT && k != SNAP_E_HIDDEN;
}

/* Reads a snapshot from f (streamed: memory grows with the node, edge and string counts, never with a
 * tree of the JSON). name is for messages. Returns 0, or -1 with one line in err: malformed JSON (with
 * its byte offset), a missing or inconsistent part (meta fields, counts, an edge to no node, a name
 * that is no string), or out of memory. */
int snap_read(FILE *f, const char *name, snapshot *s, char *err, size_t errlen);
/* The same from a path; "-" is stdin. */
int snap_read_path(const char *path, snapshot *s, char *err, size_t errlen);
void snap_free(snapshot *s);
/* Builds the reverse edges (retainer index). Returns 0, or -1 out of memory. */
int snap_build_retainers(snapshot *s);
/* DevTools' shallow sizes (snapshot_shallow.c): the bytes of hidden and array nodes one object alone
 * owns are moved onto it, in node_self. Every command does this right after reading, as DevTools does
 * before anything else. Returns 0, or -1 out of memory. */
int snap_shallow_sizes(snapshot *s);
/* The ordinal of the node with this id, or UINT32_MAX. */
uint32_t snap_find_id(const snapshot *s, uint64_t id);

/* Dominator tree and retained sizes (snapshot_dominators.c), with DevTools' rules for which edges
 * count. Needs the retainer index. */
typedef struct snap_dom {
    uint32_t *idom;                     /* immediate dominator of each node (the root's is itself) */
    uint64_t *retained;                 /* retained size of each node */
    uint32_t *first_dominated, *dominated;   /* the tree's children, node_count + 1 and node_count entries */
    uint32_t unreachable;               /* nodes DevTools reports as not reachable from the root */
} snap_dom;
int snap_dominators(const snapshot *s, snap_dom *d, char *err, size_t errlen);
void snap_dom_free(snap_dom *d);

/* Class names (snapshot_classes.c): one table of distinct names that several snapshots may share
 * (the Comparison matches classes by name). */
typedef struct snap_classes {
    char **name;
    uint32_t count, cap;
    uint32_t *slot;                     /* open-addressing hash of name -> index + 1 */
    uint32_t nslots;
} snap_classes;
/* DevTools' className of every node into cls[node]; returns 0, or -1 out of memory. */
int snap_node_classes(const snapshot *s, snap_classes *t, uint32_t *cls);
void snap_classes_free(snap_classes *t);

/* DevTools' Summary row of a class. */
typedef struct snap_class_row {
    uint32_t cls;
    uint64_t count, shallow, retained;
} snap_class_row;
/* The Summary: rows for the classes with at least one counted node, sorted by retained size (largest
 * first), into *rows (malloc'd). Returns the number of rows, or -1 out of memory. */
long snap_summary(const snapshot *s, const snap_dom *d, const uint32_t *cls, const snap_classes *t,
                  snap_class_row **rows);

/* The Comparison of a base snapshot with a later one (snapshot_diff.c), per class matched by name, objects by id. */
typedef struct snap_diff_objects {      /* what the diff keeps of one snapshot */
    uint32_t *cls;
    uint64_t *id, *self;
    size_t n;
} snap_diff_objects;
typedef struct snap_diff_row {
    uint32_t cls;
    uint64_t added, removed, added_size, removed_size;
} snap_diff_row;
/* The counted objects of s (self_size > 0), classes named in t. Returns 0, or -1 out of memory. */
int snap_diff_collect(const snapshot *s, snap_classes *t, snap_diff_objects *o);
/* Rows for classes with a new or deleted object, sorted by size delta (largest growth first), then count
 * delta, then name (t holds the classes of both). Returns
 * the number of rows (malloc'd into *rows), or -1 out of memory. Sorts a and b in place. */
long snap_diff(snap_diff_objects *a, snap_diff_objects *b, const snap_classes *t, snap_diff_row **rows);
void snap_diff_objects_free(snap_diff_objects *o);

/* Retainer paths (snapshot_retainers.c): for each edge that retains target (weak and invisible edges
 * left out), the shortest path from the root to its source that does not pass through target, then the
 * edge; the paths sorted shortest first, at most max. Needs the retainer index. */
typedef struct snap_path {
    uint32_t len;                       /* edges */
    uint32_t *edge;                     /* edge indices from the root to target */
} snap_path;
/* Returns the number of paths (into *paths, malloc'd) and the number of retaining edges in *nretainers
 * (some may have no path: retained only from the unreachable part), or -1 out of memory. */
long snap_retainer_paths(const snapshot *s, uint32_t target, unsigned max, snap_path **paths, uint32_t *nretainers);
void snap_paths_free(snap_path *p, long n);
/* An edge as DevTools writes it: .name, [index], ->name, {name}, [[name]]. */
void snap_edge_label(const snapshot *s, uint32_t edge, char *buf, size_t len);

/* gclab snapshot summary|diff|retainers (snapshot_cmd.c). */
int snapshot_main(int argc, char **argv);

#endif
