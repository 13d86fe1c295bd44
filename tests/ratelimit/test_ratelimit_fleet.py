"""Several OS processes share one Redis budget, end to end: the combined rate, a shared 429
pause, a Redis crash.

Each test starts 4 worker processes (fleet_worker.py). Each runs a real ``LiveOpsClient`` with a
``RedisTokenBucketLimiter`` and makes admin calls with 4 concurrent loops against one
``LiveOpsMock``, served by the test's own event loop. The checks read the mock's request log,
stamped on arrival with ``time.monotonic()``, which all processes on Linux share; the workers'
own stamps (when their limiter let an attempt go) only attribute traffic to processes.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest

from liveops_async.testing import LiveOpsMock

from ._support import (
    FLEET_API_KEY,
    FLEET_PROJECT_ID,
    Fleet,
    RedisServer,
    max_in_window,
    run_fleet,
)

pytestmark = pytest.mark.redis

PROCESSES = 4
# Why the bounds below hold on a busy machine. The shared bucket releases at most
# `rate * W + burst` requests in any window of W seconds, on Redis's clock. Between release and
# the mock's arrival stamp a request waits for its worker's loop (to send it) and the mock's loop
# (to stamp it). Both loops measure how late they ran during the run (`Fleet.scheduling_delay`,
# the worst case of both added): late loops can only delay stamps, which squeezes the releases
# of a window of W + delay into W, so at most `rate * delay` more. TOLERANCE (10%) covers what
# the probes cannot see: requests travelling the kernel's loopback at slightly different
# speeds. Without the limiter, 16 loops against a local mock send hundreds of requests per
# second, far past any bound checked here.
TOLERANCE = 1.1


def rate_bound(rate: float, window: float, burst: float, fleet: Fleet) -> float:
    return TOLERANCE * (rate * window + burst) + rate * fleet.scheduling_delay


def fleet_config(redis: RedisServer, mock: LiveOpsMock, **overrides: Any) -> list[dict[str, Any]]:
    base = {
        "redis_url": redis.url,
        "key_prefix": f"test-{uuid.uuid4().hex}:",
        "base_url": mock.base_url,
        "project_id": FLEET_PROJECT_ID,
        "api_key": FLEET_API_KEY,
        "concurrency": 4,
        **overrides,
    }
    return [dict(base) for _ in range(PROCESSES)]


def arrivals(mock: LiveOpsMock) -> list[float]:
    return sorted(r.received_at for r in mock.requests)


async def test_combined_rate_stays_within_the_limit(
    redis_server: RedisServer, fleet_mock: LiveOpsMock
) -> None:
    rate, burst, duration = 40.0, 8, 2.0
    fleet = await run_fleet(
        fleet_config(redis_server, fleet_mock, rate=rate, burst=burst, duration=duration)
    )
    for result in fleet.results:
        assert result["failures"] == []
        assert result["started"] == result["completed"] > 0
    stamps = arrivals(fleet_mock)
    assert len(stamps) == sum(r["completed"] for r in fleet.results)  # one request per call
    assert {r.status for r in fleet_mock.requests} == {200}
    assert max_in_window(stamps, 1.0) <= rate_bound(rate, 1.0, burst, fleet)
    assert max_in_window(stamps, duration) <= rate_bound(rate, duration, burst, fleet)
    # The limiter is not needlessly strict: at least 75% of the budget was used, except what
    # the run lost to late loops (a stalled worker or mock could not use its slots)...
    in_run = [s for s in stamps if fleet.go <= s <= fleet.go + duration]
    assert len(in_run) >= 0.75 * (rate * max(0.0, duration - fleet.stalled) + burst)
    # ...and shared fairly: no process starved (an equal share would be 25%).
    per_process = fleet.sent_between(fleet.go, fleet.go + duration)
    assert min(per_process) >= 0.1 * sum(per_process), per_process


async def test_a_429_to_one_process_pauses_all(
    redis_server: RedisServer, fleet_mock: LiveOpsMock
) -> None:
    rate, burst, retry_after, duration = 50.0, 5, 1.0, 2.6

    async def throttle_once() -> None:
        await asyncio.sleep(0.8)
        fleet_mock.throttle_next(1, retry_after=retry_after)  # whichever request comes next

    fleet = await run_fleet(
        fleet_config(redis_server, fleet_mock, rate=rate, burst=burst, duration=duration),
        during=throttle_once,
    )
    # One process got the 429; every call still succeeded (that one after its retry).
    assert sorted(r["statuses"].get("429", 0) for r in fleet.results) == [0] * (PROCESSES - 1) + [1]
    for result in fleet.results:
        assert result["failures"] == []
        assert result["started"] == result["completed"]
    (throttled,) = [r for r in fleet_mock.requests if r.status == 429]
    hit = throttled.received_at
    # Slack at the start: requests already granted or on the wire when the 429 was answered
    # still arrive, as the pause reaches Redis only after the 429 travelled back and the
    # worker's loop handled it: 0.1 s plus however late the loops ran in this run. At the end
    # none is needed (the pause starts on Redis after `hit`, so it ends after hit +
    # retry_after); 0.05 s covers rounding. Unpaused, 50/s would put about 40 requests here.
    quiet_from, quiet_to = hit + 0.1 + fleet.scheduling_delay, hit + retry_after - 0.05
    stamps = arrivals(fleet_mock)
    in_pause = [s for s in stamps if quiet_from <= s <= quiet_to]
    assert in_pause == [], f"{len(in_pause)} requests reached the mock during the shared pause"
    # Every process was sending before the 429 and sent again after the pause...
    assert min(fleet.sent_between(fleet.go, hit)) > 0
    assert min(fleet.sent_between(hit + retry_after, fleet.go + duration)) > 0
    # ...at the shared rate: one request at once, then `rate`, not a fresh burst from each.
    resumed = [s for s in stamps if s > quiet_to]
    assert max_in_window(resumed, 0.5) <= rate_bound(rate, 0.5, 1, fleet)


async def test_killing_redis_mid_run_loses_no_call(
    redis_server: RedisServer, fleet_mock: LiveOpsMock
) -> None:
    killed_at: list[float] = []

    async def kill_redis() -> None:
        await asyncio.sleep(0.7)
        redis_server.kill()
        killed_at.append(time.monotonic())

    fleet = await run_fleet(
        fleet_config(
            redis_server, fleet_mock, rate=40.0, burst=8, duration=2.0, retry_interval=0.3
        ),
        during=kill_redis,
    )
    completed = 0
    for result in fleet.results:
        # Every call the worker started came back: a success, or a typed error it counted
        # (none expected: the limiter must not turn a Redis crash into failed calls).
        assert result["started"] == result["completed"] + len(result["failures"]) > 0
        assert result["failures"] == []
        completed += result["completed"]
        warnings = [msg for level, msg in result["log"] if level == "WARNING"]
        assert len(warnings) == 1, warnings  # one warning per outage, not one per call
        assert "unreachable" in warnings[0]
        # Calls kept flowing after the crash, through the in-process fallback.
        assert sum(s > killed_at[0] + 0.1 for s in result["sent"]) > 0
    # The server saw exactly the calls the workers completed, each answered with success.
    assert len(fleet_mock.requests) == completed
    assert {r.status for r in fleet_mock.requests} == {200}
