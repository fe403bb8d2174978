"""Moments for tests that drive the real process, computed from the real today.

The dev clock only moves forward from the real now, so a fixed date in such a test is a time bomb:
it fails on the day the calendar passes it. These helpers give the next suitable working moment of
the demo council's own calendar (weekends, bank holidays and closures skipped) after now.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from domain.calendar import WorkingCalendar
from profiles.domain_map import calendar_from_profile
from profiles.loader import load_profile

DEMO_PROFILE = Path(__file__).resolve().parents[2] / "profiles" / "demo.yaml"


@cache
def demo_calendar() -> WorkingCalendar:
    """The demo profile's working calendar, as the running bot builds it."""
    return calendar_from_profile(load_profile(DEMO_PROFILE))


def next_working_day_at(hour: int, minute: int = 0, after: datetime | None = None) -> datetime:
    """`hour:minute` local time on the first working day strictly after `after` (default: now).

    Strictly after, so the moment is always ahead of the real clock, whatever the time of day.
    """
    calendar = demo_calendar()
    start = after or datetime.now(UTC)
    zone = ZoneInfo(calendar.timezone)
    day = calendar.next_working_day(start.astimezone(zone).date())
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)
