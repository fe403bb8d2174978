"""A case of any flow, driven and checked against its definition (issue 15).

Pure: no clock, no storage, no Teams. A step is refused unless its verb leaves the case's state,
the person fills one of its `who` roles for this case, its form reads and its gates pass, and
the caller holds the case's current version; a step that is taken returns the new case, the
event that records it (who, when, the state after, the form's answers: choices, toggles, dates,
numbers, people and area teams, never free text) and the people to tell. Whoever becomes the
owner, and whoever stops being it, is told (the flow's `notify_on_handover`). Timers run from
the state history as domain/process/timing.py says; a task is recorded as started and done,
never its content.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import MappingProxyType

from domain.calendar import WorkingCalendar, require_aware
from domain.process.model import CASE_BOUND, SYSTEM, Flow, FormField, Gate, Role, Transition
from domain.process.timing import Firing, Start, firing_key, running, timer_due

__all__ = [
    "Case",
    "Choices",
    "Event",
    "Member",
    "Notice",
    "Refused",
    "Staff",
    "Step",
    "TaskStatus",
    "available",
    "due_timers",
    "fire",
    "holders",
    "open_case",
    "owners",
    "read_form",
    "roles_of",
    "take",
    "tasks",
]

# A person field with this key hands the case to the person chosen (a reassignment).
HAND_TO = "to"
# The opening's choice of service binds the case to that service (its staff fill its roles).
SERVICE_FIELD = "service"


class Refused(Exception):
    """A step that cannot be taken; the message says what to fix and names no family data."""


@dataclass(frozen=True)
class Member:
    """A person as the flow sees them: directory id, profile key, profile roles, service."""

    id: str
    roles: frozenset[str]
    key: str | None = None
    service: str | None = None


@dataclass(frozen=True)
class Staff:
    """Everyone who may fill a role, and who is on duty now (for `rota` roles)."""

    members: tuple[Member, ...]
    duty_id: str | None = None

    def by_id(self, person_id: str | None) -> Member | None:
        return next((m for m in self.members if m.id == person_id), None)


@dataclass(frozen=True)
class Choices:
    """The profile lists a form's choices and area teams are read against."""

    lists: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def options(self, f: FormField) -> tuple[str, ...]:
        if f.type == "area_team":
            return self.lists.get("area_teams", ())
        return self.lists.get(f.options_from, ()) if f.options_from else f.options


@dataclass(frozen=True)
class Event:
    """One step: what, who, when, the state it left the case in, the form's answers."""

    seq: int
    verb: str
    at: datetime
    actor_id: str | None
    state: str
    values: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Case:
    """A case of one flow; `owner_id` is the person bound to its case-bound owner roles."""

    id: str
    flow: str
    reference: str
    state: str
    version: int
    opened_by: str
    opened_at: datetime
    owner_id: str | None = None
    previous_owner_id: str | None = None
    service: str | None = None
    events: tuple[Event, ...] = ()
    fired: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Notice:
    """Tell `person_id` (who fills `role`) about `why` (a verb or a timer); `mention` on the
    card too. `kind` is "step", "owner" (they became the owner), "released" (they stopped
    being it), "reminder" or "escalation"."""

    person_id: str
    role: str
    why: str
    kind: str
    mention: bool = False


@dataclass(frozen=True)
class Step:
    """The case after a step, the event recording it and who is told."""

    case: Case
    event: Event | None  # None: a timer that reminded or escalated and moved nothing
    notices: tuple[Notice, ...] = ()


@dataclass(frozen=True)
class TaskStatus:
    """A task that was started: by when it is due, and when and by whom it was done."""

    key: str
    label: str
    due: datetime
    done_at: datetime | None = None
    done_by: str | None = None


# -- roles -------------------------------------------------------------------------------------


def _fills(role: Role, case: Case | None, person: Member, staff: Staff) -> bool:
    fill = role.fill
    if fill.kind == "people":
        return person.key is not None and person.key in fill.people
    if fill.kind == "group":
        return bool(person.roles & set(fill.profile_roles))
    if fill.kind == "rota":
        return staff.duty_id is not None and person.id == staff.duty_id
    if fill.kind == "service_staff":
        service = case.service if case is not None else None
        return bool(person.roles & set(fill.profile_roles)) and person.service == service
    if fill.kind == "previous_owner":
        return case is not None and person.id == case.previous_owner_id
    # assignee, requester, reviewer: the person bound to the case
    return case is not None and person.id == case.owner_id


def roles_of(flow: Flow, case: Case | None, person: Member, staff: Staff) -> frozenset[str]:
    """The flow's roles `person` fills for `case` (None: a case not yet opened)."""
    return frozenset(r.key for r in flow.roles if _fills(r, case, person, staff))


