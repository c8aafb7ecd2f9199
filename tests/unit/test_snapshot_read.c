/* test_snapshot_read: the heap snapshot reader and what gclab computes on snapshots (harness/snapshot_*.c),
 * on graphs made by hand: the parser (fields found by name in any order, string escapes, every kind of
 * malformed input refused with one message), dominators and retained sizes (a diamond, a cycle, weak
 * edges, a node held only weakly, a shortcut, a WeakMap entry's two edges), a class's retained size
 * without double counting, DevTools' shallow sizes, retainer paths and the Comparison. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../harness/snapshot.h"
#include "check.h"

typedef struct tnode {
    const char *type, *name;
    unsigned id, self;
} tnode;
typedef struct tedge {
    unsigned from;
    const char *type, *name;   /* name NULL: an element/hidden index */
    unsigned index, to;
} tedge;

static const char *node_types[] = {"hidden", "array", "string", "object", "code", "closure", "regexp", "number",
                                   "native", "synthetic", "concatenated string", "sliced string"};
static const char *edge_types[] = {"context", "element", "property", "internal", "hidden", "shortcut", "weak"};

static unsigned index_of(const char *const *v, unsigned n, const char *s) {
    for (unsigned i = 0; i < n; i++)
        if (!strcmp(v[i], s)) return i;
    fprintf(stderr, "test bug: no type %s\n", s);
    exit(1);
}

/* The strings of a graph: every distinct name, in order of first use. */
static unsigned str_index(const char **strs, unsigned *n, const char *s) {
    for (unsigned i = 0; i < *n; i++)
        if (!strcmp(strs[i], s)) return i;
    strs[*n] = s;
    return (*n)++;
}

/* V8's JSON for a graph; node i's position in to_node is i * 7; node 0 is the root. */
static char *to_json(const tnode *nodes, unsigned nn, const tedge *edges, unsigned ne) {
    char *buf;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    const char *strs[256];
    unsigned ns = 0;
    fprintf(f, "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\",\"trace_node_id\","
               "\"detachedness\"],\"node_types\":[[");
    for (unsigned i = 0; i < sizeof node_types / sizeof *node_types; i++) fprintf(f, "%s\"%s\"", i ? "," : "", node_types[i]);
    fprintf(f, "],\"string\",\"number\",\"number\",\"number\",\"number\",\"number\"],\"edge_fields\":[\"type\",\"name_or_index\","
               "\"to_node\"],\"edge_types\":[[");
    for (unsigned i = 0; i < sizeof edge_types / sizeof *edge_types; i++) fprintf(f, "%s\"%s\"", i ? "," : "", edge_types[i]);
    fprintf(f, "],\"string_or_number\",\"node\"]},\"node_count\":%u,\"edge_count\":%u,\"trace_function_count\":0},\n\"nodes\":[", nn, ne);
    for (unsigned i = 0; i < nn; i++) {
        unsigned count = 0;
        for (unsigned k = 0; k < ne; k++) count += edges[k].from == i;
        fprintf(f, "%s%u,%u,%u,%u,%u,0,0", i ? ",\n" : "", index_of(node_types, 12, nodes[i].type), str_index(strs, &ns, nodes[i].name),
                nodes[i].id, nodes[i].self, count);
    }
    fprintf(f, "],\n\"edges\":[");
    bool first = true;
    for (unsigned i = 0; i < nn; i++)
        for (unsigned k = 0; k < ne; k++) {
            if (edges[k].from != i) continue;
            unsigned name = edges[k].name ? str_index(strs, &ns, edges[k].name) : edges[k].index;
            fprintf(f, "%s%u,%u,%u", first ? "" : ",\n", index_of(edge_types, 7, edges[k].type), name, edges[k].to * 7);
            first = false;
        }
    fprintf(f, "],\n\"strings\":[");
    for (unsigned i = 0; i < ns; i++) fprintf(f, "%s\"%s\"", i ? "," : "", strs[i]);
    fprintf(f, "]}\n");
    fclose(f);
    return buf;
}

