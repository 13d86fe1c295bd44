"""A token bucket shared through Redis by every process that uses the same Redis and key prefix."""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from ..._exceptions import InvalidParameterError
from ..._hooks import RateLimiter
from .._redis_client import redis_from_url
from . import _scripts
from ._bucket_rules import check_rate_and_burst, pause_seconds
from ._local import Clock, Sleep, TokenBucketLimiter

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.commands.core import AsyncScript

logger = logging.getLogger("liveops_async.ratelimit")

DEFAULT_KEY_PREFIX = "liveops:ratelimit:"
#: Seconds a leased slot may still be spent after it was due (at least; see ``lease``). Any
#: window of the fleet's traffic can hold at most ``rate * LEASE_GRACE`` more calls than ``rate``
#: allows because of it.
LEASE_GRACE = 0.05


class _KeyState:
    """What one process knows about one key's shared bucket."""

    __slots__ = ("ahead", "lock", "slots", "waiting")

    def __init__(self) -> None:
        # One acquisition in flight per key and process: the waiter at the head of the FIFO lock
        # holds the reservations, so a 429 or a cancellation wastes at most one reservation (or
        # one lease) per process, and a process needs one Redis connection per key, not one per
        # waiter.
        self.lock = asyncio.Lock()
        self.waiting = 0  # callers queued for the lock
        # Leased slots not yet used: when each is due, on the local clock, in order.
        self.slots: deque[float] = deque()
        # A slot reserved for the next caller in line: when it is due on the local clock, and
        # on the script's clock (to check it against pauses).
        self.ahead: tuple[float, int] | None = None


