"""Checks shared by both limiters; the `RateLimiter` contract itself lives in `_hooks`."""

from __future__ import annotations

import math

from ..._exceptions import InvalidParameterError

#: Longest shared pause a single 429 can impose. A broken or hostile ``Retry-After`` (a day, say)
#: must not freeze a whole fleet; past this the client's own retry policy decides.
MAX_PAUSE_SECONDS = 300.0


def check_rate_and_burst(rate: float, burst: int) -> None:
    if not (isinstance(rate, (int, float)) and math.isfinite(rate) and rate > 0):
        raise InvalidParameterError(
            f"rate must be a finite number of requests per second > 0, got {rate!r}"
        )
    if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
        raise InvalidParameterError(f"burst must be an integer >= 1, got {burst!r}")


def pause_seconds(retry_after: float) -> float:
    """The pause to apply after a 429: ``retry_after`` clamped to ``[0, MAX_PAUSE_SECONDS]``."""
    if math.isnan(retry_after) or retry_after <= 0:
        return 0.0
    return min(retry_after, MAX_PAUSE_SECONDS)
