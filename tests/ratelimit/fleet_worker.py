"""One process of a simulated fleet, run by the fleet tests as ``python fleet_worker.py JSON``.

It builds a real ``LiveOpsClient`` whose rate limiter is a ``RedisTokenBucketLimiter``, prints
``ready``, waits for ``go`` on stdin, then runs ``concurrency`` loops of admin calls
(``client.admin.coupons.list(...).first_page()``) against the mock at ``base_url`` for
``duration`` seconds, and prints one JSON line of results. A call that raises a typed
``LiveOpsError`` is counted; any other exception escapes and fails the process. Timestamps are
``time.monotonic()``, which Linux shares between processes, so the parent can merge them with
the mock's request log. It also reports how late its event loop ran (``max_lag``,
``total_lag``), from which the tests derive their tolerances.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from collections import Counter
from typing import Any

from liveops_async import LiveOpsClient, LiveOpsError, RequestEvent, ResponseEvent
from liveops_async.lib.ratelimit import RedisTokenBucketLimiter
from tests.ratelimit._support import LagProbe


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
    sent: list[float] = []  # when the limiter let an attempt go (retries included)
    statuses: Counter[int] = Counter()
    counts = {"started": 0, "completed": 0}
    failures: list[str] = []

    def on_request(_event: RequestEvent) -> None:
        sent.append(time.monotonic())

    def on_response(event: ResponseEvent) -> None:
        if event.status is not None:
            statuses[event.status] += 1

    client = LiveOpsClient(
        project_id=cfg["project_id"],
        api_key=cfg["api_key"],
        base_url=cfg["base_url"],
        rate_limiter=limiter,
        on_request=[on_request],
        on_response=[on_response],
    )
    async with client:
        coupons = client.admin.coupons  # imports the generated resources before the start
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        go = time.monotonic()
        deadline = go + cfg["duration"]
        probe = LagProbe()  # how late this process ran, for the tests' tolerances
        probe.start()

        async def loop() -> None:
            while time.monotonic() < deadline:
                counts["started"] += 1
                try:
                    await coupons.list(limit=10).first_page()
                except LiveOpsError as exc:
                    failures.append(f"{type(exc).__name__}: {exc}")
                else:
                    counts["completed"] += 1

        await asyncio.gather(*(loop() for _ in range(cfg["concurrency"])))
        await probe.stop()
    await limiter.aclose()
    return {
        "go": go,
        "max_lag": probe.max_lag,
        "total_lag": probe.total_lag,
        "sent": sent,
        "statuses": {str(status): n for status, n in statuses.items()},
        "failures": failures,
        **counts,
        "log": [(r.levelname, r.getMessage()) for r in handler.records],
    }


if __name__ == "__main__":
    result = asyncio.run(run(json.loads(sys.argv[1])))
    print(json.dumps(result), flush=True)
