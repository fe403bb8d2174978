"""The weekly duty rota of MAP team managers, with deputies, explicit weeks and covers.

Person ids are opaque strings. A week starts at the hand-over (Monday 00:00 Europe/London by
default), at local wall time, so a week is 167 or 169 hours long across a clock change.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.calendar import WorkingCalendar, require_aware

__all__ = ["Cover", "Duty", "DutySource", "Rota", "RotaProblem"]

DutySource = Literal["rotation", "week", "cover", "none"]

_WEEK = timedelta(days=7)
_HANDOVERS_CHECKED = 8  # weeks ahead checked for a hand-over on a bank holiday


@dataclass(frozen=True)
class Cover:
    """`covering` stands in for `covered` (or whoever is on duty, if None) over [start, end)."""

    covering: str
    covered: str | None
    start: datetime
    end: datetime
    reason: str = ""

    def __post_init__(self) -> None:
        start, end = require_aware(self.start, "start"), require_aware(self.end, "end")
        if not start < end:
            raise ValueError(
                f"cover start {start.isoformat()} must be before end {end.isoformat()}"
            )
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    def contains(self, at: datetime) -> bool:
        """Whether `at` is inside the cover (end exclusive)."""
        return self.start <= at < self.end

    def describe(self) -> str:
        """A short label naming the people and dates, for problem messages."""
        whom = self.covered or "whoever is on duty"
        start, end = (t.isoformat(timespec="minutes") for t in (self.start, self.end))
        return f"cover by {self.covering} for {whom} {start} to {end}"


@dataclass(frozen=True)
class Duty:
    """Who is on duty at a moment, and why."""

    primary: str | None
    deputy: str | None
    source: DutySource
    week_start: datetime


@dataclass(frozen=True)
class RotaProblem:
    """One configuration problem found by Rota.validate."""

    code: str
    message: str


@dataclass(frozen=True)
class Rota:
    """A weekly rotation of managers with deputies, explicit weeks and covers."""

    rotation: tuple[str, ...]
    anchor: date
    deputies: tuple[str, ...] = ()
    covers: tuple[Cover, ...] = ()
    handover_weekday: int = 0
    handover_time: time = time(0)
    timezone: str = "Europe/London"
    weeks: Mapping[date, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if isinstance(self.anchor, datetime):
            raise TypeError("anchor is a date, not a datetime")
        if not 0 <= self.handover_weekday <= 6:
            raise ValueError(
                f"handover_weekday must be 0 (Monday) to 6, got {self.handover_weekday}"
            )
        if self.handover_time.tzinfo is not None:
            raise ValueError("handover_time is a local wall time: give it no tzinfo")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {self.timezone!r}") from exc
        # Profiles hand us lists and dicts: freeze them so the rota stays a value.
        object.__setattr__(self, "rotation", tuple(self.rotation))
        object.__setattr__(self, "deputies", tuple(self.deputies))
        object.__setattr__(self, "covers", tuple(self.covers))
        weeks: dict[date, str] = {}
        for day, person in self.weeks.items():
            if isinstance(day, datetime):
                raise TypeError(f"weeks keys are dates, not datetimes: {day!r}")
            key = self._week_date(day)
            if weeks.get(key, person) != person:
                raise ValueError(f"week of {key} is given to both {weeks[key]} and {person}")
            weeks[key] = person
        object.__setattr__(self, "weeks", MappingProxyType(weeks))

    def week_start(self, at: datetime) -> datetime:
        """The hand-over that began the week containing `at`, in UTC."""
        at = require_aware(at)
        week = self._week_date(self._local_date(at))
        start = self._handover(week)
        # A hand-over later than 00:00 means the weekday itself can still be last week.
        return start if start <= at else self._handover(week - _WEEK)

    def next_handover(self, at: datetime) -> datetime:
        """The first hand-over strictly after `at`, in UTC, at local wall time."""
        return self._handover(self._local_date(self.week_start(at)) + _WEEK)

    def on_duty(self, at: datetime) -> Duty:
        """Who is on duty at `at`: an explicit week, else the rotation, then covers on top."""
        at = require_aware(at)
        start = self.week_start(at)
        week = self._local_date(start)
        index = (week - self._week_date(self.anchor)).days // 7
        primary: str | None = None
        source: DutySource = "none"
        if week in self.weeks:
            primary, source = self.weeks[week], "week"
        elif self.rotation:
            primary, source = self.rotation[index % len(self.rotation)], "rotation"
        deputy = self.deputies[index % len(self.deputies)] if self.deputies else None
        matching = [
            (c.start, i, c)
            for i, c in enumerate(self.covers)
            if _is_valid(c) and c.contains(at) and c.covered in (None, primary)
        ]
        if matching:  # latest start wins; on a tie, the cover added last
            primary, source = max(matching, key=lambda m: (m[0], m[1]))[2].covering, "cover"
        return Duty(primary=primary, deputy=deputy, source=source, week_start=start)

    def responders(
        self, at: datetime, available: Callable[[str], bool], all_managers: Sequence[str]
    ) -> tuple[str, ...]:
        """Who to assign or notify, in order; empty only when nobody is known at all."""
        duty = self.on_duty(at)
        for person in (duty.primary, duty.deputy):
            if person is not None and available(person):
                return (person,)
        present = _unique(m for m in all_managers if available(m))
        if present:
            return present
        # Nobody is available: telling everyone beats telling nobody about a child at risk.
        return _unique(all_managers) or _unique([duty.primary, duty.deputy, *self.rotation])

    def with_cover(self, cover: Cover) -> Rota:
        """A copy of this rota with `cover` added."""
        return replace(self, covers=(*self.covers, cover))

    def validate(
        self,
        now: datetime,
        known_people: Collection[str],
        calendar: WorkingCalendar | None = None,
    ) -> list[RotaProblem]:
        """Every problem with this rota as seen at `now`; never raises on bad rota data."""
        now = require_aware(now, "now")
        problems: list[RotaProblem] = []
        if not self.rotation:
            problems.append(RotaProblem("empty_rota", "the rota names no MAP team manager"))
        if not self.deputies:
            problems.append(RotaProblem("no_deputy", "the rota names no deputy (AP)"))
        problems += self._unknown_people(known_people)
        valid: list[Cover] = []
        for cover in self.covers:
            if not _is_valid(cover):
                message = f"cover by {getattr(cover, 'covering', '?')}: {_raw_range(cover)}"
                problems.append(RotaProblem("cover_invalid_range", message))
            elif cover.end <= now:
                problems.append(RotaProblem("cover_in_past", f"{cover.describe()} has ended"))
            else:
                valid.append(cover)
        problems += _overlaps(valid)
        if calendar is not None:
            problems += self._holiday_handovers(now, calendar)
        return problems

    # -- helpers ----------------------------------------------------------------------------

    @property
    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def _local_date(self, at: datetime) -> date:
        return at.astimezone(self._zone).date()

    def _week_date(self, d: date) -> date:
        """The hand-over weekday on or before `d`: the key of the week `d` falls in."""
        return d - timedelta(days=(d.weekday() - self.handover_weekday) % 7)

    def _handover(self, d: date) -> datetime:
        return datetime.combine(d, self.handover_time, tzinfo=self._zone).astimezone(UTC)

    def _unknown_people(self, known: Collection[str]) -> list[RotaProblem]:
        places: dict[str, list[str]] = {}
        named = [(p, "rotation") for p in self.rotation] + [(p, "deputies") for p in self.deputies]
        named += [(p, f"week of {d.isoformat()}") for d, p in self.weeks.items()]
        for c in self.covers:
            label = c.describe() if _is_valid(c) else "a cover"
            named += [(p, label) for p in (c.covering, c.covered) if p is not None]
        for person, place in named:
            if person not in known:
                places.setdefault(person, []).append(place)
        return [
            RotaProblem("unknown_person", f"{person} ({', '.join(where)}) is not in the profile")
            for person, where in places.items()
        ]

    def _holiday_handovers(self, now: datetime, calendar: WorkingCalendar) -> list[RotaProblem]:
        problems: list[RotaProblem] = []
        handover = self.next_handover(now)
        for _ in range(_HANDOVERS_CHECKED):
            day = self._local_date(handover)
            if day.weekday() < 5 and not calendar.is_working_day(day):
                message = f"the hand-over on {day.isoformat()} falls on a bank holiday or closure"
                problems.append(RotaProblem("handover_on_bank_holiday", message))
            handover = self.next_handover(handover)
        return problems


def _is_valid(cover: Cover) -> bool:
    """Whether a cover has aware datetimes in order (storage can bypass __init__)."""
    try:
        return bool(require_aware(cover.start) < require_aware(cover.end))
    except (TypeError, ValueError, AttributeError):
        return False


def _raw_range(cover: Cover) -> str:
    # Never repr the whole cover: `reason` is free text and may say why someone is away.
    start, end = getattr(cover, "start", None), getattr(cover, "end", None)
    return f"start {start!s} and end {end!s} are not an aware start-before-end range"


def _overlaps(covers: list[Cover]) -> list[RotaProblem]:
    problems: list[RotaProblem] = []
    for i, a in enumerate(covers):
        for b in covers[i + 1 :]:
            same_person = a.covered is None or b.covered is None or a.covered == b.covered
            if same_person and a.start < b.end and b.start < a.end:
                message = f"{a.describe()} overlaps {b.describe()}"
                problems.append(RotaProblem("overlapping_covers", message))
    return problems


def _unique(people: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p for p in people if p))
