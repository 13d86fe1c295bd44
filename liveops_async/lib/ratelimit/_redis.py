"""A token bucket shared through Redis by every process that uses the same Redis and key prefix."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from ..._hooks import RateLimiter
from . import _scripts
from ._local import TokenBucketLimiter
from ._protocol import check_rate_and_burst, pause_seconds

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.commands.core import AsyncScript

logger = logging.getLogger("liveops_async.ratelimit")

DEFAULT_KEY_PREFIX = "liveops:ratelimit:"


class RedisTokenBucketLimiter:
    """``rate`` requests per second and bursts of ``burst`` per key, shared by a whole fleet.

    ``redis`` is a ``redis://`` URL (the limiter then owns the client it creates, with short
    timeouts and no silent retry storms) or a ``redis.asyncio.Redis`` client (left open by
    :meth:`aclose`). One acquisition costs one Redis round trip, plus one more when it had to wait
    (to check for a pause that began meanwhile).

    After a 429, :meth:`on_rate_limited` writes a shared pause that every process honours.

    When Redis fails, calls go on through ``fallback`` (by default an in-process bucket with the
    same rate and burst), one warning is logged, and Redis is tried again every
    ``retry_interval`` seconds; the first success switches back.
    """

    def __init__(
        self,
        redis: str | Redis,
        rate: float,
        burst: int = 1,
        *,
        key_prefix: str = DEFAULT_KEY_PREFIX,
        fallback: RateLimiter | None = None,
        retry_interval: float = 5.0,
        timeout: float = 0.5,
    ) -> None:
        check_rate_and_burst(rate, burst)
        if not (math.isfinite(retry_interval) and retry_interval > 0):
            raise ValueError(f"retry_interval must be > 0 seconds, got {retry_interval!r}")
        self._rate = float(rate)
        self._burst = burst
        self._interval_us = 1_000_000.0 / self._rate
        self._key_prefix = key_prefix
        self._fallback: RateLimiter = fallback or TokenBucketLimiter(rate, burst)
        self._retry_interval = retry_interval
        self._owns_client = isinstance(redis, str)
        self._client = _client_from_url(redis, timeout) if isinstance(redis, str) else redis
        self._acquire_script: AsyncScript = self._client.register_script(_scripts.ACQUIRE)
        self._pause_script: AsyncScript = self._client.register_script(_scripts.PAUSE)
        # One shared acquisition in flight per key and process: the waiter at the head of the
        # FIFO lock holds at most one reservation, so a 429 or a cancellation wastes at most one
        # slot per process, and a process needs one Redis connection per key, not one per waiter.
        self._locks: dict[str, asyncio.Lock] = {}
        self._pause_sent_until: dict[str, float] = {}
        self._down = False
        self._next_attempt_at = 0.0
        self._probing = False
        self._closed = False

    def __repr__(self) -> str:
        # Never the URL: it may carry a password.
        return (
            f"RedisTokenBucketLimiter(rate={self._rate!r}, burst={self._burst!r}, "
            f"key_prefix={self._key_prefix!r}, degraded={self._down!r})"
        )

    @property
    def degraded(self) -> bool:
        """True while Redis is unreachable and the fallback limits calls."""
        return self._down

    def _keys(self, key: str) -> list[str]:
        # The hash tag keeps both keys of a credential in one Redis Cluster slot, which Lua needs.
        base = f"{self._key_prefix}{{{key}}}"
        return [f"{base}:tat", f"{base}:pause"]

    async def acquire(self, key: str) -> None:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            if await self._try_redis(self._acquire_shared(key)):
                return
        await self._fallback.acquire(key)

    async def on_rate_limited(self, key: str, retry_after: float) -> None:
        # The local pause always applies, so this process holds back even if Redis is down.
        await self._fallback.on_rate_limited(key, retry_after)
        pause = pause_seconds(retry_after)
        now = asyncio.get_running_loop().time()
        # Many requests in flight often get their 429s together; one shared pause is enough.
        if now + pause <= self._pause_sent_until.get(key, -math.inf):
            return
        self._pause_sent_until[key] = now + pause
        keys = self._keys(key)
        await self._try_redis(
            self._pause_script(keys=keys, args=[math.ceil(pause * 1000), *self._bucket_args()])
        )

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if self._owns_client:
                await self._client.aclose()
        finally:
            await self._fallback.aclose()

    def _bucket_args(self) -> list[str]:
        return [repr(self._interval_us), str(self._burst)]

    async def _acquire_shared(self, key: str) -> None:
        keys = self._keys(key)
        while True:
            wait_us, pause_seen = await self._acquire_script(keys=keys, args=self._bucket_args())
            if wait_us <= 0:
                return
            await asyncio.sleep(wait_us / 1_000_000)
            # A pause that started while we slept voids the slot: reserve again behind it.
            current = await self._client.get(keys[1])
            if current is None or int(current) == int(pause_seen):
                return

    async def _try_redis(self, operation: Coroutine[Any, Any, object]) -> bool:
        """Await ``operation`` (a Redis coroutine) unless Redis is known down; report success."""
        if not self._may_use_redis():
            operation.close()
            return False
        probing = self._down
        try:
            await operation
        except Exception as exc:  # any Redis failure must fall back, never fail the API call
            self._record_failure(exc)
            return False
        else:
            self._record_success()
            return True
        finally:
            if probing:
                self._probing = False

    def _may_use_redis(self) -> bool:
        if not self._down:
            return True
        # While down, a single caller at a time probes Redis once the retry interval is over.
        if self._probing or asyncio.get_running_loop().time() < self._next_attempt_at:
            return False
        self._probing = True
        return True

    def _record_failure(self, exc: Exception) -> None:
        self._next_attempt_at = asyncio.get_running_loop().time() + self._retry_interval
        if self._down:
            logger.debug("Redis rate limiter still unreachable: %s", type(exc).__name__)
            return
        self._down = True
        logger.warning(
            "Redis rate limiter unreachable (%s: %s); limiting in-process until it answers "
            "again, retrying every %.1f s",
            type(exc).__name__,
            exc,
            self._retry_interval,
        )

    def _record_success(self) -> None:
        if self._down:
            self._down = False
            logger.info("Redis rate limiter reachable again; the shared budget is back in use")


def _client_from_url(url: str, timeout: float) -> Redis:
    try:
        from redis.asyncio import Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "RedisTokenBucketLimiter needs the redis package: pip install 'liveops-async[redis]'"
        ) from exc
    # One immediate retry replaces a pooled connection that died with a Redis restart; more
    # retries (redis-py defaults to several, with backoff) would stall every call while Redis is
    # down instead of letting the limiter fall back at once.
    return Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 1),
    )
