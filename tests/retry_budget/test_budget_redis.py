"""A retry budget shared through Redis: one budget for several clients (processes), successes
added in batches, and the in-process budget while Redis is down."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from liveops_async import InternalServerError, LiveOpsClient
from liveops_async.lib.retrybudget import RedisRetryBudget
from tests.ratelimit._support import RedisServer
from tests.reliability._fault_server import FaultServer

from .test_budget_faults import DOWN, OK, get_coupon, in_batches, seen

pytestmark = pytest.mark.redis


def small(redis_server: RedisServer, **kwargs: object) -> RedisRetryBudget:
    params: dict[str, object] = {
        "name": "fleet",
        "capacity": 20,
        "retry_cost": 5,
        "refill_per_second": 0,
        "flush_every": 2,
    }
    params.update(kwargs)
    return RedisRetryBudget(redis_server.url, **params)  # type: ignore[arg-type]


async def test_processes_draw_from_one_budget(redis_server: RedisServer) -> None:
    first, second = small(redis_server), small(redis_server)
    try:
        assert [await first.try_acquire() for _ in range(3)] == [True, True, True]
        assert await second.try_acquire() is True
        assert await second.try_acquire() is False  # 4 x 5 = 20: the shared budget is empty
        assert await first.try_acquire() is False
        for _ in range(5):
            second.record_success()  # five tokens, sent to Redis in batches
        await second.flush()
        assert await first.try_acquire() is True
        assert await first.try_acquire() is False
        assert not first.degraded
    finally:
        await first.aclose()
        await second.aclose()


async def test_other_names_are_other_budgets(redis_server: RedisServer) -> None:
    first, other = small(redis_server), small(redis_server, name="other")
    try:
        for _ in range(4):
            assert await first.try_acquire()
        assert await other.try_acquire()
    finally:
        await first.aclose()
        await other.aclose()


async def test_redis_down_falls_back_to_the_process_budget(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    budget = small(redis_server, retry_interval=60.0, timeout=0.2)
    try:
        assert await budget.try_acquire()
        redis_server.kill()
        with caplog.at_level(logging.WARNING, logger="liveops_async.retrybudget"):
            # The process budget has 20 - 5 = 15 tokens left: three retries, then none.
            assert [await budget.try_acquire() for _ in range(4)] == [True, True, True, False]
        assert budget.degraded
        warnings = [r for r in caplog.records if r.name == "liveops_async.retrybudget"]
        assert len(warnings) == 1
        assert redis_server.url not in warnings[0].getMessage()
    finally:
        await budget.aclose()


async def test_two_clients_share_the_outage_budget(
    redis_server: RedisServer,
    server: FaultServer,
    make_client: Callable[..., LiveOpsClient],
) -> None:
    server.default = DOWN
    budgets = [small(redis_server, capacity=100), small(redis_server, capacity=100)]
    clients = [make_client(server, retry_budget=b) for b in budgets]
    try:
        results = await in_batches(200, lambda: get_coupon(clients[0]))
        results += await in_batches(200, lambda: get_coupon(clients[1]))
        assert all(isinstance(r, InternalServerError) for r in results)
        # 100 tokens / 5 per retry = 20 retries for both clients together.
        assert seen(server) == 400 + 20
        server.default = OK
        assert await clients[1].admin.coupons.get("spring")
    finally:
        for budget in budgets:
            await budget.aclose()
