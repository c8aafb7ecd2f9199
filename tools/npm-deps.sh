#!/bin/sh
# Installs tools/snapshot-check's pinned npm packages (heap-snapshot-toolkit, memlab: package-lock.json)
# into tools/snapshot-check/node_modules when they are missing or stale, for make test's snapshot
# consumer checks (tests/areas/66-snapshot-consumers.sh); otherwise prints the command. Run by
# tools/deps.sh. No browser is downloaded: memlab depends on puppeteer, whose install script would
# fetch Chrome; --ignore-scripts keeps every install script from running (puppeteer's download,
# memlab's shebang rewrite, the native build of xvfb's sleep: none is needed to read snapshots), and
# the PUPPETEER_SKIP_* variables say the same to anything that looks.
# GCLAB_NO_NPM=1: skip (offline); the consumer checks then say they are skipped, and why.
set -u
dir=tools/snapshot-check
cmd="PUPPETEER_SKIP_DOWNLOAD=1 PUPPETEER_SKIP_CHROME_DOWNLOAD=1 PUPPETEER_SKIP_CHROME_HEADLESS_SHELL_DOWNLOAD=1 npm ci --prefix $dir --ignore-scripts --no-audit --no-fund"
[ "${GCLAB_NO_NPM:-0}" = 1 ] && exit 0
cd "$(dirname "$0")/.." || exit 1
# Up to date: npm ci writes node_modules/.package-lock.json; it is newer than the committed lock.
stamp=$dir/node_modules/.package-lock.json
if [ -f "$stamp" ] && [ ! "$dir/package-lock.json" -nt "$stamp" ]; then exit 0; fi
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    echo "gclab: node and npm are needed for the snapshot consumer checks; install Node.js 20 or later (Debian: apt-get install -y nodejs npm), then run: $cmd" >&2
    echo "gclab: (or set GCLAB_NO_NPM=1 to skip those checks)" >&2
    exit 0
fi
echo "gclab: installing tools/snapshot-check's npm packages: $cmd"
if ! env PUPPETEER_SKIP_DOWNLOAD=1 PUPPETEER_SKIP_CHROME_DOWNLOAD=1 PUPPETEER_SKIP_CHROME_HEADLESS_SHELL_DOWNLOAD=1 \
    npm ci --prefix "$dir" --ignore-scripts --no-audit --no-fund --no-update-notifier --loglevel=error >/dev/null; then
    echo "gclab: npm ci failed; run: $cmd" >&2
    exit 0
fi
