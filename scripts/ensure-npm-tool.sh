#!/bin/sh
# Usage: ensure-npm-tool.sh NAME BIN
# Install tools/NAME/package-lock.json into .NAME/ with `npm ci` unless .NAME/ already holds an
# install of the same lock file providing node_modules/.bin/BIN. `npm ci` installs exactly the
# locked tree; `--ignore-scripts` because these tools need no install scripts.
set -eu

NAME=$1
BIN=$2
ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
LOCK="$ROOT/tools/$NAME/package-lock.json"
DEST="$ROOT/.$NAME"

if [ -x "$DEST/node_modules/.bin/$BIN" ] && cmp -s "$LOCK" "$DEST/package-lock.json"; then
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "ensure-$NAME: npm is missing; install Node.js (with npm)" >&2
    exit 1
fi

echo "ensure-$NAME: installing $NAME from tools/$NAME/package-lock.json into .$NAME/" >&2
mkdir -p "$DEST"
cp "$ROOT/tools/$NAME/package.json" "$LOCK" "$DEST/"
SCARF_ANALYTICS=false npm ci --prefix "$DEST" --no-audit --no-fund --ignore-scripts --loglevel=error

test -x "$DEST/node_modules/.bin/$BIN"
