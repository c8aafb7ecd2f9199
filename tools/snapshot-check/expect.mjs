#!/usr/bin/env node
// tools/snapshot-check/expect.mjs: the comparisons make test makes on check.mjs's and leaks.mjs's JSON
// (tests/areas/66-snapshot-consumers.sh). Each form exits 0 when it holds, else 1 with one line saying
// what differs.
//   expect.mjs counts CHECK.json EXPECTED.json NAME   both tools' class counts equal EXPECTED[NAME]
//                                                     ({class: count}, 0 = no such class)
//   expect.mjs exact CHECK.json EXPECTED.json         both tools' totals and classes (count, shallow,
//                                                     retained) equal EXPECTED's, no other class
//   expect.mjs summary CHECK.json SUMMARY.txt         DevTools' classes equal gclab's `gclab snapshot
//                                                     summary` (rows "COUNT SHALLOW RETAINED CLASS",
//                                                     the type name before them; other lines ignored)
//   expect.mjs leak LEAKS.json TYPE                   memlab reports a leak whose leaked type is TYPE
//   expect.mjs noleak LEAKS.json                      memlab reports no leak
import { readFileSync } from 'node:fs';

const [form, a, b, c] = process.argv.slice(2);
const load = (f) => JSON.parse(readFileSync(f, 'utf8'));
function fail(msg) {
    process.stderr.write(`expect ${form}: ${msg}\n`);
    process.exit(1);
}
const tools = (r) => [['DevTools', r.devtools], ['memlab', r.memlab]];

switch (form) {
case 'counts': {
    const r = load(a), want = load(b)[c];
    if (!want) fail(`${b} has no entry ${c}`);
    for (const [tool, t] of tools(r)) {
        for (const [cls, n] of Object.entries(want)) {
            const got = t.classes[cls]?.count ?? 0;
            if (got !== n) fail(`${c}: ${tool} has ${got} ${cls}, wanted ${n}`);
        }
    }
    break;
}
case 'exact': {
    const r = load(a), want = load(b);
    for (const [tool, t] of tools(r)) {
        for (const k of ['node_count', 'edge_count', 'total_self_size', 'root_retained_size']) {
            if (t[k] !== want[k]) fail(`${tool} ${k} ${t[k]}, wanted ${want[k]}`);
        }
        const got = JSON.stringify(t.classes), exp = JSON.stringify(want.classes);
        if (got !== exp) fail(`${tool} classes ${got}, wanted ${exp}`);
    }
    break;
}
case 'summary': {
    const r = load(a);
    const gclab = {};
    for (const line of readFileSync(b, 'utf8').split('\n')) {
        // gclab snapshot summary's rows: "COUNT SHALLOW RETAINED CLASS" (numbers first: names may hold spaces).
        const m = line.trim().match(/^(\d+)\s+(\d+)\s+(\d+)\s+(\S.*)$/);
        if (m) gclab[m[4]] = { count: +m[1], self_size: +m[2], retained_size: +m[3] };
    }
    if (!Object.keys(gclab).length) fail(`no "COUNT SHALLOW RETAINED CLASS" lines in ${b}`);
    const dt = r.devtools.classes;
    for (const name of new Set([...Object.keys(dt), ...Object.keys(gclab)])) {
        const x = dt[name], y = gclab[name];
        if (!x || !y) fail(`type ${JSON.stringify(name)} only in ${x ? 'DevTools' : 'gclab'}`);
        for (const k of ['count', 'self_size', 'retained_size']) {
            if (x[k] !== y[k]) fail(`type ${JSON.stringify(name)} ${k}: DevTools ${x[k]}, gclab ${y[k]}`);
        }
    }
    break;
}
case 'leak': {
    const r = load(a);
    if (!r.leaks) fail(`memlab found no leak, wanted ${b}`);
    // The leaked objects memlab reports, by name: the leaked type must be among the most numerous (a
    // leak's trace may end at a new container of the leaked objects; objects that each hold one leaked
    // object tie with it). memlab names a detached object "Detached <type>".
    const objs = r.leaked_objects || {}, top = Math.max(0, ...Object.values(objs));
    const n = objs[b] ?? objs['Detached ' + b] ?? 0;
    if (!n || n !== top) fail(`memlab's leaked objects ${JSON.stringify(objs)}: ${b} is not among the most numerous`);
    break;
}
case 'noleak': {
    const r = load(a);
    if (r.leaks) fail(`memlab found ${r.leaks} leak(s): ${JSON.stringify(r.leaked_types)}`);
    break;
}
default:
    process.stderr.write('usage: expect.mjs counts|exact|summary|leak|noleak ...\n');
    process.exit(2);
}
