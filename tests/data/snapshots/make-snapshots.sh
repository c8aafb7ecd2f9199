#!/usr/bin/env bash
# make-snapshots.sh: remakes the heap snapshots of gclab's snapshot tests (tests/areas/65-snapshots.sh)
# with Node (v20 here): programs.js writes whole-heap snapshots of objects with a known structure, and
# prune.js cuts each down to the part around those objects (a whole Node heap is 4 MB). With
# heap-snapshot-toolkit installed (NODE_PATH=<folder>/node_modules; see devtools.mjs), it also records
# what DevTools computes on each file (*.devtools.txt), which the tests compare gclab's output with.
#   classes.heapsnapshot           programs.js's objects (README "Heap snapshots" lists them)
#   before.heapsnapshot, after.heapsnapshot   the same, then 30 Holders dropped and 50 added
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node programs.js classes "$tmp/classes.heapsnapshot"
node programs.js diff "$tmp/before.heapsnapshot" "$tmp/after.heapsnapshot"
for f in classes before after; do node prune.js "$tmp/$f.heapsnapshot" "$f.heapsnapshot"; done
if [ -n "${NODE_PATH:-}" ]; then
    for f in classes before after; do node devtools.mjs summary "$f.heapsnapshot" >"$f.devtools.txt"; done
    node devtools.mjs diff before.heapsnapshot after.heapsnapshot >diff.devtools.txt
fi
