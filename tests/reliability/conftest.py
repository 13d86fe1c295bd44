"""Fixtures of the reliability suite: fault servers, clients holding canary secrets, and two
checks that run after every test here: no canary in any log record, and no unclosed session."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from liveops_async import LiveOpsClient, RetryPolicy, Timeouts

from ._fault_server import FaultServer
from ._secrets import CANARIES, find_canary

PROJECT_ID = 44056

# Fast, bounded retries: three attempts, milliseconds of backoff.
FAST_RETRY = RetryPolicy(max_attempts=3, initial_backoff=0.001, max_backoff=0.004)
# Every client's default: a call that should succeed must not time out because a busy machine
# stalled the event loop (a full-suite run on two loaded cores saw a 1.5 s stall turn a 404
# into a 0.25 s read timeout). Tests of timeouts pass their own.
ROOMY_TIMEOUTS = Timeouts(total=60.0, connect=10.0, read=20.0, pool=30.0)
# For a server that never answers in time: the client's timer is due long before the server's
# delay ends, so the timeout is certain however late the loop runs.
SHORT_TIMEOUTS = Timeouts(total=30.0, connect=10.0, read=0.25, pool=30.0)


@pytest.fixture(autouse=True)
async def _watch_logs_and_sessions(caplog: pytest.LogCaptureFixture) -> AsyncIterator[None]:
    """Every logger at DEBUG, so that every SDK log line is produced and then scanned.

    After the test, a garbage collection makes any forgotten aiohttp session or connection
    report itself (aiohttp logs "Unclosed ..." through the loop's exception handler, and
    ResourceWarning fails the run since warnings are errors).
    """
    caplog.set_level(logging.DEBUG)
    yield
    await asyncio.sleep(0)
    gc.collect()
    for record in caplog.records:
        text = record.getMessage()
        assert "Unclosed" not in text, text
        assert record.name != "asyncio" or record.levelno < logging.ERROR, text
        leaked = find_canary(_record_text(record))
        assert leaked is None, f"{leaked!r} in log record {record.name}: {text}"


def _record_text(record: logging.LogRecord) -> str:
    parts = [record.getMessage(), repr(record.args), repr(record.__dict__)]
    if record.exc_info and record.exc_info[1] is not None:
        parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


@pytest.fixture
async def server() -> AsyncIterator[FaultServer]:
    async with FaultServer() as started:
        yield started


@pytest.fixture
async def other_host() -> AsyncIterator[FaultServer]:
    """A second origin, the target of redirects: it must never see a request."""
    async with FaultServer() as started:
        yield started


@pytest.fixture
async def make_client() -> AsyncIterator[Callable[..., LiveOpsClient]]:
    made: list[LiveOpsClient] = []

    def factory(server: FaultServer, **kwargs: Any) -> LiveOpsClient:
        kwargs.setdefault("project_id", PROJECT_ID)
        kwargs.setdefault("api_key", CANARIES.api_key)
        kwargs.setdefault("retry", FAST_RETRY)
        kwargs.setdefault("timeout", ROOMY_TIMEOUTS)
        # The engine's own promise (never resent once it may have arrived) is tested here;
        # settling, which resends only what the API's state shows as not applied: tests/settle.
        kwargs.setdefault("settle", False)
        kwargs.setdefault("base_url", server.base_url)
        client = LiveOpsClient(**kwargs)
        made.append(client)
        return client

    yield factory
    for client in made:
        await client.aclose()


async def outcome(call: Awaitable[object]) -> object:
    """The call's result, or the exception it raised (never a BaseException other than those)."""
    try:
        return await call
    except Exception as exc:
        return exc
