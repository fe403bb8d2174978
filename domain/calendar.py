"""The working calendar: working days and hours, bank holidays, and deadlines.

Every moment in and out is a timezone-aware datetime; results are in UTC. Wall-clock rules
(09:00-17:00) are applied in the configured zone, so clock changes are handled by `zoneinfo`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = ["CallbackRule", "WorkingCalendar", "require_aware"]

CallbackRule = Literal["clock_hours", "next_working_day"]

_ONE_DAY = timedelta(days=1)
_ONE_MINUTE = timedelta(minutes=1)


def require_aware(at: datetime, name: str = "at") -> datetime:
    """Return `at` in UTC, or raise ValueError if it is naive."""
    if not isinstance(at, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(at).__name__}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {at.isoformat()}")
    return at.astimezone(UTC)


@lru_cache(maxsize=256)
def _bank_holidays(country: str, subdivision: str, year: int) -> frozenset[date]:
    """Bank holidays for one year; cached because building them is slow and they never change."""
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year).keys())


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days and hours in one zone, with England & Wales bank holidays by default."""

    timezone: str = "Europe/London"
    day_start: time = time(9)
    day_end: time = time(17)
    country: str = "GB"
    subdivision: str = "ENG"
    closures: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if self.day_start.tzinfo is not None or self.day_end.tzinfo is not None:
            raise ValueError("day_start and day_end are local wall times: give them no tzinfo")
        if not self.day_start < self.day_end:
            raise ValueError(f"day_start {self.day_start} must be before day_end {self.day_end}")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {self.timezone!r}") from exc
        try:
            _bank_holidays(self.country, self.subdivision, 2026)
        except NotImplementedError as exc:
            raise ValueError(f"no holidays for {self.country}/{self.subdivision}: {exc}") from exc
        # Accept any iterable of dates from a profile, but keep the field hashable.
        object.__setattr__(self, "closures", frozenset(self.closures))

    # -- days -------------------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        """Whether `d` is Monday to Friday, not a bank holiday and not a closure day."""
        if isinstance(d, datetime):
            # A datetime is a date subclass but never equals one: fail loudly instead.
            raise TypeError("is_working_day takes a date; use is_working_time for a moment")
        return (
            d.weekday() < 5
            and d not in _bank_holidays(self.country, self.subdivision, d.year)
            and d not in self.closures
        )

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after `d`."""
        d += _ONE_DAY
        while not self.is_working_day(d):  # ends: weekends, holidays and closures are finite
            d += _ONE_DAY
        return d

    def opening(self, d: date) -> datetime:
        """The opening (day_start) of local day `d`, in UTC."""
        return datetime.combine(d, self.day_start, tzinfo=self._zone).astimezone(UTC)

    def closing(self, d: date) -> datetime:
        """The close (day_end) of local day `d`, in UTC."""
        return datetime.combine(d, self.day_end, tzinfo=self._zone).astimezone(UTC)

    # -- moments ----------------------------------------------------------------------------

    def is_working_time(self, at: datetime) -> bool:
        """Whether `at` falls on a working day with day_start <= local time < day_end."""
        at = require_aware(at)
        d = self._local_date(at)
        return self.is_working_day(d) and self.opening(d) <= at < self.closing(d)

    def next_opening(self, at: datetime) -> datetime:
        """`at` itself if in working time, else the next opening on a working day."""
        at = require_aware(at)
        d = self._local_date(at)
        if self.is_working_day(d):
            if at < self.opening(d):
                return self.opening(d)
            if at < self.closing(d):
                return at
        return self.opening(self.next_working_day(d))

    def end_of_working_day(self, at: datetime) -> datetime:
        """The close of the working day whose working time contains next_opening(at)."""
        return self.closing(self._local_date(self.next_opening(at)))

    def add_working_minutes(self, at: datetime, minutes: int) -> datetime:
        """`minutes` of working time after next_opening(at); may land exactly on a close."""
        if minutes < 0:
            raise ValueError(f"minutes must be >= 0, got {minutes}")
        cursor = self.next_opening(at)
        remaining = timedelta(minutes=minutes)
        while True:  # one step per working day, never per minute
            d = self._local_date(cursor)
            left_today = self.closing(d) - cursor
            if remaining <= left_today:
                return cursor + remaining
            remaining -= left_today
            cursor = self.opening(self.next_working_day(d))

    def working_minutes_between(self, a: datetime, b: datetime) -> int:
        """Whole minutes of working time in [a, b); negative when b is before a."""
        a, b = require_aware(a, "a"), require_aware(b, "b")
        if b < a:
            return -self.working_minutes_between(b, a)
        total = timedelta()
        d, last = self._local_date(a), self._local_date(b)
        while d <= last:
            if self.is_working_day(d):
                start, end = max(a, self.opening(d)), min(b, self.closing(d))
                if start < end:
                    total += end - start
            d += _ONE_DAY
        return total // _ONE_MINUTE

    def same_time_next_working_day(self, at: datetime) -> datetime:
        """The wall time of next_opening(at), on the following working day, within hours."""
        start = self.next_opening(at).astimezone(self._zone)
        wall = min(max(start.time().replace(tzinfo=None), self.day_start), self.day_end)
        day = self.next_working_day(start.date())
        return datetime.combine(day, wall, tzinfo=self._zone).astimezone(UTC)

    def add_clock_hours(self, at: datetime, hours: float) -> datetime:
        """Plain elapsed hours, ignoring working time (UTC arithmetic)."""
        return require_aware(at) + timedelta(hours=hours)

    def callback_due(self, posted_at: datetime, *, rule: CallbackRule, hours: int = 24) -> datetime:
        """The call-back deadline for a request posted at `posted_at` under `rule`."""
        if rule == "clock_hours":
            # Elapsed time from the clock start: may fall on a weekend or holiday by design.
            return self.add_clock_hours(self.next_opening(posted_at), hours)
        if rule == "next_working_day":
            return self.same_time_next_working_day(posted_at)
        raise ValueError(f"unknown callback rule {rule!r}")

    # -- helpers ----------------------------------------------------------------------------

    @property
    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # ZoneInfo caches instances by key

    def _local_date(self, at: datetime) -> date:
        return at.astimezone(self._zone).date()
