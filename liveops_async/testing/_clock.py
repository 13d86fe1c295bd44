"""The mock's notion of "now": the system clock, or a manual one tests move by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """What the mock reads the time from: `now()` answers an aware UTC datetime."""

    def now(self) -> datetime:
        """The current time, an aware datetime in UTC."""
        ...


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        """The wall-clock time, an aware datetime in UTC."""
        return datetime.now(timezone.utc)

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that stands still until told to move; for daily chains and JWT expiry."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = _aware(start or datetime.now(timezone.utc))

    def now(self) -> datetime:
        """The time this clock was last set or advanced to (aware, UTC)."""
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to `when` (an aware datetime)."""
        self._now = _aware(when)

    def advance(self, delta: timedelta | float = 0.0, *, days: float = 0.0) -> None:
        """Move forward by `delta` (a timedelta or seconds) plus `days`."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        self._now += step + timedelta(days=days)

    def __repr__(self) -> str:
        return f"ManualClock({self._now.isoformat()})"


class _CallableClock:
    def __init__(self, func: Callable[[], datetime]) -> None:
        self._func = func

    def now(self) -> datetime:
        return _aware(self._func())


ClockLike = Clock | Callable[[], datetime]


def as_clock(value: ClockLike | None) -> Clock:
    """Accept a clock object, a zero-argument callable returning a datetime, or None."""
    if value is None:
        return SystemClock()
    if isinstance(value, Clock):
        return value
    return _CallableClock(value)


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
