"""When escalations fall due and whom they tell: real 2026 dates in England, purely."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import WorkingCalendar
from domain.consultation import Consultation, Urgency
from domain.escalation import (
    CARD,
    THREAD,
    EscalationTimescales,
    MessageKind,
    Notice,
    due_now,
    next_due,
    notices,
    schedule,
)
from domain.lifecycle import EscalationKey
from domain.roles import Actor, Role

LONDON = ZoneInfo("Europe/London")
CAL = WorkingCalendar()
RULES = EscalationTimescales(CAL, urgent_ack_working_minutes=60)
PRIYA = Actor.of("aad-priya", Role.REQUESTER)
TOM = Actor.of("aad-tom", Role.MAP_TEAM_MANAGER)
EWA = Actor.of("aad-ewa", Role.MAP_TEAM_MANAGER)
SECOND = timedelta(seconds=1)

K = EscalationKey
URGENT, MANAGERS = K.URGENT_UNACKNOWLEDGED, K.URGENT_UNACKNOWLEDGED_MANAGERS
EOD, CALLBACK = K.EOD_UNACKNOWLEDGED, K.CALLBACK_OVERDUE


def london(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)


def request(
    posted: datetime, *, urgent: bool = True, assignee: str | None = "aad-tom"
) -> Consultation:
    c = Consultation.submit(
        reference="SU-2026-0001",
        requester=PRIYA,
        service="Family Centre Northgate",
        urgency=Urgency.URGENT if urgent else Urgency.STANDARD,
        indicators=(),
        checklist=None,
        at=posted,
        acknowledge_due=CAL.end_of_working_day(posted),
        callback_due=CAL.callback_due(posted, rule="clock_hours", hours=24),
    )
    if assignee:
        c.assign(assignee, at=posted)
    return c


def times(c: Consultation) -> dict[EscalationKey, datetime]:
    return {d.key: d.at for d in schedule(c, RULES)}


def keys_due(c: Consultation, now: datetime) -> set[EscalationKey]:
    return {d.key for d in due_now(c, RULES, now)}


# -- when ---------------------------------------------------------------------------------------


def test_an_urgent_post_at_half_past_four_on_tuesday() -> None:
    c = request(london(11, 24, 16, 30))
    assert times(c) == {
        EOD: london(11, 24, 17),  # the end of that working day
        URGENT: london(11, 25, 9, 30),  # 30 working minutes Tuesday, 30 on Wednesday
        MANAGERS: london(11, 25, 10, 30),
        CALLBACK: london(11, 25, 16, 30),  # 24 clock hours
    }


def test_nothing_is_due_a_second_before_its_time_and_each_key_is_due_at_it() -> None:
    c = request(london(11, 24, 16, 30))
    for due in schedule(c, RULES):
        assert due.key not in keys_due(c, due.at - SECOND)
        assert due.key in keys_due(c, due.at)
    assert keys_due(c, london(11, 24, 17) - SECOND) == set()
    assert keys_due(c, london(11, 24, 17, 1)) == {EOD}
    assert keys_due(c, london(11, 25, 16, 31)) == {EOD, URGENT, MANAGERS, CALLBACK}


def test_a_standard_request_has_no_urgent_escalations() -> None:
    c = request(london(11, 24, 10), urgent=False)
    assert set(times(c)) == {EOD, CALLBACK}
    assert keys_due(c, london(11, 30, 12)) == {EOD, CALLBACK}


def test_an_acknowledged_request_can_only_be_late_for_its_call_back() -> None:
    c = request(london(11, 24, 16, 30))
    c.acknowledge(TOM, at=london(11, 24, 16, 40))
    assert keys_due(c, london(11, 24, 17, 1)) == set()
    assert keys_due(c, london(11, 25, 16, 31)) == {CALLBACK}


def test_a_called_back_request_is_never_escalated() -> None:
    c = request(london(11, 24, 16, 30))
    c.acknowledge(TOM, at=london(11, 24, 16, 40))
    c.record_callback(TOM, at=london(11, 25, 9))
    assert schedule(c, RULES) == ()
    assert next_due(c, RULES) is None


def test_a_recorded_escalation_is_not_due_again() -> None:
    c = request(london(11, 24, 16, 30))
    c.record_escalation(EOD, at=london(11, 24, 17, 1))
    assert keys_due(c, london(11, 24, 17, 2)) == set()
    assert next_due(c, RULES) == london(11, 25, 9, 30)


def test_over_a_weekend_working_minutes_wait_for_monday() -> None:
    c = request(london(11, 27, 16, 30))  # Friday
    assert times(c)[EOD] == london(11, 27, 17)
    assert times(c)[URGENT] == london(11, 30, 9, 30)
    assert times(c)[MANAGERS] == london(11, 30, 10, 30)
    assert keys_due(c, london(11, 29, 23)) == {EOD, CALLBACK}  # call-back: clock hours


def test_a_post_after_hours_before_a_bank_holiday_waits_for_tuesday() -> None:
    c = request(london(8, 28, 17, 30))  # Friday before the August bank holiday (Monday 31)
    assert times(c)[EOD] == london(9, 1, 17)
    assert times(c)[URGENT] == london(9, 1, 10)
    assert times(c)[MANAGERS] == london(9, 1, 11)
    assert keys_due(c, london(8, 31, 16)) == set()


def test_across_the_march_clock_change_local_wall_times_hold() -> None:
    c = request(london(3, 27, 16, 30))  # Friday before Sunday 29 March
    assert times(c)[URGENT] == datetime(2026, 3, 30, 8, 30, tzinfo=UTC)  # 09:30 BST
    assert times(c)[MANAGERS] == datetime(2026, 3, 30, 9, 30, tzinfo=UTC)
    assert keys_due(c, datetime(2026, 3, 30, 8, 29, tzinfo=UTC)) == {EOD, CALLBACK}


def test_across_the_october_clock_change_local_wall_times_hold() -> None:
    c = request(london(10, 23, 16, 30))  # Friday before Sunday 25 October
    assert times(c)[EOD] == datetime(2026, 10, 23, 16, 0, tzinfo=UTC)  # 17:00 BST
    assert times(c)[URGENT] == datetime(2026, 10, 26, 9, 30, tzinfo=UTC)  # 09:30 GMT
    assert keys_due(c, datetime(2026, 10, 26, 9, 29, tzinfo=UTC)) == {EOD, CALLBACK}


def test_the_urgent_window_comes_from_the_profile() -> None:
    c = request(london(11, 24, 10))
    rules = EscalationTimescales(CAL, urgent_ack_working_minutes=30)
    assert {d.key: d.at for d in schedule(c, rules)}[MANAGERS] == london(11, 24, 11)
    with pytest.raises(ValueError):
        EscalationTimescales(CAL, urgent_ack_working_minutes=0)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        due_now(request(london(11, 24, 10)), RULES, datetime(2026, 11, 24, 12))


@settings(max_examples=60, deadline=None)
@given(
    posted=st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 20), timezones=st.just(UTC)),
    wait=st.timedeltas(timedelta(0), timedelta(days=6)),
    urgent=st.booleans(),
)
def test_due_now_never_reports_anything_before_its_time(
    posted: datetime, wait: timedelta, urgent: bool
) -> None:
    c = request(posted, urgent=urgent)
    now = posted + wait
    for due in due_now(c, RULES, now):
        assert due.at <= now and due.at >= posted
    everything = schedule(c, RULES)
    assert {d.key for d in everything if d.at <= now} == keys_due(c, now)


# -- whom ---------------------------------------------------------------------------------------

MAP = ("aad-tom", "aad-ewa")
SMS = ("aad-grace", "aad-daniel")


def kinds(plan: tuple[Notice, ...]) -> list[tuple[MessageKind, str]]:
    return [(n.kind, n.recipient) for n in plan]


def test_the_end_of_day_escalation_mentions_in_the_thread_and_tells_every_map_manager() -> None:
    plan = notices(request(london(11, 24, 10)), EOD, map_managers=MAP, service_managers=SMS)
    assert kinds(plan) == [
        (MessageKind.THREAD_MENTION, THREAD),
        (MessageKind.EOD_MANAGER, "aad-tom"),
        (MessageKind.EOD_MANAGER, "aad-ewa"),
        (MessageKind.CARD_UPDATE, CARD),
    ]


def test_urgent_reminds_the_assignee_then_the_other_managers() -> None:
    c = request(london(11, 24, 10))
    first = notices(c, URGENT, map_managers=MAP, service_managers=SMS)
    second = notices(c, MANAGERS, map_managers=MAP, service_managers=SMS)
    assert kinds(first)[:-1] == [(MessageKind.URGENT_DUTY, "aad-tom")]
    assert kinds(second)[:-1] == [(MessageKind.URGENT_MANAGER, "aad-ewa")]


def test_unassigned_urgent_requests_remind_every_map_manager() -> None:
    c = request(london(11, 24, 10), assignee=None)
    plan = notices(c, URGENT, map_managers=MAP, service_managers=SMS)
    assert [n.recipient for n in plan] == ["aad-tom", "aad-ewa", CARD]


def test_a_late_call_back_reminds_the_assignee_and_tells_both_service_managers_once() -> None:
    c = request(london(11, 24, 10), assignee="aad-grace")  # a service manager holding it
    plan = notices(c, CALLBACK, map_managers=MAP, service_managers=SMS)
    assert kinds(plan) == [
        (MessageKind.CALLBACK_ASSIGNEE, "aad-grace"),
        (MessageKind.CALLBACK_SERVICE_MANAGER, "aad-daniel"),
        (MessageKind.CARD_UPDATE, CARD),
    ]
