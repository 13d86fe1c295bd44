"""Load and lifecycle: 10,000 concurrent calls through one bounded pool, 1,000+ cancellations
at connect, send and read, and closing the client under traffic."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import os
import random
from collections import Counter
from collections.abc import Callable
from types import SimpleNamespace

import aiohttp
import pytest

from liveops_async import (
    ClientClosedError,
    LiveOpsClient,
    RequestEvent,
    RequestOptions,
    Timeouts,
    models,
)

from . import _fault_server as fs
from ._secrets import CANARIES
from .conftest import outcome

ClientFactory = Callable[..., LiveOpsClient]

LOAD_CALLS = 10_000
LOAD_POOL = 100
# Peak resident memory growth allowed while 10,000 calls are in flight: a generous bound
# (measured about 45 MiB, some 5 kB per pending call) that still catches a per-call leak of
# the response bodies or connections.
LOAD_MEMORY_BOUND = 200 * 1024 * 1024
CANCELLATIONS = 1_200


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _connector(client: LiveOpsClient) -> aiohttp.TCPConnector:
    session, _ = client._transport.session()
    connector = session.connector
    assert isinstance(connector, aiohttp.TCPConnector)
    return connector


def assert_pool_is_clean(client: LiveOpsClient, pool_size: int) -> None:
    """No connection is held by anyone, and the SDK's pool gate is fully open again."""
    connector = _connector(client)
    # aiohttp has no public count of connections in use; `_acquired` is that set.
    assert len(connector._acquired) == 0
    _, gate = client._transport.session()
    assert gate._value == pool_size  # type: ignore[attr-defined]


async def pool_is_clean_soon(client: LiveOpsClient, pool_size: int) -> None:
    """`assert_pool_is_clean` once the loop has closed what was aborted: polled (at most ~10 s,
    however busy the machine) instead of a fixed wait that a loaded machine can outlast."""
    for _ in range(1000):
        try:
            assert_pool_is_clean(client, pool_size)
        except AssertionError:
            await asyncio.sleep(0.01)
        else:
            return
    assert_pool_is_clean(client, pool_size)


@pytest.mark.slow
async def test_ten_thousand_concurrent_calls_through_one_bounded_pool(
    make_client: ClientFactory, server: fs.FaultServer
) -> None:
    server.record_requests = False  # keep only the counters: memory is under test
    client = make_client(
        server, pool_size=LOAD_POOL, timeout=Timeouts(total=60.0, pool=60.0, read=30.0)
    )
    await client.admin.coupons.get("warm-up")
    gc.collect()
    baseline = _rss()
    peak = baseline
    done = asyncio.Event()

    async def sample_memory() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _rss())
            await asyncio.sleep(0.05)

    sampler = asyncio.create_task(sample_memory())
    results = await asyncio.gather(
        *(client.admin.coupons.get(f"c{n}") for n in range(LOAD_CALLS)), return_exceptions=True
    )
    done.set()
    await sampler
    failures = [r for r in results if isinstance(r, BaseException)]
    assert failures == []
    assert all(isinstance(r, models.Coupon) for r in results)
    assert sum(server.per_route.values()) == LOAD_CALLS + 1  # each call sent exactly once
    connector = _connector(client)
    assert_pool_is_clean(client, LOAD_POOL)
    assert server.most_open_connections <= LOAD_POOL  # never more than the pool allows
    assert peak - baseline < LOAD_MEMORY_BOUND, f"{(peak - baseline) / 2**20:.0f} MiB"
    await client.aclose()
    assert connector.closed


# Cancellation ------------------------------------------------------------------------------

# Which phase the current call is in and where it should be cancelled; trace callbacks run in
# the calling task, so they see the call's own box through this context variable.
_call_box: contextvars.ContextVar[SimpleNamespace] = contextvars.ContextVar("call_box")
PHASES = ("connect", "send", "read")


def _phase_tracer(rng: random.Random) -> aiohttp.TraceConfig:
    """Mark the phase of each call, and cancel it soon after it enters its target phase."""

    def enter(phase: str) -> Callable[..., object]:
        async def on_signal(*_: object) -> None:
            box = _call_box.get(None)
            if box is None:
                return
            box.phase = phase
            if box.target == phase and box.task is not None:
                task = box.task

                def cancel() -> None:
                    if not task.done():
                        box.cancelled_in = box.phase
                        task.cancel()

                # A random delay inside the phase; 0 cancels at the very next await.
                asyncio.get_running_loop().call_later(rng.uniform(0, 0.0015), cancel)

        return on_signal

    trace = aiohttp.TraceConfig()
    trace.on_connection_create_start.append(enter("connect"))
    trace.on_request_headers_sent.append(enter("send"))
    trace.on_request_end.append(enter("read"))  # response headers are in: the body is next
    return trace


