"""The Redis-backed bucket in one process: shared state, shared pause, failure and recovery."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from liveops_async import InvalidParameterError
from liveops_async.lib.ratelimit import RateLimiter, RedisTokenBucketLimiter, TokenBucketLimiter
from tests._ports import refusing_port

from ._support import REPO_ROOT, FakeTime, RedisServer

pytestmark = pytest.mark.redis

LOGGER = "liveops_async.ratelimit"


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno >= 30]


def fake_limiters(
    redis_server: RedisServer, rate: float, burst: int, *, count: int = 2, **options: Any
) -> tuple[list[RedisTokenBucketLimiter], FakeTime]:
    """``count`` limiters sharing one bucket on a real redis-server, all on one fake clock, so a
    test asserts the exact waits the shared script decided, whatever the machine's load."""
    fake = FakeTime()
    limiters = [
        RedisTokenBucketLimiter(
            redis_server.url, rate, burst, clock=fake.clock, sleep=fake.sleep, **options
        )
        for _ in range(count)
    ]
    return limiters, fake


def test_importing_the_package_does_not_import_redis() -> None:
    code = (
        "import sys; import liveops_async.lib.ratelimit as r; "
        "r.TokenBucketLimiter(1.0); print('redis' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
        timeout=30,
    )
    assert out.stdout.strip() == "False"


async def test_two_limiters_share_one_budget(redis_server: RedisServer) -> None:
    (a, b), fake = fake_limiters(redis_server, rate=2, burst=3)
    assert isinstance(a, RateLimiter)
    try:
        for _ in range(3):  # a spends the whole burst without waiting...
            await a.acquire("k")
        assert fake.sleeps == []
        # ...so b, another client with its own connection, waits exactly for the next token.
        await b.acquire("k")
        assert fake.sleeps == [pytest.approx(0.5)]
        await b.acquire("other")  # another key has its own budget
        assert fake.sleeps == [pytest.approx(0.5)]
        # One round trip per call, plus one after the wait to look for a pause.
        assert (a.redis_round_trips, b.redis_round_trips) == (3, 3)
    finally:
        await a.aclose()
        await b.aclose()


async def test_state_lives_in_expiring_keys_under_the_prefix(redis_server: RedisServer) -> None:
    # On the Redis server's own clock: the expiry is production behaviour. The pause is long
    # enough (5 s) that a stalled test machine cannot see its key expire before the check.
    client = Redis.from_url(redis_server.url, decode_responses=True)
    limiter = RedisTokenBucketLimiter(client, 100, 5, key_prefix="fleet-a:")
    try:
        await limiter.acquire("cred1")
        await limiter.on_rate_limited("cred1", 5.0)
        keys = sorted(await client.keys("*"))
        assert keys == ["fleet-a:{cred1}:pause", "fleet-a:{cred1}:tat"]
        # Memory is reclaimed once idle: the pause key when the pause ends, the bucket a second
        # after it is full again (pause + 4 slots of the burst drained + 1 s).
        assert 0 < await client.pttl(keys[0]) <= 5000
        assert 5000 < await client.pttl(keys[1]) <= 5000 + 40 + 1000
    finally:
        await limiter.aclose()
    assert await client.ping()  # a client we passed in stays open
    await client.aclose()


async def test_a_429_seen_by_one_pauses_the_other(redis_server: RedisServer) -> None:
    (a, b), fake = fake_limiters(redis_server, rate=50, burst=5)
    try:
        await a.on_rate_limited("k", 0.6)
        await b.acquire("k")
        # b waited for the whole pause; then no burst: the next request waits one interval.
        await b.acquire("k")
        assert fake.sleeps == [pytest.approx(0.6), pytest.approx(0.02)]
    finally:
        await a.aclose()
        await b.aclose()


def _pause_during_first_sleep(
    sleeper: RedisTokenBucketLimiter, paused_by: RedisTokenBucketLimiter, fake: FakeTime
) -> None:
    """While `sleeper` first sleeps for its slot, `paused_by` gets a 429 with a 2 s pause."""
    paused = False

    async def sleep_then_429(delay: float) -> None:
        nonlocal paused
        await fake.sleep(delay)
        if not paused:
            paused = True
            await paused_by.on_rate_limited("k", 2.0)

    sleeper._sleep = sleep_then_429


