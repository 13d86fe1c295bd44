"""The collector credit a pool-gate hand-off carries (`_gc_credit`)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest

from liveops_async._gc_credit import collector_credit
from liveops_async._transport import PoolGate

THRESHOLD = 8_000  # floor 1,000; high enough that no collection runs during a test
FLOOR = THRESHOLD >> 3


@pytest.fixture
def collector() -> Iterator[None]:
    """The collector on, with a known threshold; the application's settings restored after."""
    was_enabled, thresholds = gc.isenabled(), gc.get_threshold()
    gc.collect()  # the young count starts at zero
    gc.set_threshold(THRESHOLD, *thresholds[1:])
    gc.enable()
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if not was_enabled:
            gc.disable()


def test_credit_brings_the_young_count_up_to_an_eighth_of_the_threshold(collector: None) -> None:
    gc.collect()  # the young count at zero, whatever ran since the fixture
    credit = collector_credit()
    assert credit is not None
    assert 0 < len(credit) <= FLOOR
    assert FLOOR <= gc.get_count()[0] < FLOOR + 50  # the credit itself is what raised it
    before = gc.get_count()[0]
    del credit
    assert gc.get_count()[0] < before - FLOOR // 2  # freeing the credit is counted as well


def test_no_credit_when_the_count_is_there_already(collector: None) -> None:
    held = [object.__new__(_Counted) for _ in range(FLOOR + 10)]
    assert gc.get_count()[0] > FLOOR
    assert collector_credit() is None
    del held


def test_no_credit_when_the_collector_is_off(collector: None) -> None:
    gc.disable()
    assert collector_credit() is None


def test_the_credit_follows_a_threshold_the_application_sets(collector: None) -> None:
    gc.set_threshold(80)  # floor 10: a credit near the threshold would cause collections
    gc.collect()
    credit = collector_credit()
    assert credit is not None and len(credit) <= 10


async def test_a_hand_off_carries_the_credit_and_a_free_slot_none(collector: None) -> None:
    gate = PoolGate(1, asyncio.get_running_loop())
    assert gate.try_acquire()
    waiter = gate.wait(5.0)
    gc.collect()  # the count at zero: the releasing call owes a full credit
    gate.release()
    credit = await waiter
    assert credit is not None and len(credit) >= FLOOR - 50
    gate.release()  # nobody waits: the slot goes back to the free count, no credit made
    assert gate.try_acquire()


class _Counted:
    __slots__ = ()
