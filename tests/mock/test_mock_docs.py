"""docs/mock.md names a test for every rule it lists; every named test exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "mock.md"
# `file.py::test_name` or, after one, `::test_name` (same file); `file.py` alone (whole file).
_REF = re.compile(r"`(?:(?P<file>[\w/]+\.py))?(?:::(?P<test>\w+))?`")


def _rule_rows() -> list[tuple[str, str]]:
    """(rule, test cell) of every table row of the doc, headers and rulers left out."""
    rows = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 3 or set(cells[0]) <= {"-"}:
            continue
        if cells[0] == "Rule":
            continue
        rows.append((cells[0], cells[-1]))
    return rows


def _tests_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.name.startswith("test_")
    }


def _test_file(name: str) -> Path:
    for folder in (ROOT / "tests" / "mock", ROOT / "tests" / "examples", ROOT):
        if (folder / name).is_file():
            return folder / name
    raise AssertionError(f"docs/mock.md names {name}, which is not a test file")


def test_every_rule_names_a_test_or_why_it_has_none() -> None:
    rows = _rule_rows()
    assert len(rows) > 40  # the doc's tables were found
    for rule, cell in rows:
        assert _REF.search(cell) or cell.startswith("none: "), rule


def test_every_named_test_exists() -> None:
    for rule, cell in _rule_rows():
        current: Path | None = None
        for match in _REF.finditer(cell):
            if match["file"]:
                current = _test_file(match["file"])
            if match["test"]:
                assert current is not None, (rule, cell)
                assert match["test"] in _tests_in(current), (rule, match["test"])
