"""The report's fast working minutes equal the calendar's own day-by-day walk, on random moments.

One `WorkingMinutes` answers every example of a test (as it answers a whole report), so its
running totals are grown both ways and reused across calls, as they are in a report.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import WorkingCalendar
from reports.working_time import WorkingMinutes

LONDON = WorkingCalendar()
# A council with its own hours, a closure day and a zone with other clock changes.
ELSEWHERE = WorkingCalendar(
    timezone="America/New_York",
    day_start=time(8, 30),
    day_end=time(16, 45),
    closures=frozenset({date(2026, 12, 24), date(2027, 3, 15)}),
)
FAST = {id(LONDON): WorkingMinutes(LONDON), id(ELSEWHERE): WorkingMinutes(ELSEWHERE)}

moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
many = settings(max_examples=400, deadline=None, database=None)


@many
@given(st.sampled_from([LONDON, ELSEWHERE]), moments, moments)
def test_fast_working_minutes_equal_the_calendar_walk(
    calendar: WorkingCalendar, a: datetime, b: datetime
) -> None:
    assert FAST[id(calendar)].between(a, b) == calendar.working_minutes_between(a, b)


@many
@given(moments, st.integers(min_value=0, max_value=3 * 24 * 60 * 60))
def test_fast_working_minutes_equal_the_walk_on_short_spans(a: datetime, seconds: int) -> None:
    # Most requests are done within days: same-day and next-day pairs, to the second.
    b = datetime.fromtimestamp(a.timestamp() + seconds, UTC)
    assert FAST[id(LONDON)].between(a, b) == LONDON.working_minutes_between(a, b)
    assert FAST[id(LONDON)].between(b, a) == LONDON.working_minutes_between(b, a)


@many
@given(moments, moments, st.sampled_from(["Europe/London", "Asia/Kolkata", "America/New_York"]))
def test_moments_in_another_zone_give_the_same_minutes_as_in_utc(
    a: datetime, b: datetime, zone: str
) -> None:
    # The database hands over UTC and takes the fast way; any other zone is converted first.
    local = ZoneInfo(zone)
    fast = FAST[id(LONDON)]
    assert fast.between(a.astimezone(local), b.astimezone(local)) == fast.between(a, b)


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        FAST[id(LONDON)].between(datetime(2026, 3, 2, 10), datetime(2026, 3, 2, 11, tzinfo=UTC))
