#!/bin/sh
# Install the pinned pyright (tools/pyright/package-lock.json) into .pyright/ for
# `make verifytypes` (pyright --verifytypes: public API type completeness).
# Idempotent: does nothing when .pyright/ already holds an install made from the same lock file.
set -eu

ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
exec sh "$ROOT/scripts/ensure-npm-tool.sh" pyright pyright
