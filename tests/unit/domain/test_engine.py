"""The generic engine drives Surrey's step down as its definition says (issue 15).

Pure: the loaded definition, people built here, moments from today; no storage, no Teams.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from domain.process.engine import (
    Case,
    Choices,
    Member,
    Refused,
    Staff,
    Step,
    available,
    due_timers,
    fire,
    holders,
    open_case,
    owners,
    take,
    tasks,
)
from domain.process.model import Flow
from profiles.loader import load_profile
from profiles.process_loader import PROCESSES, directory_of, load_flows
from tests.support.dates import demo_calendar, next_working_day_at

ROOT = Path(__file__).resolve().parents[3]
NORTHGATE = "Family Centre Northgate"
RIVERSIDE = "Family Centre Riverside"

PRIYA = Member("id-priya", frozenset({"requester"}), "priya", NORTHGATE)
OMAR = Member("id-omar", frozenset({"requester"}), "omar", NORTHGATE)
LENA = Member("id-lena", frozenset({"requester"}), "lena", RIVERSIDE)
DANIEL = Member("id-daniel", frozenset({"service_manager"}), "daniel")
GRACE = Member("id-grace", frozenset({"service_manager"}), "grace")
TOM = Member("id-tom", frozenset({"map_team_manager"}), "tom")
STAFF = Staff((PRIYA, OMAR, LENA, DANIEL, GRACE, TOM), duty_id=TOM.id)

OPENING = {
    "service": NORTHGATE,
    "area_team": "North Area Assessment Team",
    "area_contact_recorded": "true",
}


@pytest.fixture(scope="module")
def step_down() -> Flow:
    profile = load_profile(ROOT / "profiles" / "demo.yaml")
    found = load_flows(sorted(PROCESSES.glob("*.yaml")), profile).flow("step_down")
    assert found is not None
    return found


CHOICES = Choices(directory_of(load_profile(ROOT / "profiles" / "demo.yaml")).lists)


@pytest.fixture(scope="module")
def choices() -> Choices:
    return CHOICES


def act(
    flow: Flow,
    case: Case,
    verb: str,
    who: Member,
    raw: Mapping[str, object],
    at: datetime,
    version: int | None = None,
) -> Step:
    """`who` takes `verb` on `case` at `at` with the form answers `raw`."""
    return take(
        flow, case, verb, actor=who, raw=raw, choices=CHOICES, staff=STAFF, now=at, version=version
    )


def plan(flow: Flow, case: Case, who: Member, at: datetime, version: int | None = None) -> Step:
    """`who` confirms the area team's plan at `at`, the TAF meeting set for that day."""
    raw = {"plan_agreed": "true", "taf_date": at.date().isoformat()}
    return act(flow, case, "confirm_plan", who, raw, at, version)


def opening(flow: Flow, raw: Mapping[str, object] = OPENING, who: Member = PRIYA) -> Step:
    """`who` records a step down with the opening form's answers `raw`, next working day 10:00."""
    at = next_working_day_at(10)
    return open_case(
        flow,
        case_id="c1",
        reference="SD-1",
        actor=who,
        raw=raw,
        choices=CHOICES,
        staff=STAFF,
        now=at,
    )


def opened(flow: Flow, choices: Choices, raw: Mapping[str, object] = OPENING) -> Case:
    return opening(flow, raw).case


def test_a_receiving_manager_opens_a_step_down_they_own_with_the_area_team_recorded(
    step_down: Flow, choices: Choices
) -> None:
    step = opening(step_down)
    assert (step.case.state, step.case.owner_id, step.case.service) == (
        "allocated",
        PRIYA.id,
        NORTHGATE,
    )
    assert step.event is not None
    assert dict(step.event.values) == OPENING
    assert step.notices == ()  # the only person to tell is the one who opened it
    assert owners(step_down, step.case, STAFF) == (PRIYA.id,)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"area_contact_recorded": "false"}, "The area team contact is recorded on EHM"),
        ({"area_team": "Atlantis Area Team"}, "The stepping-down area team: choose from the list"),
        ({"service": "Family Centre Nowhere"}, "Receiving service: choose from the list"),
        ({"area_team": ""}, "The stepping-down area team: please answer this"),
    ],
)
def test_an_opening_form_that_fails_a_field_or_gate_is_refused_naming_the_field(
    step_down: Flow, choices: Choices, change: dict[str, str], said: str
) -> None:
    with pytest.raises(Refused, match=said):
        opened(step_down, choices, {**OPENING, **change})


