"""The Redis client the Redis-shared extras (rate limiter, retry budget) build from a URL."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._exceptions import InvalidParameterError
from .._redact import display_url

if TYPE_CHECKING:
    from redis.asyncio import Redis


def redis_from_url(url: str, timeout: float, needed_by: str) -> Redis:
    """A client for `url` with `timeout` (seconds) for connecting and each command.

    One immediate retry replaces a pooled connection that died with a Redis restart; more
    retries (redis-py defaults to several, with backoff) would stall every call while Redis is
    down instead of letting the extra fall back at once. `needed_by` names the class in the
    ImportError raised when the redis package is missing. A URL redis-py refuses raises
    InvalidParameterError (a ValueError), its `user:password@` not shown."""
    try:
        from redis.asyncio import Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            f"{needed_by} needs the redis package: pip install 'liveops-async[redis]'"
        ) from exc
    try:
        return Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 1)
        )
    except ValueError as exc:
        refused = exc
    # Outside the handler (the refusal is not chained): redis-py's text may quote a piece of a
    # password that breaks the URL's syntax ("redis://u:pw/x@h" -> "... as 'pw'").
    raise InvalidParameterError(
        f"{needed_by}: the Redis URL {display_url(url)} cannot be used: {_reason(refused, url)}"
    )


def _reason(refused: ValueError, url: str) -> str:
    """redis-py's reason for refusing `url`, unless it quotes part of its `user:password@`."""
    reason = str(refused)
    userinfo = url.partition("://")[2].rpartition("@")[0]
    if any(userinfo[i : i + 4] in reason for i in range(max(0, len(userinfo) - 3))):
        return f"{type(refused).__name__} (its text is not shown: it quotes the credentials)"
    return reason
