"""Surrey's step-up and step-down definitions load, pass the proofs, and match today's code."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.calendar import Duration, WorkingCalendar
from domain.lifecycle import (
    ESCALATIONS,
    FROM_STATES,
    SYSTEM_ACTIONS,
    TERMINAL,
    TO_STATE,
    Action,
    Status,
)
from domain.process.checks import check_process
from domain.process.model import SYSTEM, Flow, Portion, Process
from profiles.loader import load_profile
from profiles.process_loader import PROCESSES, directory_of, load_flows
from profiles.schema import Profile

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def profile() -> Profile:
    return load_profile(ROOT / "profiles" / "demo.yaml")


@pytest.fixture(scope="module")
def process(profile: Profile) -> Process:
    return load_flows(sorted(PROCESSES.glob("*.yaml")), profile)


def flow(process: Process, key: str) -> Flow:
    found = process.flow(key)
    assert found is not None
    return found


def test_both_surrey_flows_load_and_pass_every_proof(profile: Profile, process: Process) -> None:
    assert {f.key for f in process.flows} == {"step_up", "step_down"}
    assert check_process(process, directory_of(profile)) == []


# -- the data and today's code cannot drift before the engine switch --------------------------


def test_step_up_states_are_todays_statuses_with_the_same_terminal_ones(process: Process) -> None:
    step_up = flow(process, "step_up")
    assert {s.key for s in step_up.states} == {s.value for s in Status}
    assert {s.key for s in step_up.states if s.terminal} == {s.value for s in TERMINAL}
    assert step_up.initial == Status.SUBMITTED.value
    assert (step_up.opening.verb, step_up.opening.target) == ("submit", Status.SUBMITTED.value)


def test_step_up_verbs_and_edges_are_todays_from_and_to_states(process: Process) -> None:
    step_up = flow(process, "step_up")
    assert {t.verb for t in step_up.transitions} == {a.value for a in Action}
    edges = {(t.verb, source, t.target) for t in step_up.transitions for source in t.sources}
    today = {
        (action.value, source.value, None if target is None else target.value)
        for action, target in TO_STATE.items()
        for source in FROM_STATES[action]
    }
    assert edges == today


def test_step_up_system_verbs_are_todays_system_actions(process: Process) -> None:
    step_up = flow(process, "step_up")
    system_only = {t.verb for t in step_up.transitions if t.who == (SYSTEM,)}
    assert system_only == {a.value for a in SYSTEM_ACTIONS}


def test_step_up_has_todays_escalations_running_in_the_same_states(process: Process) -> None:
    step_up = flow(process, "step_up")
    for key, rule in ESCALATIONS.items():
        timer = step_up.timer(key.value)
        assert timer is not None, key
        assert set(timer.while_in) == {s.value for s in rule.while_in}, key
        assert (timer.only_if == "urgent") == rule.urgent_only, key
        opening_starts = {e.target for e in step_up.opening.effects if e.kind == "start_timer"}
        assert key.value in opening_starts, key  # today every deadline runs from the post


def test_step_up_deadlines_are_the_demo_profiles_timescales(
    profile: Profile, process: Process
) -> None:
    step_up = flow(process, "step_up")
    scales = profile.timescales
    urgent, managers = (
        step_up.timer("urgent_unacknowledged"),
        step_up.timer("urgent_unacknowledged_managers"),
    )
    callback = step_up.timer("callback_overdue")
    assert urgent is not None and managers is not None and callback is not None
    assert urgent.after == Duration("working_minutes", scales.urgent_ack_working_minutes)
    assert managers.after == Duration("working_minutes", 2 * scales.urgent_ack_working_minutes)
    assert scales.callback_rule == "clock_hours"
    assert callback.after == Duration("clock_hours", scales.callback_hours, from_next_opening=True)
    eod = step_up.timer("eod_unacknowledged")
    assert eod is not None and eod.after == Duration("end_of_working_day", 1)


def test_the_callback_timer_falls_due_when_todays_calendar_says(profile: Profile) -> None:
    from datetime import UTC, datetime

    cal = WorkingCalendar()
    posted = datetime(2026, 3, 6, 20, tzinfo=UTC)
    due = cal.due(posted, Duration("clock_hours", profile.timescales.callback_hours, True))
    assert due == cal.callback_due(posted, rule="clock_hours", hours=24)


# -- the holes issue 15 measured are closed in the data ---------------------------------------


def test_a_level_two_dispute_reaches_both_service_managers_at_once_and_is_timed(
    process: Process,
) -> None:
    step_up = flow(process, "step_up")
    level_2 = step_up.timer("dispute_level_2")
    unreviewed = step_up.timer("dispute_unreviewed")
    assert level_2 is not None and unreviewed is not None
    assert level_2.only_if == "review_level_2" and level_2.after == Duration("working_minutes", 0)
    assert [(f.kind, f.role) for f in level_2.fires] == [("escalate", "service_managers")]
    assert unreviewed.only_if is None and unreviewed.while_in == ("disputed",)
    assert [(f.kind, f.role) for f in unreviewed.fires] == [("escalate", "service_managers")]


def test_reassigning_tells_the_new_and_the_previous_owner(process: Process) -> None:
    for key in ("step_up", "step_down"):
        reassign = next(t for t in flow(process, key).transitions if t.verb == "reassign")
        notices = [e for e in reassign.effects if e.kind == "notify"]
        assert any({"previous_owner"} < set(e.to) and e.mention for e in notices), key


def test_the_weekly_handover_moves_unacknowledged_requests_and_tells_both(
    process: Process,
) -> None:
    rule = flow(process, "step_up").handover
    assert rule is not None
    assert set(rule.move_in) == {Status.SUBMITTED.value, Status.ASSIGNED.value}
    assert set(rule.keep_in) == {Status.ACKNOWLEDGED.value, Status.CALLED_BACK.value}
    assert rule.to == "duty_manager" and set(rule.notify) == {"duty_manager", "previous_owner"}


def test_the_callback_reminder_fires_at_three_quarters_of_the_window(process: Process) -> None:
    step_up = flow(process, "step_up")
    reminder, breach = step_up.timer("callback_reminder"), step_up.timer("callback_overdue")
    assert reminder is not None and breach is not None
    assert reminder.after == Portion(of="callback_overdue", percent=75)
    assert reminder.while_in == breach.while_in
    assert [f.kind for f in reminder.fires] == ["remind_owner"]


def test_step_down_is_owned_by_the_receiving_service_and_never_reaches_cspa(
    process: Process,
) -> None:
    step_down = flow(process, "step_down")
    owners = {s.owner for s in step_down.states if not s.terminal}
    assert owners == {"receiving_manager"}
    receiving = step_down.role("receiving_manager")
    assert receiving is not None and receiving.fill.kind == "service_staff"
    assert set(step_down.excluded_roles) == {"cspa_team", "cspa_service_manager"}
    opening = step_down.opening
    assert {f.type for f in opening.form} >= {"area_team"}
    assert any(g.field == "area_contact_recorded" for g in opening.gates)


def test_todays_timers_alone_would_be_refused_where_a_request_can_sit_unseen(
    profile: Profile, process: Process
) -> None:
    from dataclasses import replace

    step_up = flow(process, "step_up")
    todays = {key.value for key in ESCALATIONS}
    today = replace(step_up, timers=tuple(t for t in step_up.timers if t.key in todays))
    today = replace(
        today,
        opening=replace(
            today.opening,
            effects=tuple(e for e in today.opening.effects if e.target in todays or not e.target),
        ),
    )
    problems = check_process(Process((today,)), directory_of(profile))
    assert {p.rule for p in problems} == {"unseen"}
    unseen = {p.where.removeprefix("flow step_up: state ") for p in problems}
    # The holes: no timer after the call-back, in a dispute, a review, or after a decision.
    assert unseen == {"called_back", "outcome_recorded", "disputed", "under_review", "reviewed"}
