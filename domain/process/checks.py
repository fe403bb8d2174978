"""Load-time proofs of a process definition: the loader refuses a flow that fails any of them.

The rules, each reported under its own `rule` code so a test can hold one failure to one cause:
well formed (fields, gates, effects, timers, tasks, the hand-over), every verb's states exist,
every role is known and resolves to people in the profile, every state is reachable from the
initial one, every non-terminal state has an owner, and no case can sit unseen: from the moment
a case enters a non-terminal state, a timer that is certain to be running (or to have run)
tells someone above the state's owner, or ends the case, within the flow's `max_unseen`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from domain.calendar import Duration
from domain.process.model import (
    CASE_BOUND,
    SYSTEM,
    Flow,
    FormField,
    Gate,
    Portion,
    Process,
    State,
    Timer,
    Transition,
)

__all__ = ["Directory", "Problem", "check_flow", "check_process", "upper_working_minutes"]

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# The most a council could mean; larger is a typo (minutes for days, say).
_MAX_AMOUNT: Mapping[str, int] = {
    "working_minutes": 5 * 8 * 60,
    "working_hours": 10 * 8,
    "working_days": 260,
    "end_of_working_day": 260,
    "clock_hours": 24 * 90,
    "calendar_months": 24,
}
_CHOICE_ONLY = ("options", "options_from", "multiple")


@dataclass(frozen=True)
class Problem:
    """One reason a definition is refused: `where` names the flow and the part at fault."""

    rule: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class Directory:
    """What the profile offers the definition: people and their roles, the rota, lists."""

    people: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Profile person key -> profile roles held."""
    services: Mapping[str, str | None] = field(default_factory=dict)
    """Profile person key -> the service they belong to, if any."""
    rota: tuple[str, ...] = ()
    group_roles: frozenset[str] = frozenset()
    """Profile roles filled from an Entra group in production."""
    lists: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Profile lists a choice may take its options from ("indicators", "services", ...)."""
    day_minutes: int = 480


def check_process(process: Process, directory: Directory) -> list[Problem]:
    """Every problem in every flow, and across flows (keys, spawned flows)."""
    problems: list[Problem] = []
    keys = [f.key for f in process.flows]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        problems.append(Problem("duplicate", f"flow {key}", "is defined twice"))
    for flow in process.flows:
        problems.extend(check_flow(flow, directory, known_flows=frozenset(keys)))
    return problems


def check_flow(
    flow: Flow, directory: Directory, known_flows: frozenset[str] | None = None
) -> list[Problem]:
    """Every problem in one flow; an empty list means the flow may be used."""
    flows = known_flows if known_flows is not None else frozenset({flow.key})
    checker = _Checker(flow, directory, flows)
    return checker.run()


def upper_working_minutes(duration: Duration, day_minutes: int) -> int:
    """The most working time a duration can span, in minutes (working time <= elapsed time)."""
    n = duration.amount
    per_unit = {
        "working_minutes": 1,
        "working_hours": 60,
        "working_days": day_minutes,
        "end_of_working_day": day_minutes,
        "clock_hours": 60,
        "calendar_months": 23 * day_minutes,  # at most 23 weekdays in a month
    }
    return n * per_unit[duration.unit]


class _Checker:
    def __init__(self, flow: Flow, directory: Directory, flows: frozenset[str]) -> None:
        self.flow = flow
        self.dir = directory
        self.flows = flows
        self.problems: list[Problem] = []
        self.roles = {r.key: r for r in flow.roles}
        self.states = {s.key: s for s in flow.states}
        self.timers = {t.key: t for t in flow.timers}
        self.tasks = {t.key: t for t in flow.tasks}

    def add(self, rule: str, where: str, message: str) -> None:
        self.problems.append(Problem(rule, f"flow {self.flow.key}: {where}", message))

    def run(self) -> list[Problem]:
        self._keys()
        self._roles()
        self._states()
        for t in self.flow.all_transitions:
            self._transition(t)
        self._timers()
        self._tasks()
        self._handover()
        self._excluded()
        self._reachable()
        self._unseen()
        return self.problems

    # -- names ------------------------------------------------------------------------------

    def _keys(self) -> None:
        for kind, keys in (
            ("role", [r.key for r in self.flow.roles]),
            ("state", [s.key for s in self.flow.states]),
            ("timer", [t.key for t in self.flow.timers]),
            ("task", [t.key for t in self.flow.tasks]),
        ):
            for key in keys:
                if not _KEY.match(key):
                    self.add("bad_key", f"{kind} {key}", "keys are lowercase letters, digits, _")
            for key in sorted({k for k in keys if keys.count(k) > 1}):
                self.add("duplicate", f"{kind} {key}", "is defined twice")
        seen: set[tuple[str, str]] = set()
        for t in self.flow.transitions:
            for source in t.sources:
                if (t.verb, source) in seen:
                    self.add("duplicate", f"transition {t.verb}", f"starts from {source} twice")
                seen.add((t.verb, source))

    def _role_ref(self, key: str, where: str, *, system: bool = False) -> bool:
        if key in self.roles or (system and key == SYSTEM):
            return True
        self.add("unknown_role", where, f"names unknown role {key!r}")
        return False

    # -- roles ------------------------------------------------------------------------------

    def _roles(self) -> None:
        for role in self.flow.roles:
            where = f"role {role.key}"
            for up in role.reports_to:
                self._role_ref(up, where)
            fill = role.fill
            if fill.kind == "people":
                if not fill.people:
                    self.add("bad_role", where, "a 'people' role names no people")
                for key in fill.people:
                    if key not in self.dir.people:
                        self.add(
                            "unresolved_role", where, f"{key!r} is not a person in the profile"
                        )
            elif fill.kind in ("group", "service_staff"):
                self._profile_roles(where, fill.kind, fill.profile_roles)
            elif fill.kind == "rota":
                if not self.dir.rota:
                    self.add("unresolved_role", where, "the profile's rota names nobody")
            elif fill.kind in CASE_BOUND:
                if not fill.pool:
                    self.add(
                        "bad_role", where, f"a {fill.kind!r} role needs the pool it is drawn from"
                    )
                for key in fill.pool:
                    if self._role_ref(key, where):
                        pool = self.roles[key]
                        if pool.fill.kind in CASE_BOUND or pool.fill.kind == "previous_owner":
                            self.add("bad_role", where, f"pool {key!r} is itself one case's person")
        self._hierarchy()

    def _profile_roles(self, where: str, kind: str, profile_roles: tuple[str, ...]) -> None:
        if not profile_roles:
            self.add("bad_role", where, f"a {kind!r} role needs the profile roles it draws on")
            return
        wanted = set(profile_roles)
        holders = [k for k, roles in self.dir.people.items() if roles & wanted]
        if kind == "service_staff":
            if not [k for k in holders if self.dir.services.get(k)]:
                self.add("unresolved_role", where, f"nobody in a service holds {profile_roles}")
        elif not holders and not wanted & self.dir.group_roles:
            self.add("unresolved_role", where, f"nobody in the profile holds {profile_roles}")

    def _hierarchy(self) -> None:
        for role in self.flow.roles:
            if role.key in self.above(role.key):
                self.add(
                    "hierarchy_cycle", f"role {role.key}", "reports to itself through reports_to"
                )

    def above(self, key: str) -> frozenset[str]:
        """Every role above `key`, through reports_to."""
        seen: set[str] = set()
        todo = list(self.roles[key].reports_to) if key in self.roles else []
        while todo:
            up = todo.pop()
            if up in seen:
                continue
            seen.add(up)
            if up in self.roles:
                todo.extend(self.roles[up].reports_to)
        return frozenset(seen)

    # -- states and transitions ---------------------------------------------------------------

    def _states(self) -> None:
        initial = self.states.get(self.flow.initial)
        if initial is None:
            self.add("unknown_state", "initial", f"names unknown state {self.flow.initial!r}")
        elif initial.terminal:
            self.add("bad_state", f"state {initial.key}", "the initial state can't be terminal")
        if not any(s.terminal for s in self.flow.states):
            self.add("bad_state", "states", "no state is terminal: a case could never end")
        for state in self.flow.states:
            where = f"state {state.key}"
            if state.owner is None:
                if not state.terminal:
                    self.add("no_owner", where, "a non-terminal state needs an owner")
            else:
                self._role_ref(state.owner, where)

    def _state_ref(self, key: str, where: str) -> State | None:
        state = self.states.get(key)
        if state is None:
            self.add("unknown_state", where, f"names unknown state {key!r}")
        return state

    def _transition(self, t: Transition) -> None:
        where = f"transition {t.verb}"
        opening = t is self.flow.opening
        if opening:
            if t.sources:
                self.add("bad_transition", where, "the opening transition starts from nothing")
            if t.target != self.flow.initial:
                self.add(
                    "bad_transition", where, "the opening transition must enter the initial state"
                )
        elif not t.sources:
            self.add("bad_transition", where, "names no from-state")
        for source in t.sources:
            state = self._state_ref(source, where)
            if state is not None and state.terminal:
                self.add("bad_transition", where, f"starts from terminal state {source!r}")
        if t.target is not None:
            self._state_ref(t.target, where)
        if not t.who:
            self.add("bad_transition", where, "says nobody may do it")
        for who in t.who:
            self._role_ref(who, where, system=True)
        keys = [f.key for f in t.form]
        for key in sorted({k for k in keys if keys.count(k) > 1}):
            self.add("bad_field", f"{where}: field {key}", "is asked twice")
        fields = {f.key: f for f in t.form}
        for form_field in t.form:
            self._field(form_field, f"{where}: field {form_field.key}")
        for gate in t.gates:
            self._gate(gate, fields, f"{where}: gate on {gate.field}")
        for effect in t.effects:
            at = f"{where}: effect {effect.kind}"
            if effect.kind == "notify":
                if not effect.to:
                    self.add("bad_effect", at, "notifies nobody")
                for key in effect.to:
                    self._role_ref(key, at)
            elif effect.target is None:
                self.add("bad_effect", at, "names no target")
            elif (
                effect.kind in ("start_timer", "cancel_timer") and effect.target not in self.timers
            ):
                self.add("bad_effect", at, f"names unknown timer {effect.target!r}")
            elif effect.kind == "start_task" and effect.target not in self.tasks:
                self.add("bad_effect", at, f"names unknown task {effect.target!r}")
            elif effect.kind == "spawn_flow" and effect.target not in self.flows:
                self.add("bad_effect", at, f"names unknown flow {effect.target!r}")

    def _field(self, f: FormField, where: str) -> None:
        if f.type != "choice" and (f.options or f.options_from or f.multiple):
            self.add("bad_field", where, f"only a choice has {', '.join(_CHOICE_ONLY)}")
        if f.type == "choice":
            if bool(f.options) == bool(f.options_from):
                self.add("bad_field", where, "a choice needs options or options_from (one of them)")
            if f.options_from and f.options_from not in self.dir.lists:
                self.add("bad_field", where, f"the profile has no list {f.options_from!r}")
            if len(set(f.options)) != len(f.options):
                self.add("bad_field", where, "an option is listed twice")
        if f.type != "number" and (f.minimum is not None or f.maximum is not None):
            self.add("bad_field", where, "only a number has a minimum or maximum")
        if f.minimum is not None and f.maximum is not None and f.minimum > f.maximum:
            self.add("bad_field", where, "minimum is above maximum")
        if f.type == "person":
            if f.role is None:
                self.add("bad_field", where, "a person field needs the role the person holds")
            else:
                self._role_ref(f.role, where)
        elif f.role is not None:
            self.add("bad_field", where, "only a person field names a role")
        if f.type == "text" and not (f.private and f.sealed):
            # Free text could hold family details: only in a private chat, stored sealed.
            self.add("bad_field", where, "free text must be private and sealed")
        if f.type != "text" and (f.private or f.sealed):
            self.add("bad_field", where, "only a text field is private or sealed")

    def _options(self, f: FormField) -> tuple[str, ...]:
        return f.options if f.options else self.dir.lists.get(f.options_from or "", ())

    def _gate(self, gate: Gate, fields: Mapping[str, FormField], where: str) -> None:
        f = fields.get(gate.field)
        if f is None:
            self.add("bad_gate", where, f"names no field of this form ({gate.field!r})")
            return
        options = self._options(f)
        if gate.kind == "checklist":
            if f.type != "choice" or not f.multiple:
                self.add("bad_gate", where, "a checklist gate needs a multiple choice")
            if gate.min_selected < 0 or gate.others < 0:
                self.add("bad_gate", where, "counts can't be negative")
            if gate.option is not None and gate.option not in options:
                self.add("bad_gate", where, f"{gate.option!r} is not one of the field's options")
            if (gate.option is None) != (gate.others == 0):
                self.add("bad_gate", where, "'option' and 'others' go together")
            if gate.allowed:
                self.add("bad_gate", where, "'allowed' is for a required gate")
        else:
            if not gate.allowed:
                self.add("bad_gate", where, "a required gate lists the allowed values")
            values = ("true", "false") if f.type == "toggle" else options
            if f.type not in ("choice", "toggle"):
                self.add("bad_gate", where, "a required gate needs a choice or a toggle")
            for value in gate.allowed:
                if value not in values:
                    self.add("bad_gate", where, f"{value!r} is not a value the field can take")
            if gate.option is not None or gate.others:
                self.add("bad_gate", where, "'option' and 'others' are for a checklist gate")

    # -- timers, tasks, the hand-over ---------------------------------------------------------

    def _duration(self, d: Duration, where: str) -> None:
        if d.amount > _MAX_AMOUNT[d.unit]:
            limit = _MAX_AMOUNT[d.unit]
            self.add("bad_duration", where, f"{d.amount} {d.unit} is more than {limit}")

    def _timers(self) -> None:
        started = {
            e.target
            for t in self.flow.all_transitions
            for e in t.effects
            if e.kind == "start_timer"
        }
        for timer in self.flow.timers:
            where = f"timer {timer.key}"
            if isinstance(timer.after, Portion):
                base = self.timers.get(timer.after.of)
                if not 1 <= timer.after.percent <= 99:
                    self.add("bad_duration", where, "a portion is 1 to 99 percent of a window")
                if base is None:
                    self.add(
                        "bad_timer", where, f"is a portion of unknown timer {timer.after.of!r}"
                    )
                elif isinstance(base.after, Portion):
                    self.add("bad_timer", where, "is a portion of a portion")
            else:
                self._duration(timer.after, where)
            if not timer.while_in:
                self.add("bad_timer", where, "runs in no state")
            for key in timer.while_in:
                state = self._state_ref(key, where)
                if state is not None and state.terminal:
                    self.add("bad_timer", where, f"runs in terminal state {key!r}")
            if not timer.fires:
                self.add("bad_timer", where, "does nothing when it falls due")
            for fire in timer.fires:
                if fire.kind == "escalate":
                    if fire.role is None:
                        self.add("bad_timer", where, "escalates to nobody")
                    else:
                        self._role_ref(fire.role, where)
                elif fire.kind == "move":
                    if fire.state is None:
                        self.add("bad_timer", where, "moves to no state")
                    else:
                        self._state_ref(fire.state, where)
            if not timer.on_entry and timer.key not in started:
                self.add("bad_timer", where, "is never started (no on_entry, no start_timer)")
        self._duration(self.flow.max_unseen, "max_unseen")

    def _tasks(self) -> None:
        started = {
            e.target for t in self.flow.all_transitions for e in t.effects if e.kind == "start_task"
        }
        verbs = {t.verb for t in self.flow.transitions}
        for task in self.flow.tasks:
            where = f"task {task.key}"
            self._role_ref(task.owner, where)
            self._duration(task.due, where)
            if task.done_by not in verbs:
                self.add("bad_task", where, f"is done by unknown verb {task.done_by!r}")
            if task.key not in started:
                self.add("bad_task", where, "is never started (no start_task effect)")

    def _handover(self) -> None:
        rule = self.flow.handover
        if rule is None:
            return
        for key in (*rule.move_in, *rule.keep_in):
            state = self._state_ref(key, "handover")
            if state is not None and state.terminal:
                self.add("bad_handover", "handover", f"names terminal state {key!r}")
        for key in sorted(set(rule.move_in) & set(rule.keep_in)):
            self.add("bad_handover", "handover", f"both moves and keeps {key!r}")
        if self._role_ref(rule.to, "handover") and self.roles[rule.to].fill.kind != "rota":
            self.add("bad_handover", "handover", f"moves cases to {rule.to!r}, not a rota role")
        for key in rule.notify:
            self._role_ref(key, "handover")

    def _excluded(self) -> None:
        excluded = set(self.flow.excluded_roles)
        for key in self.flow.excluded_roles:
            self._role_ref(key, "excluded_roles")
        uses: list[tuple[str, str]] = [
            (f"state {s.key}", s.owner) for s in self.flow.states if s.owner is not None
        ]
        for t in self.flow.all_transitions:
            uses += [(f"transition {t.verb}", key) for e in t.effects for key in e.to]
        for timer in self.flow.timers:
            uses += [(f"timer {timer.key}", f.role) for f in timer.fires if f.role is not None]
        for where, key in uses:
            if key in excluded:
                self.add("excluded_role", where, f"reaches excluded role {key!r}")

    # -- the graph -----------------------------------------------------------------------------

    def edges(self) -> Iterator[tuple[str | None, str, Transition | Timer]]:
        """(from, to, by) for every transition and every timer move; from None opens the case."""
        for t in self.flow.all_transitions:
            for source in t.sources or (None,):
                target = t.target if t.target is not None else source
                if target is not None:
                    yield source, target, t
        for timer in self.flow.timers:
            for fire in timer.fires:
                if fire.kind == "move" and fire.state is not None:
                    for source in timer.while_in:
                        yield source, fire.state, timer

    def _reachable(self) -> None:
        if self.flow.initial not in self.states:
            return
        seen = {self.flow.initial}
        todo = [self.flow.initial]
        out: dict[str, set[str]] = {}
        for source, target, _ in self.edges():
            if source is not None:
                out.setdefault(source, set()).add(target)
        while todo:
            for nxt in out.get(todo.pop(), set()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        for state in self.flow.states:
            if state.key not in seen:
                self.add(
                    "unreachable",
                    f"state {state.key}",
                    f"can't be reached from {self.flow.initial}",
                )

    def running(self) -> set[tuple[str, str]]:
        """(timer, state) pairs where the timer is certain to run (or to have run) in the state.

        The greatest fixpoint of: every way into the state starts the timer, or comes from a
        state where it was certain to run without stopping it. A narrowed timer never counts.
        """
        pairs = {(t.key, s) for t in self.flow.timers if t.only_if is None for s in t.while_in} & {
            (t.key, s) for t in self.flow.timers for s in self.states
        }
        incoming = [(s, d, by) for s, d, by in self.edges() if d in self.states]
        changed = True
        while changed:
            changed = False
            for timer_key, state in sorted(pairs):
                timer = self.timers[timer_key]
                if not all(
                    self._keeps(timer, source, by, pairs)
                    for source, target, by in incoming
                    if target == state
                ):
                    pairs.discard((timer_key, state))
                    changed = True
        return pairs

    def _keeps(
        self, timer: Timer, source: str | None, by: Transition | Timer, pairs: set[tuple[str, str]]
    ) -> bool:
        if isinstance(by, Transition):
            effects = {(e.kind, e.target) for e in by.effects}
            if ("start_timer", timer.key) in effects:
                return True
            stopped = ("cancel_timer", timer.key) in effects
        else:
            stopped = by.key == timer.key  # a timer that moved the case has fired: spent
        inside = source is not None and source in timer.while_in
        if not inside:
            return timer.on_entry
        return not stopped and (timer.key, source) in pairs

    def bound(self, timer: Timer) -> int | None:
        """The most working minutes from the timer's start to its firing."""
        if isinstance(timer.after, Portion):
            base = self.timers.get(timer.after.of)
            if base is None or isinstance(base.after, Portion):
                return None
            whole = upper_working_minutes(base.after, self.dir.day_minutes)
            return math.ceil(whole * min(max(timer.after.percent, 0), 100) / 100)
        return upper_working_minutes(timer.after, self.dir.day_minutes)

    def _unseen(self) -> None:
        limit = upper_working_minutes(self.flow.max_unseen, self.dir.day_minutes)
        running = self.running()
        for state in self.flow.states:
            if state.terminal or state.owner is None or state.owner not in self.roles:
                continue  # no_owner / unknown_role say so already
            reach = self._reach(state.key, self.above(state.owner), running, frozenset())
            if reach is None:
                self.add(
                    "unseen",
                    f"state {state.key}",
                    f"no timer certain to run here tells anyone above {state.owner!r}",
                )
            elif reach > limit:
                self.add(
                    "unseen",
                    f"state {state.key}",
                    f"someone above {state.owner!r} is told only after {reach} working minutes,"
                    f" more than max_unseen ({limit})",
                )

    def _reach(
        self,
        key: str,
        above: frozenset[str],
        running: set[tuple[str, str]],
        visited: frozenset[str],
    ) -> int | None:
        best: int | None = None
        for timer in self.flow.timers:
            bound = self.bound(timer)
            if (timer.key, key) not in running or bound is None:
                continue
            for fire in timer.fires:
                took: int | None = None
                if fire.kind == "escalate" and fire.role in above:
                    took = bound
                elif fire.kind == "move" and fire.state in self.states:
                    target = self.states[fire.state]
                    if target.terminal or target.owner in above:
                        took = bound
                    elif target.key not in visited | {key}:
                        rest = self._reach(target.key, above, running, visited | {key})
                        took = None if rest is None else bound + rest
                if took is not None and (best is None or took < best):
                    best = took
        return best


def problems_text(problems: Iterable[Problem]) -> list[str]:
    """The problems as "flow ...: where: what" lines."""
    return [str(p) for p in problems]
