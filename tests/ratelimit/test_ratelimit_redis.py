"""The Redis-backed bucket in one process: shared state, shared pause, failure and recovery."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable

import pytest
from redis.asyncio import Redis

from liveops_async.lib.ratelimit import RateLimiter, RedisTokenBucketLimiter, TokenBucketLimiter

from ._support import REPO_ROOT, RedisServer, free_port

pytestmark = pytest.mark.redis

LOGGER = "liveops_async.ratelimit"


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno >= 30]


async def elapsed(awaitable: Awaitable[object]) -> float:
    start = time.monotonic()
    await awaitable
    return time.monotonic() - start


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
    # 2/s: a slot every 0.5 s, far apart from "at once" even on a loaded machine.
    a = RedisTokenBucketLimiter(redis_server.url, 2, 3)
    b = RedisTokenBucketLimiter(redis_server.url, 2, 3)
    assert isinstance(a, RateLimiter)
    try:
        await a.acquire("warm-up")  # connections and script cache, off the clock
        await b.acquire("warm-up")
        for _ in range(3):  # a spends the whole burst...
            assert await elapsed(a.acquire("k")) < 0.25
        # ...so b, another client with its own connection, waits for the next token.
        assert 0.4 <= await elapsed(b.acquire("k")) < 1.5
        # Another key has its own budget.
        assert await elapsed(b.acquire("other")) < 0.25
    finally:
        await a.aclose()
        await b.aclose()


async def test_state_lives_in_expiring_keys_under_the_prefix(redis_server: RedisServer) -> None:
    client = Redis.from_url(redis_server.url, decode_responses=True)
    limiter = RedisTokenBucketLimiter(client, 100, 5, key_prefix="fleet-a:")
    try:
        await limiter.acquire("cred1")
        await limiter.on_rate_limited("cred1", 0.5)
        keys = sorted(await client.keys("*"))
        assert keys == ["fleet-a:{cred1}:pause", "fleet-a:{cred1}:tat"]
        for key in keys:
            assert 0 < await client.pttl(key) <= 2000  # memory is reclaimed once idle
    finally:
        await limiter.aclose()
    assert await client.ping()  # a client we passed in stays open
    await client.aclose()


async def test_a_429_seen_by_one_pauses_the_other(redis_server: RedisServer) -> None:
    a = RedisTokenBucketLimiter(redis_server.url, 50, 5)
    b = RedisTokenBucketLimiter(redis_server.url, 50, 5)
    try:
        await a.on_rate_limited("k", 0.6)
        waited = await elapsed(b.acquire("k"))
        assert 0.5 <= waited < 1.5
        # After the pause: no burst, the next request waits one interval (20 ms).
        assert await elapsed(b.acquire("k")) >= 0.01
    finally:
        await a.aclose()
        await b.aclose()


async def test_unreachable_redis_falls_back_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = f"redis://:s3cret-password@127.0.0.1:{free_port()}/0"  # nothing listens there
    fallback = TokenBucketLimiter(1000, 10)
    limiter = RedisTokenBucketLimiter(url, 5, 1, fallback=fallback, retry_interval=0.05)
    try:
        with caplog.at_level(logging.INFO, logger=LOGGER):
            for _ in range(10):
                await asyncio.wait_for(limiter.acquire("k"), 2)
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


async def test_reconnects_when_redis_comes_back(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = RedisTokenBucketLimiter(redis_server.url, 100, 5, retry_interval=0.2)
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
            await asyncio.sleep(0.25)
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
            waits = await asyncio.wait_for(
                asyncio.gather(*(elapsed(limiter.acquire("k")) for _ in range(4))), 5
            )
        finally:
            os.kill(redis_server.proc.pid, signal.SIGCONT)
        assert limiter.degraded
        # The first caller waits for the timeout (one retry: at most ~2 x 0.2 s); the queued
        # ones go straight to the fallback instead of waiting their own timeouts.
        assert max(waits) < 1.5
    finally:
        await limiter.aclose()


def test_rejects_invalid_settings() -> None:
    with pytest.raises(ValueError, match="rate"):
        RedisTokenBucketLimiter("redis://127.0.0.1:1/0", 0)
    with pytest.raises(ValueError, match="retry_interval"):
        RedisTokenBucketLimiter("redis://127.0.0.1:1/0", 1, retry_interval=0)
