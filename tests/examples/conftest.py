"""Fixtures for the example tests: the examples importable as top-level modules (as when they
run as scripts), a sandbox (mock + client), and no LIVEOPS_* variables from the environment."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

from _sandbox import Sandbox, sandbox  # noqa: E402


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with sandbox() as started:
        yield started


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests here that use the `liveops_mock` fixture get it from the installed package's
    pytest11 entry point (as users do); without `make install` they are skipped."""
    if config.pluginmanager.has_plugin("liveops_mock"):
        return
    skip = pytest.mark.skip(reason="liveops-async is not installed (make install)")
    for item in items:
        if Path(str(item.path)).is_relative_to(Path(__file__).parent) and "liveops_mock" in getattr(
            item, "fixturenames", ()
        ):
            item.add_marker(skip)
