"""The working calendar: working days and hours, bank holidays, and deadlines.

Every moment in and out is a timezone-aware datetime; results are in UTC. Wall-clock rules
(09:00-17:00) are applied in the configured zone, so clock changes are handled by `zoneinfo`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = ["CallbackRule", "Duration", "TimeUnit", "WorkingCalendar", "require_aware"]

CallbackRule = Literal["clock_hours", "next_working_day"]

# The units councils write their timescales in (issue 15).
TimeUnit = Literal[
    "working_minutes",
    "working_hours",
    "working_days",
    "end_of_working_day",
    "clock_hours",
    "calendar_months",
]
TIME_UNITS: frozenset[str] = frozenset(get_args(TimeUnit))


@dataclass(frozen=True)
class Duration:
    """A timescale as a council writes it: an amount of one unit.

    `end_of_working_day` with amount n is the close of the n-th working day, counting the day of
    the next opening as the first. `from_next_opening` (clock hours only) starts the clock at the
    next opening, as today's 24-hour call-back does; every other unit starts there anyway.
    """

    unit: TimeUnit
    amount: int
    from_next_opening: bool = False

    def __post_init__(self) -> None:
        if self.unit not in TIME_UNITS:
            raise ValueError(f"unknown time unit {self.unit!r}")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise TypeError("a duration's amount must be a whole number")
        least = 1 if self.unit == "end_of_working_day" else 0
        if self.amount < least:
            raise ValueError(f"{self.unit} needs an amount of at least {least}, got {self.amount}")
        if self.from_next_opening and self.unit != "clock_hours":
            raise ValueError("from_next_opening applies to clock_hours only")


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

    def add_working_days(self, at: datetime, n: int) -> datetime:
        """The wall time of next_opening(at) on the n-th following working day (0: itself).

        Stays within working hours because next_opening is; additive for any n, m >= 0.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        start = self.next_opening(at).astimezone(self._zone)
        day = start.date()
        for _ in range(n):  # a working day at a time: n is days, never minutes
            day = self.next_working_day(day)
        return datetime.combine(
            day, start.time().replace(tzinfo=None), tzinfo=self._zone
        ).astimezone(UTC)

    def add_months(self, at: datetime, n: int) -> datetime:
        """n calendar months after next_opening(at), landing in working time or at a close.

        The same day of the month at the same wall time; a day the target month lacks (31 Jan
        plus one month) is the close of its last day; a target that is not a working day moves
        to the next opening. Both choices keep a later start from ever getting an earlier due.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        start = self.next_opening(at).astimezone(self._zone)
        months = start.year * 12 + (start.month - 1) + n
        year, month = divmod(months, 12)
        month += 1
        last = (date(year + month // 12, month % 12 + 1, 1) - _ONE_DAY).day
        if start.day > last:
            target: datetime = self.closing(date(year, month, last))
        else:
            wall = start.time().replace(tzinfo=None)
            target = datetime.combine(
                date(year, month, start.day), wall, tzinfo=self._zone
            ).astimezone(UTC)
        if not self.is_working_day(self._local_date(target)):
            return self.opening(self.next_working_day(self._local_date(target)))
        return target

    def due(self, at: datetime, duration: Duration) -> datetime:
        """When a timer started at `at` with this duration falls due."""
        n = duration.amount
        if duration.unit == "working_minutes":
            return self.add_working_minutes(at, n)
        if duration.unit == "working_hours":
            return self.add_working_minutes(at, n * 60)
        if duration.unit == "working_days":
            return self.add_working_days(at, n)
        if duration.unit == "end_of_working_day":
            return self.closing(self._local_date(self.add_working_days(at, n - 1)))
        if duration.unit == "clock_hours":
            start = self.next_opening(at) if duration.from_next_opening else require_aware(at)
            return self.add_clock_hours(start, n)
        if duration.unit == "calendar_months":
            return self.add_months(at, n)
        raise ValueError(f"unknown time unit {duration.unit!r}")

    @property
    def day_minutes(self) -> int:
        """Working minutes in one working day (the proofs bound timers with it)."""
        start = datetime.combine(date(2000, 1, 1), self.day_start)
        return (datetime.combine(date(2000, 1, 1), self.day_end) - start) // _ONE_MINUTE

    # -- helpers ----------------------------------------------------------------------------

    @property
    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # ZoneInfo caches instances by key

    def _local_date(self, at: datetime) -> date:
        return at.astimezone(self._zone).date()
