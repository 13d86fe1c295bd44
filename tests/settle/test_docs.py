"""docs/settling.md decides for every operation that is not retry-safe."""

from __future__ import annotations

import re
from pathlib import Path

from liveops_async._generated.operations import OPERATIONS
from liveops_async._settle import SETTLEABLE

DOC = (Path(__file__).resolve().parents[2] / "docs" / "settling.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    return DOC.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def _first_column(text: str) -> set[str]:
    """Operation ids in the first column of a section's table."""
    cells = [line.split("|")[1] for line in text.splitlines() if line.startswith("| `")]
    return {name for cell in cells for name in re.findall(r"`([a-z0-9-]+)`", cell)}


def test_every_non_idempotent_operation_is_decided() -> None:
    not_safe = {op_id for op_id, op in OPERATIONS.items() if not op.retry_safe}
    settled = _first_column(_section("Operations that settle"))
    refused = _first_column(_section("Operations that do not settle, and why"))
    assert settled == SETTLEABLE
    assert refused == not_safe - SETTLEABLE
