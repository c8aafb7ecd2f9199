/* snapshot_read.c: reads V8's .heapsnapshot JSON (the format Node's v8.writeHeapSnapshot and Chrome
 * write, and gclab's writer) into the flat arrays of snapshot.h, streaming.
 *
 * The layout comes from snapshot.meta, by name, as DevTools reads it: node_fields must name type, name,
 * id, self_size and edge_count (detachedness and any others are optional; unknown ones are skipped),
 * edge_fields type, name_or_index and to_node, in whatever order and with whatever count; node_types and
 * edge_types give the type names at the type field's position. The "snapshot" object must come before
 * "nodes" and "edges" (V8 writes it first, and DevTools' loader needs it first too); the other
 * top-level keys (trace_tree, samples, locations, ...) are skipped without being held. Memory: 26 bytes
 * a node, 9 an edge, and the strings. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "snapshot.h"
#include "snapshot_json.h"

typedef struct strlist {
    char **v;
    unsigned n;
    bool is_list;   /* for the *_types entries: a list of names, not a single word */
} strlist;

enum { R_SKIP, R_TYPE, R_NAME, R_ID, R_SELF, R_EDGE_COUNT, R_DETACHED, R_TO };

typedef struct reader {
    json_in j;
    snapshot *s;
    jbuf key;
    strlist node_fields, edge_fields, *node_types, *edge_types;
    unsigned n_node_types_entries, n_edge_types_entries;
    uint8_t nrole[32], erole[32];
    unsigned nf, ef;
    uint64_t node_count, edge_count, root_index;
    bool have_meta, have_node_count, have_edge_count, have_header, have_nodes, have_edges, have_strings;
} reader;

