"""The retry budget in Redis: one hash per budget name, changed only by one Lua script.

Retries are rarer than calls, so each retry costs one round trip; successes (every call) are
counted in process and added to the shared budget in batches: with the next retry, or once
`flush_every` of them have piled up. When Redis fails, the budget of this process (which counts
every success too) decides alone, one warning is logged, and Redis is tried again every
`retry_interval` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import math
from typing import TYPE_CHECKING

from ..._exceptions import InvalidParameterError
from ..._retry_budget import (
    DEFAULT_CAPACITY,
    DEFAULT_REFILL_PER_SECOND,
    DEFAULT_RETRY_COST,
    DEFAULT_SUCCESS_REFILL,
    RetryBudget,
    check_budget_numbers,
)
from .._redis_client import redis_from_url

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.commands.core import AsyncScript

__all__ = ["DEFAULT_KEY_PREFIX", "RedisRetryBudget"]

logger = logging.getLogger("liveops_async.retrybudget")

DEFAULT_KEY_PREFIX = "liveops:retry-budget:"
_KEY_TTL_SECONDS = 86_400  # an unused budget disappears after a day (and starts full again)

# KEYS[1] the budget hash {tokens, at (microseconds of Redis TIME)}.
# ARGV: capacity, retry cost, refill per second, tokens to deposit, 1 to withdraw one retry.
# Returns 1 when the retry was paid for, else 0. Redis TIME: client clocks never matter.
# Numbers are written with string.format: tostring would print 1.7e+15 and lose digits.
_SPEND = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local capacity = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local per_us = tonumber(ARGV[3]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
if now > at then tokens = tokens + (now - at) * per_us end
tokens = math.min(capacity, tokens + tonumber(ARGV[4]))
local granted = 0
if tonumber(ARGV[5]) == 1 and tokens >= cost then
  tokens = tokens - cost
  granted = 1
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens),
           'at', string.format('%.0f', now))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[6]))
return granted
"""


class RedisRetryBudget:
    """A `RetryBudget` shared through Redis by every process using the same `name`.

    Args:
        redis (str | redis.asyncio.Redis): a `redis://` URL (the budget then owns the client it
            creates, with `timeout` seconds for connecting and each command) or a client of
            yours (left open by `aclose`).
        name (str): the budget; processes with the same name and `key_prefix` share it.
        capacity, retry_cost, success_refill, refill_per_second (float): as for `RetryBudget`;
            the same in every process sharing the budget.
        flush_every (int): successes counted in process before they are added in Redis.
        retry_interval (float): seconds between attempts to reach Redis again while it is down.
        timeout (float): seconds, for a client built from a URL.

    Raises InvalidParameterError (a ValueError) naming a bad argument; ImportError without the
    `redis` package. Redis
    errors never reach the caller: the process's own budget (`local`) decides meanwhile. Call
    `aclose()` when done (it adds the successes not sent yet).
    """

    def __init__(
        self,
        redis: str | Redis,
        *,
        name: str = "default",
        key_prefix: str = DEFAULT_KEY_PREFIX,
        capacity: float = DEFAULT_CAPACITY,
        retry_cost: float = DEFAULT_RETRY_COST,
        success_refill: float = DEFAULT_SUCCESS_REFILL,
        refill_per_second: float = DEFAULT_REFILL_PER_SECOND,
        flush_every: int = 10,
        retry_interval: float = 5.0,
        timeout: float = 0.5,
    ) -> None:
        check_budget_numbers(capacity, retry_cost, success_refill, refill_per_second)
        if isinstance(flush_every, bool) or not isinstance(flush_every, int) or flush_every < 1:
            raise InvalidParameterError(f"flush_every must be an integer >= 1, got {flush_every!r}")
        if not (math.isfinite(retry_interval) and retry_interval > 0):
            raise InvalidParameterError(
                f"retry_interval must be > 0 seconds, got {retry_interval!r}"
            )
        self._key = f"{key_prefix}{{{name}}}"
        self._args = [repr(float(capacity)), repr(float(retry_cost)), repr(refill_per_second)]
        self._success_refill = float(success_refill)
        self._flush_at = flush_every * self._success_refill
        self._retry_interval = retry_interval
        # This process's own view: decides while Redis is down, and counts every success.
        self.local: RetryBudget = RetryBudget(
            capacity, retry_cost, success_refill, refill_per_second
        )
        self._owns_client = isinstance(redis, str)
        self._client = (
            redis_from_url(redis, timeout, "RedisRetryBudget") if isinstance(redis, str) else redis
        )
        self._script: AsyncScript = self._client.register_script(_SPEND)
        self._pending = 0.0
        self._flush: asyncio.Task[bool | None] | None = None
        self._down_until: float | None = None
        self._closed = False

    def __repr__(self) -> str:
        # Never the URL: it may carry a password.
        return f"RedisRetryBudget(key={self._key!r}, degraded={self.degraded!r})"

    @property
    def degraded(self) -> bool:
        """True while Redis is unreachable and this process's budget decides alone."""
        return self._down_until is not None

    async def try_acquire(self) -> bool:
        """Take one retry from the shared budget (local while Redis is down); False: empty."""
        granted = await self._spend(withdraw=True)
        if granted is None:
            return self.local.take()
        if granted:
            self.local.charge()  # so that the process's view is current if Redis goes away
        return granted

    def record_success(self) -> None:
        """Refill the shared budget after a successful call (batched to Redis)."""
        self.local.record_success()
        self._pending += self._success_refill
        if self._pending >= self._flush_at and (self._flush is None or self._flush.done()):
            self._flush = asyncio.get_running_loop().create_task(self._spend(withdraw=False))

    async def flush(self) -> None:
        """Add the successes counted so far to the shared budget now."""
        if self._flush is not None:
            await asyncio.gather(self._flush, return_exceptions=True)
        if self._pending:
            await self._spend(withdraw=False)

    async def aclose(self) -> None:
        """Add the successes not yet sent, and close the Redis client if the budget made it."""
        if self._closed:
            return
        self._closed = True
        await self.flush()
        if self._owns_client:
            await self._client.aclose()

    async def _spend(self, *, withdraw: bool) -> bool | None:
        """One script call; None when Redis is (known to be) unreachable."""
        loop_time = asyncio.get_running_loop().time()
        if self._down_until is not None and loop_time < self._down_until:
            return None
        deposit, self._pending = self._pending, 0.0
        args = [*self._args, repr(deposit), "1" if withdraw else "0", str(_KEY_TTL_SECONDS)]
        try:
            granted = await self._script(keys=[self._key], args=args)
        except Exception as exc:  # any Redis failure falls back, never fails the API call
            self._pending += deposit
            self._went_down(exc, loop_time)
            return None
        if self._down_until is not None:
            self._down_until = None
            logger.info("Redis retry budget reachable again; the shared budget is back in use")
        return bool(granted)

    def _went_down(self, exc: Exception, loop_time: float) -> None:
        was_down = self._down_until is not None
        self._down_until = loop_time + self._retry_interval
        if was_down:
            logger.debug("Redis retry budget still unreachable: %s", type(exc).__name__)
            return
        logger.warning(
            "Redis retry budget unreachable (%s); deciding retries in-process until it answers "
            "again, retrying every %.1f s",
            type(exc).__name__,
            self._retry_interval,
        )
