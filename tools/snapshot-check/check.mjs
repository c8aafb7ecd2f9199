#!/usr/bin/env node
// tools/snapshot-check/check.mjs FILE [--json] [--retained=all|none|CLASS,CLASS...]
//
// Loads a V8 .heapsnapshot with two real consumers and prints what they make of it:
//   devtools: Chrome DevTools' own heap snapshot worker code (heap-snapshot-toolkit, which is DevTools'
//             front_end/entrypoints/heap_snapshot_worker built for Node): node and edge counts, total
//             self size, the root's retained size, and the Summary view ("All objects"): per class
//             count, shallow size and retained size.
//   memlab:   memlab's heap parser (getFullHeapFromFile: nodes, edges, dominators, retained sizes): the
//             same counts, and the same per class numbers computed from memlab's dominator tree.
//
// Classes are what DevTools' Summary lists: an object or native node's class is its name (constructor
// or registered type name); hidden nodes are "(system)", code "(compiled code)", closures "Function",
// regexps "RegExp", any other type "(type)". Like the Summary, nodes of self size 0 are left out.
// DevTools gives plain "Object"s found by property sets names like "{a, b}" and splits a class by
// source location when nodes have one; the output merges location groups back by name, and the
// memlab-vs-DevTools comparison folds "{...}" classes into "Object", and compares "Detached X" as X:
// both prefix "Detached " to native nodes of detachedness 2, but DevTools also propagates the state to
// native nodes they reach by strong edges and memlab 2.0.5 does not (seen on Node's own snapshots:
// DevTools "Detached Node / AliasedUint8Array", memlab "Node / AliasedUint8Array"). gclab's nodes are
// objects, which neither tool propagates through.
// A class's retained size is DevTools': the sum of the retained sizes of the class's objects that are
// not dominated by another object of the same class (HeapSnapshot.calculateClassesRetainedSize).
//
// Consistency (exit 1 with one line on stderr when it fails): both tools load the file; node count,
// edge count and total self size agree; every class has the same count and shallow size in both; the
// root's retained size and every class's retained size agree. --retained=none reports retained sizes
// without comparing them, --retained=A,B compares only those classes': on V8's own snapshots the two
// tools' dominator trees differ, as memlab builds its tree only over the edges it calls meaningful
// (Utils.isMeaningfulEdge: no code edges, no sloppy_function_map, none to the native context, ...)
// while DevTools takes every strong edge with its own rules for shortcut and WeakMap edges.
//
// Output: --json prints one JSON object {file, devtools:{...}, memlab:{...}}, classes sorted by name,
// sizes in bytes; without it, one line of totals and a table of classes (DevTools' numbers).
import { createReadStream, existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const json = args.includes('--json');
const retainedArg = (args.find((a) => a.startsWith('--retained=')) ?? '--retained=all').slice(11);
const retainedCheck = retainedArg !== 'none';
const retainedOnly = retainedArg === 'all' || retainedArg === 'none' ? null : new Set(retainedArg.split(','));
const file = args.find((a) => !a.startsWith('--'));

function die(msg) {
    process.stderr.write(`snapshot-check: ${file ?? ''}: ${msg}\n`);
    process.exit(1);
}
if (retainedOnly) for (const c of retainedOnly) if (!c) die('empty class name in --retained');
if (!file) {
    process.stderr.write('usage: check.mjs FILE [--json] [--retained=all|none|CLASS,...]\n');
    process.exit(2);
}
if (!existsSync(file)) die('no such file');

function sortedObject(map) {
    const out = {};
    for (const k of [...map.keys()].sort()) out[k] = map.get(k);
    return out;
}

// DevTools: DevTools' own worker code, the way DevTools' Summary view asks it.
async function devtools(path) {
    const { parse } = await import('heap-snapshot-toolkit');
    // Keep anything the worker code prints off stdout (the JSON goes there).
    const saved = { warn: console.warn, error: console.error, log: console.log };
    console.warn = console.error = console.log = () => {};
    let snap;
    try {
        snap = await parse(createReadStream(path, 'utf-8'));
    } finally {
        Object.assign(console, saved);
    }
    const nodeCount = snap.nodeCount;
    const edgeCount = snap.containmentEdges.length / snap.edgeFieldsCount;
    let totalSelf = 0;
    const node = snap.rootNode();
    for (let i = 0; i < nodeCount; i++) {
        node.nodeIndex = i * snap.nodeFieldCount;
        totalSelf += node.selfSize();
    }
    const classes = new Map();
    const aggregates = snap.aggregatesWithFilter({});
    for (const key of Object.keys(aggregates)) {
        const a = aggregates[key];
        const c = classes.get(a.name) ?? { count: 0, self_size: 0, retained_size: 0 };
        c.count += a.count;
        c.self_size += a.self;
        c.retained_size += a.maxRet;
        classes.set(a.name, c);
    }
    return {
        tool: 'heap-snapshot-toolkit ' + require('heap-snapshot-toolkit/package.json').version,
        node_count: nodeCount,
        edge_count: edgeCount,
        total_self_size: totalSelf,
        root_retained_size: snap.rootNode().retainedSize(),
        statistics: snap.getStatistics(),
        classes: sortedObject(classes),
    };
}

// DevTools' class of a node (HeapSnapshot.calculateObjectNames), from memlab's view of the node.
function devtoolsClass(type, name) {
    switch (type) {
        case 'hidden': return '(system)';
        case 'object':
        case 'native':
            if (name.startsWith('<') || name.startsWith('Detached <')) {
                const sp = name.indexOf(' ', name.startsWith('<') ? 0 : 10);
                return sp !== -1 ? name.substring(0, sp) + '>' : name;
            }
            return name;
        case 'code': return '(compiled code)';
        case 'closure': return 'Function';
        case 'regexp': return 'RegExp';
        default: return '(' + type + ')';
    }
}

// DevTools' shallow sizes (JSHeapSnapshot.calculateShallowSizes): when the root has an edge to a
// non-synthetic node ("user roots", as V8's root -> global shortcut), every hidden or array node (and
// native "system / ExternalStringData") reached by strong edges from exactly one owning object has its
// self size moved to that owner (not to a synthetic owner or the root). Retained sizes are then
// computed with the moved sizes. Done here on memlab's graph, so both tools' numbers can be compared.
function shallowSizes(heap, n, idx, self) {
    const out = Float64Array.from(self);
    const root = heap.nodes.get(0);
    let userRoots = false;
    root.forEachReference((e) => { if (e.toNode.type !== 'synthetic') userRoots = true; });
    if (!userRoots) return out;
    const UNVISITED = -1, MULTIPLE = -2;
    const owners = new Int32Array(n);
    const work = [];
    heap.nodes.forEach((node, i) => {
        const owned = node.type === 'hidden' || node.type === 'array' ||
            (node.type === 'native' && node.name === 'system / ExternalStringData');
        owners[i] = owned ? UNVISITED : i;
        if (!owned) work.push(i);
    });
    while (work.length) {
        const i = work.pop();
        const owner = owners[i];
        heap.nodes.get(i).forEachReference((e) => {
            if (e.type === 'weak') return;
            const t = idx.get(e.toNode.id);
            const o = owners[t];
            if (o === UNVISITED) { owners[t] = owner; work.push(t); }
            else if (o === t || o === owner || o === MULTIPLE) { /* no change */ }
            else { owners[t] = MULTIPLE; work.push(t); }
        });
    }
    for (let i = 0; i < n; i++) {
        const o = owners[i];
        if (o < 0 || o === i || o === 0 || heap.nodes.get(o).type === 'synthetic') continue;
        out[o] += out[i];
        out[i] = 0;
    }
    return out;
}

async function memlab(path) {
    const { config } = require('@memlab/core');
    config.muteConsole = true;
    const { getFullHeapFromFile } = require('@memlab/heap-analysis');
    const heap = await getFullHeapFromFile(path);
    const n = heap.nodes.length;
    let totalSelf = 0;
    const cls = new Array(n);
    const raw = new Float64Array(n);
    const idx = new Map();
    const domOf = new Int32Array(n).fill(-1);
    heap.nodes.forEach((node, i) => { idx.set(node.id, i); });
    heap.nodes.forEach((node, i) => {
        totalSelf += node.self_size;
        cls[i] = devtoolsClass(node.type, node.name); // memlab's name has DevTools' "Detached " prefix
        raw[i] = node.self_size;
        const d = node.dominatorNode;
        if (d && d.id !== node.id) domOf[i] = idx.get(d.id);
    });
    const root = 0; // the snapshot's first node, as in DevTools
    const rootRetained = heap.nodes.get(root).retainedSize;
    const self = shallowSizes(heap, n, idx, raw);
    // memlab's dominator tree as child lists (a node without a dominator hangs from the root, as DevTools
    // does with unreachable nodes); retained sizes summed up it with DevTools' shallow sizes.
    const children = new Array(n);
    for (let i = 0; i < n; i++) {
        if (i === root) continue;
        const d = domOf[i] >= 0 ? domOf[i] : root;
        (children[d] ??= []).push(i);
    }
    const order = [];
    const ret = Float64Array.from(self);
    for (const st = [root]; st.length;) {
        const i = st.pop();
        order.push(i);
        for (const c of children[i] ?? []) st.push(c);
    }
    if (order.length !== n) throw new Error(`memlab's dominator tree reaches ${order.length} of ${n} nodes`);
    for (let k = n - 1; k > 0; k--) ret[domOf[order[k]] >= 0 ? domOf[order[k]] : root] += ret[order[k]];
    const classes = new Map();
    for (let i = 0; i < n; i++) {
        if (!self[i]) continue;
        const c = classes.get(cls[i]) ?? { count: 0, self_size: 0, retained_size: 0 };
        c.count++;
        c.self_size += self[i];
        classes.set(cls[i], c);
    }
    // A class's retained size: its outermost objects in the dominator tree (DevTools' Summary rule).
    const open = new Map();
    for (const st = [[root, false]]; st.length;) {
        const [i, leaving] = st.pop();
        if (leaving) { open.set(cls[i], false); continue; }
        if (self[i] && !open.get(cls[i])) {
            classes.get(cls[i]).retained_size += ret[i];
            open.set(cls[i], true);
            st.push([i, true]);
        }
        for (const c of children[i] ?? []) st.push([c, false]);
    }
    return {
        tool: 'memlab ' + require('@memlab/core/package.json').version,
        node_count: n,
        edge_count: heap.edges.length,
        total_self_size: totalSelf,
        root_retained_size: rootRetained,
        classes: sortedObject(classes),
    };
}

function foldInterfaces(classes) {
    const out = new Map();
    for (const [name, c] of Object.entries(classes)) {
        const bare = name.startsWith('Detached ') ? name.slice(9) : name;
        const k = bare.startsWith('{') ? 'Object' : bare;
        const o = out.get(k) ?? { count: 0, self_size: 0, retained_size: 0, folded: 0 };
        o.count += c.count;
        o.self_size += c.self_size;
        o.retained_size += c.retained_size;
        o.folded += k !== name ? 1 : 0;
        out.set(k, o);
    }
    return out;
}

function compare(dt, ml) {
    for (const k of ['node_count', 'edge_count', 'total_self_size']) {
        if (dt[k] !== ml[k]) return `${k}: DevTools ${dt[k]}, memlab ${ml[k]}`;
    }
    if (retainedCheck && !retainedOnly && dt.root_retained_size !== ml.root_retained_size) {
        return `root retained size: DevTools ${dt.root_retained_size}, memlab ${ml.root_retained_size}`;
    }
    const a = foldInterfaces(dt.classes);
    const b = foldInterfaces(ml.classes);
    for (const name of new Set([...a.keys(), ...b.keys()])) {
        const x = a.get(name), y = b.get(name);
        if (!x || !y) return `class ${JSON.stringify(name)}: only in ${x ? 'DevTools' : 'memlab'}`;
        if (x.count !== y.count || x.self_size !== y.self_size) {
            return `class ${JSON.stringify(name)}: DevTools ${x.count} objects ${x.self_size} bytes, memlab ${y.count} objects ${y.self_size} bytes`;
        }
        // "Object" with interface classes folded in: their retained sizes do not add up the same way.
        if (retainedCheck && !x.folded && (!retainedOnly || retainedOnly.has(name)) && x.retained_size !== y.retained_size) {
            return `class ${JSON.stringify(name)}: retained size DevTools ${x.retained_size}, memlab ${y.retained_size}`;
        }
    }
    return null;
}

let dt, ml;
try {
    dt = await devtools(file);
} catch (e) {
    die(`DevTools (heap-snapshot-toolkit) cannot load it: ${String(e?.message ?? e).split('\n')[0]}`);
}
try {
    ml = await memlab(file);
} catch (e) {
    die(`memlab cannot load it: ${String(e?.message ?? e).split('\n')[0]}`);
}
const result = { file, devtools: dt, memlab: ml };
const why = compare(dt, ml);
if (json) {
    process.stdout.write(JSON.stringify(result, null, 1) + '\n');
} else {
    console.log(`${file}: ${dt.node_count} nodes, ${dt.edge_count} edges, self ${dt.total_self_size} bytes, ` +
        `root retains ${dt.root_retained_size} (DevTools; memlab: ${ml.root_retained_size})`);
    console.log(['class', 'count', 'shallow', 'retained'].join('\t'));
    const rows = Object.entries(dt.classes).sort((x, y) => y[1].retained_size - x[1].retained_size);
    for (const [name, c] of rows) console.log([name, c.count, c.self_size, c.retained_size].join('\t'));
}
if (why) die(`DevTools and memlab disagree: ${why}`);