static int read_text(const char *text, snapshot *s, char *err, size_t errlen) {
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    int rc = snap_read(f, "test", s, err, errlen);
    fclose(f);
    return rc;
}

/* Reads a graph made by hand and computes its dominators; exits on failure (the test cannot go on). */
static void load(const tnode *nodes, unsigned nn, const tedge *edges, unsigned ne, snapshot *s, snap_dom *d) {
    char *json = to_json(nodes, nn, edges, ne), err[256];
    if (read_text(json, s, err, sizeof err) || snap_build_retainers(s) || snap_shallow_sizes(s) ||
        snap_dominators(s, d, err, sizeof err)) {
        printf("FAIL - a hand-made graph does not load: %s\n", err);
        exit(1);
    }
    free(json);
}

static uint32_t ord(const snapshot *s, unsigned id) { return snap_find_id(s, id); }

static void test_parser(void) {
    /* Fields in another order, an unknown node field, no detachedness, root_index, escapes. */
    const char *text =
        "{\"snapshot\":{\"node_count\":3,\"edge_count\":2,\"root_index\":0,\"title\":\"x\",\"meta\":{"
        "\"edge_fields\":[\"to_node\",\"type\",\"name_or_index\"],\"edge_types\":[\"node\",[\"weak\",\"property\",\"element\"],\"x\"],"
        "\"node_fields\":[\"extra\",\"self_size\",\"edge_count\",\"id\",\"type\",\"name\"],"
        "\"node_types\":[\"number\",\"number\",\"number\",\"number\",[\"synthetic\",\"object\"],\"string\"]}},\n"
        "\"nodes\":[9,0,2,1,0,0, 9,16,0,3,1,1, 9,24,0,5,1,2],\n"
        "\"edges\":[6,1,3, 12,2,7],\n"
        "\"trace_tree\":[[[[[1,[2,{\"a\":[]}]]]]]],\"samples\":[],\n"
        "\"strings\":[\"\",\"caf\\u00e9 \\\"q\\\"\\n\",\"\\ud83d\\ude00\",\"p\"]}";
    snapshot s;
    char err[256] = "";
    int rc = read_text(text, &s, err, sizeof err);
    CHECK(rc == 0, "parser: fields found by name in any order, unknown ones skipped", "%s", err);
    if (rc) return;
    CHECK_U64("parser: node count", s.node_count, 3);
    CHECK_U64("parser: edge count", s.edge_count, 2);
    CHECK_U64("parser: node 1's id", s.node_id[1], 3);
    CHECK_U64("parser: node 2's self size", s.node_self[2], 24);
    CHECK(!strcmp(s.node_type_name[s.node_type[1]], "object"), "parser: node type by name", "%s", s.node_type_name[s.node_type[1]]);
    CHECK(!strcmp(snap_str(&s, s.node_name[1]), "caf\xc3\xa9 \"q\"\n"), "parser: escapes decoded", "'%s'", snap_str(&s, s.node_name[1]));
    CHECK(!strcmp(snap_str(&s, s.node_name[2]), "\xf0\x9f\x98\x80"), "parser: a surrogate pair is one code point", "'%s'",
          snap_str(&s, s.node_name[2]));
    CHECK(s.edge_to[0] == 1 && s.edge_to[1] == 2, "parser: to_node divided by the field count", "%u %u", s.edge_to[0], s.edge_to[1]);
    CHECK(snap_ekind(&s, 1) == SNAP_E_ELEMENT && s.edge_name[1] == 7, "parser: an element edge keeps its index", "kind %u name %u",
          snap_ekind(&s, 1), s.edge_name[1]);
    CHECK(snap_ekind(&s, 0) == SNAP_E_PROPERTY && !strcmp(snap_str(&s, s.edge_name[0]), "p"), "parser: a property edge's name", "%u",
          s.edge_name[0]);
    snap_free(&s);

    /* Every malformed input is refused with a message that says what is wrong. */
    static const struct { const char *name, *text, *want; } bad[] = {
        {"empty input", "", "expected '{'"},
        {"truncated", "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\"", "expected ',' or ']', found the end of the file"},
        {"not JSON", "{\"snapshot\" 3}", "expected ':'"},
        {"no meta", "{\"snapshot\":{\"node_count\":1,\"edge_count\":0},\"nodes\":[],\"edges\":[],\"strings\":[]}", "no meta"},
        {"nodes before snapshot", "{\"nodes\":[1]}", "comes before \"snapshot\""},
        {"negative number",
         "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\"],\"node_types\":[[\"object\"]],"
         "\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],\"edge_types\":[[\"property\"]]},\"node_count\":1,\"edge_count\":0},"
         "\"nodes\":[0,0,1,-4,0],\"edges\":[],\"strings\":[\"\"]}",
         "negative"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        rc = read_text(bad[i].text, &s, err, sizeof err);
        char name[128];
        snprintf(name, sizeof name, "parser refuses %s", bad[i].name);
        CHECK(rc == -1 && strstr(err, bad[i].want), name, "rc %d, message '%s'", rc, err);
    }
    /* Inconsistent graphs: made by hand, then broken one way each. */
    tnode nodes[] = {{"synthetic", "", 1, 0}, {"object", "A", 3, 10}};
    tedge edges[] = {{0, "property", "a", 0, 1}};
    char *good = to_json(nodes, 2, edges, 1);
    static const struct { const char *name, *from, *to, *want; } breaks[] = {
        {"an edge to no node", "\"edges\":[2,2,7]", "\"edges\":[2,2,8]", "is not a node's position"},
        {"an edge beyond the nodes", "\"edges\":[2,2,7]", "\"edges\":[2,2,14]", "is not a node's position"},
        {"a name beyond the strings", "\"edges\":[2,2,7]", "\"edges\":[2,9,7]", "beyond the"},
        {"wrong node_count", "\"node_count\":2", "\"node_count\":3", "nodes holds 14 values"},
        {"edge counts that do not add up", "\"edge_count\":1", "\"edge_count\":2", "edge counts add up to 1"},
        {"an unknown node type", "\"nodes\":[9,", "\"nodes\":[99,", "not in meta.node_types"},
        {"no strings", ",\n\"strings\":[\"\",\"A\",\"a\"]", "", "no \"strings\""},
        {"a fraction", "\"nodes\":[9,0,1,0", "\"nodes\":[9,0,1.5,0", "fraction"},
        {"text after the end", "]}\n", "]}\n}", "after the snapshot"},
    };
    for (size_t i = 0; i < sizeof breaks / sizeof breaks[0]; i++) {
        char text2[4096];
        const char *at = strstr(good, breaks[i].from);
        if (!at) {
            printf("FAIL - test bug: '%s' not in the graph\n", breaks[i].from);
            failed++;
            continue;
        }
        snprintf(text2, sizeof text2, "%.*s%s%s", (int)(at - good), good, breaks[i].to, at + strlen(breaks[i].from));
        err[0] = '\0';
        rc = read_text(text2, &s, err, sizeof err);
        char name[128];
        snprintf(name, sizeof name, "parser refuses %s", breaks[i].name);
        CHECK(rc == -1 && strstr(err, breaks[i].want), name, "rc %d, message '%s'", rc, err);
    }
    free(good);
}

static void test_dominators(void) {
    snapshot s;
    snap_dom d;
    /* A diamond: A -> B, A -> C, B -> D, C -> D; D is dominated by A, not by B or C. */
    tnode dn[] = {{"synthetic", "", 1, 0}, {"object", "A", 3, 10}, {"object", "B", 5, 20}, {"object", "C", 7, 30}, {"object", "D", 9, 40}};
    tedge de[] = {{0, "property", "a", 0, 1}, {1, "property", "b", 0, 2}, {1, "property", "c", 0, 3}, {2, "property", "d", 0, 4},
                  {3, "property", "d", 0, 4}};
    load(dn, 5, de, 5, &s, &d);
    CHECK_U64("diamond: D's dominator is A", d.idom[ord(&s, 9)], ord(&s, 3));
    CHECK_U64("diamond: A retains all four", d.retained[ord(&s, 3)], 100);
    CHECK_U64("diamond: B retains only itself", d.retained[ord(&s, 5)], 20);
    CHECK_U64("diamond: the root retains everything", d.retained[s.root], 100);
    snap_dom_free(&d);
    snap_free(&s);

    /* A cycle held from outside: X <-> Y, root -> X. X retains Y; Y does not retain X. */
    tnode cn[] = {{"synthetic", "", 1, 0}, {"object", "X", 3, 8}, {"object", "Y", 5, 16}};
    tedge ce[] = {{0, "property", "x", 0, 1}, {1, "property", "y", 0, 2}, {2, "property", "x", 0, 1}};
    load(cn, 3, ce, 3, &s, &d);
    CHECK_U64("cycle: Y's dominator is X", d.idom[ord(&s, 5)], ord(&s, 3));
    CHECK_U64("cycle: X retains the cycle", d.retained[ord(&s, 3)], 24);
    CHECK_U64("cycle: Y retains itself", d.retained[ord(&s, 5)], 16);
    snap_dom_free(&d);
    snap_free(&s);

    /* Weak edges: P -> R strongly, Q -> R weakly: R is P's alone. W is held only weakly (by the root):
     * DevTools puts it under the root and counts it unreachable. A shortcut Q -> R does not count either. */
    tnode wn[] = {{"synthetic", "", 1, 0}, {"object", "P", 3, 1}, {"object", "Q", 5, 2}, {"object", "R", 7, 100}, {"object", "W", 9, 50}};
    tedge we[] = {{0, "property", "p", 0, 1}, {0, "property", "q", 0, 2}, {1, "property", "r", 0, 3}, {2, "weak", "r", 0, 3},
                  {2, "shortcut", "r", 0, 3}, {0, "weak", "w", 0, 4}};
    load(wn, 5, we, 6, &s, &d);
    CHECK_U64("weak: R's dominator is P, not the root", d.idom[ord(&s, 7)], ord(&s, 3));
    CHECK_U64("weak: P retains R", d.retained[ord(&s, 3)], 101);
    CHECK_U64("weak: Q retains only itself", d.retained[ord(&s, 5)], 2);
    CHECK_U64("weak: a weakly held node is under the root", d.idom[ord(&s, 9)], s.root);
    CHECK_U64("weak: and counted unreachable", d.unreachable, 1);
    snap_dom_free(&d);
    snap_free(&s);

    /* A WeakMap entry: the value V has an edge from the table T and one from the key K, named as V8 names
     * them; the table's does not count, so V hangs under K (DevTools' rule). */
    tnode mn[] = {{"synthetic", "", 1, 0}, {"object", "WeakMap", 3, 8}, {"array", "", 7, 16}, {"object", "Key", 5, 4},
                  {"object", "Value", 9, 64}};
    const char *entry = "1 / part of key (Key @5) -> value (Value @9) pair in WeakMap (table @7)";
    tedge me[] = {{0, "property", "map", 0, 1}, {0, "property", "key", 0, 3}, {1, "internal", "table", 0, 2},
                  {2, "internal", entry, 0, 4}, {3, "internal", entry, 0, 4}};
    load(mn, 5, me, 5, &s, &d);
    CHECK_U64("weakmap: the value's dominator is its key", d.idom[ord(&s, 9)], ord(&s, 5));
    CHECK_U64("weakmap: the key retains the value", d.retained[ord(&s, 5)], 68);
    snap_dom_free(&d);
    snap_free(&s);
}

static void test_classes(void) {
    snapshot s;
    snap_dom d;
    /* A list L1 -> L2 -> L3 of one class and a string: the class retains L1's subtree once, not L1 + L2 + L3. */
    tnode ln[] = {{"synthetic", "", 1, 0}, {"object", "List", 3, 10}, {"object", "List", 5, 10}, {"object", "List", 7, 10},
                  {"string", "hello", 9, 24}, {"synthetic", "(GC roots)", 11, 0}};
    tedge le[] = {{0, "element", NULL, 1, 5}, {5, "element", NULL, 0, 1}, {1, "property", "next", 0, 2},
                  {2, "property", "next", 0, 3}, {3, "property", "s", 0, 4}};
    load(ln, 6, le, 5, &s, &d);
    snap_classes t = {0};
    uint32_t cls[6];
    snap_class_row *rows;
    long n = -1;
    if (!snap_node_classes(&s, &t, cls)) n = snap_summary(&s, &d, cls, &t, &rows);
    CHECK(n == 2, "summary: two classes (the synthetic roots have no size)", "%ld rows", n);
    if (n == 2) {
        CHECK(!strcmp(t.name[rows[0].cls], "List") && rows[0].count == 3 && rows[0].shallow == 30, "summary: List, 3, 30 bytes",
              "%s %" PRIu64 " %" PRIu64, t.name[rows[0].cls], rows[0].count, rows[0].shallow);
        CHECK_U64("summary: List's retained size counts L2 and L3 once, inside L1's", rows[0].retained, 54);
        CHECK(!strcmp(t.name[rows[1].cls], "(string)"), "summary: a string node's class is (string)", "%s", t.name[rows[1].cls]);
        free(rows);
    }
    snap_classes_free(&t);
    snap_dom_free(&d);
    snap_free(&s);

    /* DevTools' shallow sizes: with a user root (the root's edge to an object), an array only O reaches is
     * O's; one that O and P share stays its own. */
    tnode on[] = {{"synthetic", "", 1, 0}, {"object", "O", 3, 10}, {"object", "P", 5, 10}, {"array", "", 7, 100},
                  {"array", "", 9, 1000}};
    tedge oe[] = {{0, "shortcut", "o", 0, 1}, {0, "property", "p", 0, 2}, {1, "internal", "elements", 0, 3},
                  {1, "internal", "shared", 0, 4}, {2, "internal", "shared", 0, 4}};
    load(on, 5, oe, 5, &s, &d);
    CHECK_U64("shallow: an array one object owns is counted in it", s.node_self[ord(&s, 3)], 110);
    CHECK_U64("shallow: ... and is 0 itself", s.node_self[ord(&s, 7)], 0);
    CHECK_U64("shallow: a shared array keeps its own size", s.node_self[ord(&s, 9)], 1000);
    snap_dom_free(&d);
    snap_free(&s);
}

static void test_retainers(void) {
    snapshot s;
    snap_dom d;
    /* T is held by A (2 edges from the root), by C (3 edges away) and weakly by W; T points back at A. */
    tnode rn[] = {{"synthetic", "", 1, 0}, {"object", "A", 3, 1}, {"object", "B", 5, 1}, {"object", "C", 7, 1}, {"object", "T", 9, 1},
                  {"object", "W", 11, 1}};
    tedge re[] = {{0, "property", "a", 0, 1}, {0, "property", "b", 0, 2}, {0, "property", "w", 0, 5}, {1, "property", "t", 0, 4},
                  {2, "element", NULL, 4, 3}, {3, "property", "t", 0, 4}, {4, "property", "back", 0, 1}, {5, "weak", "t", 0, 4}};
    load(rn, 6, re, 8, &s, &d);
    snap_path *p;
    uint32_t nret;
    long n = snap_retainer_paths(&s, ord(&s, 9), 5, &p, &nret);
    CHECK(n == 2, "retainers: two paths (the weak edge left out)", "%ld", n);
    CHECK_U64("retainers: two retaining edges counted", nret, 2);
    if (n == 2) {
        CHECK(p[0].len == 2 && s.edge_to[p[0].edge[0]] == ord(&s, 3), "retainers: the shortest first, through A", "len %u", p[0].len);
        CHECK(p[1].len == 3 && s.edge_to[p[1].edge[1]] == ord(&s, 7), "retainers: then through B and C", "len %u", p[1].len);
        char label[64];
        snap_edge_label(&s, p[1].edge[1], label, sizeof label);
        CHECK(!strcmp(label, "[4]"), "retainers: an element edge is written [4]", "%s", label);
        snap_edge_label(&s, p[1].edge[2], label, sizeof label);
        CHECK(!strcmp(label, ".t"), "retainers: a property edge is written .t", "%s", label);
    }
    snap_paths_free(p, n);
    /* A's retainers: the root, and T, which C also holds: a path that goes round through B, C and T. */
    n = snap_retainer_paths(&s, ord(&s, 3), 5, &p, &nret);
    CHECK(n == 2 && p[0].len == 1 && p[1].len == 4, "retainers: A, directly and round through B, C and T", "%ld paths", n);
    snap_paths_free(p, n);
    snap_dom_free(&d);
    snap_free(&s);
    /* X <-> Y, root -> X: Y retains X too, but only through X itself: no path is offered for it. */
    tnode cn[] = {{"synthetic", "", 1, 0}, {"object", "X", 3, 8}, {"object", "Y", 5, 16}};
    tedge ce[] = {{0, "property", "x", 0, 1}, {1, "property", "y", 0, 2}, {2, "property", "x", 0, 1}};
    load(cn, 3, ce, 3, &s, &d);
    n = snap_retainer_paths(&s, ord(&s, 3), 5, &p, &nret);
    CHECK(n == 1 && nret == 2 && p[0].len == 1, "retainers: a cycle back through the node is no path", "%ld paths, %u edges", n, nret);
    snap_paths_free(p, n);
    snap_dom_free(&d);
    snap_free(&s);
}

static void test_diff(void) {
    /* A has X objects 3, 5, 7; B has 5, 7, 9, 11 and a Y 13; 7 changed class to Y in B. */
    tnode an[] = {{"synthetic", "", 1, 0}, {"object", "X", 3, 10}, {"object", "X", 5, 10}, {"object", "X", 7, 10}};
    tnode bn[] = {{"synthetic", "", 1, 0}, {"object", "X", 5, 10}, {"object", "Y", 7, 10}, {"object", "X", 9, 20},
                  {"object", "X", 11, 20}, {"object", "Y", 13, 5}};
    tedge ae[] = {{0, "property", "a", 0, 1}, {0, "property", "b", 0, 2}, {0, "property", "c", 0, 3}};
    tedge be[] = {{0, "property", "a", 0, 1}, {0, "property", "b", 0, 2}, {0, "property", "c", 0, 3}, {0, "property", "d", 0, 4},
                  {0, "property", "e", 0, 5}};
    snapshot sa, sb;
    snap_dom d;
    snap_classes t = {0};
    snap_diff_objects oa, ob;
    load(an, 4, ae, 3, &sa, &d);
    snap_dom_free(&d);
    load(bn, 6, be, 5, &sb, &d);
    snap_dom_free(&d);
    snap_diff_row *rows;
    long n = -1;
    if (!snap_diff_collect(&sa, &t, &oa) && !snap_diff_collect(&sb, &t, &ob)) n = snap_diff(&oa, &ob, &t, &rows);
    CHECK(n == 2, "diff: two classes changed", "%ld", n);
    if (n == 2) {
        const snap_diff_row *x = !strcmp(t.name[rows[0].cls], "X") ? &rows[0] : &rows[1], *y = x == rows ? &rows[1] : &rows[0];
        CHECK(x->added == 2 && x->removed == 2 && x->added_size == 40 && x->removed_size == 20,
              "diff: X has 2 new (9, 11) and 2 deleted (3, and 7 which changed class)", "%" PRIu64 " new, %" PRIu64 " deleted",
              x->added, x->removed);
        CHECK(y->added == 2 && y->removed == 0 && y->added_size == 15, "diff: Y has 2 new (7 and 13)", "%" PRIu64 " new", y->added);
        CHECK(!strcmp(t.name[rows[0].cls], "X"), "diff: sorted by size delta", "%s first", t.name[rows[0].cls]);
        free(rows);
    }
    snap_diff_objects_free(&oa);
    snap_diff_objects_free(&ob);
    snap_classes_free(&t);
    snap_free(&sa);
    snap_free(&sb);
}

int main(void) {
    test_parser();
    test_dominators();
    test_classes();
    test_retainers();
    test_diff();
    printf("test_snapshot_read: %u checks, %u failed\n", checks, failed);
    return failed ? 1 : 0;
}
