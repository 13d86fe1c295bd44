"""The pool gate: FIFO hand-over, per-wait deadlines with one timer, no slot lost on cancel."""

from __future__ import annotations

import asyncio

import pytest

from liveops_async._transport import PoolGate


async def _hold(gate: PoolGate, order: list[int], n: int, timeout: float = 5.0) -> None:
    if not gate.try_acquire():
        await gate.wait(timeout)
    order.append(n)


async def test_waiters_get_freed_slots_in_arrival_order() -> None:
    gate = PoolGate(2, asyncio.get_running_loop())
    order: list[int] = []
    assert gate.try_acquire() and gate.try_acquire()
    waiting = [asyncio.create_task(_hold(gate, order, n)) for n in range(5)]
    await asyncio.sleep(0)
    assert not gate.try_acquire()  # both slots held, five calls queued
    for _ in range(5):
        gate.release()
        await asyncio.sleep(0)
    await asyncio.gather(*waiting)
    assert order == [0, 1, 2, 3, 4]
    gate.release()
    gate.release()
    assert gate._value == 2


async def test_each_wait_has_its_own_deadline() -> None:
    gate = PoolGate(1, asyncio.get_running_loop())
    assert gate.try_acquire()
    loop = asyncio.get_running_loop()
    started = loop.time()
    long_wait = gate.wait(5.0)
    short_wait = gate.wait(0.05)  # later, yet due first: the watchdog is moved forward
    with pytest.raises(asyncio.TimeoutError):
        await short_wait
    assert 0.04 <= loop.time() - started < 1.0
    assert not long_wait.done()
    gate.release()  # the expired waiter is skipped
    await long_wait
    gate.release()
    assert gate._value == 1


async def test_a_cancelled_waiter_holds_no_slot() -> None:
    gate = PoolGate(1, asyncio.get_running_loop())
    order: list[int] = []
    assert gate.try_acquire()
    cancelled = asyncio.create_task(_hold(gate, order, 0))
    after = asyncio.create_task(_hold(gate, order, 1))
    await asyncio.sleep(0)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    gate.release()
    await after
    assert order == [1]
    gate.release()
    assert gate._value == 1


async def test_a_slot_handed_to_a_call_cancelled_meanwhile_is_passed_on() -> None:
    gate = PoolGate(1, asyncio.get_running_loop())
    assert gate.try_acquire()
    first = gate.wait(5.0)
    second = gate.wait(5.0)
    gate.release()  # hands the slot to `first`...
    assert first.done()
    gate.abandon(first)  # ...whose caller was cancelled before it could run
    assert second.done()
    gate.abandon(second)
    assert gate._value == 1
