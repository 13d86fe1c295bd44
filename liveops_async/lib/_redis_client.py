"""The Redis client the Redis-shared extras (rate limiter, retry budget) build from a URL."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.asyncio import Redis


def redis_from_url(url: str, timeout: float, needed_by: str) -> Redis:
    """A client for `url` with `timeout` (seconds) for connecting and each command.

    One immediate retry replaces a pooled connection that died with a Redis restart; more
    retries (redis-py defaults to several, with backoff) would stall every call while Redis is
    down instead of letting the extra fall back at once. `needed_by` names the class in the
    ImportError raised when the redis package is missing."""
    try:
        from redis.asyncio import Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            f"{needed_by} needs the redis package: pip install 'liveops-async[redis]'"
        ) from exc
    return Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 1)
    )
