"""The retry budget measured with the fault server: a total outage, the recovery after it, and
normal operation with 1% transient errors. Clocks are injected; assertions count attempts."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

import pytest

from liveops_async import InternalServerError, LiveOpsClient, RetryBudget
from tests.reliability._fault_server import Connection, FaultServer, Received, reply

from .conftest import ManualClock

ROUTE = "/admin/coupon/spring"
OK = reply(200, {"external_id": "spring"})
DOWN = reply(503, {"statusCode": 503, "errorCode": 1101, "errorMessage": "unavailable"})


def seen(server: FaultServer) -> int:
    return server.count(ROUTE)


async def get_coupon(client: LiveOpsClient) -> object:
    try:
        return await client.admin.coupons.get("spring")
    except InternalServerError as exc:
        return exc


async def in_batches(
    count: int, call: Callable[[], Awaitable[object]], batch: int = 50
) -> list[object]:
    results: list[object] = []
    for start in range(0, count, batch):
        results += await asyncio.gather(*(call() for _ in range(min(batch, count - start))))
    return results


async def spend(budget: RetryBudget, client: LiveOpsClient) -> int:
    """Calls during the outage until the budget cannot pay for another retry."""
    calls = 0
    while budget.tokens >= 5:
        assert isinstance(await get_coupon(client), InternalServerError)
        calls += 1
    return calls


async def test_total_outage_sends_one_attempt_per_call_once_the_budget_is_spent(
    server: FaultServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    server.default = DOWN
    budget = RetryBudget(clock=ManualClock())  # the documented defaults, time standing still
    client = make_client(server, retry_budget=budget)

    calls = await spend(budget, client)
    assert seen(server) == calls + 100  # 500 tokens / 5 per retry: 100 retries, then none
    before = seen(server)
    results = await in_batches(1000, lambda: get_coupon(client))
    assert all(isinstance(r, InternalServerError) for r in results)  # the original error
    assert seen(server) - before <= 1.1 * 1000
    assert budget.denied >= 1000

    # Without a budget the same outage costs three attempts per call.
    unbudgeted = make_client(server)
    before = seen(server)
    await in_batches(100, lambda: get_coupon(unbudgeted))
    assert seen(server) - before == 300


async def test_back_to_normal_at_once_and_retries_after_five_successes(
    server: FaultServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    server.default = DOWN
    budget = RetryBudget(clock=ManualClock())
    client = make_client(server, retry_budget=budget)
    await spend(budget, client)

    server.default = OK  # the outage ends
    raw = await client.admin.coupons.with_raw_response.get("spring")
    assert raw.attempts == 1  # the first attempt of a call never waits for the budget
    server.then(DOWN)
    assert isinstance(await get_coupon(client), InternalServerError)  # not retried yet
    for _ in range(4):  # with the success above: five successes
        await client.admin.coupons.get("spring")
    server.then(DOWN)
    raw = await client.admin.coupons.with_raw_response.get("spring")
    assert raw.attempts == 2  # retried again


async def test_retries_come_back_after_ten_quiet_seconds(
    server: FaultServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    server.default = DOWN
    clock = ManualClock()
    budget = RetryBudget(clock=clock)
    client = make_client(server, retry_budget=budget)
    await spend(budget, client)

    server.default = OK
    server.then(DOWN)
    clock.now += 9.0
    assert isinstance(await get_coupon(client), InternalServerError)
    server.then(DOWN)
    clock.now += 1.0  # 10 s at the default 0.5 tokens/s
    raw = await client.admin.coupons.with_raw_response.get("spring")
    assert raw.attempts == 2


def one_percent_transient(seed: int) -> Callable[[Received, Connection], Awaitable[None]]:
    draw = random.Random(seed)

    async def action(request: Received, conn: Connection) -> None:
        await (DOWN if draw.random() < 0.01 else OK)(request, conn)

    return action


@pytest.mark.parametrize("seed", [1, 2])
async def test_one_percent_transient_errors_never_fail_a_call(
    server: FaultServer, make_client: Callable[..., LiveOpsClient], seed: int
) -> None:
    server.default = one_percent_transient(seed)
    budget = RetryBudget(clock=ManualClock())
    client = make_client(server, retry_budget=budget)

    results = await in_batches(3000, lambda: get_coupon(client), batch=100)

    assert [r for r in results if isinstance(r, Exception)] == []
    assert budget.granted >= 10  # transient errors did happen and were retried
    assert budget.denied == 0
    assert seen(server) == 3000 + budget.granted
