"""Client-side rate limiting per credential: in-process, or shared by a fleet through Redis.

Pass one to the client as ``rate_limiter=``; it is asked before every attempt and told about
every 429. ``RedisTokenBucketLimiter`` needs the optional ``redis`` extra, imported only when a
Redis limiter is built from a URL.
"""

from ..._hooks import RateLimiter
from ._bucket_rules import MAX_PAUSE_SECONDS
from ._local import TokenBucketLimiter
from ._redis import RedisTokenBucketLimiter

__all__ = ["MAX_PAUSE_SECONDS", "RateLimiter", "RedisTokenBucketLimiter", "TokenBucketLimiter"]
