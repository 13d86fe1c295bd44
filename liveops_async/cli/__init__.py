"""`liveops`: the LiveOps admin command line (`pip install 'liveops-async[cli]'`).

LiveOps as code (`export`, `plan`, `apply`) and everyday admin calls, built on the SDK.
"""

from __future__ import annotations

from .commands import cli, main

__all__ = ["cli", "main"]
