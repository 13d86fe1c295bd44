"""One process of a simulated fleet, run by the fleet tests as ``python fleet_worker.py JSON``.

It builds a ``RedisTokenBucketLimiter``, prints ``ready``, waits for ``go`` on stdin, then runs
``concurrency`` loops of acquire (+ an HTTP GET when ``http_url`` is given) for ``duration``
seconds and prints one JSON line of results. Timestamps are ``time.monotonic()``, which Linux
shares between processes, so the parent can merge them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from typing import Any

import aiohttp

from liveops_async.lib.ratelimit import RedisTokenBucketLimiter


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def run(cfg: dict[str, Any]) -> dict[str, Any]:
    handler = _Collect()
    log = logging.getLogger("liveops_async.ratelimit")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    limiter = RedisTokenBucketLimiter(
        cfg["redis_url"],
        cfg["rate"],
        cfg["burst"],
        key_prefix=cfg["key_prefix"],
        retry_interval=cfg.get("retry_interval", 5.0),
    )
    key = cfg["key"]
    stamps: list[float] = []
    errors: list[str] = []
    counts = {"started": 0, "completed": 0}
    pause: list[float] = []

    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    go = time.monotonic()
    deadline = go + cfg["duration"]

    async with aiohttp.ClientSession() as session:

        async def call() -> None:
            await limiter.acquire(key)
            stamps.append(time.monotonic())
            if cfg.get("http_url"):
                async with session.get(cfg["http_url"]) as response:
                    response.raise_for_status()

        async def loop() -> None:
            while time.monotonic() < deadline:
                counts["started"] += 1
                try:
                    await call()
                except Exception as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                else:
                    counts["completed"] += 1

        async def rate_limited_once() -> None:
            await asyncio.sleep(go + cfg["pause_at"] - time.monotonic())
            pause.append(time.monotonic())
            await limiter.on_rate_limited(key, cfg["retry_after"])
            pause.append(time.monotonic())

        tasks = [loop() for _ in range(cfg["concurrency"])]
        if cfg.get("pause_at") is not None:
            tasks.append(rate_limited_once())
        await asyncio.gather(*tasks)
    await limiter.aclose()
    return {
        "go": go,
        "stamps": stamps,
        "errors": errors,
        "pause": pause,
        **counts,
        "log": [(r.levelname, r.getMessage()) for r in handler.records],
    }


if __name__ == "__main__":
    result = asyncio.run(run(json.loads(sys.argv[1])))
    print(json.dumps(result), flush=True)