async def test_a_pause_that_begins_while_a_caller_waits_sends_it_behind_the_pause(
    redis_server: RedisServer,
) -> None:
    (a, b), fake = fake_limiters(redis_server, rate=10, burst=1)
    try:
        await a.acquire("k")  # the next slot is due in 0.1 s
        _pause_during_first_sleep(b, a, fake)
        await b.acquire("k")
        # b woke for its slot, saw the pause (its second round trip) and queued behind it.
        assert fake.sleeps == [pytest.approx(0.1), pytest.approx(2.0)]
        assert b.redis_round_trips == 4
    finally:
        await a.aclose()
        await b.aclose()


async def test_a_busy_process_pays_one_round_trip_per_call(redis_server: RedisServer) -> None:
    (a,), fake = fake_limiters(redis_server, rate=10, burst=1, count=1)
    try:
        order: list[int] = []

        async def call(n: int) -> None:
            await a.acquire("k")
            order.append(n)

        await asyncio.gather(*(call(n) for n in range(5)))
        assert order == [0, 1, 2, 3, 4]
        assert fake.sleeps == [pytest.approx(0.1)] * 4
        # The first goes at once; each waiter's pause check reserves the next waiter's slot;
        # only the last, with nobody behind it, checks on its own: 6 round trips for 5 calls.
        assert a.redis_round_trips == 6
    finally:
        await a.aclose()


async def test_a_pause_voids_a_slot_checked_together_with_the_next_reservation(
    redis_server: RedisServer,
) -> None:
    (a, b), fake = fake_limiters(redis_server, rate=10, burst=1)
    try:
        await a.acquire("k")  # the next slot is due in 0.1 s
        _pause_during_first_sleep(b, a, fake)
        start = fake.now
        done: list[float] = []

        async def call() -> None:
            await b.acquire("k")
            done.append(fake.now - start)

        await asyncio.gather(*(call() for _ in range(3)))
        # The first caller's slot fell inside the pause: it took the slot reserved behind the
        # pause instead, and the others followed at the rate.
        assert done == [pytest.approx(2.1), pytest.approx(2.2), pytest.approx(2.3)]
    finally:
        await a.aclose()
        await b.aclose()


async def test_a_lease_reserves_several_slots_in_one_round_trip(redis_server: RedisServer) -> None:
    (a, b), fake = fake_limiters(redis_server, rate=10, burst=1, lease=4)
    try:
        for _ in range(4):
            await a.acquire("k")
        # One round trip for four calls, released one interval apart as the bucket allows.
        assert a.redis_round_trips == 1
        assert fake.sleeps == [pytest.approx(0.1)] * 3
        # The lease took the shared budget: b's own lease starts after a's last slot.
        await b.acquire("k")
        assert fake.sleeps[3:] == [pytest.approx(0.1)]
        await a.acquire("k")  # a's fifth call needs a new lease, behind b's
        assert a.redis_round_trips == 2
        assert fake.sleeps[4:] == [pytest.approx(0.4)]
    finally:
        await a.aclose()
        await b.aclose()


async def test_stale_leased_slots_are_dropped_not_spent_late(redis_server: RedisServer) -> None:
    (a,), fake = fake_limiters(redis_server, rate=10, burst=1, count=1, lease=4)
    try:
        await a.acquire("k")
        fake.now += 10.0  # the other three slots were due long ago
        await a.acquire("k")
        assert a.redis_round_trips == 2  # a new lease, not a burst of three old slots
        assert a.slots_dropped == 3
        await a.acquire("k")
        assert fake.sleeps == [pytest.approx(0.1)]
        # A slot a little late (less than the span of a lease, 0.4 s) is still spent.
        fake.now += 0.3
        await a.acquire("k")
        assert a.redis_round_trips == 2
    finally:
        await a.aclose()


async def test_a_429_voids_the_lease_and_pauses_the_other_leases(
    redis_server: RedisServer,
) -> None:
    (a, b), fake = fake_limiters(redis_server, rate=10, burst=1, lease=4)
    try:
        await a.acquire("k")
        await b.acquire("k")  # b holds slots at 0.4 .. 0.7 s
        assert fake.sleeps == [pytest.approx(0.4)]
        await a.on_rate_limited("k", 5.0)  # at 1000.4
        # b spends the slots it already holds (a pause reaches a leasing process at its next
        # lease)...
        for _ in range(3):
            await b.acquire("k")
        assert b.redis_round_trips == 1
        assert fake.now == pytest.approx(1000.7)
        # ...and its next lease waits out the pause.
        await b.acquire("k")
        assert b.redis_round_trips == 2
        assert fake.now == pytest.approx(1005.4)
        # a's leftover slots were void: its new lease (one pause + one lease round trip more)
        # comes after b's four slots.
        await a.acquire("k")
        assert a.redis_round_trips == 3
        assert fake.now == pytest.approx(1005.8)
    finally:
        await a.aclose()
        await b.aclose()