@pytest.mark.parametrize("who", [LENA, TOM, GRACE])
def test_only_the_receiving_services_own_staff_may_record_its_step_down(
    step_down: Flow, choices: Choices, who: Member
) -> None:
    with pytest.raises(Refused, match="Only manager of the receiving FC/FSP can record"):
        opening(step_down, who=who)


def test_each_person_sees_only_the_steps_they_may_take_now(
    step_down: Flow, choices: Choices
) -> None:
    case = opened(step_down, choices)

    def verbs(who: Member) -> list[str]:
        return [t.verb for t in available(step_down, case, who, STAFF)]

    assert verbs(PRIYA) == ["confirm_plan", "query_area_team", "cancel"]
    assert verbs(OMAR) == ["confirm_plan", "query_area_team", "cancel"]  # a colleague
    assert verbs(DANIEL) == ["reassign", "cancel"]
    assert verbs(LENA) == verbs(TOM) == verbs(GRACE) == []


def test_the_plan_starts_the_taf_task_and_recording_the_meeting_ends_it_by_whom_and_when(
    step_down: Flow, choices: Choices
) -> None:
    calendar = demo_calendar()
    case = opened(step_down, choices)
    planned_at = next_working_day_at(11, after=case.opened_at)
    step = plan(step_down, case, OMAR, planned_at, version=case.version)
    planned = step.case
    assert planned.state == "taf_planned"
    assert step.notices == ()  # a colleague's step: the owner is still Priya, nobody to tell
    (task,) = tasks(step_down, planned, calendar)
    assert (task.key, task.due, task.done_at) == (
        "taf_meeting",
        calendar.add_working_days(planned_at, 10),
        None,
    )
    held_at = next_working_day_at(14, after=planned_at)
    done = act(
        step_down,
        planned,
        "record_taf_meeting",
        OMAR,
        {"held_on": held_at.date().isoformat()},
        held_at,
    ).case
    assert done.state == "supported"
    (task,) = tasks(step_down, done, calendar)
    assert (task.done_at, task.done_by) == (held_at, OMAR.id)
    assert owners(step_down, done, STAFF) == ()  # ended: nobody must act


def test_a_plan_not_confirmed_is_refused_and_the_case_is_unchanged(
    step_down: Flow, choices: Choices
) -> None:
    case = opened(step_down, choices)
    with pytest.raises(Refused, match="planned this step down with us"):
        act(
            step_down,
            case,
            "confirm_plan",
            PRIYA,
            {"plan_agreed": "false", "taf_date": "2099-01-01"},
            next_working_day_at(11, after=case.opened_at),
        )
    with pytest.raises(Refused, match="choose a date from the calendar"):
        act(
            step_down,
            case,
            "confirm_plan",
            PRIYA,
            {"plan_agreed": "true", "taf_date": "next week"},
            next_working_day_at(11, after=case.opened_at),
        )


def test_asking_the_area_team_tells_the_early_help_service_manager_never_cspa(
    step_down: Flow, choices: Choices
) -> None:
    case = opened(step_down, choices)
    step = act(
        step_down,
        case,
        "query_area_team",
        PRIYA,
        {"area_team_contacted": True},
        next_working_day_at(11, after=case.opened_at),
    )
    assert step.case.state == "no_plan"
    assert [(n.person_id, n.kind) for n in step.notices] == [(DANIEL.id, "step")]
    assert holders(step_down, "cspa_team", step.case, STAFF) == ()
    assert holders(step_down, "cspa_service_manager", step.case, STAFF) == ()


