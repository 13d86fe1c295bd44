"""Fixtures of the rate limiter tests."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from liveops_async.testing import LiveOpsMock

from ._support import FLEET_API_KEY, FLEET_PROJECT_ID, RedisServer


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not on PATH; scripts/ensure-redis.sh installs it")
    server = RedisServer.started(exe, tmp_path)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def fleet_mock() -> AsyncIterator[LiveOpsMock]:
    """One mock for the whole fleet, served by the test's own event loop: its request log,
    stamped on arrival, is the server-side record the fleet tests check."""
    async with LiveOpsMock(project_id=FLEET_PROJECT_ID, api_key=FLEET_API_KEY) as mock:
        yield mock
