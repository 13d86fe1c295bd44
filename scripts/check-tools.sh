#!/bin/sh
# Exit 0 when every tool outside Python that `make test` needs is installed; otherwise print one
# line naming the missing ones and exit 1 (the Makefile then runs `make deps`). Installs nothing.
set -eu

ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
missing=""
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
{ [ -x "$ROOT/.prism/node_modules/.bin/prism" ] && cmp -s "$ROOT/tools/prism/package-lock.json" "$ROOT/.prism/package-lock.json"; } || missing="$missing prism"
{ [ -x "$ROOT/.pyright/node_modules/.bin/pyright" ] && cmp -s "$ROOT/tools/pyright/package-lock.json" "$ROOT/.pyright/package-lock.json"; } || missing="$missing pyright"

if [ -n "$missing" ]; then
    echo "make test: missing$missing; running 'make deps' to install them (apt-get/npm)" >&2
    exit 1
fi
