"""The attempts' total timeouts (`AttemptDeadlines`): one loop timer per deadline second for
long timeouts, aiohttp's TimerContext rules for who wins a cancellation, and a deadline that
passes after its attempt ended touches nothing. Deadlines are fired by hand: no test waits for
a clock."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from liveops_async import APITimeoutError, ClientClosedError, LiveOpsClient, RequestOptions
from liveops_async._transport import AttemptDeadlines

from . import _ops
from .conftest import ScriptedServer

ROOMY = 30.0  # never reached by itself: the tests fire the deadline


@pytest.fixture
async def held_server(
    server: ScriptedServer,
) -> AsyncIterator[tuple[ScriptedServer, asyncio.Event]]:
    """A server that answers only once the event is set (at the latest, at teardown)."""
    release = asyncio.Event()

    async def held(request: web.Request) -> web.StreamResponse:
        await release.wait()
        return web.json_response({"external_id": "c1"})

    server.handler = held
    yield server, release
    release.set()


async def _get(client: LiveOpsClient) -> object:
    return await client.requester(client._admin_auth).request(
        _ops.GET_COUPON, path={"external_id": "c1"}, options=RequestOptions(timeout=ROOMY)
    )


async def _in_flight(server: ScriptedServer, count: int = 1) -> None:
    for _ in range(500):
        if len(server.seen) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the request never reached the server")


def _only_deadline(deadlines: AttemptDeadlines) -> float:
    (deadline,) = [d for d, bucket in deadlines._buckets.items() if bucket]
    return deadline


async def _expired_in_flight(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> tuple[asyncio.Task[object], AttemptDeadlines]:
    """A call held by the server, and its attempt's deadline expired just now."""
    client = make_client(base_url=server.base_url, max_retries=0)
    call = asyncio.create_task(_get(client))
    await _in_flight(server)
    deadlines = client._transport.attempt_deadlines
    assert deadlines is not None
    deadlines._expire(_only_deadline(deadlines))
    return call, deadlines


async def test_long_timeouts_share_one_loop_timer_per_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loop = asyncio.get_running_loop()
    deadlines = AttemptDeadlines(loop)
    armed: list[float] = []
    call_at = loop.call_at

    def recording_call_at(when: float, callback: Callable[..., Any], *args: Any) -> Any:
        armed.append(when)
        return call_at(when, callback, *args)

    async def attempt(timeout: float) -> dict[asyncio.Task[Any], int]:
        task = asyncio.current_task()
        assert task is not None
        return deadlines.watch(task, timeout)

    monkeypatch.setattr(loop, "call_at", recording_call_at)
    monkeypatch.setattr(loop, "time", lambda: 1000.25)
    buckets = await asyncio.gather(*(attempt(60.0) for _ in range(5)), attempt(2.0))
    monkeypatch.undo()
    # Five 60 s attempts: one timer at the next whole second after 1060.25, as aiohttp
    # rounds them; the short one keeps its exact deadline and a timer of its own.
    assert armed == [1061, 1002.25]
    assert buckets[0] is buckets[4] and len(buckets[0] or {}) == 5
    for bucket in buckets:
        bucket.clear()


async def test_a_passed_deadline_is_a_total_timeout(
    held_server: tuple[ScriptedServer, asyncio.Event],
    make_client: Callable[..., LiveOpsClient],
) -> None:
    call, deadlines = await _expired_in_flight(held_server[0], make_client)
    with pytest.raises(APITimeoutError) as info:
        await call
    assert type(info.value) is APITimeoutError and "total" in str(info.value)
    assert info.value.sent is True  # it may have reached the server: never resent blindly
    assert not deadlines._expired


@pytest.mark.skipif(sys.version_info < (3, 11), reason="Task.uncancel is Python 3.11+")
async def test_a_caller_cancellation_wins_over_the_deadline(
    held_server: tuple[ScriptedServer, asyncio.Event],
    make_client: Callable[..., LiveOpsClient],
) -> None:
    call, _ = await _expired_in_flight(held_server[0], make_client)
    call.cancel()  # in the same loop iteration as the deadline
    with pytest.raises(asyncio.CancelledError):
        await call


async def test_a_deadline_after_the_attempt_ended_touches_nothing(
    held_server: tuple[ScriptedServer, asyncio.Event],
    make_client: Callable[..., LiveOpsClient],
) -> None:
    server, release = held_server
    client = make_client(base_url=server.base_url, max_retries=0)
    release.set()

    async def call_then_wait() -> object:
        result = await _get(client)
        ended.set()
        await go_on.wait()  # the deadline passes here, outside the attempt
        return result

    ended, go_on = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(call_then_wait())
    await ended.wait()
    deadlines = client._transport.attempt_deadlines
    assert deadlines is not None
    for deadline in list(deadlines._buckets):
        deadlines._expire(deadline)
    go_on.set()
    assert await task == _ops.Coupon("c1")
    assert not deadlines._expired


async def test_closing_the_client_ends_an_attempt_in_flight_on_a_borrowed_session(
    held_server: tuple[ScriptedServer, asyncio.Event],
) -> None:
    """The borrowed session stays open, yet the call ends at once, as the client's own
    session's calls do, with ClientClosedError saying it may have been sent."""
    server = held_server[0]
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        client = LiveOpsClient(
            base_url=server.base_url,
            project_id=44056,
            api_key="test-key",
            session=session,
            max_retries=0,
        )
        call = asyncio.create_task(_get(client))
        await _in_flight(server)
        await client.aclose()
        with pytest.raises(ClientClosedError, match="may have reached the server"):
            # Well before the call's own deadline (ROOMY), which would also end it.
            await asyncio.wait_for(call, ROOMY / 3)
        assert not session.closed
        deadlines = client._transport.attempt_deadlines
        assert deadlines is not None and not deadlines._expired
