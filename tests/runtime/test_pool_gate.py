"""The pool gate: FIFO hand-over, per-wait deadlines with one timer, no slot lost on cancel."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from liveops_async import ClientClosedError
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


class _ManualTimer:
    """What the gate uses of a timer handle (`when`, `cancel`), loop-independent: uvloop's loop
    does not accept `asyncio.TimerHandle`s it did not make."""

    def __init__(self, when: float, callback: Callable[[], None]) -> None:
        self._when = when
        self._callback = callback
        self._cancelled = False

    def when(self) -> float:
        return self._when

    def cancel(self) -> None:
        self._cancelled = True

    def cancelled(self) -> bool:
        return self._cancelled

    def run(self) -> None:
        self._callback()


class _ManualTimers:
    """The parts of an event loop the gate uses, on a clock the test moves: futures come from the
    real loop; `call_at` only records the timer, and the test fires it when the time comes."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.now = 100.0
        self.timers: list[_ManualTimer] = []

    def time(self) -> float:
        return self.now

    def create_future(self) -> asyncio.Future[None]:
        return self._loop.create_future()

    def call_at(self, when: float, callback: Callable[[], None]) -> _ManualTimer:
        handle = _ManualTimer(when, callback)
        self.timers.append(handle)
        return handle

    def fire_due(self) -> None:
        for handle in [t for t in self.timers if not t.cancelled() and t.when() <= self.now]:
            self.timers.remove(handle)
            handle.run()


async def test_each_wait_has_its_own_deadline() -> None:
    timers = _ManualTimers(asyncio.get_running_loop())
    gate = PoolGate(1, timers)  # type: ignore[arg-type]
    assert gate.try_acquire()
    long_wait = gate.wait(5.0)
    short_wait = gate.wait(0.05)  # later, yet due first: the watchdog is moved forward
    live = [t.when() for t in timers.timers if not t.cancelled()]
    assert live == [pytest.approx(100.05)]  # one timer, at the earliest deadline
    timers.now = 100.05
    timers.fire_due()
    with pytest.raises(asyncio.TimeoutError):
        await short_wait
    assert not long_wait.done()
    # The watchdog moved on to the next deadline.
    assert [t.when() for t in timers.timers if not t.cancelled()] == [pytest.approx(105.0)]
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


async def test_closing_the_gate_fails_every_wait_now_and_later() -> None:
    gate = PoolGate(1, asyncio.get_running_loop())
    assert gate.try_acquire()
    queued = [gate.wait(5.0) for _ in range(3)]
    gate.close()
    for waiter in queued:
        with pytest.raises(ClientClosedError, match="not sent"):
            await waiter
    gate.release()  # the call that held the slot ends: nobody gets the slot any more
    assert not gate.try_acquire()
    with pytest.raises(ClientClosedError):
        await gate.wait(5.0)