def test_a_reassignment_tells_the_new_owner_with_a_mention_and_the_old_one(
    step_down: Flow, choices: Choices
) -> None:
    case = opened(step_down, choices)
    step = act(
        step_down,
        case,
        "reassign",
        DANIEL,
        {"to": OMAR.id},
        next_working_day_at(11, after=case.opened_at),
    )
    assert (step.case.owner_id, step.case.previous_owner_id, step.case.state) == (
        OMAR.id,
        PRIYA.id,
        "allocated",
    )
    told = {(n.person_id, n.kind, n.mention) for n in step.notices}
    assert told == {(OMAR.id, "owner", True), (PRIYA.id, "released", False)}
    with pytest.raises(Refused, match="choose someone from the list"):
        act(
            step_down,
            case,
            "reassign",
            DANIEL,
            {"to": TOM.id},
            next_working_day_at(11, after=case.opened_at),
        )


def test_a_card_overtaken_by_another_step_is_refused_not_replayed(
    step_down: Flow, choices: Choices
) -> None:
    case = opened(step_down, choices)
    later = next_working_day_at(11, after=case.opened_at)
    moved = act(
        step_down,
        case,
        "query_area_team",
        PRIYA,
        {"area_team_contacted": "true"},
        later,
        version=case.version,
    ).case
    with pytest.raises(Refused, match="Someone has changed this case"):
        act(
            step_down,
            moved,
            "cancel",
            OMAR,
            {"reason": "allocated_in_error"},
            later,
            version=case.version,
        )
    with pytest.raises(Refused, match="not open for this case"):
        act(
            step_down,
            moved,
            "confirm_plan",
            PRIYA,
            {"plan_agreed": "true", "taf_date": "2099-01-01"},
            later,
        )


def test_the_allocated_timers_remind_the_owner_then_escalate_each_once(
    step_down: Flow, choices: Choices
) -> None:
    calendar = demo_calendar()
    case = opened(step_down, choices)
    two_days = calendar.add_working_days(case.opened_at, 2)
    five_days = calendar.add_working_days(case.opened_at, 5)
    assert due_timers(step_down, case, calendar, two_days - (two_days - case.opened_at) / 2) == ()
    (reminder,) = due_timers(step_down, case, calendar, two_days)
    assert (reminder.timer, reminder.at) == ("plan_check_reminder", two_days)
    step = fire(step_down, case, reminder, STAFF, two_days)
    assert step.event is None and step.case.version == case.version  # cards stay current
    assert [(n.person_id, n.kind) for n in step.notices] == [(PRIYA.id, "reminder")]
    assert due_timers(step_down, step.case, calendar, two_days) == ()
    with pytest.raises(Refused):
        fire(step_down, step.case, reminder, STAFF, two_days)
    (overdue,) = due_timers(step_down, step.case, calendar, five_days)
    told = fire(step_down, step.case, overdue, STAFF, five_days).notices
    assert [(n.person_id, n.kind, n.mention) for n in told] == [(DANIEL.id, "escalation", True)]


def test_the_taf_reminder_falls_at_three_quarters_of_the_overdue_window(
    step_down: Flow, choices: Choices
) -> None:
    calendar = demo_calendar()
    case = opened(step_down, choices)
    at = next_working_day_at(10, after=case.opened_at)
    planned = plan(step_down, case, PRIYA, at).case
    ten_days = calendar.add_working_days(at, 10)
    reminder = at + (ten_days - at) * 75 / 100
    firings = due_timers(step_down, planned, calendar, ten_days)
    assert [(f.timer, f.at) for f in firings] == [
        ("taf_reminder", reminder),
        ("taf_overdue", ten_days),
    ]
    # the allocated state's timers stopped when the case left it
    assert not any(f.timer.startswith("plan_check") for f in firings)
    fired = replace(planned, fired=frozenset(f.key for f in firings))
    assert due_timers(step_down, fired, calendar, ten_days) == ()