class RedisTokenBucketLimiter:
    """``rate`` requests per second and bursts of ``burst`` per key, shared by a whole fleet.

    ``redis`` is a ``redis://`` URL (the limiter then owns the client it creates, with short
    timeouts and no silent retry storms) or a ``redis.asyncio.Redis`` client (left open by
    :meth:`aclose`).

    With ``lease=1`` (the default) one acquisition costs one Redis round trip, plus one more when
    it had to wait (to check for a pause that began meanwhile). With ``lease=n`` a round trip
    reserves ``n`` consecutive slots of the shared bucket, which this process then hands out at
    their due times: about ``1/n`` round trips per call, for processes making hundreds of calls
    per second. A slot left unused for longer than a lease lasts (and at least ``LEASE_GRACE``,
    50 ms) after it was due is dropped, never spent later, so the fleet stays within ``rate``; a
    pause set by another process reaches a leasing process at its next lease (see
    docs/fleet-scale.md for sizing).

    After a 429, :meth:`on_rate_limited` writes a shared pause that every process honours.

    When Redis fails, calls go on through ``fallback`` (by default an in-process bucket with the
    same rate and burst), one warning is logged, and Redis is tried again every
    ``retry_interval`` seconds; the first success switches back.

    ``clock`` (seconds, monotonic) and ``sleep`` replace the event loop's time and
    ``asyncio.sleep`` for tests: the scripts then run on ``clock`` instead of the Redis server's
    ``TIME``, so every process sharing the bucket must share that clock.
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
        lease: int = 1,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        check_rate_and_burst(rate, burst)
        if not (math.isfinite(retry_interval) and retry_interval > 0):
            raise InvalidParameterError(
                f"retry_interval must be > 0 seconds, got {retry_interval!r}"
            )
        if isinstance(lease, bool) or not isinstance(lease, int) or lease < 1:
            raise InvalidParameterError(f"lease must be an integer >= 1, got {lease!r}")
        self._rate = float(rate)
        self._burst = burst
        self._lease = lease
        self._interval = 1.0 / self._rate
        self._interval_us = 1_000_000.0 / self._rate
        # A leased slot may be spent at most this late: the span of one lease (or of the burst,
        # whose slots are due at once), and never less than LEASE_GRACE, which a busy event loop
        # can easily run late. Later ones are dropped, so a process that fell behind cannot add
        # a stale lease to the fleet's current rate.
        self._stale_after = max(max(lease, burst) * self._interval, LEASE_GRACE)
        self._key_prefix = key_prefix
        self._clock = clock
        self._sleep: Sleep = sleep if sleep is not None else asyncio.sleep
        self._fallback: RateLimiter = fallback or TokenBucketLimiter(
            rate, burst, clock=clock, sleep=sleep
        )
        self._retry_interval = retry_interval
        self._owns_client = isinstance(redis, str)
        self._client = (
            redis_from_url(redis, timeout, "RedisTokenBucketLimiter")
            if isinstance(redis, str)
            else redis
        )
        self._acquire_script: AsyncScript = self._client.register_script(_scripts.ACQUIRE)
        self._pause_script: AsyncScript = self._client.register_script(_scripts.PAUSE)
        self._keys_state: dict[str, _KeyState] = {}
        self._pause_sent_until: dict[str, float] = {}
        self._round_trips = 0
        self._slots_dropped = 0
        self._down = False
        self._next_attempt_at = 0.0
        self._probing = False
        self._closed = False

    def __repr__(self) -> str:
        # Never the URL: it may carry a password.
        return (
            f"RedisTokenBucketLimiter(rate={self._rate!r}, burst={self._burst!r}, "
            f"lease={self._lease!r}, key_prefix={self._key_prefix!r}, degraded={self._down!r})"
        )

    @property
    def degraded(self) -> bool:
        """True while Redis is unreachable and the fallback limits calls."""
        return self._down

    @property
    def redis_round_trips(self) -> int:
        """Redis commands this limiter has sent so far (failed ones included), for sizing."""
        return self._round_trips

    @property
    def slots_dropped(self) -> int:
        """Reserved slots dropped unused because they were too late to spend (see ``lease``):
        budget this process took from the fleet and wasted. Many mean ``lease`` is too large
        for the process's traffic, or its event loop is overloaded."""
        return self._slots_dropped

    def _now(self) -> float:
        if self._clock is not None:
            return self._clock()
        return asyncio.get_running_loop().time()

    def _script_now(self) -> str:
        """The scripts' ``now`` argument: '' for the Redis server's clock, else ``clock`` in us."""
        return "" if self._clock is None else str(round(self._clock() * 1_000_000))

    def _keys(self, key: str) -> list[str]:
        # The hash tag keeps both keys of a credential in one Redis Cluster slot, which Lua needs.
        base = f"{self._key_prefix}{{{key}}}"
        return [f"{base}:tat", f"{base}:pause"]

    async def acquire(self, key: str) -> None:
        """Wait until the shared bucket of `key` grants a slot (a round trip or a leased slot)."""
        state = self._keys_state.get(key)
        if state is None:
            state = self._keys_state[key] = _KeyState()
        state.waiting += 1
        try:
            await state.lock.acquire()
        finally:
            state.waiting -= 1
        try:
            if await self._try_redis(self._acquire_shared(key, state)):
                return
        finally:
            state.lock.release()
        await self._fallback.acquire(key)

    async def on_rate_limited(self, key: str, retry_after: float) -> None:
        """Pause the shared bucket of `key` for every process for `retry_after` seconds (capped)."""
        # The local pause always applies, so this process holds back even if Redis is down.
        await self._fallback.on_rate_limited(key, retry_after)
        state = self._keys_state.get(key)
        if state is not None:
            # Slots reserved before are void: the pause drains the shared bucket.
            state.slots.clear()
            state.ahead = None
        pause = pause_seconds(retry_after)
        now = self._now()
        # Many requests in flight often get their 429s together; one shared pause is enough.
        if now + pause <= self._pause_sent_until.get(key, -math.inf):
            return
        self._pause_sent_until[key] = now + pause
        await self._try_redis(self._pause_shared(key, pause))

    async def aclose(self) -> None:
        """Close the Redis connection if the limiter created it."""
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

    async def _pause_shared(self, key: str, pause: float) -> None:
        self._round_trips += 1
        args: list[int | str] = [math.ceil(pause * 1000), *self._bucket_args(), self._script_now()]
        await self._pause_script(keys=self._keys(key), args=args)

    async def _reserve(
        self, key: str, count: int, check_due_at: int | None = None
    ) -> tuple[float, int, bool]:
        """One round trip: reserve ``count`` slots and, given ``check_due_at`` (a slot reserved
        earlier), check that no pause began since that lasts past it. Returns when the first new
        slot is due (seconds from now, negative if already due), its due time on the script's
        clock, and whether the checked slot still stands."""
        self._round_trips += 1
        check = "" if check_due_at is None else str(check_due_at)
        first_due_us, due_at, stands = await self._acquire_script(
            keys=self._keys(key),
            args=[*self._bucket_args(), str(count), self._script_now(), check],
        )
        return first_due_us / 1_000_000, int(due_at), bool(stands)

    async def _acquire_shared(self, key: str, state: _KeyState) -> None:
        if self._lease > 1:
            await self._acquire_leased(key, state)
        else:
            await self._acquire_checked(key, state)

    async def _acquire_leased(self, key: str, state: _KeyState) -> None:
        slots = state.slots
        while True:
            now = self._now()
            while slots and slots[0] < now - self._stale_after:
                slots.popleft()
                self._slots_dropped += 1
            if slots:  # a leased slot: no round trip
                due = slots.popleft()
                if due > now:
                    await self._sleep(due - now)
                return
            first_due, _, _ = await self._reserve(key, self._lease)
            # Due times on the local clock, measured after the answer: a little late, never
            # early. Slots already due (the burst) count from now.
            now = self._now()
            slots.extend(max(now, now + first_due + i * self._interval) for i in range(self._lease))

    async def _acquire_checked(self, key: str, state: _KeyState) -> None:
        # A slot reserved ahead (by the caller before us, for us) or a fresh one. A slot not due
        # yet is slept for and then checked against pauses that began meanwhile; when another
        # caller waits behind us, the check reserves its slot in the same round trip, so a busy
        # process pays about one round trip per call.
        while True:
            now = self._now()
            ahead, state.ahead = state.ahead, None
            if ahead is not None and ahead[0] >= now - self._stale_after:
                due, due_at = ahead
            else:
                if ahead is not None:  # reserved for a caller that was cancelled long ago
                    self._slots_dropped += 1
                first_due, due_at, _ = await self._reserve(key, 1)
                if first_due <= 0:
                    return  # due at once, and nothing can have paused it since
                due = self._now() + first_due
            now = self._now()
            if due > now:
                await self._sleep(due - now)
            if state.waiting:
                first_due, next_due_at, stands = await self._reserve(key, 1, due_at)
                state.ahead = (self._now() + max(0.0, first_due), next_due_at)
            else:
                self._round_trips += 1
                pause_end = await self._client.get(self._keys(key)[1])
                stands = pause_end is None or int(pause_end) <= due_at
            if stands:
                return
            # A pause began while we waited and lasts past our slot: the slot is void, and we
            # queue behind the pause (taking the slot just reserved ahead, which is behind it).

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
        if self._probing or self._now() < self._next_attempt_at:
            return False
        self._probing = True
        return True

    def _record_failure(self, exc: Exception) -> None:
        self._next_attempt_at = self._now() + self._retry_interval
        if self._down:
            logger.debug("Redis rate limiter still unreachable: %s", type(exc).__name__)
            return
        self._down = True
        # The class name only: a Redis error's text can carry what the server echoed (an ACL
        # reply quoting the credentials it refused), and secrets never reach the logs.
        logger.warning(
            "Redis rate limiter unreachable (%s); limiting in-process until it answers "
            "again, retrying every %.1f s",
            type(exc).__name__,
            self._retry_interval,
        )

    def _record_success(self) -> None:
        if self._down:
            self._down = False
            logger.info("Redis rate limiter reachable again; the shared budget is back in use")
