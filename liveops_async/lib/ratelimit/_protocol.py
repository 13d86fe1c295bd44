"""The contract between the HTTP client and a rate limiter, and checks shared by both limiters."""

from __future__ import annotations

import math
from typing import Protocol, runtime_checkable

#: Longest shared pause a single 429 can impose. A broken or hostile ``Retry-After`` (a day, say)
#: must not freeze a whole fleet; past this the client's own retry policy decides.
MAX_PAUSE_SECONDS = 300.0


@runtime_checkable
class RateLimiter(Protocol):
    """Throttles requests per credential before they are sent.

    ``key`` identifies a credential (for Admin calls, a hash of the project or merchant id, never
    the API key itself). The client calls :meth:`acquire` before every attempt, including retries,
    and :meth:`on_rate_limited` after every 429 response.
    """

    async def acquire(self, key: str) -> None:
        """Wait until one request for ``key`` may be sent."""

    async def on_rate_limited(self, key: str, retry_after: float) -> None:
        """Hold back every request for ``key`` for ``retry_after`` seconds after a 429."""

    async def aclose(self) -> None:
        """Release connections; the limiter is not used afterwards."""


def check_rate_and_burst(rate: float, burst: int) -> None:
    if not (isinstance(rate, (int, float)) and math.isfinite(rate) and rate > 0):
        raise ValueError(f"rate must be a finite number of requests per second > 0, got {rate!r}")
    if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
        raise ValueError(f"burst must be an integer >= 1, got {burst!r}")


def pause_seconds(retry_after: float) -> float:
    """The pause to apply after a 429: ``retry_after`` clamped to ``[0, MAX_PAUSE_SECONDS]``."""
    if math.isnan(retry_after) or retry_after <= 0:
        return 0.0
    return min(retry_after, MAX_PAUSE_SECONDS)
