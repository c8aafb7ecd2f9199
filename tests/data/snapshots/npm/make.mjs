#!/usr/bin/env node
// Writes the Node-made test snapshots that tools/snapshot-check is checked against (tests/areas/
// 66-snapshot-consumers.sh), with V8's own writer (v8.writeHeapSnapshot), of small programs whose
// structure is known (expected.json says what each must hold):
//   structure.heapsnapshot      a complete binary tree of 1023 TreeNode (each with a 16-element
//                               Array payload), 500 Leaf in an Array, 100 Entry values in a Map,
//                               a WeakRef to a WeakLeaf (collected: the snapshot is written in a later
//                               task, when V8 no longer keeps WeakRef targets of the current job)
//   leak-{baseline,target,final}.heapsnapshot    the leak: the action makes 200 LeakedThing (kept in a
//                               module-level cache that is never cleared) and 200 SessionThing (dropped
//                               when the action is undone)
//   fixed-{baseline,target,final}.heapsnapshot   the same with the cache cleared on undo: no leak
// Usage: node make.mjs OUTDIR. Each program runs in its own node process, so the snapshots hold that
// program and Node's own start-up heap (some 4 MB each: too big to commit, so make test writes them).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

const out = resolve(process.argv[2] || '.');
mkdirSync(out, { recursive: true });

const structure = `
const v8 = require('v8');
class TreeNode { constructor(l, r) { this.left = l; this.right = r; this.payload = new Array(16).fill(0); } }
class Leaf { constructor(i) { this.i = i; } }
class WeakLeaf { constructor(i) { this.i = i; } }
class Entry { constructor(k) { this.key = k; this.value = null; } }
function tree(d) { return d === 0 ? new TreeNode(null, null) : new TreeNode(tree(d - 1), tree(d - 1)); }
globalThis.root = tree(9);                                  // 2^10 - 1 = 1023 TreeNode
globalThis.leaves = Array.from({ length: 500 }, (_, i) => new Leaf(i));
globalThis.map = new Map(); for (let i = 0; i < 100; i++) globalThis.map.set('k' + i, new Entry(i));
globalThis.weak = new WeakRef(new WeakLeaf(-1));            // only weakly held
setTimeout(() => v8.writeHeapSnapshot(process.argv[1] + '/structure.heapsnapshot'), 0);
`;

const leak = (fixed) => `
const v8 = require('v8');
const dir = process.argv[1], tag = ${fixed ? "'fixed'" : "'leak'"};
class LeakedThing { constructor(i) { this.id = i; this.data = new Array(32).fill(i); } }
class SessionThing { constructor(i) { this.id = i; this.buf = new Array(32).fill(i); } }
const cache = [];                    // module-level: lives as long as the program
let session = null;
function action() {                  // what memlab's target step does: open a session
    session = [];
    for (let i = 0; i < 200; i++) { session.push(new SessionThing(i)); cache.push(new LeakedThing(i)); }
}
function undo() {                    // what its final step does: close it again
    session = null;
    ${fixed ? 'cache.length = 0;     // the fix: the cache goes with the session' : '// the bug: the cache is never cleared'}
}
globalThis.keep = () => [cache, session];
v8.writeHeapSnapshot(dir + '/' + tag + '-baseline.heapsnapshot');
action();
v8.writeHeapSnapshot(dir + '/' + tag + '-target.heapsnapshot');
undo();
v8.writeHeapSnapshot(dir + '/' + tag + '-final.heapsnapshot');
`;

for (const src of [structure, leak(false), leak(true)])
    execFileSync(process.execPath, ['-e', src, out], { stdio: 'inherit' });
