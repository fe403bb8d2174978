"""The working calendar: real 2026 dates in England, clock changes, and properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import Duration, WorkingCalendar

LONDON = ZoneInfo("Europe/London")
CAL = WorkingCalendar()


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# -- bank holidays (values checked against holidays 0.109, GB/ENG) ---------------------------

ENGLAND_2026 = [
    date(2026, 1, 1),
    date(2026, 4, 3),  # Good Friday
    date(2026, 4, 6),  # Easter Monday: only with subdiv="ENG"
    date(2026, 5, 4),
    date(2026, 5, 25),
    date(2026, 8, 31),  # Summer bank holiday: only with subdiv="ENG"
    date(2026, 12, 25),
    date(2026, 12, 28),  # Boxing Day falls on a Saturday: substitute Monday
]


@pytest.mark.parametrize("day", ENGLAND_2026, ids=str)
def test_england_bank_holidays_in_2026_are_not_working_days(day: date) -> None:
    assert day.weekday() < 5
    assert not CAL.is_working_day(day)


def test_every_other_weekday_of_2026_is_a_working_day() -> None:
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]
    non_working_weekdays = [d for d in days if d.weekday() < 5 and not CAL.is_working_day(d)]
    assert non_working_weekdays == ENGLAND_2026


def test_weekends_are_not_working_days() -> None:
    assert not CAL.is_working_day(date(2026, 3, 7))
    assert not CAL.is_working_day(date(2026, 3, 8))
    assert CAL.is_working_day(date(2026, 3, 9))


def test_extra_closure_days_are_not_working_days() -> None:
    closed = WorkingCalendar(closures=frozenset({date(2026, 12, 24)}))
    assert CAL.is_working_day(date(2026, 12, 24))
    assert not closed.is_working_day(date(2026, 12, 24))
    assert closed.next_working_day(date(2026, 12, 23)) == date(2026, 12, 29)


def test_is_working_day_refuses_a_datetime() -> None:
    with pytest.raises(TypeError):
        CAL.is_working_day(london(2026, 3, 9, 10))


# -- working time and openings --------------------------------------------------------------


def test_working_time_is_nine_inclusive_to_five_exclusive() -> None:
    assert not CAL.is_working_time(london(2026, 3, 10, 8, 59))
    assert CAL.is_working_time(london(2026, 3, 10, 9, 0))
    assert CAL.is_working_time(london(2026, 3, 10, 16, 59))
    assert not CAL.is_working_time(london(2026, 3, 10, 17, 0))


def test_next_opening_is_the_moment_itself_in_working_time() -> None:
    assert CAL.next_opening(london(2026, 3, 10, 11, 15)) == utc(2026, 3, 10, 11, 15)


def test_next_opening_from_thursday_evening_before_good_friday_is_tuesday_after_easter() -> None:
    assert CAL.next_opening(london(2026, 4, 2, 17, 0)) == london(2026, 4, 7, 9)


def test_results_are_returned_in_utc() -> None:
    assert CAL.next_opening(london(2026, 7, 1, 12)).tzinfo is UTC


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.next_opening(datetime(2026, 3, 10, 11))


def test_day_start_must_be_before_day_end() -> None:
    with pytest.raises(ValueError, match="before"):
        WorkingCalendar(day_start=time(17), day_end=time(9))


def test_an_unknown_subdivision_is_refused() -> None:
    with pytest.raises(ValueError, match="holidays"):
        WorkingCalendar(subdivision="XXX")


# -- end of the working day -----------------------------------------------------------------


def test_a_request_at_half_past_four_on_tuesday_is_due_at_five_that_day() -> None:
    assert CAL.end_of_working_day(london(2026, 3, 10, 16, 30)) == utc(2026, 3, 10, 17)


def test_a_request_on_friday_evening_before_a_bank_holiday_monday_is_due_tuesday_at_five() -> None:
    # Friday 1 May 2026, then Monday 4 May (Early May bank holiday); BST, so 17:00 is 16:00Z.
    assert CAL.end_of_working_day(london(2026, 5, 1, 18)) == utc(2026, 5, 5, 16)


def test_five_pm_is_16z_in_summer_and_17z_in_winter() -> None:
    assert CAL.end_of_working_day(london(2026, 3, 27, 10)) == utc(2026, 3, 27, 17)
    assert CAL.end_of_working_day(london(2026, 3, 30, 10)) == utc(2026, 3, 30, 16)
    assert CAL.end_of_working_day(london(2026, 10, 23, 10)) == utc(2026, 10, 23, 16)
    assert CAL.end_of_working_day(london(2026, 10, 26, 10)) == utc(2026, 10, 26, 17)


# -- call-back deadlines --------------------------------------------------------------------


def test_friday_half_past_four_is_due_at_half_past_four_on_the_next_working_day() -> None:
    due = CAL.callback_due(london(2026, 3, 6, 16, 30), rule="next_working_day")
    assert due == utc(2026, 3, 9, 16, 30)


def test_next_working_day_keeps_the_wall_time_across_the_march_clock_change() -> None:
    # Friday 27 March is GMT, Monday 30 March is BST: 16:30 local is 16:30Z then 15:30Z.
    due = CAL.callback_due(london(2026, 3, 27, 16, 30), rule="next_working_day")
    assert due == utc(2026, 3, 30, 15, 30)


def test_next_working_day_keeps_the_wall_time_across_the_october_clock_change() -> None:
    due = CAL.callback_due(london(2026, 10, 23, 10, 0), rule="next_working_day")
    assert due == utc(2026, 10, 26, 10, 0)


def test_a_post_on_christmas_eve_afternoon_is_due_on_the_twenty_ninth() -> None:
    due = CAL.callback_due(london(2026, 12, 24, 15), rule="next_working_day")
    assert due == utc(2026, 12, 29, 15)


def test_a_post_outside_hours_starts_the_clock_at_the_next_opening() -> None:
    due = CAL.callback_due(london(2026, 3, 6, 20), rule="next_working_day")
    assert due == utc(2026, 3, 10, 9)


def test_clock_hours_count_elapsed_time_from_the_clock_start_even_into_a_weekend() -> None:
    due = CAL.callback_due(london(2026, 3, 6, 16, 30), rule="clock_hours")
    assert due == utc(2026, 3, 7, 16, 30)


def test_clock_hours_across_the_spring_clock_change_are_real_elapsed_hours() -> None:
    due = CAL.callback_due(london(2026, 3, 28, 12), rule="clock_hours", hours=24)
    # The clock starts Monday 30 March 09:00 BST (08:00Z); 24 h later is Tuesday 08:00Z.
    assert due == utc(2026, 3, 31, 8)


# -- working minutes ------------------------------------------------------------------------


def test_adding_zero_minutes_gives_the_next_opening() -> None:
    assert CAL.add_working_minutes(london(2026, 3, 7, 12), 0) == london(2026, 3, 9, 9)


def test_adding_minutes_may_land_exactly_on_the_close() -> None:
    assert CAL.add_working_minutes(london(2026, 3, 10, 16), 60) == london(2026, 3, 10, 17)


def test_adding_minutes_skips_nights_weekends_and_easter() -> None:
    assert CAL.add_working_minutes(london(2026, 4, 2, 16), 90) == london(2026, 4, 7, 9, 30)


def test_adding_zero_at_a_close_moves_to_the_next_opening() -> None:
    # Why additivity is only promised for n >= 1: a close is not working time.
    at_close = CAL.add_working_minutes(london(2026, 3, 10, 16), 60)
    assert CAL.add_working_minutes(at_close, 0) == london(2026, 3, 11, 9)


def test_negative_minutes_are_refused() -> None:
    with pytest.raises(ValueError):
        CAL.add_working_minutes(london(2026, 3, 10, 16), -1)


def test_working_minutes_between_friday_afternoon_and_monday_morning() -> None:
    assert CAL.working_minutes_between(london(2026, 3, 27, 16), london(2026, 3, 30, 9, 30)) == 90


def test_working_minutes_between_is_negative_when_reversed() -> None:
    assert CAL.working_minutes_between(london(2026, 3, 30, 9, 30), london(2026, 3, 27, 16)) == -90


# -- properties -----------------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
minutes = st.integers(min_value=0, max_value=30 * 8 * 60)
BANK_HOLIDAYS = frozenset(holidays.country_holidays("GB", subdiv="ENG", years=range(2025, 2030)))
quick = settings(max_examples=150, deadline=None, database=None)


def in_working_time_or_at_a_close(at: datetime) -> bool:
    local = at.astimezone(LONDON)
    at_close = local.time() == CAL.day_end and CAL.is_working_day(local.date())
    return CAL.is_working_time(at) or at_close


def deadlines(at: datetime) -> list[datetime]:
    return [
        CAL.next_opening(at),
        CAL.end_of_working_day(at),
        CAL.add_working_minutes(at, 600),
        CAL.callback_due(at, rule="next_working_day"),
    ]


@quick
@given(moments)
def test_deadlines_fall_in_working_time_or_exactly_at_a_close(at: datetime) -> None:
    for due in deadlines(at):
        assert in_working_time_or_at_a_close(due), due
        assert due >= at
        local_day = due.astimezone(LONDON).date()
        assert local_day.weekday() < 5
        assert local_day not in BANK_HOLIDAYS


@quick
@given(moments, st.integers(min_value=0, max_value=7 * 24 * 60))
def test_a_later_post_never_gets_an_earlier_deadline(at: datetime, gap: int) -> None:
    later = at + timedelta(minutes=gap)
    for early_due, late_due in zip(deadlines(at), deadlines(later), strict=True):
        assert early_due <= late_due
    assert CAL.callback_due(at, rule="clock_hours") <= CAL.callback_due(later, rule="clock_hours")


@quick
@given(moments, minutes, st.integers(min_value=1, max_value=30 * 8 * 60))
def test_adding_working_minutes_is_additive(at: datetime, m: int, n: int) -> None:
    assert CAL.add_working_minutes(at, m + n) == CAL.add_working_minutes(
        CAL.add_working_minutes(at, m), n
    )


@quick
@given(moments, minutes)
def test_working_minutes_between_inverts_adding_them(at: datetime, m: int) -> None:
    assert CAL.working_minutes_between(at, CAL.add_working_minutes(at, m)) == m


@quick
@given(moments, moments)
def test_adding_the_minutes_between_two_moments_never_overshoots(a: datetime, b: datetime) -> None:
    a, b = min(a, b), max(a, b)
    assert CAL.add_working_minutes(a, CAL.working_minutes_between(a, b)) <= CAL.next_opening(b)


# -- working days, calendar months and timer durations (issue 15) ---------------------------


def test_one_working_day_after_thursday_before_easter_is_tuesday_at_the_same_time() -> None:
    assert CAL.add_working_days(london(2026, 4, 2, 14, 30), 1) == london(2026, 4, 7, 14, 30)


def test_seven_working_days_skip_weekends_and_the_may_bank_holiday() -> None:
    # Wed 29 Apr + 7: Thu 30, Fri 1, (Mon 4 May holiday) Tue 5, Wed 6, Thu 7, Fri 8, Mon 11.
    assert CAL.add_working_days(london(2026, 4, 29, 10), 7) == london(2026, 5, 11, 10)


def test_working_days_respect_closures() -> None:
    closed = WorkingCalendar(closures=frozenset({date(2026, 12, 24)}))
    assert closed.add_working_days(london(2026, 12, 23, 11), 1) == london(2026, 12, 29, 11)


def test_zero_working_days_is_the_next_opening_and_negative_is_refused() -> None:
    assert CAL.add_working_days(london(2026, 3, 7, 12), 0) == london(2026, 3, 9, 9)
    with pytest.raises(ValueError):
        CAL.add_working_days(london(2026, 3, 9, 12), -1)


def test_one_working_day_is_the_same_time_next_working_day() -> None:
    at = london(2026, 3, 27, 16, 30)
    assert CAL.add_working_days(at, 1) == CAL.same_time_next_working_day(at)


def test_a_month_after_a_working_tuesday_is_the_same_date_and_time() -> None:
    assert CAL.add_months(london(2026, 3, 10, 11), 1) == london(2026, 4, 10, 11)


def test_a_month_that_lands_on_easter_monday_moves_to_the_next_opening() -> None:
    # 6 March 2026 is a Friday; 6 April is Easter Monday.
    assert CAL.add_months(london(2026, 3, 6, 15), 1) == london(2026, 4, 7, 9)


def test_a_month_after_the_thirty_first_of_january_is_the_close_of_february() -> None:
    # 27 Feb 2026 is a Friday, 28 a Saturday: 31 Jan + 1 month is the close of Sat 28 -> Mon.
    assert CAL.add_months(london(2026, 1, 30, 10), 1) == london(2026, 3, 2, 9)
    assert CAL.add_months(london(2025, 1, 31, 10), 1) == london(2025, 2, 28, 17)


def test_six_months_cross_the_year_end_and_the_clock_change() -> None:
    assert CAL.add_months(london(2026, 9, 15, 10), 6) == london(2027, 3, 15, 10)


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        (Duration("working_minutes", 90), london(2026, 4, 7, 9, 30)),
        (Duration("working_hours", 2), london(2026, 4, 7, 10)),
        (Duration("working_days", 1), london(2026, 4, 7, 16)),
        (Duration("end_of_working_day", 1), london(2026, 4, 2, 17)),
        (Duration("end_of_working_day", 2), london(2026, 4, 7, 17)),
        (Duration("clock_hours", 24), london(2026, 4, 3, 16)),
        (Duration("calendar_months", 1), london(2026, 5, 5, 9)),
    ],
    ids=lambda v: v.unit if isinstance(v, Duration) else "",
)
def test_a_timer_duration_becomes_a_due_moment(duration: Duration, expected: datetime) -> None:
    # Thursday 2 April 2026, 16:00, before Good Friday and Easter Monday; 2 May is a Saturday,
    # Monday 4 May a bank holiday.
    assert CAL.due(london(2026, 4, 2, 16), duration) == expected


def test_clock_hours_from_the_next_opening_match_todays_callback_rule() -> None:
    at = london(2026, 3, 6, 20)
    due = CAL.due(at, Duration("clock_hours", 24, from_next_opening=True))
    assert due == CAL.callback_due(at, rule="clock_hours", hours=24)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Duration("fortnights", 1),  # type: ignore[arg-type]
        lambda: Duration("working_days", -1),
        lambda: Duration("end_of_working_day", 0),
        lambda: Duration("working_days", 1, from_next_opening=True),
        lambda: Duration("working_days", 1.5),  # type: ignore[arg-type]
    ],
    ids=["unit", "negative", "eod-zero", "opening-flag", "fraction"],
)
def test_a_malformed_duration_is_refused(make: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        make()  # type: ignore[operator]


def test_a_working_day_has_eight_hours_by_default() -> None:
    assert CAL.day_minutes == 480


days = st.integers(min_value=0, max_value=60)


@quick
@given(moments, days)
def test_working_days_land_in_working_time_on_a_working_day(at: datetime, n: int) -> None:
    due = CAL.add_working_days(at, n)
    assert CAL.is_working_time(due)
    assert due >= at
    assert due.astimezone(LONDON).date() not in BANK_HOLIDAYS


@quick
@given(moments, days, days)
def test_adding_working_days_is_additive(at: datetime, m: int, n: int) -> None:
    assert CAL.add_working_days(at, m + n) == CAL.add_working_days(CAL.add_working_days(at, m), n)


@quick
@given(moments, days)
def test_n_working_days_hold_n_days_of_working_minutes(at: datetime, n: int) -> None:
    start = CAL.next_opening(at)
    assert CAL.working_minutes_between(start, CAL.add_working_days(at, n)) == n * CAL.day_minutes


@quick
@given(moments, st.integers(min_value=0, max_value=24))
def test_months_land_in_working_time_or_at_a_close(at: datetime, n: int) -> None:
    due = CAL.add_months(at, n)
    assert in_working_time_or_at_a_close(due), due
    assert due >= at
    assert due.astimezone(LONDON).date() not in BANK_HOLIDAYS


@quick
@given(moments, st.integers(min_value=0, max_value=7 * 24 * 60), st.integers(0, 24), days)
def test_a_later_start_never_gets_an_earlier_month_or_day_deadline(
    at: datetime, gap: int, months: int, n: int
) -> None:
    later = at + timedelta(minutes=gap)
    assert CAL.add_months(at, months) <= CAL.add_months(later, months)
    assert CAL.add_working_days(at, n) <= CAL.add_working_days(later, n)


durations = st.builds(
    Duration,
    st.sampled_from(
        [
            "working_minutes",
            "working_hours",
            "working_days",
            "end_of_working_day",
            "clock_hours",
            "calendar_months",
        ]
    ),
    st.integers(min_value=1, max_value=30),
)


@quick
@given(moments, st.integers(min_value=0, max_value=7 * 24 * 60), durations)
def test_every_timer_unit_falls_due_after_its_start_and_never_earlier_for_a_later_one(
    at: datetime, gap: int, duration: Duration
) -> None:
    later = at + timedelta(minutes=gap)
    assert at <= CAL.due(at, duration) <= CAL.due(later, duration)
