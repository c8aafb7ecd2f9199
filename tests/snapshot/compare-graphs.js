// compare-graphs.js SNAPSHOT... [--conservative SNAPSHOT...]: the heap snapshots that test_snapshot.c
// writes at the same point of a deterministic program, one per collector, must hold the same graph: per
// type the same object count and total size, and the same multiset of edges (from type, edge type, edge
// name, to type). Node ids and the order of nodes differ between collectors (they follow allocation and
// addresses); the graph does not.
// A conservative collector's snapshot (bdw, after --conservative) may hold more: what libgc retains
// through stale words, each such object reached only through its sub-root "(Conservative roots)". For
// it, the part reachable from node 0 without passing through that sub-root must be the same graph
// exactly, and every node must be reachable from node 0 (an extra is explained by the sub-root, or it
// is a failure). One difference is the collector's own and allowed by name: a FinalizationCell's size
// (each collector's cell keeps its own bookkeeping in its raw bytes).
// Prints the signature's size; exits 1 naming the first difference.
'use strict';
const fs = require('fs');
const CONSERVATIVE = '(Conservative roots)';
function signature(file, conservative) {
  const s = JSON.parse(fs.readFileSync(file, 'utf8'));
  const m = s.snapshot.meta, nf = m.node_fields.length, ef = m.edge_fields.length;
  const nt = m.node_types[0], et = m.edge_types[0];
  const N = s.snapshot.node_count;
  const name = i => s.strings[s.nodes[i * nf + 1]];
  const first = new Array(N + 1);
  first[0] = 0;
  for (let i = 0; i < N; i++) first[i + 1] = first[i] + s.nodes[i * nf + 4];
  // Reachable from node 0; for a conservative snapshot, also without its conservative sub-root.
  const reach = skip => {
    const seen = new Uint8Array(N), stack = [0];
    seen[0] = 1;
    while (stack.length) {
      const i = stack.pop();
      for (let e = first[i]; e < first[i + 1]; e++) {
        const to = s.edges[e * ef + 2] / nf;
        if (!seen[to] && !(skip && name(to) === CONSERVATIVE)) seen[to] = 1, stack.push(to);
      }
    }
    return seen;
  };
  if (conservative) {
    const all = reach(false);
    for (let i = 0; i < N; i++) if (!all[i]) {
      console.log(`FAIL ${file}: node ${i} (${name(i)}) is reachable from no root, not even ${CONSERVATIVE}`);
      process.exit(1);
    }
  }
  const kept = conservative ? reach(true) : new Uint8Array(N).fill(1);
  const count = new Map(), edges = new Map();
  let extras = 0;
  for (let i = 0; i < N; i++) {
    if (!kept[i]) { extras++; continue; }
    const from = nt[s.nodes[i * nf]] === 'synthetic' ? name(i).replace(/thread \d+/, 'thread') : name(i);
    if (nt[s.nodes[i * nf]] !== 'synthetic') {
      const c = count.get(from) || [0, 0];
      c[0]++, c[1] += s.nodes[i * nf + 3];
      count.set(from, c);
    }
    for (let e = first[i]; e < first[i + 1]; e++) {
      const type = et[s.edges[e * ef]], n = s.edges[e * ef + 1], to = s.edges[e * ef + 2] / nf;
      if (!kept[to]) continue;
      // Element indexes and the pair names' ids differ with the order: kept as their kind only.
      const label = type === 'element' || type === 'hidden' ? '[]' : String(s.strings[n]).replace(/@\d+/g, '@');
      const key = `${from} -${type}:${label}-> ${name(to)}`;
      edges.set(key, (edges.get(key) || 0) + 1);
    }
  }
  return { count, edges, extras };
}
const args = process.argv.slice(2), at = args.indexOf('--conservative');
const precise = at < 0 ? args : args.slice(0, at), conservative = at < 0 ? [] : args.slice(at + 1);
if (!precise.length) { console.log('FAIL compare-graphs: no precise snapshot to compare with'); process.exit(1); }
const ref = signature(precise[0], false);
const files = [...precise.slice(1).map(f => [f, false]), ...conservative.map(f => [f, true])];
for (const [f, cons] of files) {
  const g = signature(f, cons);
  for (const [t, c] of ref.count) {
    const d = g.count.get(t) || [0, 0];
    if (d[0] !== c[0] || (d[1] !== c[1] && !(cons && t === 'FinalizationCell'))) {
      console.log(`FAIL ${f}: ${t}: ${d[0]} objects ${d[1]} bytes, ${precise[0]}: ${c[0]} ${c[1]}`); process.exit(1);
    }
  }
  for (const t of g.count.keys()) if (!ref.count.has(t)) { console.log(`FAIL ${f}: type ${t} not in ${precise[0]}`); process.exit(1); }
  const keys = new Set([...ref.edges.keys(), ...g.edges.keys()]);
  for (const k of keys) if ((ref.edges.get(k) || 0) !== (g.edges.get(k) || 0)) {
    console.log(`FAIL ${f}: ${g.edges.get(k) || 0} edges ${k}, ${precise[0]}: ${ref.edges.get(k) || 0}`); process.exit(1);
  }
  if (cons) console.log(`ok ${f}: ${g.extras - 1} objects more, all under ${CONSERVATIVE}`);
}
console.log(`ok ${files.length + 1} snapshots: ${ref.count.size} types, ${ref.edges.size} kinds of edge, the same graph`);
