"""Fixtures of the retry budget tests: a fault server, clients with a budget, a redis-server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from liveops_async import LiveOpsClient, RetryPolicy, Timeouts
from tests.ratelimit.conftest import redis_server  # noqa: F401 - the same redis-server fixture
from tests.reliability._fault_server import FaultServer

PROJECT_ID = 44056
FAST_RETRY = RetryPolicy(max_attempts=3, initial_backoff=0.001, max_backoff=0.002)
TIMEOUTS = Timeouts(total=5.0, connect=2.0, read=2.0, pool=10.0)


class ManualClock:
    """Seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def server() -> AsyncIterator[FaultServer]:
    async with FaultServer() as started:
        started.record_requests = False  # counts per route are enough
        yield started


@pytest.fixture
async def make_client() -> AsyncIterator[Callable[..., LiveOpsClient]]:
    made: list[LiveOpsClient] = []

    def factory(server: FaultServer, **kwargs: Any) -> LiveOpsClient:
        kwargs.setdefault("retry", FAST_RETRY)
        client = LiveOpsClient(
            base_url=server.base_url,
            project_id=PROJECT_ID,
            api_key="budget-test-key",
            timeout=TIMEOUTS,
            **kwargs,
        )
        made.append(client)
        return client

    yield factory
    for client in made:
        await client.aclose()