static void strlist_free(strlist *l) {
    for (unsigned i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int strlist_add(reader *r, strlist *l, const char *s) {
    char **nv = realloc(l->v, (l->n + 1) * sizeof *nv);
    if (!nv || !(nv[l->n] = strdup(s))) {
        if (nv) l->v = nv;
        return json_fail(&r->j, "out of memory");
    }
    l->v = nv;
    l->n++;
    return 0;
}

/* ["a", "b", ...] */
static int read_names(reader *r, strlist *l) {
    int more = json_open(&r->j, '[', "a list of names");
    while (more == 1) {
        r->key.len = 0;
        if (json_string(&r->j, &r->key) || strlist_add(r, l, r->key.p)) return -1;
        more = json_next(&r->j, ']');
    }
    return more;
}

/* node_types / edge_types: an entry per field, a list of names (the type field's) or a word. */
static int read_types(reader *r, strlist **out, unsigned *n) {
    int more = json_open(&r->j, '[', "a list of types");
    while (more == 1) {
        strlist *nv = realloc(*out, (*n + 1) * sizeof *nv);
        if (!nv) return json_fail(&r->j, "out of memory");
        *out = nv;
        strlist *e = &nv[(*n)++];
        memset(e, 0, sizeof *e);
        if (json_peek(&r->j) == '[') {
            e->is_list = true;
            if (read_names(r, e)) return -1;
        } else if (json_skip(&r->j)) {
            return -1;
        }
        more = json_next(&r->j, ']');
    }
    return more;
}

static int read_meta(reader *r) {
    int more = json_open(&r->j, '{', "'{' to open snapshot.meta");
    while (more == 1) {
        r->key.len = 0;
        if (json_string(&r->j, &r->key) || json_expect(&r->j, ':', "':' after a key")) return -1;
        const char *k = r->key.p;
        int rc;
        if (!strcmp(k, "node_fields")) rc = read_names(r, &r->node_fields);
        else if (!strcmp(k, "edge_fields")) rc = read_names(r, &r->edge_fields);
        else if (!strcmp(k, "node_types")) rc = read_types(r, &r->node_types, &r->n_node_types_entries);
        else if (!strcmp(k, "edge_types")) rc = read_types(r, &r->edge_types, &r->n_edge_types_entries);
        else rc = json_skip(&r->j);
        if (rc) return -1;
        more = json_next(&r->j, '}');
    }
    r->have_meta = more == 0;
    return more;
}

static const struct { const char *name; uint8_t kind; } node_kinds[] = {
    {"hidden", SNAP_N_HIDDEN}, {"object", SNAP_N_OBJECT}, {"native", SNAP_N_NATIVE}, {"synthetic", SNAP_N_SYNTHETIC},
    {"code", SNAP_N_CODE}, {"closure", SNAP_N_CLOSURE}, {"regexp", SNAP_N_REGEXP}, {"array", SNAP_N_ARRAY},
};
static const struct { const char *name; uint8_t kind; } edge_kinds[] = {
    {"weak", SNAP_E_WEAK}, {"shortcut", SNAP_E_SHORTCUT}, {"internal", SNAP_E_INTERNAL}, {"element", SNAP_E_ELEMENT},
    {"hidden", SNAP_E_HIDDEN}, {"invisible", SNAP_E_INVISIBLE}, {"property", SNAP_E_PROPERTY}, {"context", SNAP_E_CONTEXT},
};

/* Field roles and type names from the meta, then the arrays for node_count and edge_count. */
static int layout(reader *r) {
    static const struct { const char *name; uint8_t role; } nodef[] = {
        {"type", R_TYPE}, {"name", R_NAME}, {"id", R_ID}, {"self_size", R_SELF}, {"edge_count", R_EDGE_COUNT},
        {"detachedness", R_DETACHED}};
    static const struct { const char *name; uint8_t role; } edgef[] = {{"type", R_TYPE}, {"name_or_index", R_NAME}, {"to_node", R_TO}};
    snapshot *s = r->s;
    if (!r->have_meta) return json_fail(&r->j, "snapshot has no meta");
    if (!r->have_node_count || !r->have_edge_count) return json_fail(&r->j, "snapshot has no %s", r->have_node_count ? "edge_count" : "node_count");
    r->nf = r->node_fields.n;
    r->ef = r->edge_fields.n;
    if (r->nf > 32 || r->ef > 32) return json_fail(&r->j, "snapshot.meta lists more than 32 node or edge fields");
    int type_pos = -1, etype_pos = -1;
    for (size_t k = 0; k < sizeof nodef / sizeof nodef[0]; k++) {
        unsigned i = 0;
        while (i < r->nf && strcmp(r->node_fields.v[i], nodef[k].name)) i++;
        if (i == r->nf) {
            if (nodef[k].role == R_DETACHED) continue;
            return json_fail(&r->j, "snapshot.meta.node_fields has no \"%s\"", nodef[k].name);
        }
        r->nrole[i] = nodef[k].role;
        if (nodef[k].role == R_TYPE) type_pos = (int)i;
    }
    for (size_t k = 0; k < sizeof edgef / sizeof edgef[0]; k++) {
        unsigned i = 0;
        while (i < r->ef && strcmp(r->edge_fields.v[i], edgef[k].name)) i++;
        if (i == r->ef) return json_fail(&r->j, "snapshot.meta.edge_fields has no \"%s\"", edgef[k].name);
        r->erole[i] = edgef[k].role;
        if (edgef[k].role == R_TYPE) etype_pos = (int)i;
    }
    if ((unsigned)type_pos >= r->n_node_types_entries || !r->node_types[type_pos].is_list)
        return json_fail(&r->j, "snapshot.meta.node_types has no list of names for the type field");
    if ((unsigned)etype_pos >= r->n_edge_types_entries || !r->edge_types[etype_pos].is_list)
        return json_fail(&r->j, "snapshot.meta.edge_types has no list of names for the type field");
    strlist *nt = &r->node_types[type_pos], *et = &r->edge_types[etype_pos];
    if (nt->n > SNAP_MAX_TYPES || et->n > SNAP_MAX_TYPES) return json_fail(&r->j, "more than %d node or edge types", SNAP_MAX_TYPES);
    for (unsigned i = 0; i < nt->n; i++) {
        s->node_type_name[i] = nt->v[i];
        nt->v[i] = NULL;   /* the snapshot owns it now */
        for (size_t k = 0; k < sizeof node_kinds / sizeof node_kinds[0]; k++)
            if (!strcmp(s->node_type_name[i], node_kinds[k].name)) s->node_kind[i] = node_kinds[k].kind;
    }
    for (unsigned i = 0; i < et->n; i++) {
        s->edge_type_name[i] = et->v[i];
        et->v[i] = NULL;
        for (size_t k = 0; k < sizeof edge_kinds / sizeof edge_kinds[0]; k++)
            if (!strcmp(s->edge_type_name[i], edge_kinds[k].name)) s->edge_kind[i] = edge_kinds[k].kind;
    }
    s->n_node_types = nt->n;
    s->n_edge_types = et->n;
    if (r->node_count == 0) return json_fail(&r->j, "node_count is 0: a snapshot has at least its root");
    if (r->node_count >= UINT32_MAX / 2 || r->edge_count >= UINT32_MAX)
        return json_fail(&r->j, "node_count %llu or edge_count %llu is beyond what gclab (and DevTools) can hold",
                         (unsigned long long)r->node_count, (unsigned long long)r->edge_count);
    if (r->root_index % r->nf || r->root_index / r->nf >= r->node_count)
        return json_fail(&r->j, "root_index %llu is not a node's position", (unsigned long long)r->root_index);
    size_t n = r->node_count, e = r->edge_count;
    s->node_count = (uint32_t)n;
    s->edge_count = (uint32_t)e;
    s->root = (uint32_t)(r->root_index / r->nf);
    s->node_type = calloc(n, 1);
    s->node_detached = calloc(n, 1);
    s->node_name = calloc(n, sizeof *s->node_name);
    s->node_id = calloc(n, sizeof *s->node_id);
    s->node_self = calloc(n, sizeof *s->node_self);
    s->first_edge = calloc(n + 1, sizeof *s->first_edge);
    s->edge_type = calloc(e ? e : 1, 1);
    s->edge_name = calloc(e ? e : 1, sizeof *s->edge_name);
    s->edge_to = calloc(e ? e : 1, sizeof *s->edge_to);
    if (!s->node_type || !s->node_detached || !s->node_name || !s->node_id || !s->node_self || !s->first_edge ||
        !s->edge_type || !s->edge_name || !s->edge_to)
        return json_fail(&r->j, "out of memory for %zu nodes and %zu edges", n, e);
    r->have_header = true;
    return 0;
}

static int read_header(reader *r) {
    int more = json_open(&r->j, '{', "'{' to open \"snapshot\"");
    while (more == 1) {
        r->key.len = 0;
        if (json_string(&r->j, &r->key) || json_expect(&r->j, ':', "':' after a key")) return -1;
        const char *k = r->key.p;
        int rc;
        if (!strcmp(k, "meta")) {
            rc = read_meta(r);
        } else if (!strcmp(k, "node_count")) {
            rc = json_uint(&r->j, &r->node_count);
            r->have_node_count = true;
        } else if (!strcmp(k, "edge_count")) {
            rc = json_uint(&r->j, &r->edge_count);
            r->have_edge_count = true;
        } else if (!strcmp(k, "root_index")) {
            rc = json_uint(&r->j, &r->root_index);
        } else {
            rc = json_skip(&r->j);
        }
        if (rc) return -1;
        more = json_next(&r->j, '}');
    }
    return more < 0 ? -1 : layout(r);
}

static int read_nodes(reader *r) {
    snapshot *s = r->s;
    if (!r->have_header) return json_fail(&r->j, "\"nodes\" comes before \"snapshot\" (its meta says how to read it)");
    uint64_t total = (uint64_t)s->node_count * r->nf, nvals = 0, edges = 0;
    uint32_t node = 0;
    unsigned f = 0;
    int more = json_open(&r->j, '[', "'[' to open nodes");
    while (more == 1) {
        uint64_t v;
        if (json_uint(&r->j, &v)) return -1;
        if (nvals == total)
            return json_fail(&r->j, "nodes holds more than node_count (%u) x %u fields values", s->node_count, r->nf);
        switch (r->nrole[f]) {
        case R_TYPE:
            if (v >= s->n_node_types) return json_fail(&r->j, "node %u: type %llu is not in meta.node_types", node, (unsigned long long)v);
            s->node_type[node] = (uint8_t)v;
            break;
        case R_NAME:
            if (v > UINT32_MAX) return json_fail(&r->j, "node %u: name %llu is no string index", node, (unsigned long long)v);
            s->node_name[node] = (uint32_t)v;
            break;
        case R_ID: s->node_id[node] = v; break;
        case R_SELF: s->node_self[node] = v; break;
        case R_EDGE_COUNT:
            s->first_edge[node] = (uint32_t)edges;
            edges += v;
            if (edges > s->edge_count)
                return json_fail(&r->j, "the nodes' edge counts add up to more than edge_count (%u)", s->edge_count);
            break;
        case R_DETACHED: s->node_detached[node] = v <= 2 ? (uint8_t)v : 0; break;
        }
        nvals++;
        if (++f == r->nf) f = 0, node++;
        more = json_next(&r->j, ']');
    }
    if (more < 0) return -1;
    if (nvals != total)
        return json_fail(&r->j, "nodes holds %llu values; node_count %u x %u fields is %llu", (unsigned long long)nvals,
                         s->node_count, r->nf, (unsigned long long)total);
    if (edges != s->edge_count)
        return json_fail(&r->j, "the nodes' edge counts add up to %llu, edge_count is %u", (unsigned long long)edges, s->edge_count);
    s->first_edge[s->node_count] = (uint32_t)edges;
    r->have_nodes = true;
    return 0;
}

static int read_edges(reader *r) {
    snapshot *s = r->s;
    if (!r->have_header) return json_fail(&r->j, "\"edges\" comes before \"snapshot\" (its meta says how to read it)");
    uint64_t total = (uint64_t)s->edge_count * r->ef, nvals = 0;
    uint32_t edge = 0;
    unsigned f = 0;
    int more = json_open(&r->j, '[', "'[' to open edges");
    while (more == 1) {
        uint64_t v;
        if (json_uint(&r->j, &v)) return -1;
        if (nvals == total)
            return json_fail(&r->j, "edges holds more than edge_count (%u) x %u fields values", s->edge_count, r->ef);
        switch (r->erole[f]) {
        case R_TYPE:
            if (v >= s->n_edge_types) return json_fail(&r->j, "edge %u: type %llu is not in meta.edge_types", edge, (unsigned long long)v);
            s->edge_type[edge] = (uint8_t)v;
            break;
        case R_NAME:
            if (v > UINT32_MAX) return json_fail(&r->j, "edge %u: name_or_index %llu is too large", edge, (unsigned long long)v);
            s->edge_name[edge] = (uint32_t)v;
            break;
        case R_TO:
            if (v % r->nf || v / r->nf >= s->node_count)
                return json_fail(&r->j, "edge %u: to_node %llu is not a node's position (a multiple of %u below %llu)", edge,
                                 (unsigned long long)v, r->nf, (unsigned long long)s->node_count * r->nf);
            s->edge_to[edge] = (uint32_t)(v / r->nf);
            break;
        }
        nvals++;
        if (++f == r->ef) f = 0, edge++;
        more = json_next(&r->j, ']');
    }
    if (more < 0) return -1;
    if (nvals != total)
        return json_fail(&r->j, "edges holds %llu values; edge_count %u x %u fields is %llu", (unsigned long long)nvals,
                         s->edge_count, r->ef, (unsigned long long)total);
    r->have_edges = true;
    return 0;
}

static int read_strings(reader *r) {
    snapshot *s = r->s;
    jbuf text = {0};
    size_t cap = 0, n = 0;
    uint64_t *off = NULL;
    int more = json_open(&r->j, '[', "'[' to open strings");
    while (more == 1) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            uint64_t *no = realloc(off, cap * sizeof *no);
            if (!no) {
                more = json_fail(&r->j, "out of memory for the strings");
                break;
            }
            off = no;
        }
        off[n++] = text.len;
        if (json_string(&r->j, &text)) {
            more = -1;
            break;
        }
        more = json_next(&r->j, ']');
    }
    if (more < 0 || n >= UINT32_MAX) {
        free(text.p);
        free(off);
        return more < 0 ? -1 : json_fail(&r->j, "more strings than gclab can index");
    }
    s->strings = text.p ? text.p : calloc(1, 1);
    s->string_off = off;
    s->string_count = (uint32_t)n;
    r->have_strings = true;
    return 0;
}

