// devtools.mjs: the same numbers as `gclab snapshot summary|diff`, computed by Chrome DevTools' own heap
// snapshot code as published on npm (heap-snapshot-toolkit, which runs DevTools' snapshot worker in
// Node), to check gclab against. Not part of make test (it needs npm); run by hand:
//   npm install heap-snapshot-toolkit          (PUPPETEER_SKIP_DOWNLOAD=1; in a scratch folder)
//   NODE_PATH=<that folder>/node_modules node devtools.mjs summary FILE | diff - <(gclab snapshot summary FILE)
//   ... node devtools.mjs diff A B
// Rows print like gclab's. Two DevTools refinements that gclab leaves out are turned off or shown:
// plain Objects are not regrouped by their property names (applyInterfaceDefinitions([])), and a
// class that DevTools splits by its constructor's script location is summed into one row, marked
// "[split N]" (its retained size is then a sum over the parts, which may count bytes twice).
import { createReadStream } from 'node:fs'
import { createRequire } from 'node:module'
import { createGunzip } from 'node:zlib'

const require = createRequire(process.env.NODE_PATH ? process.env.NODE_PATH + '/' : import.meta.url)
const toolkit = await import(require.resolve('heap-snapshot-toolkit'))

async function load (file) {
  let stream = createReadStream(file)
  if (file.endsWith('.gz')) stream = stream.pipe(createGunzip())
  stream.setEncoding('utf8')
  const s = await toolkit.parse(stream)
  s.applyInterfaceDefinitions([])
  return s
}

function byName (entries, pick) {
  const rows = new Map()
  for (const e of entries) {
    const name = e.name
    const r = rows.get(name) || { name, parts: 0, v: pick(e).map(() => 0) }
    pick(e).forEach((x, i) => { r.v[i] += x })
    r.parts++
    rows.set(name, r)
  }
  return [...rows.values()]
}

const [mode, a, b] = process.argv.slice(2)
if (mode === 'summary') {
  const s = await load(a)
  const agg = s.aggregatesWithFilter({})
  const rows = byName(Object.values(agg), e => [e.count, e.self, e.maxRet])
  rows.sort((x, y) => y.v[2] - x.v[2] || y.v[1] - x.v[1] || (x.name < y.name ? -1 : x.name > y.name))
  const edges = s.containmentEdges.length / s.edgeFieldsCount
  console.log(`# ${a}: ${s.nodeCount} nodes, ${edges} edges; ${s.rootNode().retainedSize()} bytes in all (the root's retained size)`)
  for (const r of rows) {
    console.log(`  ${String(r.v[0]).padStart(10)} ${String(r.v[1]).padStart(14)} ${String(r.v[2]).padStart(14)}  ${r.name}${r.parts > 1 ? ` [split ${r.parts}]` : ''}`)
  }
} else if (mode === 'diff') {
  const sa = await load(a)
  const sb = await load(b)
  const d = await toolkit.diff(sa, sb)
  const rows = byName(Object.values(d), e => [e.addedCount, e.removedCount, e.addedSize, e.removedSize])
  rows.sort((x, y) => (y.v[2] - y.v[3]) - (x.v[2] - x.v[3]) || (y.v[0] - y.v[1]) - (x.v[0] - x.v[1]) || (x.name < y.name ? -1 : 1))
  const sign = x => (x >= 0 ? '+' : '') + x
  for (const r of rows) {
    const [add, rem, asz, rsz] = r.v
    console.log(`  ${String(add).padStart(8)} ${String(rem).padStart(8)} ${sign(add - rem).padStart(8)} ${String(asz).padStart(12)} ${String(rsz).padStart(12)} ${sign(asz - rsz).padStart(12)}  ${r.name}${r.parts > 1 ? ` [split ${r.parts}]` : ''}`)
  }
} else {
  console.error('usage: devtools.mjs summary FILE | diff A B')
  process.exit(2)
}
