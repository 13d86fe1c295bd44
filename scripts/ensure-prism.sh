#!/bin/sh
# Install the pinned Prism mock server (tools/prism/package-lock.json) into .prism/ for the
# spec-validating integration tests (tests/integration/test_prism.py). Prism's dependencies
# include an analytics postinstall, which --ignore-scripts (in ensure-npm-tool.sh) skips.
set -eu

ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
exec sh "$ROOT/scripts/ensure-npm-tool.sh" prism prism