/* Every name that must be a string is one, now that the strings are known. */
static int check_names(reader *r) {
    snapshot *s = r->s;
    for (uint32_t i = 0; i < s->node_count; i++)
        if (s->node_name[i] >= s->string_count)
            return json_fail(&r->j, "node %u (id %llu): name %u is beyond the %u strings", i, (unsigned long long)s->node_id[i],
                             s->node_name[i], s->string_count);
    for (uint32_t e = 0; e < s->edge_count; e++)
        if (snap_edge_named(s, e) && s->edge_name[e] >= s->string_count)
            return json_fail(&r->j, "edge %u: name %u is beyond the %u strings", e, s->edge_name[e], s->string_count);
    return 0;
}

static int read_all(reader *r) {
    int more = json_open(&r->j, '{', "'{' to open the snapshot");
    while (more == 1) {
        r->key.len = 0;
        if (json_string(&r->j, &r->key) || json_expect(&r->j, ':', "':' after a key")) return -1;
        const char *k = r->key.p;
        int rc;
        if (!strcmp(k, "snapshot")) rc = read_header(r);
        else if (!strcmp(k, "nodes")) rc = read_nodes(r);
        else if (!strcmp(k, "edges")) rc = read_edges(r);
        else if (!strcmp(k, "strings") && !r->have_strings) rc = read_strings(r);
        else rc = json_skip(&r->j);
        if (rc) return -1;
        more = json_next(&r->j, '}');
    }
    if (more < 0) return -1;
    if (json_peek(&r->j) != -1) return json_fail(&r->j, "text after the snapshot's closing '}'");
    if (r->j.failed) return -1;
    const char *missing = !r->have_header ? "\"snapshot\"" : !r->have_nodes ? "\"nodes\"" : !r->have_edges ? "\"edges\""
                          : !r->have_strings ? "\"strings\"" : NULL;
    if (missing) return json_fail(&r->j, "no %s in the file", missing);
    return check_names(r);
}

