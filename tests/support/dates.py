"""Moments for tests that drive the real process, computed from the real today.

The dev clock only moves forward from the real now, so a fixed date in such a test is a time bomb:
it fails on the day the calendar passes it. These helpers give the next suitable working moment of
the demo council's own calendar (weekends, bank holidays and closures skipped) after now.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from domain.calendar import WorkingCalendar
from domain.rota import Rota
from profiles.domain_map import calendar_from_profile, rota_from_profile
from profiles.loader import load_profile

DEMO_PROFILE = Path(__file__).resolve().parents[2] / "profiles" / "demo.yaml"


@cache
def demo_calendar() -> WorkingCalendar:
    """The demo profile's working calendar, as the running bot builds it."""
    return calendar_from_profile(load_profile(DEMO_PROFILE))


@cache
def demo_rota() -> Rota:
    """The demo profile's duty rota (Tom and Ewa alternate weekly, Sam deputises)."""
    return rota_from_profile(load_profile(DEMO_PROFILE))


def next_working_day_at(hour: int, minute: int = 0, after: datetime | None = None) -> datetime:
    """`hour:minute` local time on the first working day strictly after `after` (default: now).

    Strictly after, so the moment is always ahead of the real clock, whatever the time of day.
    """
    calendar = demo_calendar()
    start = after or datetime.now(UTC)
    zone = ZoneInfo(calendar.timezone)
    day = calendar.next_working_day(start.astimezone(zone).date())
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


def duty_day_at(
    on_duty: str,
    weekday: int,
    hour: int,
    minute: int = 0,
    after: datetime | None = None,
) -> datetime:
    """`hour:minute` local time on the first `weekday` (0 = Monday) strictly after `after`
    (default: now) that is a working day in a week the demo rota gives to `on_duty` (an Entra
    object id, as the rota holds it: `act.TOM.aad_id`).

    For tests whose story needs a given manager on duty, or a given day of the week (a Tuesday,
    so that a working day follows before the weekend)."""
    calendar, rota = demo_calendar(), demo_rota()
    zone = ZoneInfo(calendar.timezone)
    start = after or datetime.now(UTC)
    day = start.astimezone(zone).date()
    for _ in range(7 * 60):  # a year is plenty for a two-week rotation and its bank holidays
        day = calendar.next_working_day(day)
        moment = datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)
        if day.weekday() == weekday and moment > start and rota.on_duty(moment).primary == on_duty:
            return moment
    raise LookupError(f"no working weekday {weekday} in {on_duty}'s weeks within a year")


def same_day_at(moment: datetime, hour: int, minute: int = 0) -> datetime:
    """`hour:minute` local time (the demo council's zone) on `moment`'s local day, in UTC.

    For a later moment of a test's story day, e.g. 16:30 on the day of `TUESDAY_10AM`; built in
    local time so that it is right in British Summer Time too."""
    zone = ZoneInfo(demo_calendar().timezone)
    return local_at(moment.astimezone(zone).date(), hour, minute)


def local_at(day: date, hour: int, minute: int = 0) -> datetime:
    """`hour:minute` local time (the demo council's zone) on `day`, in UTC."""
    zone = ZoneInfo(demo_calendar().timezone)
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)
