"""Reporting periods: local calendar days turned into UTC bounds, and calendar quarters."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_QUARTER_KEY = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter, e.g. 2026-Q3 (July to September)."""

    year: int
    number: int

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 4:
            raise ValueError(f"a quarter is numbered 1 to 4, got {self.number}")

    @classmethod
    def containing(cls, day: date) -> Quarter:
        """The quarter a day falls in."""
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, key: str) -> Quarter:
        """A quarter from its key, "2026-Q3"."""
        found = _QUARTER_KEY.match(key)
        if found is None:
            raise ValueError(f"not a quarter key: {key!r}")
        return cls(int(found.group(1)), int(found.group(2)))

    @property
    def key(self) -> str:
        """The quarter's key, "2026-Q3"."""
        return f"{self.year}-Q{self.number}"

    @property
    def first_day(self) -> date:
        """Its first day."""
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        """Its last day."""
        month = 3 * self.number
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    def previous(self) -> Quarter:
        """The quarter before this one."""
        if self.number == 1:
            return Quarter(self.year - 1, 4)
        return Quarter(self.year, self.number - 1)

    def period(self, timezone: str) -> Period:
        """The quarter as a reporting period in a zone."""
        return Period(self.first_day, self.last_day, timezone)


@dataclass(frozen=True)
class Period:
    """Local days `first` to `last` (both included) in a zone; requests are counted by posting."""

    first: date
    last: date
    timezone: str = "Europe/London"

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"the period ends ({self.last}) before it starts ({self.first})")
        ZoneInfo(self.timezone)

    @property
    def start(self) -> datetime:
        """Local midnight at the start of `first`, in UTC (included)."""
        return _midnight(self.first, self.timezone)

    @property
    def end(self) -> datetime:
        """Local midnight after `last`, in UTC (excluded)."""
        return _midnight(self.last + timedelta(days=1), self.timezone)

    @property
    def label(self) -> str:
        """The period as people read it, e.g. "1 Jul 2026 to 30 Sep 2026"."""
        return f"{_day(self.first)} to {_day(self.last)}"

    @property
    def slug(self) -> str:
        """The period in a file name, e.g. "2026-07-01_2026-09-30"."""
        return f"{self.first.isoformat()}_{self.last.isoformat()}"

    def contains(self, at: datetime) -> bool:
        """Whether a moment falls in the period."""
        return self.start <= at < self.end

    def weeks(self) -> list[date]:
        """The Mondays of every week that overlaps the period."""
        monday = self.first - timedelta(days=self.first.weekday())
        found = []
        while monday <= self.last:
            found.append(monday)
            monday += timedelta(days=7)
        return found

    def week_of(self, at: datetime) -> date:
        """The local Monday of the week a moment falls in."""
        local = at.astimezone(ZoneInfo(self.timezone)).date()
        return local - timedelta(days=local.weekday())


def months_before(at: datetime, months: int, timezone: str) -> datetime:
    """The same local wall time `months` calendar months earlier (day clamped), in UTC."""
    local = at.astimezone(ZoneInfo(timezone))
    index = local.year * 12 + local.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day).astimezone(UTC)


def _midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def _day(day: date) -> str:
    return f"{day.day} {day.strftime('%b %Y')}"
