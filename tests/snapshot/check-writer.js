// check-writer.js TYPES_CSV SNAPSHOT...: checks gclab's own .heapsnapshot files (make test, area 64):
// - the format: V8's top-level keys in V8's order, node_count and edge_count equal to the arrays, every
//   node's edge_count summing to edge_count, every edge's to_node a node's position times the field
//   count, every name a string index;
// - ids: odd, unique in a snapshot, and an id names the same type in every snapshot it appears in;
// - counts: per type, the objects of each snapshot equal the census of the same cycle (types.csv of
//   the same run, --census): the snapshot is written in that cycle's pause, right after the census.
// Prints one line per snapshot; exits 1 with the first problem.
'use strict';
const fs = require('fs');
const [typesCsv, ...files] = process.argv.slice(2);
function fail(msg) { console.log('FAIL ' + msg); process.exit(1); }
const census = new Map();   // cycle -> Map(type -> objects)
{
  const lines = fs.readFileSync(typesCsv, 'utf8').trim().split('\n');
  const head = lines[0].split(','), c = Object.fromEntries(head.map((h, i) => [h, i]));
  for (const l of lines.slice(1)) {
    const f = l.split(','), type = f[c.type].replace(/"/g, '');
    if (type === '(total)') continue;
    const cycle = +f[c.cycle];
    if (!census.has(cycle)) census.set(cycle, new Map());
    census.get(cycle).set(type, +f[c.objects]);
  }
}
const seen = new Map();   // id -> type, across snapshots
for (const file of files) {
  const s = JSON.parse(fs.readFileSync(file, 'utf8'));
  const keys = Object.keys(s).join(',');
  if (keys !== 'snapshot,nodes,edges,trace_function_infos,trace_tree,samples,locations,strings') fail(`${file}: keys ${keys}`);
  const m = s.snapshot.meta, nf = m.node_fields.length, ef = m.edge_fields.length;
  const N = s.snapshot.node_count, E = s.snapshot.edge_count;
  if (s.nodes.length !== N * nf || s.edges.length !== E * ef) fail(`${file}: counts do not match the arrays`);
  const ti = m.node_types[0], objectType = ti.indexOf('object'), synthetic = ti.indexOf('synthetic');
  let sum = 0;
  const ids = new Set(), perType = new Map();
  for (let i = 0; i < N; i++) {
    const type = s.nodes[i * nf], name = s.strings[s.nodes[i * nf + 1]], id = s.nodes[i * nf + 2];
    sum += s.nodes[i * nf + 4];
    if (name === undefined) fail(`${file}: node ${i} names no string`);
    if (id % 2 !== 1 || ids.has(id)) fail(`${file}: node ${i} has id ${id}: not odd, or not unique`);
    ids.add(id);
    if (type === synthetic) continue;
    if (type !== objectType) fail(`${file}: node ${i} of type ${ti[type]}`);
    if (seen.has(id) && seen.get(id) !== name) fail(`${file}: id ${id} was a ${seen.get(id)}, is a ${name}`);
    seen.set(id, name);
    perType.set(name, (perType.get(name) || 0) + 1);
  }
  if (sum !== E) fail(`${file}: the nodes' edge counts sum to ${sum}, edge_count is ${E}`);
  for (let e = 0; e < E; e++) {
    const to = s.edges[e * ef + 2];
    if (to % nf || to >= s.nodes.length) fail(`${file}: edge ${e} points at ${to}`);
  }
  const cycle = +file.match(/-(\d+)\.heapsnapshot$/)[1];
  const want = census.get(cycle);
  if (!want) fail(`${file}: no census of cycle ${cycle}`);
  for (const [type, n] of want) if ((perType.get(type) || 0) !== n) fail(`${file}: ${perType.get(type) || 0} ${type}, census ${n}`);
  for (const [type, n] of perType) if (!want.has(type)) fail(`${file}: ${n} ${type} the census does not have`);
  console.log(`ok ${file.split('/').pop()}: ${N} nodes, ${E} edges, ${perType.size} types equal to the census of cycle ${cycle}`);
}
