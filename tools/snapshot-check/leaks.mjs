#!/usr/bin/env node
// tools/snapshot-check/leaks.mjs BASELINE TARGET FINAL [--trace-all-objects] [--json]
//
// memlab's leak detection on three snapshot files, no browser: what `memlab find-leaks --baseline B
// --target T --final F` does (memlab's API findLeaksBySnapshotFilePaths, the same analysis.checkLeak).
// Objects allocated between baseline and target (ids not in baseline) that are still alive in final
// are candidates; memlab's leak filter keeps those it calls leaks, then clusters their retainer traces.
//   default              memlab's own filter: detached nodes (detachedness 2, "Detached ..."),
//                        unmounted React fibers, objects a memlab tracker tagged
//   --trace-all-objects  memlab's --trace-all-objects=selected-js-objects: every candidate that is an
//                        object node (not "system / ...", not a prototype), whatever its detachedness
//
// Prints, one JSON object with --json (otherwise one line per leaked type, "TYPE COUNT", then the count
// of leak traces):
//   leaks            number of leak clusters memlab reports ("MemLab found N leak(s)")
//   leaked_objects   {name: count} of the objects memlab's filter kept as leaked
//   leaked_types     per cluster, the name of the outermost leaked object on its retainer trace
//   traces           per cluster, the trace as "name (edge)" steps from the root
// Exit 0 whatever it finds; 1 with one line on stderr when memlab cannot load or analyse the files.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const json = args.includes('--json');
const allObjects = args.includes('--trace-all-objects');
const files = args.filter((a) => !a.startsWith('--'));
function die(msg) {
    process.stderr.write(`snapshot-leaks: ${msg}\n`);
    process.exit(1);
}
if (files.length !== 3) {
    process.stderr.write('usage: leaks.mjs BASELINE TARGET FINAL [--trace-all-objects] [--json]\n');
    process.exit(2);
}
for (const f of files) if (!existsSync(f)) die(`${f}: no such file`);

const core = require('@memlab/core');
const { config, analysis, TraceObjectMode } = core;
const { findLeaksBySnapshotFilePaths } = require('@memlab/api');

config.muteConsole = true;
if (allObjects) { // what the CLI's --trace-all-objects=selected-js-objects sets (TraceAllObjectsOption)
    config.oversizeObjectAsLeak = true;
    config.oversizeThreshold = 0;
    config.traceAllObjectsMode = TraceObjectMode.SelectedJSObjects;
}

// Keep the set memlab's leak filter leaves, and the clustered traces, as memlab computes them.
let leakedIds = null, leakedSnapshot = null, clusterPaths = null;
const filterLeakedObjects = analysis.filterLeakedObjects.bind(analysis);
analysis.filterLeakedObjects = (ids, snapshot) => {
    const r = filterLeakedObjects(ids, snapshot);
    leakedIds = ids;
    leakedSnapshot = snapshot;
    return r;
};
const findLeakTraces = analysis.findLeakTraces.bind(analysis);
analysis.findLeakTraces = async (...a) => {
    clusterPaths = await findLeakTraces(...a);
    return clusterPaths;
};

const workDir = mkdtempSync(join(tmpdir(), 'gclab-memlab-'));
// memlab writes progress with process.stdout.write even when muted; keep stdout for the result.
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = () => true;
try {
    await findLeaksBySnapshotFilePaths(files[0], files[1], files[2], { workDir });
} catch (e) {
    process.stdout.write = write;
    die(`memlab find-leaks failed: ${String(e?.message ?? e).split('\n')[0]}`);
} finally {
    process.stdout.write = write;
    rmSync(workDir, { recursive: true, force: true });
}

const leaked = {};
if (leakedIds && leakedSnapshot) {
    for (const id of leakedIds.values ? leakedIds.values() : leakedIds) {
        const node = leakedSnapshot.getNodeById(id);
        if (node) leaked[node.name] = (leaked[node.name] ?? 0) + 1;
    }
}
const traces = [], types = [];
for (const p of clusterPaths ?? []) {
    const steps = [];
    let type = null;
    for (let it = p; it; it = it.next) {
        if (!it.node) continue;
        steps.push(it.edge ? `${it.edge.name_or_index} (${it.edge.type}) -> ${it.node.name}` : it.node.name);
        if (type === null && leakedIds?.has(it.node.id)) type = it.node.name;
    }
    traces.push(steps);
    types.push(type);
}
const result = {
    tool: 'memlab ' + require('@memlab/core/package.json').version,
    mode: allObjects ? 'trace-all-objects=selected-js-objects' : 'default',
    leaks: traces.length,
    leaked_objects: Object.fromEntries(Object.entries(leaked).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))),
    leaked_types: types,
    traces,
};
if (json) {
    write(JSON.stringify(result, null, 1) + '\n');
} else {
    for (const [name, n] of Object.entries(result.leaked_objects)) write(`${name}\t${n}\n`);
    write(`${result.leaks} leak(s)${types.length ? ': ' + types.join(', ') : ''}\n`);
}
