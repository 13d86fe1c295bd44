"""The budget's arithmetic, with an injected clock."""

from __future__ import annotations

import pytest

from liveops_async import InvalidParameterError, RetryBudget

from .conftest import ManualClock as Clock


def test_retries_draw_until_empty_then_are_denied() -> None:
    budget = RetryBudget(capacity=20, retry_cost=5, refill_per_second=0, clock=Clock())
    assert [budget.take() for _ in range(5)] == [True, True, True, True, False]
    assert (budget.granted, budget.denied) == (4, 1)
    assert budget.tokens == 0


def test_successes_refill_up_to_capacity() -> None:
    budget = RetryBudget(capacity=10, retry_cost=5, success_refill=1, refill_per_second=0)
    assert budget.take() and budget.take() and not budget.take()
    for _ in range(4):
        budget.record_success()
    assert not budget.take()  # 4 tokens < cost 5
    budget.record_success()
    assert budget.take()
    for _ in range(100):
        budget.record_success()
    assert budget.tokens == 10


def test_time_refills_at_the_stated_rate() -> None:
    clock = Clock()
    budget = RetryBudget(capacity=10, retry_cost=5, refill_per_second=0.5, clock=clock)
    assert budget.take() and budget.take() and not budget.take()
    clock.now += 9.9
    assert not budget.take()
    clock.now += 0.1  # 10 s at 0.5 tokens/s pay for one retry
    assert budget.take()
    clock.now += 10_000
    assert budget.tokens == 10


def test_defaults_are_the_documented_ones() -> None:
    clock = Clock()
    budget = RetryBudget(clock=clock)
    granted = 0
    while budget.take():
        granted += 1
    assert granted == 100  # capacity 500 / cost 5
    for _ in range(5):
        budget.record_success()
    assert budget.take()  # 5 successes pay for a retry
    assert not budget.take()
    clock.now += 10  # ... or 10 s at 0.5 tokens/s
    assert budget.take()


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"capacity": 0}, "capacity"),
        ({"retry_cost": -1}, "retry_cost"),
        ({"success_refill": float("nan")}, "success_refill"),
        ({"refill_per_second": True}, "refill_per_second"),
        ({"capacity": 4, "retry_cost": 5}, "retry_cost"),
    ],
)
def test_bad_numbers_are_refused_by_name(kwargs: dict[str, float], name: str) -> None:
    with pytest.raises(InvalidParameterError, match=name):  # a ValueError, and a LiveOpsError
        RetryBudget(**kwargs)
