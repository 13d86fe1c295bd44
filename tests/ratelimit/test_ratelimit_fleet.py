"""Several OS processes share one Redis budget: the combined rate, a shared 429 pause, a crash.

Each test starts 4 worker processes (fleet_worker.py) that hammer ``acquire`` and, where stated,
send a real HTTP request per acquisition to a 127.0.0.1 server run by the test, which records the
arrival times. Timestamps are ``time.monotonic()``, common to all processes on Linux.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest

from ._support import CountingServer, Fleet, RedisServer, max_in_window, run_fleet

pytestmark = pytest.mark.redis

PROCESSES = 4


def fleet_config(redis: RedisServer, **overrides: Any) -> list[dict[str, Any]]:
    base = {
        "redis_url": redis.url,
        "key": "project-hash",
        "key_prefix": f"test-{uuid.uuid4().hex}:",
        "concurrency": 4,
        **overrides,
    }
    return [dict(base) for _ in range(PROCESSES)]


def per_process_counts(fleet: Fleet, start: float, end: float) -> list[int]:
    return [sum(start <= s <= end for s in r["stamps"]) for r in fleet.results]


async def test_combined_rate_stays_within_the_limit(
    redis_server: RedisServer, counting_server: CountingServer
) -> None:
    rate, burst, duration = 40.0, 8, 2.0
    fleet = await run_fleet(
        fleet_config(
            redis_server, rate=rate, burst=burst, duration=duration, http_url=counting_server.url
        )
    )
    assert all(r["errors"] == [] for r in fleet.results)
    # Tolerance: 10% over the token bucket bound (rate * window + burst), for timestamps that
    # are taken after wake-up and requests that travel at different speeds. Without the shared
    # limiter 4 processes x 4 loops against a local server do thousands per second.
    for stamps in (fleet.stamps, sorted(counting_server.arrivals)):
        assert max_in_window(stamps, 1.0) <= 1.1 * (rate * 1.0 + burst)
        assert max_in_window(stamps, duration) <= 1.1 * (rate * duration + burst)
    # The limiter is not needlessly strict: at least 75% of the budget was used...
    in_run = per_process_counts(fleet, fleet.go, fleet.go + duration)
    assert sum(in_run) >= 0.75 * (rate * duration + burst)
    # ...and shared fairly: no process starved (an equal share would be 25%).
    assert min(in_run) >= 0.1 * sum(in_run), in_run


async def test_a_429_in_one_process_pauses_all(redis_server: RedisServer) -> None:
    rate, burst, retry_after = 50.0, 5, 1.0
    configs = fleet_config(redis_server, rate=rate, burst=burst, duration=2.6)
    configs[0].update(pause_at=0.8, retry_after=retry_after)
    fleet = await run_fleet(configs)
    assert all(r["errors"] == [] for r in fleet.results)
    before, after = fleet.results[0]["pause"]
    # Tolerance: 0.1 s at the start for acquisitions granted just before the pause but stamped
    # after, 0.05 s at the end for the pause being timed on Redis's clock.
    quiet_from, quiet_to = after + 0.1, before + retry_after - 0.05
    in_pause = [s for s in fleet.stamps if quiet_from <= s <= quiet_to]
    assert in_pause == [], f"{len(in_pause)} acquisitions during the shared pause"
    # Every process was busy before the pause and resumed after it, at the shared rate.
    assert min(per_process_counts(fleet, fleet.go, before)) > 0
    resumed = per_process_counts(fleet, before + retry_after, fleet.go + 2.6)
    assert min(resumed) > 0
    assert sum(resumed) <= 1.1 * (rate * (fleet.go + 2.6 - before - retry_after) + 1)


async def test_killing_redis_mid_run_loses_no_call(
    redis_server: RedisServer, counting_server: CountingServer
) -> None:
    killed_at: list[float] = []

    async def kill_redis() -> None:
        await asyncio.sleep(0.7)
        redis_server.kill()
        killed_at.append(time.monotonic())

    fleet = await run_fleet(
        fleet_config(
            redis_server,
            rate=40.0,
            burst=8,
            duration=2.0,
            retry_interval=0.3,
            http_url=counting_server.url,
        ),
        during=kill_redis,
    )
    completed = 0
    for result in fleet.results:
        assert result["errors"] == []
        assert result["started"] == result["completed"] > 0
        completed += result["completed"]
        warnings = [msg for level, msg in result["log"] if level == "WARNING"]
        assert len(warnings) == 1, warnings  # one warning per outage, not one per call
        assert "unreachable" in warnings[0]
        # Calls kept flowing after the crash, through the in-process fallback.
        assert sum(s > killed_at[0] + 0.1 for s in result["stamps"]) > 0
    assert len(counting_server.arrivals) == completed
