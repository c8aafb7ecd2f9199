// compare-graphs.js SNAPSHOT...: the heap snapshots that test_snapshot.c writes at the same point of a
// deterministic program, one per collector, must hold the same graph: per type the same object count
// and total size, and the same multiset of edges (from type, edge type, edge name, to type). Node ids
// and the order of nodes differ between collectors (they follow allocation and addresses); the graph
// does not. Prints the signature's size; exits 1 naming the first difference.
'use strict';
const fs = require('fs');
function signature(file) {
  const s = JSON.parse(fs.readFileSync(file, 'utf8'));
  const m = s.snapshot.meta, nf = m.node_fields.length, ef = m.edge_fields.length;
  const nt = m.node_types[0], et = m.edge_types[0];
  const count = new Map(), edges = new Map();
  const name = i => s.strings[s.nodes[i * nf + 1]];
  let e = 0;
  for (let i = 0; i < s.snapshot.node_count; i++) {
    const from = nt[s.nodes[i * nf]] === 'synthetic' ? name(i).replace(/thread \d+/, 'thread') : name(i);
    if (nt[s.nodes[i * nf]] !== 'synthetic') {
      const c = count.get(from) || [0, 0];
      c[0]++, c[1] += s.nodes[i * nf + 3];
      count.set(from, c);
    }
    for (let k = 0; k < s.nodes[i * nf + 4]; k++, e++) {
      const type = et[s.edges[e * ef]], n = s.edges[e * ef + 1], to = s.edges[e * ef + 2] / nf;
      // Element indexes and the pair names' ids differ with the order: kept as their kind only.
      const label = type === 'element' || type === 'hidden' ? '[]' : String(s.strings[n]).replace(/@\d+/g, '@');
      const key = `${from} -${type}:${label}-> ${name(to)}`;
      edges.set(key, (edges.get(key) || 0) + 1);
    }
  }
  return { count, edges };
}
const files = process.argv.slice(2);
const ref = signature(files[0]);
for (const f of files.slice(1)) {
  const g = signature(f);
  for (const [t, c] of ref.count) {
    const d = g.count.get(t) || [0, 0];
    if (d[0] !== c[0] || d[1] !== c[1]) { console.log(`FAIL ${f}: ${t}: ${d[0]} objects ${d[1]} bytes, ${files[0]}: ${c[0]} ${c[1]}`); process.exit(1); }
  }
  for (const t of g.count.keys()) if (!ref.count.has(t)) { console.log(`FAIL ${f}: type ${t} not in ${files[0]}`); process.exit(1); }
  const keys = new Set([...ref.edges.keys(), ...g.edges.keys()]);
  for (const k of keys) if ((ref.edges.get(k) || 0) !== (g.edges.get(k) || 0)) {
    console.log(`FAIL ${f}: ${g.edges.get(k) || 0} edges ${k}, ${files[0]}: ${ref.edges.get(k) || 0}`); process.exit(1);
  }
}
console.log(`ok ${files.length} snapshots: ${ref.count.size} types, ${ref.edges.size} kinds of edge, the same graph`);
