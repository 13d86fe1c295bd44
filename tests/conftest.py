"""Fixtures every test folder shares."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterator

import pytest

from liveops_async._retry import parse_retry_after

_ENVIRONMENT = ("LIVEOPS_PROJECT_ID", "LIVEOPS_API_KEY", "LIVEOPS_MERCHANT_ID", "LIVEOPS_BASE_URL")


@pytest.fixture(autouse=True)
def _no_liveops_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may pick up a developer's real credentials or base URL from the environment."""
    for name in _ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def retry_sleeps(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """The retry waits the engine asked for, recorded instead of slept."""
    asked: list[float] = []

    async def recorded_sleep(delay: float) -> None:
        asked.append(delay)
        await asyncio.sleep(0)

    monkeypatch.setattr("liveops_async._base_client._sleep", recorded_sleep)
    yield asked


@pytest.fixture
def wall_clock(monkeypatch: pytest.MonkeyPatch) -> float:
    """Freezes the wall clock an HTTP-date `Retry-After` is read against; returns that "now".

    A date header built from this value gives an exact wait, however long a busy machine takes
    between building the header and the client reading it.
    """
    now = 1_800_000_000.0
    frozen = functools.partial(parse_retry_after, now=lambda: now)
    monkeypatch.setattr("liveops_async._base_client.parse_retry_after", frozen)
    return now
