// programs.js: the small Node programs whose heap snapshots are gclab's test data (make-snapshots.sh
// runs them). Each keeps objects of classes of its own, with a structure the tests know:
//   Holder      100 instances in globalThis.holders, each with an 8-element array (its `items`)
//   CycleA/B    one of each, pointing at each other, held by globalThis.cycle (a retained cycle)
//   WmKey       10 keys held by globalThis.keys; WmValue 10 values held only by a WeakMap on those keys
//   WeakTarget  1 object held strongly by globalThis.owner (a TargetOwner) and weakly by a WeakRef
//   LonelyTarget 1 object held only by a WeakRef: gone by the time the snapshot is written
// `node programs.js classes OUT` writes one snapshot; `node programs.js diff A B` writes A, then drops
// Holders 0..29 and adds 50 new ones, then writes B.
const v8 = require('v8')
class Holder { constructor (i) { this.index = i; this.items = new Array(8).fill(i) } }
class CycleA { constructor () { this.peer = null } }
class CycleB { constructor () { this.peer = null } }
class WmKey { constructor (i) { this.k = i } }
class WmValue { constructor (i) { this.payload = new Array(16).fill(i) } }
class WeakTarget { constructor () { this.data = new Array(4).fill(7) } }
class TargetOwner { constructor (t) { this.target = t } }
class LonelyTarget { constructor () { this.data = new Array(4).fill(9) } }

globalThis.holders = []
for (let i = 0; i < 100; i++) holders.push(new Holder(i))
const a = new CycleA(); const b = new CycleB()
a.peer = b; b.peer = a
globalThis.cycle = a
globalThis.wm = new WeakMap()
globalThis.keys = []
for (let i = 0; i < 10; i++) { const k = new WmKey(i); keys.push(k); wm.set(k, new WmValue(i)) }
const t = new WeakTarget()
globalThis.owner = new TargetOwner(t)
globalThis.ref = new WeakRef(t)
globalThis.lonely = new WeakRef(new LonelyTarget())

const [mode, first, second] = process.argv.slice(2)
// Written from a timer: WeakRef targets are kept alive until the job that made them ends.
setTimeout(() => {
  v8.writeHeapSnapshot(first)
  if (mode === 'diff') {
    holders.splice(0, 30)
    for (let i = 100; i < 150; i++) holders.push(new Holder(i))
    v8.writeHeapSnapshot(second)
  }
}, 10)