def holders(flow: Flow, role_key: str, case: Case, staff: Staff) -> tuple[str, ...]:
    """Who to tell for `role_key`: the case's bound person for a role the case binds (its
    owner, for a service's staff), else everyone who fills it; sorted, no one twice."""
    role = flow.role(role_key)
    if role is None or role_key in flow.excluded_roles:
        return ()
    if role.fill.kind in CASE_BOUND or role.fill.kind == "service_staff":
        return (case.owner_id,) if case.owner_id else ()
    if role.fill.kind == "previous_owner":
        return (case.previous_owner_id,) if case.previous_owner_id else ()
    return tuple(sorted({m.id for m in staff.members if _fills(role, case, m, staff)}))


def owners(flow: Flow, case: Case, staff: Staff) -> tuple[str, ...]:
    """The people who must act next: the holders of the state's owner role (none when ended)."""
    state = flow.state(case.state)
    if state is None or state.terminal or state.owner is None:
        return ()
    return holders(flow, state.owner, case, staff)


def available(flow: Flow, case: Case, person: Member, staff: Staff) -> tuple[Transition, ...]:
    """The steps `person` may take on `case` now, in the definition's order (the card's
    buttons)."""
    mine = roles_of(flow, case, person, staff)
    return tuple(t for t in flow.transitions if case.state in t.sources and mine & set(t.who))


# -- forms and gates ---------------------------------------------------------------------------


def read_form(
    flow: Flow,
    transition: Transition,
    raw: Mapping[str, object],
    choices: Choices,
    staff: Staff,
    case: Case | None = None,
) -> dict[str, str]:
    """The form's answers as text (toggles "true"/"false", dates ISO, choices joined by ","),
    or Refused naming the field to fix. Free text is never read here: a sealed field is the
    caller's to encrypt, and unknown inputs are ignored (Teams adds its own)."""
    values: dict[str, str] = {}
    for f in transition.form:
        if f.type == "text":
            continue
        answer = _answer(flow, f, raw.get(f.key), choices, staff, case)
        if answer is None:
            if f.required:
                raise Refused(f"{f.label}: please answer this.")
            continue
        values[f.key] = answer
    for gate in transition.gates:
        _check_gate(gate, transition, values)
    return values


def _answer(
    flow: Flow,
    f: FormField,
    value: object,
    choices: Choices,
    staff: Staff,
    case: Case | None,
) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str | bool | int | float):
        raise Refused(f"{f.label}: that answer cannot be read; choose again.")
    text = str(value).strip()
    if f.type == "toggle":
        if text.lower() not in ("true", "false"):
            raise Refused(f"{f.label}: tick or untick it.")
        return text.lower()
    if f.type == "date":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise Refused(f"{f.label}: choose a date from the calendar.") from None
    if f.type == "number":
        return _number(f, text)
    if f.type in ("choice", "area_team"):
        return _choice(f, text, choices.options(f))
    if f.type == "person":
        return _person(flow, f, text, staff, case)
    raise Refused(f"{f.label}: this kind of answer is not taken here.")


def _number(f: FormField, text: str) -> str:
    try:
        number = float(text)
    except ValueError:
        raise Refused(f"{f.label}: give a number.") from None
    low = f.minimum if f.minimum is not None else number
    high = f.maximum if f.maximum is not None else number
    if not low <= number <= high:
        raise Refused(f"{f.label}: give a number from {f.minimum:g} to {f.maximum:g}.")
    return f"{number:g}"


def _choice(f: FormField, text: str, options: Sequence[str]) -> str:
    picked = [p.strip() for p in text.split(",")] if f.multiple else [text]
    if any(p not in options for p in picked) or (not f.multiple and len(picked) != 1):
        raise Refused(f"{f.label}: choose from the list.")
    return ",".join(dict.fromkeys(picked))


def _person(flow: Flow, f: FormField, text: str, staff: Staff, case: Case | None) -> str:
    person = staff.by_id(text)
    role = flow.role(f.role) if f.role else None
    if person is None or (role is not None and not _fills_pool(role, case, person, staff)):
        raise Refused(f"{f.label}: choose someone from the list.")
    return person.id


def _fills_pool(role: Role, case: Case | None, person: Member, staff: Staff) -> bool:
    """Whether `person` could hold `role` (for a role the case binds: be bound to it)."""
    fill = role.fill
    if fill.kind in CASE_BOUND:
        return bool(person.roles & set(fill.pool))
    return _fills(role, case, person, staff)


