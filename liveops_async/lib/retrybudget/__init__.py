"""A retry budget shared by a fleet through Redis (`liveops-async[redis]`).

`RedisRetryBudget` is the fleet-wide form of `liveops_async.RetryBudget`: every process that
uses the same Redis and budget name draws retries from, and refills, one budget. Pass it as
`LiveOpsClient(retry_budget=...)`; give it the same Redis (URL or client) as a
`RedisTokenBucketLimiter` to share both.
"""

from ..._retry_budget import RetryBudget, RetryBudgetLike
from ._redis import DEFAULT_KEY_PREFIX, RedisRetryBudget

__all__ = ["DEFAULT_KEY_PREFIX", "RedisRetryBudget", "RetryBudget", "RetryBudgetLike"]
