"""One process of the fleet benchmark (`bench.fleet`), run as ``python -m bench.fleet_worker``.

It prints ``ready`` and then, for every JSON line on stdin (one run), builds a
``RedisTokenBucketLimiter`` on a fresh key prefix, warms its connection up, waits for the run's
start time (``time.monotonic()``, which Linux shares between processes), runs ``concurrency``
loops of ``acquire`` until the run's end, and prints one JSON line: when each acquisition was
granted, the Redis round trips the limiter counted, and the process CPU time the run cost.
Without ``demand`` the loops call as fast as the limiter lets them (the fleet is saturated);
with ``demand`` (calls per second for this process) they pace themselves below it.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from typing import Any

import redis.asyncio  # noqa: F401  # imported before "ready", not during the first run

from liveops_async.lib.ratelimit import RedisTokenBucketLimiter

CREDENTIAL = "bench-credential"


async def run(cfg: dict[str, Any]) -> dict[str, Any]:
    limiter = RedisTokenBucketLimiter(
        cfg["redis_url"],
        cfg["rate"],
        cfg["burst"],
        key_prefix=cfg["key_prefix"],
        lease=cfg["lease"],
        timeout=10.0,  # a loaded 2-core machine must not push the limiter onto its fallback
    )
    await limiter.acquire("warm-up")  # connection and script cache, off the books
    loop = asyncio.get_running_loop()
    start, end = cfg["start"], cfg["start"] + cfg["duration"]
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    late = time.monotonic() - start  # the run is void if a worker was not ready in time
    trips_before, cpu_before = limiter.redis_round_trips, time.process_time()
    dropped_before = limiter.slots_dropped
    granted: list[float] = []
    degraded = False
    demand = cfg.get("demand")

    async def calls() -> None:
        nonlocal degraded
        period = cfg["concurrency"] / demand if demand else 0.0
        # A random phase, as in a real fleet: workers released together would otherwise all
        # call at the same instants and queue behind each other's burst.
        next_call = loop.time() + random.uniform(0.0, period)
        await asyncio.sleep(next_call - loop.time())
        while time.monotonic() < end:
            if period:
                next_call += period
            await limiter.acquire(CREDENTIAL)
            granted.append(time.monotonic())
            degraded = degraded or limiter.degraded
            if period:
                await asyncio.sleep(max(0.0, next_call - loop.time()))

    await asyncio.gather(*(calls() for _ in range(cfg["concurrency"])))
    result = {
        "granted": granted,
        "round_trips": limiter.redis_round_trips - trips_before,
        "cpu": time.process_time() - cpu_before,
        "dropped": limiter.slots_dropped - dropped_before,
        "degraded": degraded,
        "late": late,
    }
    await limiter.aclose()
    return result


def main() -> None:
    print("ready", flush=True)
    for line in sys.stdin:
        print(json.dumps(asyncio.run(run(json.loads(line)))), flush=True)


if __name__ == "__main__":
    main()
