"""`python -m liveops_async.cli` runs the `liveops` command."""

from __future__ import annotations

from . import main

main()