def _jittery(rng: random.Random) -> fs.Action:
    """Small random pauses before the headers and inside the body; closes every connection so
    that each call also has to connect."""
    body = b'{"external_id": "c1", "name": {"en": "x"}}'

    async def action(request: fs.Received, conn: fs.Connection) -> None:
        await asyncio.sleep(rng.uniform(0, 0.002))
        await conn.send(fs.head(200, {"Connection": "close"}, len(body)) + body[:10])
        await asyncio.sleep(rng.uniform(0, 0.002))
        await conn.send(body[10:])
        conn.keep_alive = False

    return action


@pytest.mark.slow
async def test_cancellations_at_connect_send_and_read_leave_the_pool_clean(
    make_client: ClientFactory, server: fs.FaultServer
) -> None:
    rng = random.Random(20250101)
    server.default = _jittery(rng)
    attempts: Counter[str] = Counter()

    def count_attempt(event: RequestEvent) -> None:
        box = _call_box.get(None)
        if box is not None:
            attempts[box.request_id] += 1

    pool_size = 16
    client = make_client(
        server,
        pool_size=pool_size,
        trace_configs=[_phase_tracer(rng)],
        on_request=[count_attempt],
        timeout=Timeouts(total=10.0, read=5.0, pool=30.0),
    )
    user = client.user(CANARIES.jwt)
    gate = asyncio.Semaphore(64)

    async def one_call(n: int) -> SimpleNamespace:
        box = SimpleNamespace(
            request_id=f"call-{n}", target=PHASES[n % 3], phase="queued", cancelled_in=None,
            task=None, result=None,
        )  # fmt: skip
        _call_box.set(box)
        box.task = asyncio.current_task()
        options = RequestOptions(headers={"X-Request-Id": box.request_id})
        async with gate:
            try:
                if n % 2:
                    box.result = await user.coupons.redeem(coupon_code="WINTER", options=options)
                else:
                    box.result = await client.admin.coupons.get("c1", options=options)
            except asyncio.CancelledError:
                box.result = "cancelled"
                if box.cancelled_in is None:
                    raise  # not ours: the test itself is being cancelled
        return box

    async def isolated(n: int) -> SimpleNamespace:
        # Each call in its own task (own context), so a cancel hits only that call.
        # ctx.run instead of create_task(context=...), which needs Python 3.11.
        return await contextvars.copy_context().run(asyncio.create_task, one_call(n))

    boxes = await asyncio.gather(*(isolated(n) for n in range(CANCELLATIONS + 150)))
    cancelled = [b for b in boxes if b.result == "cancelled"]
    by_phase = Counter(b.cancelled_in for b in cancelled)
    assert len(cancelled) >= 1_000, by_phase
    assert all(by_phase[phase] >= 200 for phase in PHASES), by_phase
    # Every call, cancelled or not, made exactly one attempt and reached the server at most once.
    assert set(attempts.values()) == {1}
    assert max(server.per_request_id.values()) == 1
    assert all(b.result == "cancelled" or b.result is not None for b in boxes)
    await pool_is_clean_soon(client, pool_size)  # aborted connections finish closing
    server.default = fs.reply(200, {"external_id": "after"})
    assert (await client.admin.coupons.get("after")).external_id == "after"


# Closing under traffic ----------------------------------------------------------------------


async def test_closing_the_client_ends_calls_in_flight_with_a_clear_error(
    make_client: ClientFactory, server: fs.FaultServer
) -> None:
    server.default = fs.slow_headers(5.0)
    client = make_client(server, pool_size=4, timeout=Timeouts(total=10.0, read=10.0, pool=10.0))
    calls = [
        asyncio.create_task(
            outcome(
                client.admin.coupons.get(f"c{n}")
                if n % 2
                else client.user(CANARIES.jwt).coupons.redeem(coupon_code=f"code-{n}")
            )
        )
        for n in range(20)
    ]
    while len(server.received) < 4:  # the pool is full, 16 calls wait for a connection
        await asyncio.sleep(0.01)
    await client.aclose()
    results = await asyncio.wait_for(asyncio.gather(*calls), 30)  # a hang guard only
    assert all(isinstance(r, ClientClosedError) for r in results), results
    assert "closed" in str(results[0])
    assert len(server.received) == 4  # the waiting calls were not sent after the close
    with pytest.raises(ClientClosedError):
        await client.admin.coupons.get("late")