async def test_unreachable_redis_falls_back_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with refusing_port() as port:
        await _falls_back_with_one_warning(caplog, f"redis://:s3cret-password@127.0.0.1:{port}/0")


async def _falls_back_with_one_warning(caplog: pytest.LogCaptureFixture, url: str) -> None:
    fallback = TokenBucketLimiter(1000, 10)
    limiter = RedisTokenBucketLimiter(url, 5, 1, fallback=fallback, retry_interval=0.05)
    try:
        with caplog.at_level(logging.INFO, logger=LOGGER):
            for _ in range(10):
                await asyncio.wait_for(limiter.acquire("k"), 30)  # a hang guard only
                await asyncio.sleep(0.01)  # past retry_interval: Redis is probed again
            await limiter.on_rate_limited("k", 0.0)
        assert limiter.degraded
        warnings = warnings_of(caplog)
        assert len(warnings) == 1
        assert "unreachable" in warnings[0]
        assert "s3cret" not in caplog.text
        assert "s3cret" not in repr(limiter)
    finally:
        await limiter.aclose()


async def test_the_unreachable_warning_names_the_error_class_not_its_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    limiter = RedisTokenBucketLimiter("redis://127.0.0.1:1/0", 5, 1)
    echoed = ConnectionError("WRONGPASS for user default with password s3cret-password")
    try:
        with caplog.at_level(logging.DEBUG, logger=LOGGER):
            limiter._record_failure(echoed)
            limiter._record_failure(echoed)  # still down: the DEBUG line
        assert "ConnectionError" in warnings_of(caplog)[0]
        assert "s3cret" not in caplog.text
    finally:
        await limiter.aclose()


async def test_reconnects_when_redis_comes_back(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    (limiter,), fake = fake_limiters(redis_server, 100, 5, count=1, retry_interval=0.2)
    try:
        with caplog.at_level(logging.INFO, logger=LOGGER):
            await limiter.acquire("k")
            assert not limiter.degraded
            redis_server.kill()
            await limiter.acquire("k")
            assert limiter.degraded
            redis_server.start()  # same port, empty state
            await limiter.acquire("k")  # within retry_interval: still on the fallback
            assert limiter.degraded
            fake.now += 0.25
            await limiter.acquire("k")
            assert not limiter.degraded
        assert len(warnings_of(caplog)) == 1
        assert any("reachable again" in r.getMessage() for r in caplog.records)
    finally:
        await limiter.aclose()


async def test_a_hung_redis_costs_one_timeout_then_falls_back(redis_server: RedisServer) -> None:
    limiter = RedisTokenBucketLimiter(redis_server.url, 100, 5, timeout=0.2)
    try:
        await limiter.acquire("k")
        assert redis_server.proc is not None
        os.kill(redis_server.proc.pid, signal.SIGSTOP)
        try:
            # The guard only stops a hang; the check is on what the limiter did.
            await asyncio.wait_for(asyncio.gather(*(limiter.acquire("k") for _ in range(4))), 30)
        finally:
            os.kill(redis_server.proc.pid, signal.SIGCONT)
        assert limiter.degraded
        # The first caller waited for the timeout; the queued ones went straight to the
        # fallback instead of each sending a command and waiting out its own timeout.
        assert limiter.redis_round_trips == 2
    finally:
        await limiter.aclose()


def test_rejects_invalid_settings() -> None:
    with pytest.raises(InvalidParameterError, match="rate"):
        RedisTokenBucketLimiter("redis://127.0.0.1:1/0", 0)
    with pytest.raises(InvalidParameterError, match="retry_interval"):
        RedisTokenBucketLimiter("redis://127.0.0.1:1/0", 1, retry_interval=0)
    with pytest.raises(InvalidParameterError, match="lease"):
        RedisTokenBucketLimiter("redis://127.0.0.1:1/0", 1, lease=0)


def test_a_redis_server_on_a_taken_port_is_not_mistaken_for_ours(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    # Another run's server on the port found free must not pass for the one just started.
    (tmp_path / "second").mkdir()
    second = RedisServer(exe=redis_server.exe, port=redis_server.port, workdir=tmp_path / "second")
    with pytest.raises(RuntimeError, match="did not start"):
        second.start()
    assert second.proc is not None and second.proc.poll() is not None