def person_options(flow: Flow, f: FormField, case: Case, staff: Staff) -> tuple[Member, ...]:
    """The people a person field offers, by id (the card shows their names)."""
    role = flow.role(f.role) if f.role else None
    return tuple(m for m in staff.members if role is None or _fills_pool(role, case, m, staff))


def _check_gate(gate: Gate, transition: Transition, values: Mapping[str, str]) -> None:
    label = next((f.label for f in transition.form if f.key == gate.field), gate.field)
    answer = values.get(gate.field)
    if gate.kind == "required":
        if answer not in gate.allowed:
            raise Refused(f"{label}: this must be confirmed before you go on.")
        return
    chosen = [c for c in (answer or "").split(",") if c]
    if len(chosen) < gate.min_selected:
        raise Refused(f"{label}: choose at least {gate.min_selected}.")
    if gate.option is not None and gate.option in chosen and len(chosen) - 1 < gate.others:
        raise Refused(f"{label}: '{gate.option}' needs {gate.others} other item(s) as well.")


# -- steps -------------------------------------------------------------------------------------


def open_case(
    flow: Flow,
    *,
    case_id: str,
    reference: str,
    actor: Member,
    raw: Mapping[str, object],
    choices: Choices,
    staff: Staff,
    now: datetime,
) -> Step:
    """Open a case with the flow's opening form; the person who opens it is bound as its owner
    (the opening's `who` says who may)."""
    now = require_aware(now, "now")
    opening = flow.opening
    service = raw.get(SERVICE_FIELD)
    draft = Case(
        id=case_id,
        flow=flow.key,
        reference=reference,
        state="",
        version=0,
        opened_by=actor.id,
        opened_at=now,
        owner_id=actor.id,
        service=service if isinstance(service, str) else None,
    )
    values = read_form(flow, opening, raw, choices, staff, draft)
    draft = replace(draft, service=values.get(SERVICE_FIELD))
    if not roles_of(flow, draft, actor, staff) & set(opening.who):
        raise Refused(
            f"Only {_who(flow, opening)} can {_lower_first(opening.label or opening.verb)}."
        )
    assert opening.target is not None  # the loader gives the opening a target
    event = Event(1, opening.verb, now, actor.id, opening.target, MappingProxyType(values))
    case = replace(draft, state=opening.target, version=1, events=(event,))
    return Step(case, event, _notices(flow, opening, None, case, staff, actor.id))


def take(
    flow: Flow,
    case: Case,
    verb: str,
    *,
    actor: Member,
    raw: Mapping[str, object],
    choices: Choices,
    staff: Staff,
    now: datetime,
    version: int | None = None,
) -> Step:
    """Take `verb` on `case` as `actor`; Refused says why not. `version` is the one the
    person's card showed: a card overtaken by someone else's step is refused, not replayed."""
    now = require_aware(now, "now")
    if version is not None and version != case.version:
        raise Refused("Someone has changed this case since your card was shown: look again.")
    transition = next(
        (t for t in flow.transitions if t.verb == verb and case.state in t.sources), None
    )
    if transition is None:
        raise Refused("That step is not open for this case any more.")
    if not roles_of(flow, case, actor, staff) & set(transition.who):
        raise Refused(f"Only {_who(flow, transition)} can do that.")
    values = read_form(flow, transition, raw, choices, staff, case)
    return _apply(flow, case, transition, values, actor.id, staff, now)


def _apply(
    flow: Flow,
    case: Case,
    transition: Transition,
    values: Mapping[str, str],
    actor_id: str | None,
    staff: Staff,
    now: datetime,
) -> Step:
    state = transition.target or case.state
    event = Event(
        len(case.events) + 1, transition.verb, now, actor_id, state, MappingProxyType(dict(values))
    )
    after = replace(case, state=state, version=case.version + 1, events=(*case.events, event))
    to = values.get(HAND_TO)
    if to is not None and to != case.owner_id:
        after = replace(after, owner_id=to, previous_owner_id=case.owner_id)
    return Step(after, event, _notices(flow, transition, case, after, staff, actor_id))


def _notices(
    flow: Flow,
    transition: Transition,
    before: Case | None,
    after: Case,
    staff: Staff,
    actor_id: str | None,
) -> tuple[Notice, ...]:
    """The transition's notify effects, then the hand-over notices; the actor is not told
    of their own step, and nobody is told twice."""
    found = _owner_change(flow, before, after, staff, transition.verb)
    for effect in transition.effects:
        if effect.kind != "notify":
            continue
        for role in effect.to:
            for person in holders(flow, role, after, staff):
                found.setdefault(
                    person, Notice(person, role, transition.verb, "step", effect.mention)
                )
    return tuple(n for n in found.values() if n.person_id != actor_id)


