"""In-process token bucket: one bucket per key, FIFO-fair, timer-driven (no polling)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from ._bucket_rules import check_rate_and_burst, pause_seconds

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

# A token counts as available when this close to whole: a timer may fire a hair early (the loop
# runs timers due within its clock resolution), and that must not cost a second sleep.
_TOKEN_EPSILON = 1e-6


class _Bucket:
    __slots__ = ("lock", "paused_until", "tokens", "updated_at")

    def __init__(self, burst: int, now: float) -> None:
        # Holding the lock means "next in line": asyncio.Lock queues waiters in FIFO order and
        # does not let newcomers overtake them, so only the head of the queue ever sleeps on a
        # timer and the rest wait on a future. That keeps thousands of waiters fair and cheap.
        self.lock = asyncio.Lock()
        self.tokens = float(burst)
        self.updated_at = now
        self.paused_until = now

    def take(self, now: float, rate: float, burst: int) -> float:
        """Take a token and return 0, or return how long to wait before one is due."""
        self.refill(now, rate, burst)
        if now < self.paused_until:
            return self.paused_until - now
        if self.tokens >= 1.0 - _TOKEN_EPSILON:
            self.tokens = max(0.0, self.tokens - 1.0)
            return 0.0
        return (1.0 - self.tokens) / rate

    def pause(self, until: float, rate: float, burst: int) -> None:
        if until > self.paused_until:
            self.paused_until = until
        # After the pause at most one request may go at once and the rest follow at the rate,
        # so a fleet does not answer a 429 with a fresh burst. (The bucket fills up to the end
        # of the pause as usual, then is cut to one token.)
        self.refill(self.paused_until, rate, burst)
        self.tokens = min(self.tokens, 1.0)

    def refill(self, now: float, rate: float, burst: int) -> None:
        if now > self.updated_at:
            self.tokens = min(float(burst), self.tokens + (now - self.updated_at) * rate)
            self.updated_at = now


class TokenBucketLimiter:
    """A token bucket per key, for one process: ``rate`` requests per second, bursts of ``burst``.

    Waiters are served in arrival order. Time comes from the running event loop's monotonic clock;
    ``clock`` and ``sleep`` replace it (tests drive a fake clock with them). Buckets are kept per
    key for the limiter's lifetime, which suits keys that name credentials (a handful).
    """

    __slots__ = ("_buckets", "_burst", "_clock", "_rate", "_sleep")

    def __init__(
        self, rate: float, burst: int = 1, *, clock: Clock | None = None, sleep: Sleep | None = None
    ) -> None:
        check_rate_and_burst(rate, burst)
        self._rate = float(rate)
        self._burst = burst
        self._clock = clock
        self._sleep: Sleep = sleep if sleep is not None else asyncio.sleep
        self._buckets: dict[str, _Bucket] = {}

    @property
    def rate(self) -> float:
        """Calls per second each bucket allows on average."""
        return self._rate

    @property
    def burst(self) -> int:
        """Calls each bucket allows at once after a quiet spell (its capacity)."""
        return self._burst

    def __repr__(self) -> str:
        return f"TokenBucketLimiter(rate={self._rate!r}, burst={self._burst!r})"

    def _now(self) -> float:
        if self._clock is not None:
            return self._clock()
        return asyncio.get_running_loop().time()

    def _bucket(self, key: str) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(self._burst, self._now())
        return bucket

    async def acquire(self, key: str) -> None:
        """Wait until the bucket of `key` (a credential) has a token, then take it."""
        bucket = self._bucket(key)
        async with bucket.lock:
            # Each pass sleeps exactly until the next token (or the end of a pause) is due; a
            # pause that starts meanwhile only makes the next pass sleep again.
            while (delay := bucket.take(self._now(), self._rate, self._burst)) > 0:
                await self._sleep(delay)

    async def on_rate_limited(self, key: str, retry_after: float) -> None:
        """Pause the bucket of `key` for `retry_after` seconds after a 429 (capped)."""
        now = self._now()
        self._bucket(key).pause(now + pause_seconds(retry_after), self._rate, self._burst)

    async def aclose(self) -> None:
        """Release what the limiter holds; it may not be used afterwards."""
        self._buckets.clear()
