"""Recurrent reset schedules (`{interval_type, day_of_week | day_of_month, time}`): when the
next reset after a moment falls, and a schedule as the API answers it.

The rules are the 2025 schema's (`recurrent_schedule_response`): `time` is a whole hour with
its UTC offset ("11:00:00+03:00") and the reset happens at that hour in that offset;
`day_of_week` runs from 1 (Monday) to 7 (Sunday); a `day_of_month` the month does not have
(31 in April) means the month's last day.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any


def _at(schedule: Mapping[str, Any]) -> tuple[int, timezone]:
    """The hour of the reset and the offset it is given in, from `time` ("11:00:00+03:00")."""
    text = str(schedule["time"])
    hour, sign, offset = int(text[0:2]), text[8], text[9:]
    hours, minutes = (int(part) for part in offset.split(":"))
    delta = timedelta(hours=hours, minutes=minutes)
    return hour, timezone(delta if sign == "+" else -delta)


def _month_day(year: int, month: int, day: int) -> int:
    return min(day, calendar.monthrange(year, month)[1])


def next_reset(schedule: Mapping[str, Any], after: datetime) -> datetime:
    """The first reset moment strictly after `after`."""
    hour, zone = _at(schedule)
    local = after.astimezone(zone)
    kind = schedule.get("interval_type")
    if kind == "monthly":
        wanted = int(schedule["day_of_month"])
        year, month = local.year, local.month
        moment = datetime(year, month, _month_day(year, month, wanted), hour, tzinfo=zone)
        if moment > after:
            return moment
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return datetime(year, month, _month_day(year, month, wanted), hour, tzinfo=zone)
    moment = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    step = timedelta(days=1)
    if kind == "weekly":
        moment += timedelta(days=(int(schedule["day_of_week"]) - 1 - moment.weekday()) % 7)
        step = timedelta(days=7)
    while moment <= after:
        moment += step
    return moment


def schedule_view(
    schedule: Mapping[str, Any], written_at: datetime, now: datetime
) -> dict[str, Any]:
    """A schedule as answered: as written (each day field null unless its kind uses it), the
    first reset after it was written and the next one after `now`."""
    first, upcoming = next_reset(schedule, written_at), next_reset(schedule, now)
    kind = schedule.get("interval_type")
    return {
        "interval_type": kind,
        "day_of_week": schedule.get("day_of_week") if kind == "weekly" else None,
        "day_of_month": schedule.get("day_of_month") if kind == "monthly" else None,
        "time": schedule["time"],
        "reset_next_date": int(upcoming.timestamp()),
        "displayable_reset_start_date": first.isoformat(),
        "displayable_reset_next_date": upcoming.isoformat(),
    }


class ResetClock:
    """For chains with a `recurrent_schedule`: when each chain's settings were written (its
    schedule's dates count from then) and since when players' progress runs. One clock serves
    every kind of chain; each kind says what a reset wipes."""

    def __init__(self) -> None:
        self.written_at: dict[int, datetime] = {}
        self.progress_since: dict[int, datetime] = {}

    def written(self, chain_id: int, now: datetime) -> None:
        self.written_at[chain_id] = self.progress_since[chain_id] = now

    def reset_due(self, chain_id: int, schedule: Mapping[str, Any] | None, now: datetime) -> bool:
        """Whether a reset moment has passed since progress started; if so progress now runs
        from `now` (the caller wipes it)."""
        since = self.progress_since.get(chain_id)
        if schedule and since is not None and next_reset(schedule, since) <= now:
            self.progress_since[chain_id] = now
            return True
        return False

    def view(
        self, chain_id: int, schedule: Mapping[str, Any] | None, now: datetime
    ) -> dict[str, Any] | None:
        """The admin form of the schedule, with its computed dates; None if there is none."""
        written = self.written_at.get(chain_id, now)
        return schedule_view(schedule, written, now) if schedule else None
