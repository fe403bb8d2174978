"""The timer evaluator over Surrey's step-up definition (domain/timers.py): when, and keyed how."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.calendar import WorkingCalendar
from domain.checklist import Checklist
from domain.consultation import Consultation, Outcome, Urgency
from domain.escalation import EscalationTimescales
from domain.escalation import schedule as todays_schedule
from domain.process.model import Flow
from domain.roles import Actor, Role
from domain.timers import due_now, schedule
from profiles.loader import load_profile
from profiles.process_loader import PROCESSES, load_flows

ROOT = Path(__file__).resolve().parents[3]
LONDON = ZoneInfo("Europe/London")
CAL = WorkingCalendar()
PRIYA = Actor.of("aad-priya", Role.REQUESTER)
TOM = Actor.of("aad-tom", Role.MAP_TEAM_MANAGER)
EWA = Actor.of("aad-ewa", Role.MAP_TEAM_MANAGER)


@pytest.fixture(scope="module")
def flow() -> Flow:
    process = load_flows(
        sorted(PROCESSES.glob("*.yaml")), load_profile(ROOT / "profiles" / "demo.yaml")
    )
    found = process.flow("step_up")
    assert found is not None
    return found


def london(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)


def post(at: datetime, *, urgent: bool = False, checklist: Checklist | None = None) -> Consultation:
    c = Consultation.submit(
        reference="SU-2026-0001",
        requester=PRIYA,
        service="Family Centre Northgate",
        urgency=Urgency.URGENT if urgent else Urgency.STANDARD,
        indicators=(),
        checklist=checklist,
        at=at,
        acknowledge_due=CAL.end_of_working_day(at),
        callback_due=CAL.callback_due(at, rule="clock_hours", hours=24),
    )
    c.assign(TOM.person_id, at=at)
    return c


def stored(c: Consultation) -> dict[str, datetime | None]:
    return {"eod_unacknowledged": c.acknowledge_due, "callback_overdue": c.callback_due}


def times(c: Consultation, flow: Flow) -> dict[str, datetime]:
    return {f.key: f.at for f in schedule(c, flow, CAL, stored=stored(c))}


def decided(at: datetime) -> Consultation:
    c = post(at)
    c.acknowledge(TOM, at=at)
    c.record_callback(TOM, at=at)
    c.record_outcome(TOM, Outcome.THRESHOLD_NOT_MET, at=at)
    return c


COMPLETE = Checklist(supervision_recorded=True, evidence_recorded=True, rationale_on_ehm=True)


def test_todays_four_escalations_fall_due_when_and_as_they_do_today(flow: Flow) -> None:
    c = post(london(11, 24, 16, 30), urgent=True, checklist=COMPLETE)
    ours = times(c, flow)
    today = {d.key.value: d.at for d in todays_schedule(c, EscalationTimescales(CAL, 60))}
    assert {k: ours[k] for k in today} == today  # same bare keys, same moments


def test_the_callback_reminder_comes_at_three_quarters_of_the_window_before_the_breach(
    flow: Flow,
) -> None:
    posted = london(11, 24, 10)
    c = post(posted, checklist=COMPLETE)
    c.acknowledge(TOM, at=posted)
    at = times(c, flow)
    assert posted < at["callback_reminder"] < at["callback_overdue"]
    assert at["callback_reminder"] - posted == (at["callback_overdue"] - posted) * 3 / 4


def test_a_timer_of_a_state_is_keyed_by_the_entry_and_starts_again_on_re_entry(
    flow: Flow,
) -> None:
    at = london(11, 24, 10)
    c = decided(at)
    first = {f.timer: f.key for f in schedule(c, flow, CAL)}
    assert first["dispute_window"] == f"dispute_window:{len(c.events)}"
    assert times(c, flow)[first["dispute_window"]] == CAL.add_working_days(at, 5)
    c.dispute(PRIYA, at=at + timedelta(hours=1))
    assert "dispute_window" not in {f.timer for f in schedule(c, flow, CAL)}
    c.assign_reviewer(EWA, at=at + timedelta(hours=1), by=EWA)
    c.review(EWA, upheld=True, outcome=None, at=at + timedelta(hours=2))
    again = {f.timer: f.key for f in schedule(c, flow, CAL)}
    assert again["dispute_window"] == f"dispute_window:{len(c.events)}" != first["dispute_window"]


def test_only_a_level_two_dispute_goes_to_the_service_managers_at_once(flow: Flow) -> None:
    at = london(11, 24, 10)
    c = decided(at)
    c.dispute(PRIYA, at=at)
    now = at + timedelta(minutes=1)
    assert {f.timer for f in due_now(c, flow, CAL, now)} == set()
    c.assign_reviewer(EWA, at=now, by=EWA)
    c.review(EWA, upheld=True, outcome=None, at=now)
    c.dispute(PRIYA, at=now)
    assert {f.timer for f in due_now(c, flow, CAL, now)} == {"dispute_level_2"}


def test_a_post_without_a_checklist_is_chased_twice_and_completing_it_stops_both(
    flow: Flow,
) -> None:
    posted = london(11, 24, 10)
    c = post(posted)
    at = {f.timer: f.at for f in schedule(c, flow, CAL)}
    assert at["checklist_reminder_eod"] == CAL.end_of_working_day(posted)
    assert at["checklist_reminder_morning"] == CAL.add_working_days(posted, 1)
    c.complete_checklist(PRIYA, COMPLETE, at=posted, indicators=("Neglect",))
    left = {f.timer for f in schedule(c, flow, CAL)}
    assert not left & {"checklist_reminder_eod", "checklist_reminder_morning"}


def test_a_recorded_firing_is_never_due_again(flow: Flow) -> None:
    at = london(11, 24, 10)
    c = decided(at)
    later = CAL.add_working_days(at, 3)
    [reminder] = due_now(c, flow, CAL, later)
    assert reminder.timer == "dispute_window_reminder"
    c.escalations = c.escalations | {reminder.key}
    assert due_now(c, flow, CAL, later) == ()
