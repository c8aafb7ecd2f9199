// prune.js IN OUT: cuts a Node heap snapshot down to the part around programs.js's own objects, so
// that it can be committed (a whole Node 20 heap is 4 MB). Kept: every node on a shortest path (over
// non-weak edges) from the root to an object of programs.js's classes, a WeakMap or a WeakRef, and
// everything within two edges of those objects; then every edge between kept nodes, every string a
// kept node or edge names. Node ids, types, names and self sizes are V8's; the result is still V8's
// format (same meta), a smaller heap that DevTools loads and computes on like any other.
const fs = require('fs')
const [inFile, outFile] = process.argv.slice(2)
const d = JSON.parse(fs.readFileSync(inFile, 'utf8'))
const meta = d.snapshot.meta
const NF = meta.node_fields.length; const EF = meta.edge_fields.length
const nType = meta.node_fields.indexOf('type'); const nName = meta.node_fields.indexOf('name')
const nEC = meta.node_fields.indexOf('edge_count')
const eType = meta.edge_fields.indexOf('type'); const eName = meta.edge_fields.indexOf('name_or_index')
const eTo = meta.edge_fields.indexOf('to_node')
const edgeTypes = meta.edge_types[eType]; const nodeTypes = meta.node_types[nType]
const weak = edgeTypes.indexOf('weak'); const objectType = nodeTypes.indexOf('object')
const N = d.nodes.length / NF
const first = new Uint32Array(N + 1)
for (let i = 0; i < N; i++) first[i + 1] = first[i] + d.nodes[i * NF + nEC]
const classes = new Set(['Holder', 'CycleA', 'CycleB', 'WmKey', 'WmValue', 'WeakTarget', 'TargetOwner', 'LonelyTarget', 'WeakMap', 'WeakRef'])
const seeds = []
for (let i = 0; i < N; i++) {
  if (d.nodes[i * NF + nType] === objectType && classes.has(d.strings[d.nodes[i * NF + nName]])) seeds.push(i)
}
// Breadth first from the root (node 0) over non-weak edges, remembering each node's parent.
const parent = new Int32Array(N).fill(-1); parent[0] = 0
const queue = [0]
for (let h = 0; h < queue.length; h++) {
  const v = queue[h]
  for (let e = first[v]; e < first[v + 1]; e++) {
    if (d.edges[e * EF + eType] === weak) continue
    const w = d.edges[e * EF + eTo] / NF
    if (parent[w] < 0) { parent[w] = v; queue.push(w) }
  }
}
const keep = new Uint8Array(N); keep[0] = 1
for (const s of seeds) {
  for (let v = s; !keep[v] || v === s; v = parent[v]) { keep[v] = 1; if (parent[v] < 0 || v === 0) break }
  let frontier = [s]
  for (let depth = 0; depth < 2; depth++) {
    const next = []
    for (const v of frontier) {
      for (let e = first[v]; e < first[v + 1]; e++) {
        const w = d.edges[e * EF + eTo] / NF
        if (!keep[w]) { keep[w] = 1; next.push(w) }
      }
    }
    frontier = next
  }
}
const newIndex = new Int32Array(N).fill(-1); let k = 0
for (let i = 0; i < N; i++) if (keep[i]) newIndex[i] = k++
const strings = []; const stringIndex = new Map()
const str = i => { if (!stringIndex.has(i)) { stringIndex.set(i, strings.length); strings.push(d.strings[i]) } return stringIndex.get(i) }
const nodes = []; const edges = []
const numberedEdge = new Set(['element', 'hidden'])
for (let i = 0; i < N; i++) {
  if (!keep[i]) continue
  let count = 0
  for (let e = first[i]; e < first[i + 1]; e++) {
    const to = d.edges[e * EF + eTo] / NF
    if (!keep[to]) continue
    const row = d.edges.slice(e * EF, e * EF + EF)
    row[eTo] = newIndex[to] * NF
    if (!numberedEdge.has(edgeTypes[row[eType]])) row[eName] = str(row[eName])
    edges.push(row); count++
  }
  const row = d.nodes.slice(i * NF, i * NF + NF)
  row[nName] = str(row[nName]); row[nEC] = count
  nodes.push(row)
}
const out = fs.createWriteStream(outFile)
const snapshot = { ...d.snapshot, node_count: nodes.length, edge_count: edges.length }
out.write('{"snapshot":' + JSON.stringify(snapshot) + ',\n"nodes":[' + nodes.map(r => r.join(',')).join('\n,') + '],\n"edges":[' +
  edges.map(r => r.join(',')).join('\n,') + '],\n"trace_function_infos":[],\n"trace_tree":[],\n"samples":[],\n"locations":[],\n"strings":[' +
  strings.map(s => JSON.stringify(s)).join('\n,') + ']}\n')
out.end()
