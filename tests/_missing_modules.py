"""A prelude for scripts run in a fresh interpreter: jsonschema (and what it pulls in) is
missing there, as it is for an install without the `testing` extra. The script's last line
should print `refused imports` and the list `refused`: every attempt to import one."""

from __future__ import annotations

JSONSCHEMA_MISSING = r"""
import sys

BLOCKED = {"jsonschema", "jsonschema_specifications", "referencing", "rpds"}
refused = []

class Missing:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            refused.append(name)
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Missing())
"""