def _owner_change(
    flow: Flow, before: Case | None, after: Case, staff: Staff, why: str
) -> dict[str, Notice]:
    """Whoever becomes an owner (@mentioned) and whoever stops being one, when the flow
    notifies on hand-over; by person."""
    found: dict[str, Notice] = {}
    if not flow.notify_on_handover:
        return found
    was = set(owners(flow, before, staff)) if before is not None else set()
    now_owners = owners(flow, after, staff)
    for person in now_owners:
        if person not in was:
            found[person] = Notice(person, "owner", why, "owner", mention=True)
    for person in sorted(was - set(now_owners)):
        found[person] = Notice(person, "previous_owner", why, "released")
    return found


def _who(flow: Flow, transition: Transition) -> str:
    labels = [_lower_first(_role_label(flow, r)) for r in transition.who if r != SYSTEM]
    return " or ".join(labels) or "the system"


def _role_label(flow: Flow, key: str) -> str:
    role = flow.role(key)
    return role.label if role is not None else key


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


# -- tasks and timers --------------------------------------------------------------------------


def tasks(flow: Flow, case: Case, calendar: WorkingCalendar) -> tuple[TaskStatus, ...]:
    """Every task a step started, with its due time and, once done, when and by whom."""
    found: dict[str, TaskStatus] = {}
    for event in case.events:
        transition = _transition_of(flow, event.verb)
        for effect in transition.effects if transition else ():
            task = next((t for t in flow.tasks if t.key == effect.target), None)
            if effect.kind == "start_task" and task is not None:
                found[task.key] = TaskStatus(task.key, task.label, calendar.due(event.at, task.due))
        for key, status in list(found.items()):
            task = next(t for t in flow.tasks if t.key == key)
            if task.done_by == event.verb and status.done_at is None:
                found[key] = replace(status, done_at=event.at, done_by=event.actor_id)
    return tuple(found.values())


def _transition_of(flow: Flow, verb: str) -> Transition | None:
    return next((t for t in flow.all_transitions if t.verb == verb), None)


def _starts(flow: Flow, case: Case) -> dict[str, Start]:
    history = [(e.at, e.state) for e in case.events]
    # conditions (`only_if`) are step up's (domain/timers.py); no other flow has any yet
    return running(flow, case.state, history, case.opened_at, lambda t: t.only_if is None)


def schedule(flow: Flow, case: Case, calendar: WorkingCalendar) -> tuple[Firing, ...]:
    """Every timer running for `case` as it stands, fired or not, by due time."""
    starts = _starts(flow, case)
    found = []
    for timer in flow.timers:
        if timer.key in starts:
            due = timer_due(timer, flow, calendar, starts)
            if due is not None:
                found.append(Firing(due, firing_key(timer, starts[timer.key][1]), timer.key))
    return tuple(sorted(found))


def due_timers(
    flow: Flow, case: Case, calendar: WorkingCalendar, now: datetime
) -> tuple[Firing, ...]:
    """The timers not yet fired whose time has come at `now` (never earlier)."""
    now = require_aware(now, "now")
    return tuple(
        f for f in schedule(flow, case, calendar) if f.at <= now and f.key not in case.fired
    )


def fire(flow: Flow, case: Case, firing: Firing, staff: Staff, now: datetime) -> Step:
    """Record `firing` on the case and say who is told; a `move` fire changes the state as
    the system (and the hand-over notices follow). Firing twice is refused."""
    if firing.key in case.fired:
        raise Refused("That timer has fired already.")
    timer = flow.timer(firing.timer)
    assert timer is not None
    after = replace(case, fired=case.fired | {firing.key})
    notices: dict[str, Notice] = {}
    for fires in timer.fires:
        if fires.kind == "remind_owner":
            for person in owners(flow, case, staff):
                notices.setdefault(person, Notice(person, "owner", timer.key, "reminder"))
        elif fires.kind == "escalate" and fires.role is not None:
            for person in holders(flow, fires.role, case, staff):
                notices.setdefault(
                    person, Notice(person, fires.role, timer.key, "escalation", mention=True)
                )
    moves = [f.state for f in timer.fires if f.kind == "move" and f.state]
    if not moves:  # a reminder or an escalation changes nothing a card shows: no new version
        return Step(after, None, tuple(notices.values()))
    at = require_aware(now)
    event = Event(len(case.events) + 1, f"timer:{timer.key}", at, None, moves[0])
    after = replace(after, state=moves[0], version=case.version + 1, events=(*case.events, event))
    notices.update(_owner_change(flow, case, after, staff, timer.key))
    return Step(after, event, tuple(notices.values()))
