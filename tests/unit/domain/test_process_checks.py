"""The load-time proofs: one small broken definition per rule, each failing for its reason only."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from domain.calendar import Duration
from domain.process.checks import Directory, check_flow, check_process, upper_working_minutes
from domain.process.model import (
    Effect,
    Fire,
    Flow,
    FormField,
    Gate,
    Handover,
    Portion,
    Process,
    Role,
    RoleFill,
    State,
    Task,
    Timer,
    Transition,
)

DIRECTORY = Directory(
    people={
        "ann": frozenset({"requester"}),
        "ben": frozenset({"map_team_manager"}),
        "cat": frozenset({"service_manager"}),
    },
    services={"ann": "fc-north", "ben": None, "cat": None},
    rota=("ben",),
    lists={"indicators": ("harm", "neglect", "could_reduce_safety")},
)

NAG = Timer(
    "nag", Duration("working_days", 1), ("open",), (Fire("escalate", role="boss"),), on_entry=True
)
FINISH = Transition("finish", ("open",), "done", ("worker",))
BASE = Flow(
    key="tiny",
    label="A tiny flow",
    initial="open",
    opening=Transition("start", (), "open", ("staff",)),
    roles=(
        Role("staff", "Staff", RoleFill("group", profile_roles=("requester",))),
        Role("worker", "Worker", RoleFill("group", profile_roles=("map_team_manager",)), ("boss",)),
        Role("boss", "Boss", RoleFill("group", profile_roles=("service_manager",))),
        Role("duty", "Duty", RoleFill("rota"), ("boss",)),
    ),
    states=(State("open", "Open", owner="worker"), State("done", "Done", terminal=True)),
    transitions=(FINISH,),
    timers=(NAG,),
)


def rules(flow: Flow) -> set[str]:
    return {p.rule for p in check_flow(flow, DIRECTORY)}


def with_role(flow: Flow, key: str, **changes: object) -> Flow:
    roles = tuple(replace(r, **changes) if r.key == key else r for r in flow.roles)  # type: ignore[arg-type]
    return replace(flow, roles=roles)


def with_finish(**changes: object) -> Flow:
    return replace(BASE, transitions=(replace(FINISH, **changes),))  # type: ignore[arg-type]


def with_timer(**changes: object) -> Flow:
    return replace(BASE, timers=(replace(NAG, **changes),))  # type: ignore[arg-type]


def plus_transition(transition: Transition) -> Flow:
    return replace(BASE, transitions=(FINISH, transition))


def plus_timer(timer: Timer) -> Flow:
    return replace(BASE, timers=(NAG, timer))


REMIND = Fire("remind_owner")
TEXT = FormField("note", "text", "Note")
INDICATORS = FormField(
    "indicators", "choice", "Indicators", options_from="indicators", multiple=True
)

BROKEN: dict[str, tuple[str, Callable[[], Flow]]] = {
    "unreachable state": (
        "unreachable",
        lambda: replace(
            BASE,
            states=(*BASE.states, State("limbo", "Limbo", owner="worker")),
            timers=(replace(NAG, while_in=("open", "limbo")),),
        ),
    ),
    "state with no owner": (
        "no_owner",
        lambda: replace(BASE, states=(State("open", "Open"), BASE.states[1])),
    ),
    "timer-less state": ("unseen", lambda: replace(BASE, timers=())),
    "timer too slow for max_unseen": (
        "unseen",
        lambda: with_timer(after=Duration("working_days", 30)),
    ),
    "timer tells only a peer of the owner": (
        "unseen",
        lambda: with_timer(fires=(Fire("escalate", role="worker"),)),
    ),
    "timer tells only the owner": ("unseen", lambda: with_timer(fires=(REMIND,))),
    "only a narrowed timer": ("unseen", lambda: with_timer(only_if="urgent")),
    "timer a self-loop cancels": (
        "unseen",
        lambda: replace(
            BASE,
            opening=replace(BASE.opening, effects=(Effect("start_timer", target="nag"),)),
            transitions=(
                FINISH,
                Transition(
                    "poke",
                    ("open",),
                    None,
                    ("staff",),
                    effects=(Effect("cancel_timer", target="nag"),),
                ),
            ),
            timers=(replace(NAG, on_entry=False),),
        ),
    ),
    "unknown role": ("unknown_role", lambda: with_finish(who=("ghost",))),
    "unknown role in reports_to": (
        "unknown_role",
        lambda: with_role(BASE, "boss", reports_to=("ghost",)),
    ),
    "role nobody in the profile holds": (
        "unresolved_role",
        lambda: with_role(BASE, "boss", fill=RoleFill("group", profile_roles=("head",))),
    ),
    "role naming a person not in the profile": (
        "unresolved_role",
        lambda: with_role(BASE, "boss", fill=RoleFill("people", people=("zed",))),
    ),
    "assignee role without a pool": (
        "bad_role",
        lambda: with_role(BASE, "worker", fill=RoleFill("assignee")),
    ),
    "verb from an unknown state": (
        "unknown_state",
        lambda: plus_transition(Transition("oops", ("nowhere",), "done", ("worker",))),
    ),
    "verb into an unknown state": (
        "unknown_state",
        lambda: plus_transition(Transition("oops", ("open",), "nowhere", ("worker",))),
    ),
    "verb from a terminal state": ("bad_transition", lambda: with_finish(sources=("open", "done"))),
    "verb nobody may use": ("bad_transition", lambda: with_finish(who=())),
    "duration beyond its unit's limit": (
        "bad_duration",
        lambda: plus_timer(
            Timer("slow", Duration("working_minutes", 5000), ("open",), (REMIND,), True)
        ),
    ),
    "portion over 100 percent": (
        "bad_duration",
        lambda: plus_timer(Timer("early", Portion("nag", 150), ("open",), (REMIND,), True)),
    ),
    "portion of an unknown timer": (
        "bad_timer",
        lambda: plus_timer(Timer("early", Portion("ghost", 50), ("open",), (REMIND,), True)),
    ),
    "timer never started": (
        "bad_timer",
        lambda: plus_timer(Timer("idle", Duration("working_days", 1), ("open",), (REMIND,))),
    ),
    "timer that does nothing": (
        "bad_timer",
        lambda: plus_timer(Timer("mute", Duration("working_days", 1), ("open",), (), True)),
    ),
    "timer running in a terminal state": (
        "bad_timer",
        lambda: plus_timer(Timer("late", Duration("working_days", 1), ("done",), (REMIND,), True)),
    ),
    "free text that is not sealed": ("bad_field", lambda: with_finish(form=(TEXT,))),
    "choice with no options": (
        "bad_field",
        lambda: with_finish(form=(FormField("pick", "choice", "Pick"),)),
    ),
    "choice from a list the profile lacks": (
        "bad_field",
        lambda: with_finish(form=(FormField("pick", "choice", "Pick", options_from="colours"),)),
    ),
    "number with minimum above maximum": (
        "bad_field",
        lambda: with_finish(form=(FormField("n", "number", "N", minimum=5, maximum=1),)),
    ),
    "checklist gate on a toggle": (
        "bad_gate",
        lambda: with_finish(
            form=(FormField("ok", "toggle", "OK"),), gates=(Gate("checklist", "ok"),)
        ),
    ),
    "gate on a field the form lacks": (
        "bad_gate",
        lambda: with_finish(gates=(Gate("required", "consent", allowed=("given",)),)),
    ),
    "checklist rule on an option the list lacks": (
        "bad_gate",
        lambda: with_finish(
            form=(INDICATORS,), gates=(Gate("checklist", "indicators", option="ghost", others=1),)
        ),
    ),
    "required gate allowing a value the choice lacks": (
        "bad_gate",
        lambda: with_finish(
            form=(FormField("consent", "choice", "Consent", options=("given", "refused")),),
            gates=(Gate("required", "consent", allowed=("maybe",)),),
        ),
    ),
    "effect starting an unknown timer": (
        "bad_effect",
        lambda: with_finish(effects=(Effect("start_timer", target="ghost"),)),
    ),
    "effect spawning an unknown flow": (
        "bad_effect",
        lambda: with_finish(effects=(Effect("spawn_flow", target="ghost"),)),
    ),
    "notice to nobody": ("bad_effect", lambda: with_finish(effects=(Effect("notify"),))),
    "task done by an unknown verb": (
        "bad_task",
        lambda: replace(
            with_finish(effects=(Effect("start_task", target="visit"),)),
            tasks=(Task("visit", "Joint visit", "worker", Duration("working_days", 7), "ghost"),),
        ),
    ),
    "task never started": (
        "bad_task",
        lambda: replace(
            BASE,
            tasks=(Task("visit", "Joint visit", "worker", Duration("working_days", 7), "finish"),),
        ),
    ),
    "hierarchy cycle": ("hierarchy_cycle", lambda: with_role(BASE, "boss", reports_to=("worker",))),
    "excluded role escalated to": (
        "excluded_role",
        lambda: replace(BASE, excluded_roles=("boss",)),
    ),
    "hand-over to a role that is not the rota": (
        "bad_handover",
        lambda: replace(BASE, handover=Handover(("open",), (), "worker", ())),
    ),
    "state defined twice": (
        "duplicate",
        lambda: replace(BASE, states=(*BASE.states, State("done", "Done", terminal=True))),
    ),
    "badly spelt key": (
        "bad_key",
        lambda: replace(
            with_finish(target="Done"),
            states=(BASE.states[0], State("Done", "Done", terminal=True)),
        ),
    ),
}


def test_the_base_definition_passes_every_proof() -> None:
    assert check_flow(BASE, DIRECTORY) == []


@pytest.mark.parametrize(("rule", "make"), BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_definition_fails_for_its_reason_only(rule: str, make: Callable[[], Flow]) -> None:
    assert {p.rule for p in check_flow(make(), DIRECTORY)} == {rule}


@pytest.mark.parametrize(
    "directory",
    [
        replace(DIRECTORY, rota=()),
        replace(DIRECTORY, people={k: v for k, v in DIRECTORY.people.items() if k != "cat"}),
    ],
    ids=["empty rota", "nobody holds a group's role"],
)
def test_a_profile_that_cannot_fill_a_role_fails_for_that_reason_only(
    directory: Directory,
) -> None:
    assert {p.rule for p in check_flow(BASE, directory)} == {"unresolved_role"}


def test_a_group_filled_from_an_entra_group_resolves_with_nobody_in_people() -> None:
    people = {k: v for k, v in DIRECTORY.people.items() if k != "cat"}
    directory = replace(DIRECTORY, people=people, group_roles=frozenset({"service_manager"}))
    assert check_flow(BASE, directory) == []


def test_each_problem_names_the_flow_and_the_part_at_fault() -> None:
    oops = Transition("oops", ("nowhere",), "done", ("worker",))
    [problem] = check_flow(plus_transition(oops), DIRECTORY)
    assert str(problem) == "flow tiny: transition oops: names unknown state 'nowhere'"
    [problem] = check_flow(replace(BASE, timers=()), DIRECTORY)
    assert problem.where == "flow tiny: state open"
    assert "'worker'" in problem.message


def test_a_move_to_a_state_owned_above_the_owner_counts() -> None:
    waiting = State("waiting", "Waiting for the boss", owner="boss")
    escalated = replace(
        BASE,
        states=(*BASE.states, waiting),
        transitions=(FINISH, Transition("decide", ("waiting",), "done", ("boss",))),
        timers=(
            replace(NAG, fires=(Fire("move", state="waiting"),)),
            Timer("boss_nag", Duration("working_days", 1), ("waiting",), (REMIND,), True),
        ),
    )
    problems = check_flow(escalated, DIRECTORY)
    # "open" is covered by the move; the boss is at the top, so "waiting" has nobody above.
    assert [p.where for p in problems] == ["flow tiny: state waiting"]


def test_a_move_to_a_terminal_state_ends_the_wait() -> None:
    assert check_flow(with_timer(fires=(Fire("move", state="done"),)), DIRECTORY) == []


def test_a_chain_of_moves_adds_up_against_max_unseen() -> None:
    middle = State("middle", "Middle", owner="worker")
    chain = replace(
        BASE,
        states=(*BASE.states, middle),
        transitions=(FINISH, Transition("end", ("middle",), "done", ("worker",))),
        timers=(
            replace(NAG, fires=(Fire("move", state="middle"),)),
            Timer(
                "up",
                Duration("working_days", 1),
                ("middle",),
                (Fire("escalate", role="boss"),),
                True,
            ),
        ),
    )
    assert check_flow(chain, DIRECTORY) == []
    slow = replace(chain, max_unseen=Duration("working_days", 1))
    assert [p.where for p in check_flow(slow, DIRECTORY)] == ["flow tiny: state open"]


def test_a_timer_started_by_the_opening_counts_while_it_keeps_running() -> None:
    started = replace(
        BASE,
        opening=replace(BASE.opening, effects=(Effect("start_timer", target="nag"),)),
        timers=(replace(NAG, on_entry=False),),
    )
    assert check_flow(started, DIRECTORY) == []


def test_process_checks_spawned_flows_and_duplicate_flow_keys() -> None:
    spawning = with_finish(effects=(Effect("spawn_flow", target="other"),))
    other = replace(BASE, key="other")
    assert check_process(Process((spawning, other)), DIRECTORY) == []
    assert {p.rule for p in check_process(Process((BASE, BASE)), DIRECTORY)} == {"duplicate"}


@pytest.mark.parametrize(
    ("duration", "minutes"),
    [
        (Duration("working_minutes", 90), 90),
        (Duration("working_hours", 2), 120),
        (Duration("working_days", 2), 960),
        (Duration("end_of_working_day", 1), 480),
        (Duration("clock_hours", 24), 1440),
        (Duration("calendar_months", 1), 23 * 480),
    ],
    ids=lambda v: v.unit if isinstance(v, Duration) else str(v),
)
def test_upper_working_minutes(duration: Duration, minutes: int) -> None:
    assert upper_working_minutes(duration, 480) == minutes


# domain/LIFECYCLE.md's test globs domain/*.py only: hold domain/process/ to the same rules.
PROCESS = Path(__file__).resolve().parents[3] / "domain" / "process"
FRAMEWORKS = {"botbuilder", "aiohttp", "sqlalchemy", "msgraph", "apscheduler", "pydantic", "yaml"}


@pytest.mark.parametrize("path", sorted(PROCESS.glob("*.py")), ids=lambda p: p.name)
def test_process_modules_import_no_framework_and_read_no_clock(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = {
        a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    roots |= {
        n.module.split(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.module and n.level == 0
    }
    assert roots.isdisjoint(FRAMEWORKS)
    calls = {
        n.func.attr
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
    }
    assert calls.isdisjoint({"now", "utcnow", "today"})
