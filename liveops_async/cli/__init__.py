"""`liveops`: the LiveOps admin command line (`pip install 'liveops-async[cli]'`).

LiveOps as code (`export`, `plan`, `apply`) and everyday admin calls, built on the SDK. An
application, not library API: `main` is the only public name; the modules behind it (the
command group is `_commands.cli`) are private and may change in any release.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["main"]

_EXTRA_MODULES = frozenset({"click", "rich", "yaml"})


def main(argv: Sequence[str] | None = None) -> Any:
    """Console script entry point (`liveops`). Says how to install the `cli` extra when
    its libraries are missing, instead of a traceback."""
    try:
        from ._commands import main as run
    except ModuleNotFoundError as exc:
        if exc.name not in _EXTRA_MODULES:
            raise
        sys.stderr.write(
            f"liveops needs the cli extra ({exc.name} is missing): "
            "pip install 'liveops-async[cli]'\n"
        )
        return 1
    return run(argv)
