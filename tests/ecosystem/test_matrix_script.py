"""scripts/test_matrix.py: what the lowest-versions run installs, and how a missing Python shows."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import test_matrix


def test_lowest_installs_every_lower_bound_of_pyproject() -> None:
    pins = dict(pin.split("==") for pin in test_matrix.lower_bounds())
    assert pins["aiohttp"] == "3.14.1"
    assert {"attrs", "cattrs", "orjson", "yarl", "multidict", "redis", "uvloop", "jsonschema"} <= (
        pins.keys()
    )
    tools = test_matrix.test_tools({test_matrix._canonical(name) for name in pins})
    assert not any(line.startswith(("aiohttp==", "jsonschema==", "redis==")) for line in tools)
    assert any(line.startswith("pytest==") for line in tools)


def test_a_python_missing_from_the_machine_is_reported_as_skipped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(test_matrix, "PYTHONS", ("3.99",))
    monkeypatch.delenv("LIVEOPS_REQUIRE_ALL_PYTHONS", raising=False)
    assert test_matrix.main(["3.99"]) == 0
    out = capsys.readouterr().out
    assert "py3.99" in out and "SKIPPED" in out and "passed" not in out
    monkeypatch.setenv("LIVEOPS_REQUIRE_ALL_PYTHONS", "1")
    assert test_matrix.main(["3.99"]) == 1
