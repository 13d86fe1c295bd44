#!/bin/sh
# Install the pinned Prism mock server (tools/prism/package-lock.json) into .prism/ for the
# spec-validating integration tests (tests/integration/test_prism.py).
# Idempotent: does nothing when .prism/ already holds an install made from the same lock file.
# `npm ci` installs exactly the locked tree; `--ignore-scripts` because Prism needs no install
# scripts and one of its dependencies ships an analytics postinstall.
set -eu

ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
LOCK="$ROOT/tools/prism/package-lock.json"
DEST="$ROOT/.prism"

if [ -x "$DEST/node_modules/.bin/prism" ] && cmp -s "$LOCK" "$DEST/package-lock.json"; then
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "ensure-prism: npm is missing; install Node.js (with npm) to run the Prism integration tests" >&2
    exit 1
fi

echo "ensure-prism: installing @stoplight/prism-cli from tools/prism/package-lock.json into .prism/" >&2
mkdir -p "$DEST"
cp "$ROOT/tools/prism/package.json" "$LOCK" "$DEST/"
SCARF_ANALYTICS=false npm ci --prefix "$DEST" --no-audit --no-fund --ignore-scripts --loglevel=error

test -x "$DEST/node_modules/.bin/prism"
