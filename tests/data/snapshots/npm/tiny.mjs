#!/usr/bin/env node
// Writes tiny.heapsnapshot (committed beside this script): a nine-node V8 heap snapshot laid out the way
// gclab's writer lays its snapshots out (issue 13: a synthetic root, "(GC roots)", a sub-root, objects
// named by type, property, element and weak edges), small enough that its numbers are worked out by
// hand below; tests/areas/66-snapshot-consumers.sh wants DevTools (heap-snapshot-toolkit) and memlab
// to agree with them and with each other, retained sizes and all.
//
//   root -> (GC roots) -> (Handles) -> A:Holder(32) -left->  B:Thing(16) -next-> E:Thing(16)
//                                   |              -right-> C:Thing(16) -next-> E
//                                   |                                   -w (weak)-> F
//                                   -> D:Holder(32) -0->    C
//                                                   -keep-> F:Thing(8)
// Dominators: A dominates B; C and E are dominated by (Handles) (two paths each); D dominates F.
// Retained: A 48, B 16, C 16, D 40, E 16, F 8. Summary (objects of a class not dominated by another of
// the same class): Holder 2 objects, 64 bytes, retained 88; Thing 4 objects, 56 bytes, retained 56.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const meta = {
    node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
    node_types: [['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native',
        'synthetic', 'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape'],
    'string', 'number', 'number', 'number', 'number', 'number'],
    edge_fields: ['type', 'name_or_index', 'to_node'],
    edge_types: [['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'], 'string_or_number', 'node'],
    trace_function_info_fields: ['function_id', 'name', 'script_name', 'script_id', 'line', 'column'],
    trace_node_fields: ['id', 'function_info_index', 'count', 'size', 'children'],
    sample_fields: ['timestamp_us', 'last_assigned_id'],
    location_fields: ['object_index', 'script_id', 'line', 'column'],
};
const strings = [];
const str = (s) => { let i = strings.indexOf(s); if (i < 0) { i = strings.length; strings.push(s); } return i; };
const T = Object.fromEntries(meta.node_types[0].map((t, i) => [t, i]));
const E = Object.fromEntries(meta.edge_types[0].map((t, i) => [t, i]));
// [type, name, self_size, edges: [edgeType, nameOrIndex, toNodeOrdinal]]
const graph = [
    ['synthetic', '', 0, [['element', 1, 1]]],
    ['synthetic', '(GC roots)', 0, [['element', 1, 2]]],
    ['synthetic', '(Handles)', 0, [['element', 1, 3], ['element', 2, 6]]],
    ['object', 'Holder', 32, [['property', 'left', 4], ['property', 'right', 5]]],   // A
    ['object', 'Thing', 16, [['property', 'next', 7]]],                              // B
    ['object', 'Thing', 16, [['property', 'next', 7], ['weak', 'w', 8]]],            // C
    ['object', 'Holder', 32, [['element', 0, 5], ['property', 'keep', 8]]],         // D
    ['object', 'Thing', 16, []],                                                     // E
    ['object', 'Thing', 8, []],                                                      // F
];
const F = meta.node_fields.length;
const nodes = [], edges = [];
graph.forEach(([type, name, size, es], i) => {
    nodes.push(T[type], str(name), 2 * i + 1, size, es.length, 0, 0);
    for (const [et, n, to] of es) edges.push(E[et], typeof n === 'number' && et === 'element' ? n : str(String(n)), to * F);
});
const snap = {
    snapshot: { meta, node_count: graph.length, edge_count: edges.length / 3, trace_function_count: 0 },
    nodes, edges, trace_function_infos: [], trace_tree: [], samples: [], locations: [], strings,
};
writeFileSync(join(dirname(fileURLToPath(import.meta.url)), 'tiny.heapsnapshot'), JSON.stringify(snap) + '\n');
