"""Fixtures every test folder shares."""

from __future__ import annotations

import asyncio
import functools
import importlib
import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from liveops_async import _hooks
from liveops_async._retry import parse_retry_after
from tests._hypothesis_profiles import load_profile

# Before any test module builds its `settings(...)`, which inherit from the loaded profile:
# derandomized unless HYPOTHESIS_PROFILE=random (tests/_hypothesis_profiles.py).
_HYPOTHESIS_PROFILE = load_profile(os.environ)


def pytest_report_header() -> str:
    """Which Hypothesis profile ran, in the header of every run's output (to reproduce it)."""
    return f"hypothesis profile: {_HYPOTHESIS_PROFILE} (HYPOTHESIS_PROFILE=random: fresh draws)"


# The committed golden output of the generator's fixture spec: the generator tests compare with
# it, the runtime tests (serde, structuring) use its models as small, every-shape fixtures.
GOLDEN = Path(__file__).parent / "codegen" / "golden"
GOLDEN_PACKAGE = "liveops_codegen_golden"
_ENVIRONMENT = ("LIVEOPS_PROJECT_ID", "LIVEOPS_API_KEY", "LIVEOPS_MERCHANT_ID", "LIVEOPS_BASE_URL")


@pytest.fixture(autouse=True)
def _no_liveops_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may pick up a developer's real credentials or base URL from the environment."""
    for name in _ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _fresh_hook_failure_log(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no hook failure seen: the first failure of a hook in a test is
    its WARNING, whatever earlier tests' hooks did (the log is the process's)."""
    monkeypatch.setattr(_hooks, "hook_failures", _hooks.HookFailureLog())


@pytest.fixture(autouse=True)
def _strict_responses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Our own tests decode strictly: a response that does not fit our spec (our mistake, or
    the mock's) fails the test instead of being tolerated with a warning. Tests of the
    tolerant default pass `strict_responses=False` explicitly."""
    monkeypatch.setenv("LIVEOPS_STRICT_RESPONSES", "1")


@pytest.fixture
def retry_sleeps(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """The retry waits the engine asked for, recorded instead of slept."""
    asked: list[float] = []

    async def recorded_sleep(delay: float) -> None:
        asked.append(delay)
        await asyncio.sleep(0)

    monkeypatch.setattr("liveops_async._engine._sleep", recorded_sleep)
    yield asked


@pytest.fixture
def wall_clock(monkeypatch: pytest.MonkeyPatch) -> float:
    """Freezes the wall clock an HTTP-date `Retry-After` is read against; returns that "now".

    A date header built from this value gives an exact wait, however long a busy machine takes
    between building the header and the client reading it.
    """
    now = 1_800_000_000.0
    frozen = functools.partial(parse_retry_after, now=lambda: now)
    monkeypatch.setattr("liveops_async._engine.parse_retry_after", frozen)
    return now


def _load_golden() -> ModuleType:
    if GOLDEN_PACKAGE in sys.modules:
        return sys.modules[GOLDEN_PACKAGE]
    spec = importlib.util.spec_from_file_location(
        GOLDEN_PACKAGE, GOLDEN / "__init__.py", submodule_search_locations=[str(GOLDEN)]
    )
    assert spec is not None and spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules[GOLDEN_PACKAGE] = package
    spec.loader.exec_module(package)
    return package


@pytest.fixture(scope="session")
def golden_models() -> ModuleType:
    _load_golden()
    return importlib.import_module(f"{GOLDEN_PACKAGE}.models")


@pytest.fixture(scope="session")
def golden_ops() -> ModuleType:
    _load_golden()
    return importlib.import_module(f"{GOLDEN_PACKAGE}.operations")


@pytest.fixture(scope="session")
def golden_resources() -> ModuleType:
    _load_golden()
    return importlib.import_module(f"{GOLDEN_PACKAGE}.resources")
