"""A client-wide retry budget: retries draw tokens, successes put some back.

With thousands of calls in flight during an outage, per-call retries multiply the load on a
service that is already down. Like botocore's retry quota and gRPC's retry throttling, a budget
shared by every call of a client caps that: each retry costs `retry_cost` tokens, each success
adds `success_refill` (and time adds `refill_per_second`), never above `capacity`. When the
budget cannot pay for a retry, the call fails at once with the error of its last attempt. The
first attempt of a call never waits for or draws from the budget, so the client is back to
normal as soon as the service answers again.

Defaults (`RetryBudget()`): capacity 500, retry cost 5, success refill 1, time refill 0.5 per
second. So: 100 retries in a row before the budget is empty; in an outage the server then sees
one attempt per call (plus one retry per 10 s of time refill); after it, retries come back
after 5 successes or 10 s, whichever is first, and the full budget after 500 successes or
1000 s. With 1% of attempts failing, the budget gains ~95 tokens per 100 calls and never
empties.

`lib.retrybudget.RedisRetryBudget` shares one budget between the processes of a fleet.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from ._exceptions import InvalidParameterError

__all__ = [
    "DEFAULT_CAPACITY",
    "DEFAULT_REFILL_PER_SECOND",
    "DEFAULT_RETRY_COST",
    "DEFAULT_SUCCESS_REFILL",
    "RetryBudget",
    "RetryBudgetLike",
    "check_budget_numbers",
]

DEFAULT_CAPACITY = 500.0
DEFAULT_RETRY_COST = 5.0
DEFAULT_SUCCESS_REFILL = 1.0
DEFAULT_REFILL_PER_SECOND = 0.5


@runtime_checkable
class RetryBudgetLike(Protocol):
    """What the request engine asks of a retry budget (`LiveOpsClient(retry_budget=...)`)."""

    async def try_acquire(self) -> bool:
        """Pay for one retry; False (and nothing paid) when the budget cannot."""
        ...

    def record_success(self) -> None:
        """A call got a success answer. Called on the hot path: must not block or do I/O."""
        ...


def check_budget_numbers(
    capacity: float, retry_cost: float, success_refill: float, refill_per_second: float
) -> None:
    """Raise InvalidParameterError (a ValueError) naming the first argument that is not a
    usable number."""
    for name, value, minimum_exclusive in (
        ("capacity", capacity, True),
        ("retry_cost", retry_cost, True),
        ("success_refill", success_refill, False),
        ("refill_per_second", refill_per_second, False),
    ):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or value < 0
            or (minimum_exclusive and value == 0)
        ):
            bound = "> 0" if minimum_exclusive else ">= 0"
            raise InvalidParameterError(f"{name} must be a finite number {bound}, got {value!r}")
    if retry_cost > capacity:
        raise InvalidParameterError(
            f"retry_cost ({retry_cost}) must not exceed capacity ({capacity})"
        )


class RetryBudget:
    """The retry budget of one process, shared by every call of the clients it is given to.

    Args:
        capacity (float): most tokens the budget holds; it starts full. Default 500.
        retry_cost (float): tokens one retry (or settle resend) costs. Default 5.
        success_refill (float): tokens each success answer adds. Default 1.
        refill_per_second (float): tokens added per second of `clock`. Default 0.5.
        clock (() -> float): monotonic seconds; injectable for tests.

    Raises InvalidParameterError (a ValueError) naming the argument when a number is not
    finite, negative, zero where it must be positive, or `retry_cost` exceeds `capacity`.
    `granted` / `denied` count retries paid for and refused. Not thread-safe: use it from one
    event loop.
    """

    __slots__ = (
        "_capacity",
        "_clock",
        "_refill_per_second",
        "_retry_cost",
        "_success_refill",
        "_tokens",
        "_updated",
        "denied",
        "granted",
    )

    def __init__(
        self,
        capacity: float = DEFAULT_CAPACITY,
        retry_cost: float = DEFAULT_RETRY_COST,
        success_refill: float = DEFAULT_SUCCESS_REFILL,
        refill_per_second: float = DEFAULT_REFILL_PER_SECOND,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        check_budget_numbers(capacity, retry_cost, success_refill, refill_per_second)
        self._capacity = float(capacity)
        self._retry_cost = float(retry_cost)
        self._success_refill = float(success_refill)
        self._refill_per_second = float(refill_per_second)
        self._clock = clock
        self._tokens = self._capacity
        self._updated = clock()
        self.granted: int = 0  # retries paid for
        self.denied: int = 0  # retries refused

    def __repr__(self) -> str:
        return (
            f"RetryBudget(tokens={self.tokens:.1f}, capacity={self._capacity}, "
            f"retry_cost={self._retry_cost})"
        )

    @property
    def tokens(self) -> float:
        """Tokens available now."""
        self._refill_by_time()
        return self._tokens

    def _refill_by_time(self) -> None:
        now = self._clock()
        elapsed = now - self._updated
        self._updated = now
        if elapsed > 0 and self._refill_per_second:
            self._tokens = min(self._capacity, self._tokens + elapsed * self._refill_per_second)

    def take(self) -> bool:
        """`try_acquire` without awaiting (the local budget never waits)."""
        self._refill_by_time()
        if self._tokens >= self._retry_cost:
            self._tokens -= self._retry_cost
            self.granted += 1
            return True
        self.denied += 1
        return False

    async def try_acquire(self) -> bool:
        """Pay for one retry (`take`): False, and nothing paid, when the budget is spent."""
        return self.take()

    def record_success(self) -> None:
        """Refill the budget by `success_refill` tokens for a success, up to its capacity."""
        tokens = self._tokens + self._success_refill
        self._tokens = tokens if tokens < self._capacity else self._capacity

    def charge(self) -> None:
        """Pay for a retry granted elsewhere (a shared budget), down to zero at most."""
        self._refill_by_time()
        self._tokens = max(0.0, self._tokens - self._retry_cost)
