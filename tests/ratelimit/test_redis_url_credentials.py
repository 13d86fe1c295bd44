"""A Redis URL the Redis-shared extras cannot use is refused without its password, even when
the password breaks the URL's syntax and redis-py's own text quotes a piece of it."""

from __future__ import annotations

import pytest

from liveops_async import InvalidParameterError
from liveops_async.lib.ratelimit import RedisTokenBucketLimiter
from liveops_async.lib.retrybudget import RedisRetryBudget

PASSWORD = "redis-pass-8c41f2"


@pytest.mark.parametrize(
    "url",
    [
        f"redis://user:{PASSWORD}/x@127.0.0.1:6379/0",  # "/" in the password: read as a port
        f"redis://user:{PASSWORD}@127.0.0.1:port/0",
        f"redis://user:{PASSWORD}@127.0.0.1:99999/0",
        f"redis://user:{PASSWORD}@[::1/0",
        f"redis://user:{PASSWORD}@127.0.0.1/0?socket_timeout=soon",
    ],
)
@pytest.mark.parametrize("extra", ["limiter", "retry budget"])
def test_a_redis_url_that_cannot_work_is_refused_without_its_password(url: str, extra: str) -> None:
    with pytest.raises(InvalidParameterError, match="the Redis URL") as info:
        if extra == "limiter":
            RedisTokenBucketLimiter(url, 5, 1)
        else:
            RedisRetryBudget(url)
    shown = str(info.value) + repr(info.value)
    assert "***@" in shown
    assert not any(PASSWORD[i : i + 6] in shown for i in range(len(PASSWORD) - 5)), shown
    assert info.value.__cause__ is None and info.value.__context__ is None
