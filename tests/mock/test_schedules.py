"""Reset schedules (`_state/_schedules.py`): when the next reset after a moment falls."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from liveops_async.testing._state._schedules import next_reset

UTC = timezone.utc


@pytest.mark.parametrize(
    ("schedule", "after", "expected"),
    [
        # daily at 11:00 +03:00 = 08:00 UTC: later the same day, else the next day
        ({"interval_type": "daily", "time": "11:00:00+03:00"}, "2026-12-10T07:59:59+00:00",
         "2026-12-10T08:00:00+00:00"),
        ({"interval_type": "daily", "time": "11:00:00+03:00"}, "2026-12-10T08:00:00+00:00",
         "2026-12-11T08:00:00+00:00"),
        # the offset's own calendar day: 23:00 UTC on the 10th is already the 11th at +03:00
        ({"interval_type": "daily", "time": "02:00:00+03:00"}, "2026-12-10T22:00:00+00:00",
         "2026-12-10T23:00:00+00:00"),
        # weekly: 1 is Monday, 7 Sunday (2026-12-10 is a Thursday)
        ({"interval_type": "weekly", "day_of_week": 1, "time": "00:00:00+00:00"},
         "2026-12-10T12:00:00+00:00", "2026-12-14T00:00:00+00:00"),
        ({"interval_type": "weekly", "day_of_week": 7, "time": "00:00:00+00:00"},
         "2026-12-10T12:00:00+00:00", "2026-12-13T00:00:00+00:00"),
        ({"interval_type": "weekly", "day_of_week": 4, "time": "12:00:00+00:00"},
         "2026-12-10T12:00:00+00:00", "2026-12-17T12:00:00+00:00"),
        # monthly: a day the month lacks is its last day
        ({"interval_type": "monthly", "day_of_month": 31, "time": "00:00:00+00:00"},
         "2026-11-10T00:00:00+00:00", "2026-11-30T00:00:00+00:00"),
        ({"interval_type": "monthly", "day_of_month": 31, "time": "00:00:00+00:00"},
         "2027-01-31T00:00:00+00:00", "2027-02-28T00:00:00+00:00"),
        ({"interval_type": "monthly", "day_of_month": 1, "time": "00:00:00-05:00"},
         "2026-12-20T00:00:00+00:00", "2027-01-01T05:00:00+00:00"),
    ],
)  # fmt: skip
def test_next_reset(schedule: dict[str, object], after: str, expected: str) -> None:
    moment = next_reset(schedule, datetime.fromisoformat(after))
    assert moment.astimezone(UTC) == datetime.fromisoformat(expected)
