#!/bin/sh
# Installs the Debian packages gclab needs when run as root; otherwise prints the apt-get line.
# Packages: a C toolchain, libgc (the bdw peer), hwloc (topology), gnuplot (plots), Google Benchmark
# and a C++ compiler (micro-benchmarks), and the sanitizer runtimes. Then tools/npm-deps.sh: the pinned
# npm packages of tools/snapshot-check (the heap snapshot consumers make test checks gclab's snapshots
# with), installed with npm ci when missing, or the command printed.
set -u
cd "$(dirname "$0")/.." || exit 1
PKGS="make gcc g++ pkg-config libgc-dev libhwloc-dev hwloc gnuplot-nox libbenchmark-dev libasan8 libubsan1 libtsan2"
# Node.js and npm run the heap snapshot consumers: Debian's nodejs and npm when there is no node and npm
# at all (a machine may have its own Node.js, e.g. NodeSource's, which bundles npm: then nothing).
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"

command -v dpkg-query >/dev/null 2>&1 || {
    echo "gclab: not a Debian system; install the equivalents of: $PKGS" >&2
    exec ./tools/npm-deps.sh
}
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exec ./tools/npm-deps.sh
if [ "$(id -u)" = 0 ]; then
    echo "gclab: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq $missing >/dev/null || {
        echo "gclab: apt-get install failed for:$missing" >&2
        exit 1
    }
    exec ./tools/npm-deps.sh
else
    echo "gclab: missing Debian packages; run: sudo apt-get install -y$missing" >&2
    exit 1
fi
