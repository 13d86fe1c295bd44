"""When and how long to wait before trying a request again: the one home of that decision.

`should_retry(operation, outcome, policy)` answers, with the reason, whether a failed attempt is
tried again and after how long; `budget_verdict` lets a client-wide retry budget have the last
word. Only operations the spec marks retry-safe are resent once the request may have reached
the server. The engine (`_engine`) only describes what happened (`AttemptOutcome`).
"""

from __future__ import annotations

import datetime
import email.utils
import math
import random
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import attrs

from ._constants import (
    DEFAULT_INITIAL_BACKOFF,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_BACKOFF,
    DEFAULT_RETRY_AFTER_CAP,
    DEFAULT_RETRY_BUDGET,
    DEFAULT_RETRY_STATUSES,
)
from ._exceptions import InvalidParameterError, LiveOpsError

if TYPE_CHECKING:
    from ._operation import Operation
    from ._retry_budget import RetryBudgetLike

__all__ = [
    "AttemptOutcome",
    "RetryPolicy",
    "RetryVerdict",
    "budget_verdict",
    "parse_retry_after",
    "should_retry",
]


def _non_negative(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ):
        raise InvalidParameterError(f"{attribute.name} must be a finite number >= 0, got {value!r}")


def _growth(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 1
    ):
        raise InvalidParameterError(f"{attribute.name} must be a finite number >= 1, got {value!r}")


def _statuses(instance: object, attribute: attrs.Attribute[Any], value: frozenset[int]) -> None:
    for status in value:
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise InvalidParameterError(
                f"{attribute.name} must hold HTTP statuses (integers 100-599), got {status!r}"
            )