int snap_read(FILE *f, const char *name, snapshot *s, char *err, size_t errlen) {
    memset(s, 0, sizeof *s);
    reader r = {.s = s};
    if (json_init(&r.j, f, name, err, errlen)) return -1;
    int rc = read_all(&r);
    json_done(&r.j);
    free(r.key.p);
    strlist_free(&r.node_fields);
    strlist_free(&r.edge_fields);
    for (unsigned i = 0; i < r.n_node_types_entries; i++) strlist_free(&r.node_types[i]);
    for (unsigned i = 0; i < r.n_edge_types_entries; i++) strlist_free(&r.edge_types[i]);
    free(r.node_types);
    free(r.edge_types);
    if (rc) snap_free(s);
    return rc;
}

int snap_read_path(const char *path, snapshot *s, char *err, size_t errlen) {
    bool in = !strcmp(path, "-");
    FILE *f = in ? stdin : fopen(path, "rb");
    if (!f) {
        memset(s, 0, sizeof *s);
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    int rc = snap_read(f, in ? "stdin" : path, s, err, errlen);
    if (!in) fclose(f);
    return rc;
}

void snap_free(snapshot *s) {
    free(s->node_type);
    free(s->node_name);
    free(s->node_id);
    free(s->node_self);
    free(s->node_detached);
    free(s->first_edge);
    free(s->edge_type);
    free(s->edge_name);
    free(s->edge_to);
    free(s->strings);
    free(s->string_off);
    free(s->first_retainer);
    free(s->retainer_edge);
    free(s->retainer_node);
    for (unsigned i = 0; i < SNAP_MAX_TYPES; i++) free(s->node_type_name[i]), free(s->edge_type_name[i]);
    memset(s, 0, sizeof *s);
}

int snap_build_retainers(snapshot *s) {
    uint32_t n = s->node_count, e = s->edge_count;
    s->first_retainer = calloc((size_t)n + 1, sizeof *s->first_retainer);
    s->retainer_edge = malloc((e ? e : 1) * sizeof *s->retainer_edge);
    s->retainer_node = malloc((e ? e : 1) * sizeof *s->retainer_node);
    if (!s->first_retainer || !s->retainer_edge || !s->retainer_node) return -1;
    /* A counting sort by target, keeping the edges' file order within each target (DevTools' order). */
    for (uint32_t i = 0; i < e; i++) s->first_retainer[s->edge_to[i] + 1]++;
    for (uint32_t i = 0; i < n; i++) s->first_retainer[i + 1] += s->first_retainer[i];
    for (uint32_t v = 0; v < n; v++)
        for (uint32_t i = s->first_edge[v]; i < s->first_edge[v + 1]; i++) {
            uint32_t at = s->first_retainer[s->edge_to[i]]++;
            s->retainer_edge[at] = i;
            s->retainer_node[at] = v;
        }
    for (uint32_t i = n; i > 0; i--) s->first_retainer[i] = s->first_retainer[i - 1];
    s->first_retainer[0] = 0;
    return 0;
}

uint32_t snap_find_id(const snapshot *s, uint64_t id) {
    for (uint32_t i = 0; i < s->node_count; i++)
        if (s->node_id[i] == id) return i;
    return UINT32_MAX;
}
