"""The process loader refuses a broken flow and names the line at fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from profiles.loader import load_profile
from profiles.process_loader import ProcessError, load_flows, parse_duration, parse_flow
from profiles.schema import Profile

ROOT = Path(__file__).resolve().parents[3]

TINY = """\
flow: tiny
label: A tiny flow
initial: open
max_unseen: 2 working_days
roles:
  staff: {label: Staff, kind: group, profile_roles: [requester]}
  worker:
    label: Worker
    kind: group
    profile_roles: [map_team_manager]
    reports_to: [boss]
  boss: {label: Boss, kind: group, profile_roles: [service_manager]}
states:
  open: {label: Open, owner: worker}
  done: {label: Done, terminal: true}
opening: {verb: start, to: open, who: [staff]}
transitions:
  - verb: finish
    from: open
    to: done
    who: [worker]
timers:
  nag:
    after: 1 working_days
    while_in: [open]
    on_entry: true
    fires: [{escalate: boss}]
"""


@pytest.fixture(scope="module")
def profile() -> Profile:
    return load_profile(ROOT / "profiles" / "demo.yaml")


def load(tmp_path: Path, profile: Profile, text: str) -> list[str]:
    path = tmp_path / "tiny.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProcessError) as caught:
        load_flows([path], profile)
    assert caught.value.path == path
    return list(caught.value.problems)


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_the_tiny_flow_loads(tmp_path: Path, profile: Profile) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    [flow] = load_flows([path], profile).flows
    assert flow.key == "tiny" and flow.timer("nag") is not None


def test_an_unreachable_state_is_refused_at_its_line(tmp_path: Path, profile: Profile) -> None:
    text = TINY.replace(
        "  done: {label: Done, terminal: true}\n",
        "  done: {label: Done, terminal: true}\n  limbo: {label: Limbo, terminal: true}\n",
    )
    [problem] = load(tmp_path, profile, text)
    n = line_of(text, "limbo:")
    assert problem == f"line {n}: flow tiny: state limbo: can't be reached from open"


def test_a_state_with_no_owner_is_refused_at_its_line(tmp_path: Path, profile: Profile) -> None:
    text = TINY.replace("open: {label: Open, owner: worker}", "open: {label: Open}")
    [problem] = load(tmp_path, profile, text)
    n = line_of(text, "open: {label: Open}")
    assert problem == f"line {n}: flow tiny: state open: a non-terminal state needs an owner"


def test_a_timer_less_state_is_refused_at_its_line(tmp_path: Path, profile: Profile) -> None:
    text = TINY.split("timers:\n")[0]
    [problem] = load(tmp_path, profile, text)
    n = line_of(text, "open: {label")
    assert problem.startswith(f"line {n}: flow tiny: state open: no timer certain to run here")


def test_an_unknown_role_is_refused_at_its_line(tmp_path: Path, profile: Profile) -> None:
    text = TINY.replace("    who: [worker]", "    who: [ghost]")
    [problem] = load(tmp_path, profile, text)
    n = line_of(text, "- verb: finish")
    assert problem == f"line {n}: flow tiny: transition finish: names unknown role 'ghost'"


def test_a_bad_duration_is_refused_at_its_line(tmp_path: Path, profile: Profile) -> None:
    text = TINY.replace("after: 1 working_days", "after: 3 fortnights")
    [problem] = load(tmp_path, profile, text)
    n = line_of(text, "3 fortnights")
    assert problem.startswith(f"line {n}: timers.nag.after: '3 fortnights' is not a duration")


def test_a_duration_too_long_for_its_unit_is_refused_at_the_timer(
    tmp_path: Path, profile: Profile
) -> None:
    text = TINY.replace("after: 1 working_days", "after: 9000 working_minutes")
    problems = load(tmp_path, profile, text)
    n = line_of(text, "  nag:")
    assert f"line {n + 1}: flow tiny: timer nag: 9000 working_minutes is more than 2400" in problems


def test_a_role_nobody_in_the_profile_holds_is_refused(tmp_path: Path, profile: Profile) -> None:
    text = TINY.replace("profile_roles: [service_manager]", "profile_roles: [head_of_service]")
    [problem] = load(tmp_path, profile, text)
    n = line_of(text, "boss: {label")
    assert problem.startswith(f"line {n}: flow tiny: role boss: nobody in the profile holds")


def test_an_unknown_key_is_refused_at_its_line(tmp_path: Path, profile: Profile) -> None:
    text = TINY.replace("  done: {label: Done, terminal: true}", "  done: {label: Done, end: true}")
    [problem] = load(tmp_path, profile, text)
    n = line_of(text, "end: true")
    assert problem == f"line {n}: states.done.end: Extra inputs are not permitted"


def test_an_effect_with_two_kinds_is_refused(tmp_path: Path, profile: Profile) -> None:
    text = TINY.replace(
        "    who: [worker]\n",
        "    who: [worker]\n    effects:\n      - {notify: [boss], start_timer: nag}\n",
    )
    [problem] = load(tmp_path, profile, text)
    assert problem.startswith(f"line {line_of(text, 'start_timer: nag')}: transitions.0.effects.0")
    assert "exactly one of" in problem


def test_malformed_yaml_is_refused_with_its_line() -> None:
    with pytest.raises(ProcessError) as caught:
        parse_flow("flow: tiny\nstates: [a\n")
    assert caught.value.problems[0].startswith("line 3:")


def test_an_unreadable_file_is_refused(tmp_path: Path, profile: Profile) -> None:
    with pytest.raises(ProcessError, match="cannot read"):
        load_flows([tmp_path / "missing.yaml"], profile)


@pytest.mark.parametrize(
    ("text", "unit", "amount", "opening"),
    [
        ("60 working_minutes", "working_minutes", 60, False),
        ("end_of_working_day", "end_of_working_day", 1, False),
        ("2 end_of_working_day", "end_of_working_day", 2, False),
        ("24 clock_hours from next opening", "clock_hours", 24, True),
        ("6 calendar_months", "calendar_months", 6, False),
    ],
)
def test_durations_parse(text: str, unit: str, amount: int, opening: bool) -> None:
    d = parse_duration(text)
    assert (d.unit, d.amount, d.from_next_opening) == (unit, amount, opening)


@pytest.mark.parametrize(
    "text", ["working_days", "-1 working_days", "1.5 working_days", "3 fortnights", "2 days"]
)
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_with_several_files_each_problem_names_its_file(tmp_path: Path, profile: Profile) -> None:
    good, bad = tmp_path / "a.yaml", tmp_path / "b.yaml"
    good.write_text(TINY, encoding="utf-8")
    bad.write_text(
        TINY.replace("flow: tiny", "flow: other").replace("who: [worker]", "who: [ghost]"),
        encoding="utf-8",
    )
    with pytest.raises(ProcessError) as caught:
        load_flows([good, bad], profile)
    assert caught.value.path == bad
    [problem] = caught.value.problems
    assert problem.startswith("b.yaml: line 18: flow other: transition finish:")