def _at_least_one(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidParameterError(f"{attribute.name} must be an integer >= 1, got {value!r}")


@attrs.frozen
class RetryPolicy:
    """Bounded retries with exponential backoff and jitter.

    * `max_attempts`: attempts in all, the first included (1 disables retries).
    * `initial_backoff`, `max_backoff` (seconds, finite, >= 0), `multiplier` (>= 1): the n-th
      retry waits a random time between half and all of
      `min(max_backoff, initial_backoff * multiplier**(n-1))`, for any n.
    * `total_budget`: no retry starts if it would begin later than this many seconds after the
      first attempt.
    * `retry_after_cap`: a `Retry-After` longer than this is not waited for: the error is raised
      at once (with its `retry_after`), so the caller decides.
    * `retry_statuses`: HTTP statuses worth retrying (for retry-safe operations only).

    Raises InvalidParameterError for an argument outside these ranges.
    """

    max_attempts: int = attrs.field(default=DEFAULT_MAX_ATTEMPTS, validator=_at_least_one)
    initial_backoff: float = attrs.field(default=DEFAULT_INITIAL_BACKOFF, validator=_non_negative)
    max_backoff: float = attrs.field(default=DEFAULT_MAX_BACKOFF, validator=_non_negative)
    multiplier: float = attrs.field(default=2.0, validator=_growth)
    total_budget: float = attrs.field(default=DEFAULT_RETRY_BUDGET, validator=_non_negative)
    retry_after_cap: float = attrs.field(default=DEFAULT_RETRY_AFTER_CAP, validator=_non_negative)
    retry_statuses: frozenset[int] = attrs.field(
        default=DEFAULT_RETRY_STATUSES, converter=frozenset, validator=_statuses
    )

    def with_max_retries(self, max_retries: int) -> RetryPolicy:
        """A copy allowing `max_retries` retries (`max_attempts = max_retries + 1`).

        Raises InvalidParameterError unless `max_retries` is an integer >= 0.
        """
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise InvalidParameterError(f"max_retries must be an integer >= 0, got {max_retries!r}")
        return attrs.evolve(self, max_attempts=max_retries + 1)

    def backoff(self, retry_number: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait before retry number `retry_number` (1 for the first retry)."""
        return self._ceiling(retry_number) * (0.5 + 0.5 * rand())

    def _ceiling(self, retry_number: int) -> float:
        """min(max_backoff, initial_backoff * multiplier**(retry_number - 1)), with the cap
        applied before the power: the power alone overflows a float after ~1,000 doublings."""
        steps = max(0, retry_number - 1)
        initial, cap = self.initial_backoff, self.max_backoff
        if initial >= cap:
            return cap
        if initial == 0 or self.multiplier == 1:
            return initial
        # steps at which initial * multiplier**steps first reaches the cap
        if steps >= math.log(cap / initial, self.multiplier):
            return cap
        return min(cap, initial * self.multiplier**steps)

    def delay(self, retry_number: int, retry_after: float | None) -> float | None:
        """The wait before the next attempt, or None when the server asked for too long."""
        if retry_after is None:
            return self.backoff(retry_number)
        if retry_after > self.retry_after_cap:
            return None
        return retry_after


# RFC 9110 delay-seconds is `1*DIGIT`; a fraction is accepted too (some servers send one).
# Only ASCII digits: `float()` would also take "1_000", "1e3", "inf" or non-Latin digits.
_DELAY_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?")
# A delay too long to represent counts as this long (2**31 s, ~68 years), as RFC 9111 has
# caches treat an overflowing delta-seconds: far above any `retry_after_cap`, so the call is
# raised at once instead of the header being ignored and the call retried after the backoff.
LONGEST_RETRY_AFTER = 2147483648.0
# asctime, the third HTTP-date form every recipient must accept (RFC 9110 section 5.6.7):
# "Sun Nov  6 08:49:37 1994", GMT by definition though it names no zone.
_ASCTIME = re.compile(
    r"[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}"
)


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds from a `Retry-After` header: delay-seconds (ASCII digits, optionally with a
    fraction; a longer one than `LONGEST_RETRY_AFTER` counts as that) or an HTTP-date in any of
    its three forms (a past date is 0); None if unusable (negative, not a number, no zone)."""
    if not value:
        return None
    value = value.strip()
    if _DELAY_SECONDS.fullmatch(value):
        return min(float(value), LONGEST_RETRY_AFTER)  # float() of 400 digits is inf
    try:
        when = email.utils.parsedate_to_datetime(value)
        if when.tzinfo is None:  # HTTP-dates are GMT; a naive result means no zone was given
            if not _ASCTIME.fullmatch(value):
                return None
            when = when.replace(tzinfo=datetime.timezone.utc)
        return max(0.0, when.timestamp() - now())
    except (TypeError, ValueError, IndexError, OverflowError):  # a year beyond a C long, ...
        return None


class AttemptOutcome:
    """How one attempt ended without a usable answer, as the retry decision needs it.

    * `error`: the error the call raises if it is not retried.
    * `status`: the HTTP status of an error answer; None when no answer came.
    * `reached_server`: the request may have reached the server (False only when it provably
      never left: connecting failed, no pooled connection was free).
    * `transient`: another attempt may fare better (False for a TLS failure, a proxy that
      refused the tunnel by policy or for its credentials, an unknown failure).
    * `retry_after`: the server's `Retry-After` in seconds, if it sent a usable one.
    """

    __slots__ = ("error", "reached_server", "retry_after", "status", "transient")

    def __init__(
        self,
        error: LiveOpsError,
        *,
        status: int | None = None,
        reached_server: bool,
        transient: bool = True,
        retry_after: float | None = None,
    ) -> None:
        self.error = error
        self.status = status
        self.reached_server = reached_server
        self.transient = transient
        self.retry_after = retry_after


class RetryVerdict(NamedTuple):
    """The answer of `should_retry`: `retry`, the wait in seconds before it (`delay`, None
    when not retried) and why (`reason`: fit for logs, holds no secrets and no filled-in path).
    """

    retry: bool
    delay: float | None
    reason: str


BUDGET_EMPTY = RetryVerdict(False, None, "not retried: retry budget empty")


def should_retry(
    operation: Operation,
    outcome: AttemptOutcome,
    policy: RetryPolicy,
    *,
    attempt: int,
    elapsed: float,
) -> RetryVerdict:
    """Whether attempt number `attempt` (1 for the first), ended as `outcome`, is tried again.

    `elapsed`: seconds since the first attempt began (for `policy.total_budget`). The backoff
    jitter is drawn only once every other condition allows a retry.
    """
    status = outcome.status
    if not outcome.transient:
        return RetryVerdict(
            False, None, f"not retried: {type(outcome.error).__name__} is not transient"
        )
    if status is not None:
        if not operation.retry_safe:
            return RetryVerdict(
                False, None, f"not retried: status {status} for an operation not retry-safe"
            )
        if status not in policy.retry_statuses:
            return RetryVerdict(False, None, f"not retried: status {status} not in retry_statuses")
        why = f"retry-safe operation, status {status}"
    elif outcome.reached_server:
        if not operation.retry_safe:
            return RetryVerdict(False, None, "not retried: the request may have reached the server")
        why = f"retry-safe operation, {type(outcome.error).__name__}"
    else:
        why = f"the request was not sent ({type(outcome.error).__name__})"
    if attempt >= policy.max_attempts:
        return RetryVerdict(False, None, f"not retried: attempts exhausted ({policy.max_attempts})")
    delay = policy.delay(attempt, outcome.retry_after)
    if delay is None:
        return RetryVerdict(
            False,
            None,
            f"not retried: Retry-After {outcome.retry_after:g} s above retry_after_cap "
            f"{policy.retry_after_cap:g} s",
        )
    if elapsed + delay > policy.total_budget:
        return RetryVerdict(
            False,
            None,
            f"not retried: waiting {delay:.2f} s would pass total_budget {policy.total_budget:g} s",
        )
    return RetryVerdict(True, delay, why)


async def budget_verdict(verdict: RetryVerdict, budget: RetryBudgetLike | None) -> RetryVerdict:
    """`verdict`, unless it grants a retry the client-wide retry budget cannot pay for (the
    budget is charged only for a retry that would otherwise happen)."""
    if verdict.retry and budget is not None and not await budget.try_acquire():
        return BUDGET_EMPTY
    return verdict
