"""The in-process token bucket: exact behaviour on a fake clock, then the rate on the real one."""

from __future__ import annotations

import asyncio
import math

import pytest

from liveops_async import InvalidParameterError
from liveops_async.lib.ratelimit import MAX_PAUSE_SECONDS, RateLimiter, TokenBucketLimiter

from ._support import FakeTime, LagProbe, max_in_window


def fake_limiter(rate: float, burst: int) -> tuple[TokenBucketLimiter, FakeTime]:
    fake = FakeTime()
    return TokenBucketLimiter(rate, burst, clock=fake.clock, sleep=fake.sleep), fake


def test_is_a_rate_limiter() -> None:
    assert isinstance(TokenBucketLimiter(1.0), RateLimiter)


@pytest.mark.parametrize(
    ("rate", "burst"), [(0, 1), (-1, 1), (math.inf, 1), (math.nan, 1), (1, 0), (1, 1.5), (1, True)]
)
def test_rejects_invalid_settings(rate: float, burst: int) -> None:
    with pytest.raises(InvalidParameterError, match=r"rate|burst"):
        TokenBucketLimiter(rate, burst)


async def test_burst_goes_at_once_then_one_per_interval() -> None:
    limiter, fake = fake_limiter(rate=10, burst=5)
    start = fake.now
    for _ in range(5):
        await limiter.acquire("k")
    assert fake.now == start
    await limiter.acquire("k")
    assert fake.now - start == pytest.approx(0.1)
    for _ in range(45):
        await limiter.acquire("k")
    # 50 acquisitions beyond the burst of 5 need 45 intervals of 0.1 s.
    assert fake.now - start == pytest.approx(4.6)


async def test_idle_time_refills_only_up_to_burst() -> None:
    limiter, fake = fake_limiter(rate=10, burst=3)
    for _ in range(3):
        await limiter.acquire("k")
    fake.now += 100.0
    start = fake.now
    for _ in range(4):
        await limiter.acquire("k")
    assert fake.now - start == pytest.approx(0.1)


async def test_keys_have_separate_buckets() -> None:
    limiter, fake = fake_limiter(rate=1, burst=2)
    start = fake.now
    for key in ("a", "a", "b", "b", "c", "c"):
        await limiter.acquire(key)
    assert fake.now == start


async def test_thousands_of_waiters_are_served_in_arrival_order_without_polling() -> None:
    limiter, fake = fake_limiter(rate=100, burst=10)
    order: list[int] = []

    async def waiter(i: int) -> None:
        await limiter.acquire("k")
        order.append(i)

    start = fake.now
    await asyncio.gather(*(waiter(i) for i in range(2000)))
    assert order == list(range(2000))
    assert fake.now - start == pytest.approx(1990 / 100)
    # One timer per token that was not in the bucket: nobody polls.
    assert len(fake.sleeps) == 1990


async def test_rate_limited_pauses_then_resumes_at_the_rate_without_a_burst() -> None:
    limiter, fake = fake_limiter(rate=10, burst=5)
    await limiter.on_rate_limited("k", 2.0)
    start = fake.now
    await limiter.acquire("k")
    assert fake.now - start == pytest.approx(2.0)
    await limiter.acquire("k")
    assert fake.now - start == pytest.approx(2.1)


async def test_a_pause_reaches_a_waiter_already_asleep() -> None:
    limiter, fake = fake_limiter(rate=1, burst=1)
    await limiter.acquire("k")  # empties the bucket; the next token is due in 1 s
    start = fake.now
    paused = False

    async def sleep_and_pause(delay: float) -> None:
        nonlocal paused
        if not paused:  # the 429 arrives while the waiter sleeps for its token
            paused = True
            await limiter.on_rate_limited("k", 5.0)
        await FakeTime.sleep(fake, delay)

    limiter._sleep = sleep_and_pause
    await limiter.acquire("k")
    assert fake.now - start == pytest.approx(5.0)


async def test_a_429_without_wait_still_drains_the_burst() -> None:
    limiter, fake = fake_limiter(rate=10, burst=5)
    start = fake.now
    await limiter.on_rate_limited("k", 0.0)
    await limiter.acquire("k")
    assert fake.now == start
    await limiter.acquire("k")
    assert fake.now - start == pytest.approx(0.1)


async def test_a_shorter_pause_does_not_cut_a_longer_one() -> None:
    limiter, fake = fake_limiter(rate=10, burst=1)
    start = fake.now
    await limiter.on_rate_limited("k", 3.0)
    await limiter.on_rate_limited("k", 0.5)
    await limiter.acquire("k")
    assert fake.now - start == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [(-5.0, 0.0), (math.nan, 0.0), (0.0, 0.0), (1e9, MAX_PAUSE_SECONDS), (math.inf, 300.0)],
)
async def test_odd_retry_after_values_are_clamped(retry_after: float, expected: float) -> None:
    limiter, fake = fake_limiter(rate=1000, burst=1)
    start = fake.now
    await limiter.on_rate_limited("k", retry_after)
    await limiter.acquire("k")
    assert fake.now - start == pytest.approx(expected)


async def test_a_cancelled_waiter_gives_up_its_place_and_no_token() -> None:
    limiter, fake = fake_limiter(rate=1, burst=1)
    await limiter.acquire("k")
    gate = asyncio.Event()

    async def slow_sleep(delay: float) -> None:
        await gate.wait()
        await FakeTime.sleep(fake, delay)

    limiter._sleep = slow_sleep
    head = asyncio.create_task(limiter.acquire("k"))
    queued = asyncio.create_task(limiter.acquire("k"))
    third = asyncio.create_task(limiter.acquire("k"))
    await asyncio.sleep(0)
    queued.cancel()
    head.cancel()
    await asyncio.sleep(0)
    gate.set()
    start = fake.now
    await asyncio.wait_for(third, 30)  # a hang guard only
    assert head.cancelled()
    assert queued.cancelled()
    # The survivor got the token the cancelled ones never took: one interval, not three.
    assert fake.now - start == pytest.approx(1.0)


async def test_real_clock_rate_stays_within_tolerance() -> None:
    # The event loop's own clock and timers, 50 concurrent callers, 40/s with bursts of 5.
    # Why the bound holds: the bucket lets at most `rate * W + burst` acquisitions return by
    # their due times in any window W; a loop that runs late (by at most `probe.max_lag`,
    # measured during this very run) can only delay returns, so it can squeeze the returns
    # of a window of W + max_lag into W: at most `rate * max_lag` more. (+1: the stamp is
    # taken after the return.)
    rate, burst, duration = 40.0, 5, 1.5
    limiter = TokenBucketLimiter(rate, burst)
    stamps: list[float] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + duration
    probe = LagProbe()
    probe.start()

    async def caller() -> None:
        while loop.time() < deadline:
            await limiter.acquire("k")
            stamps.append(loop.time())

    await asyncio.wait_for(asyncio.gather(*(caller() for _ in range(50))), 60)
    await probe.stop()
    stamps.sort()
    slack = rate * probe.max_lag + 1
    assert max_in_window(stamps, 1.0) <= rate * 1.0 + burst + slack
    in_run = [s for s in stamps if s <= deadline]
    assert len(in_run) <= rate * duration + burst + slack
    # Not needlessly strict: the time the loop lost to lateness is the only excuse for using
    # less of the budget (75% of it, as the callers stop at the deadline mid-interval).
    assert len(in_run) >= 0.75 * (rate * max(0.0, duration - probe.total_lag) + burst)
