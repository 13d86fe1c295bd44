"""`python -m liveops_async.cli` runs the `liveops` command."""

from __future__ import annotations

import sys

from . import main

sys.exit(main())
