"""The weekly duty rota: rotation, hand-over across clock changes, covers and fallbacks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import WorkingCalendar
from domain.rota import Cover, Rota

LONDON = ZoneInfo("Europe/London")
MANAGERS = ("tm-tom", "tm-ewa", "tm-raj")
PEOPLE = {*MANAGERS, "ap-sam", "ap-kit"}
# Monday 2 March 2026 is in tm-tom's week.
ROTA = Rota(rotation=MANAGERS, anchor=date(2026, 3, 4), deputies=("ap-sam",))


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def everyone_but(*away: str) -> Callable[[str], bool]:
    return lambda person: person not in away


def codes(rota: Rota, now: datetime) -> list[str]:
    return [p.code for p in rota.validate(now, PEOPLE)]


# -- rotation by week -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "manager"),
    [
        (london(2026, 3, 4, 12), "tm-tom"),
        (london(2026, 3, 11, 12), "tm-ewa"),
        (london(2026, 3, 18, 12), "tm-raj"),
        (london(2026, 3, 25, 12), "tm-tom"),
        (london(2026, 2, 25, 12), "tm-raj"),  # the week before the anchor wraps backwards
    ],
)
def test_the_rotation_moves_on_one_manager_each_week(moment: datetime, manager: str) -> None:
    duty = ROTA.on_duty(moment)
    assert (duty.primary, duty.source, duty.deputy) == (manager, "rotation", "ap-sam")


def test_the_handover_is_at_monday_midnight_bst_after_the_march_clock_change() -> None:
    # Monday 30 March 2026 00:00 BST is Sunday 29 March 23:00Z.
    assert ROTA.on_duty(utc(2026, 3, 29, 22, 59)).primary == "tm-tom"
    assert ROTA.on_duty(utc(2026, 3, 29, 23, 0)).primary == "tm-ewa"
    assert ROTA.week_start(utc(2026, 3, 31, 12)) == utc(2026, 3, 29, 23)
    assert ROTA.next_handover(utc(2026, 3, 25, 12)) == utc(2026, 3, 29, 23)


def test_the_week_of_the_october_clock_change_is_169_hours_long() -> None:
    start = ROTA.week_start(utc(2026, 10, 20, 12))
    end = ROTA.next_handover(utc(2026, 10, 20, 12))
    assert (start, end) == (utc(2026, 10, 18, 23), utc(2026, 10, 26, 0))
    assert end - start == timedelta(hours=169)


def test_a_handover_moment_belongs_to_the_new_week() -> None:
    assert ROTA.week_start(london(2026, 3, 9)) == london(2026, 3, 9)
    assert ROTA.next_handover(london(2026, 3, 9)) == london(2026, 3, 16)


def test_a_monday_nine_oclock_handover_leaves_monday_morning_with_last_week() -> None:
    rota = Rota(rotation=MANAGERS, anchor=date(2026, 3, 2), handover_time=time(9))
    assert rota.on_duty(london(2026, 3, 9, 8, 59)).primary == "tm-tom"
    assert rota.on_duty(london(2026, 3, 9, 9, 0)).primary == "tm-ewa"


def test_an_explicit_week_overrides_the_rotation() -> None:
    rota = Rota(rotation=MANAGERS, anchor=date(2026, 3, 2), weeks={date(2026, 3, 11): "tm-raj"})
    duty = rota.on_duty(london(2026, 3, 12, 10))
    assert (duty.primary, duty.source) == ("tm-raj", "week")
    assert rota.on_duty(london(2026, 3, 19, 10)).primary == "tm-raj"  # rotation again


def test_deputies_rotate_with_the_week() -> None:
    rota = Rota(rotation=MANAGERS, anchor=date(2026, 3, 2), deputies=("ap-sam", "ap-kit"))
    assert rota.on_duty(london(2026, 3, 4)).deputy == "ap-sam"
    assert rota.on_duty(london(2026, 3, 11)).deputy == "ap-kit"


# -- covers ---------------------------------------------------------------------------------

WED_TO_FRI = Cover("tm-ewa", "tm-tom", london(2026, 3, 4), london(2026, 3, 7), reason="leave")


def test_a_wednesday_to_friday_cover_replaces_the_manager_on_those_days_only() -> None:
    rota = ROTA.with_cover(WED_TO_FRI)
    assert rota.on_duty(london(2026, 3, 3, 16, 59)).primary == "tm-tom"
    duty = rota.on_duty(london(2026, 3, 5, 10))
    assert (duty.primary, duty.source) == ("tm-ewa", "cover")
    assert rota.on_duty(london(2026, 3, 7)).primary == "tm-tom"  # end is exclusive


def test_with_cover_leaves_the_original_rota_unchanged() -> None:
    assert ROTA.with_cover(WED_TO_FRI).covers == (WED_TO_FRI,)
    assert ROTA.covers == ()


def test_a_cover_for_someone_else_does_not_apply() -> None:
    cover = Cover("tm-ewa", "tm-raj", london(2026, 3, 4), london(2026, 3, 7))
    assert ROTA.with_cover(cover).on_duty(london(2026, 3, 5, 10)).source == "rotation"


def test_a_cover_for_whoever_is_on_duty_applies_to_any_manager() -> None:
    cover = Cover("tm-raj", None, london(2026, 3, 4), london(2026, 3, 12))
    rota = ROTA.with_cover(cover)
    assert rota.on_duty(london(2026, 3, 5)).primary == "tm-raj"
    assert rota.on_duty(london(2026, 3, 10)).primary == "tm-raj"


def test_the_latest_starting_cover_wins() -> None:
    week = Cover("tm-ewa", "tm-tom", london(2026, 3, 2), london(2026, 3, 9))
    day = Cover("tm-raj", None, london(2026, 3, 5), london(2026, 3, 6))
    rota = ROTA.with_cover(day).with_cover(week)
    assert rota.on_duty(london(2026, 3, 5, 12)).primary == "tm-raj"
    assert rota.on_duty(london(2026, 3, 6, 12)).primary == "tm-ewa"


def test_a_cover_must_be_aware_and_start_before_it_ends() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Cover("tm-ewa", None, datetime(2026, 3, 4), london(2026, 3, 7))
    with pytest.raises(ValueError, match="before"):
        Cover("tm-ewa", None, london(2026, 3, 7), london(2026, 3, 7))


def test_a_cover_stores_its_range_in_utc() -> None:
    assert WED_TO_FRI.start == utc(2026, 3, 4) and WED_TO_FRI.start.tzinfo is UTC


# -- responders -----------------------------------------------------------------------------


def test_responders_is_the_primary_when_available() -> None:
    assert ROTA.responders(london(2026, 3, 5), everyone_but(), MANAGERS) == ("tm-tom",)


def test_responders_falls_back_to_the_deputy_when_the_primary_is_away() -> None:
    assert ROTA.responders(london(2026, 3, 5), everyone_but("tm-tom"), MANAGERS) == ("ap-sam",)


def test_responders_falls_back_to_every_available_manager_without_primary_or_deputy() -> None:
    away = everyone_but("tm-tom", "ap-sam")
    assert ROTA.responders(london(2026, 3, 5), away, MANAGERS) == ("tm-ewa", "tm-raj")


def test_responders_is_every_manager_when_nobody_is_available() -> None:
    assert ROTA.responders(london(2026, 3, 5), lambda _: False, MANAGERS) == MANAGERS


def test_responders_of_an_empty_rota_are_the_available_managers() -> None:
    empty = Rota(rotation=(), anchor=date(2026, 3, 2))
    duty = empty.on_duty(london(2026, 3, 5))
    assert (duty.primary, duty.deputy, duty.source) == (None, None, "none")
    assert empty.responders(london(2026, 3, 5), everyone_but("tm-tom"), MANAGERS) == (
        "tm-ewa",
        "tm-raj",
    )


def test_responders_without_a_manager_list_still_names_the_rota() -> None:
    expected = ("tm-tom", "ap-sam", "tm-ewa", "tm-raj")
    assert ROTA.responders(london(2026, 3, 5), lambda _: False, ()) == expected


# -- validation -----------------------------------------------------------------------------

NOW = london(2026, 3, 3, 10)


def test_a_sound_rota_has_no_problems() -> None:
    june = Cover("tm-ewa", "tm-tom", london(2026, 6, 10), london(2026, 6, 13))
    # 8 June to 27 July 2026: no hand-over falls on a bank holiday.
    assert ROTA.with_cover(june).validate(london(2026, 6, 2), PEOPLE, WorkingCalendar()) == []


def test_an_empty_rota_without_deputies_is_reported() -> None:
    assert codes(Rota(rotation=(), anchor=date(2026, 3, 2)), NOW) == ["empty_rota", "no_deputy"]


def test_unknown_people_are_reported_by_id_with_where_they_appear() -> None:
    rota = Rota(rotation=("tm-tom", "tm-zed"), anchor=date(2026, 3, 2), deputies=("ap-sam",))
    rota = rota.with_cover(Cover("tm-zed", "tm-tom", london(2026, 3, 4), london(2026, 3, 6)))
    [problem] = rota.validate(NOW, PEOPLE)
    assert problem.code == "unknown_person"
    assert "tm-zed" in problem.message and "rotation" in problem.message
    assert "2026-03-04" in problem.message


def test_overlapping_covers_for_the_same_manager_are_reported() -> None:
    other = Cover("tm-raj", "tm-tom", london(2026, 3, 6), london(2026, 3, 10))
    [problem] = ROTA.with_cover(WED_TO_FRI).with_cover(other).validate(NOW, PEOPLE)
    assert problem.code == "overlapping_covers"
    assert "tm-ewa" in problem.message and "tm-raj" in problem.message


def test_back_to_back_covers_do_not_overlap() -> None:
    other = Cover("tm-raj", "tm-tom", london(2026, 3, 7), london(2026, 3, 10))
    assert codes(ROTA.with_cover(WED_TO_FRI).with_cover(other), NOW) == []


def test_a_cover_that_has_ended_is_reported_as_in_the_past() -> None:
    [problem] = ROTA.with_cover(WED_TO_FRI).validate(london(2026, 3, 9), PEOPLE)
    assert problem.code == "cover_in_past" and "2026-03-04" in problem.message


def test_a_cover_loaded_with_a_naive_or_reversed_range_is_reported_not_raised() -> None:
    # Storage maps rows onto Cover without calling __init__; simulate such rows.
    naive = Cover("tm-ewa", None, london(2026, 3, 4), london(2026, 3, 6))
    object.__setattr__(naive, "start", datetime(2026, 3, 4))
    reversed_ = Cover("tm-raj", None, london(2026, 3, 4), london(2026, 3, 6))
    object.__setattr__(reversed_, "end", utc(2026, 1, 1))
    rota = ROTA.with_cover(naive).with_cover(reversed_)
    assert codes(rota, NOW) == ["cover_invalid_range", "cover_invalid_range"]
    assert rota.on_duty(london(2026, 3, 5)).source == "rotation"


def test_bank_holiday_handovers_in_the_next_eight_weeks_are_reported() -> None:
    problems = ROTA.validate(london(2026, 3, 31), PEOPLE, WorkingCalendar())
    assert [p.code for p in problems] == ["handover_on_bank_holiday"] * 3
    for problem, monday in zip(problems, ["2026-04-06", "2026-05-04", "2026-05-25"], strict=True):
        assert monday in problem.message


def test_validate_refuses_a_naive_now() -> None:
    with pytest.raises(ValueError):
        ROTA.validate(datetime(2026, 3, 3), PEOPLE)


# -- properties -----------------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=200, deadline=None, database=None)
@given(moments)
def test_every_week_starts_at_monday_midnight_london_and_contains_the_moment(at: datetime) -> None:
    start, end = ROTA.week_start(at), ROTA.next_handover(at)
    assert start <= at < end
    for edge in (start, end):
        local = edge.astimezone(LONDON)
        assert (local.weekday(), local.time()) == (0, time(0))
    assert timedelta(hours=167) <= end - start <= timedelta(hours=169)
    assert ROTA.on_duty(end).primary != ROTA.on_duty(at).primary
