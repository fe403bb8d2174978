"""A process definition as data: roles, states, transitions, timers and tasks of one flow.

Plain frozen dataclasses (the domain stays free of frameworks); `profiles/process_loader.py`
builds them from YAML and `domain/process/checks.py` proves them before the bot may use them.
Nothing here holds family data: forms carry choices, toggles, dates, numbers, people and area
teams; free text only when the field is private and sealed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from domain.calendar import Duration

__all__ = [
    "SYSTEM",
    "Duration",
    "Effect",
    "Fire",
    "Flow",
    "FormField",
    "Gate",
    "Handover",
    "Portion",
    "Process",
    "Role",
    "RoleFill",
    "State",
    "Task",
    "Timer",
    "Transition",
]

# The scheduler and the privacy screen; a built-in role no person holds.
SYSTEM = "system"

FillKind = Literal[
    "people",  # named profile people (keys)
    "group",  # everyone holding a profile role (people list, or its Entra group in production)
    "rota",  # whoever the weekly rota puts on duty
    "assignee",  # the person the case is assigned to, drawn from a pool role
    "requester",  # the person who opened the case, drawn from a pool role
    "reviewer",  # the person named to review a dispute, drawn from a pool role
    "previous_owner",  # whoever owned the case before the last hand-over
    "service_staff",  # holders of a profile role in the case's (receiving) service
]
CASE_BOUND: frozenset[str] = frozenset({"assignee", "requester", "reviewer"})

FieldType = Literal["choice", "toggle", "date", "number", "person", "area_team", "text"]
GateKind = Literal["checklist", "required"]
EffectKind = Literal["notify", "start_timer", "cancel_timer", "start_task", "spawn_flow"]
FireKind = Literal["remind_owner", "escalate", "move"]
Condition = Literal["urgent", "review_level_1", "review_level_2", "checklist_missing"]


@dataclass(frozen=True)
class RoleFill:
    """How a role is filled with people."""

    kind: FillKind
    people: tuple[str, ...] = ()  # kind "people": profile keys
    profile_roles: tuple[str, ...] = ()  # kinds "group" and "service_staff": any of these
    pool: tuple[str, ...] = ()  # case-bound kinds: the roles whose members may hold it


@dataclass(frozen=True)
class Role:
    """A part people play in the flow; `reports_to` is the hierarchy escalations climb."""

    key: str
    label: str
    fill: RoleFill
    reports_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class State:
    """Where a case is; its owner is the role that must act next."""

    key: str
    label: str
    owner: str | None = None
    terminal: bool = False


@dataclass(frozen=True)
class FormField:
    """One input a transition asks for; never free text unless private and sealed."""

    key: str
    type: FieldType
    label: str
    required: bool = True
    options: tuple[str, ...] = ()  # choice: literal options...
    options_from: str | None = None  # ...or a profile list ("indicators", "services")
    multiple: bool = False  # choice: several may be chosen
    minimum: float | None = None  # number
    maximum: float | None = None  # number
    role: str | None = None  # person: the role the person must hold
    private: bool = False  # text: asked for in a private chat, never in the channel
    sealed: bool = False  # text: stored encrypted, shown only to the case's parties


@dataclass(frozen=True)
class Gate:
    """A rule a transition's form must pass.

    checklist: at least `min_selected` options of `field`; choosing `option` needs at least
    `others` more (Surrey: "could reduce the child's safety" needs one other Level 4 indicator).
    required: `field` must take one of `allowed` (e.g. consent given or not safe to ask).
    """

    kind: GateKind
    field: str
    min_selected: int = 1
    option: str | None = None
    others: int = 0
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Effect:
    """What a transition sets off."""

    kind: EffectKind
    to: tuple[str, ...] = ()  # notify: role keys
    mention: bool = False  # notify: @mention on the card as well as privately
    target: str | None = None  # the timer, task or flow key


@dataclass(frozen=True)
class Transition:
    """A verb: from one of `sources` to `target` (None keeps the state), by one of `who`."""

    verb: str
    sources: tuple[str, ...]
    target: str | None
    who: tuple[str, ...]
    label: str = ""
    form: tuple[FormField, ...] = ()
    gates: tuple[Gate, ...] = ()
    effects: tuple[Effect, ...] = ()


@dataclass(frozen=True)
class Portion:
    """A share of another timer's window, e.g. a reminder at 75 % of the call-back window."""

    of: str
    percent: int


@dataclass(frozen=True)
class Fire:
    """What a timer does when it falls due."""

    kind: FireKind
    role: str | None = None  # escalate: who is told
    state: str | None = None  # move: where the case goes


@dataclass(frozen=True)
class Timer:
    """A deadline that runs while the case is in one of `while_in`.

    It starts when the case enters `while_in` from outside (`on_entry`), or when a transition's
    start_timer effect (or the opening transition) starts it; it stops when the case leaves
    `while_in` or a cancel_timer effect stops it. `only_if` narrows it to some cases, so the
    proofs never count a narrowed timer.
    """

    key: str
    after: Duration | Portion
    while_in: tuple[str, ...]
    fires: tuple[Fire, ...]
    on_entry: bool = False
    only_if: Condition | None = None


@dataclass(frozen=True)
class Task:
    """Something a role must do by a time; the bot records that it was done, never its content."""

    key: str
    label: str
    owner: str
    due: Duration
    done_by: str  # the verb that records it done


@dataclass(frozen=True)
class Handover:
    """What the weekly rota hand-over does to open cases.

    Cases in `move_in` go to `to` (the incoming duty role); cases in `keep_in` stay with their
    assignee; `notify` is told either way.
    """

    move_in: tuple[str, ...]
    keep_in: tuple[str, ...]
    to: str
    notify: tuple[str, ...]


@dataclass(frozen=True)
class Flow:
    """One process a council runs (step up, step down), opened by `opening`."""

    key: str
    label: str
    initial: str
    opening: Transition
    roles: tuple[Role, ...]
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    timers: tuple[Timer, ...] = ()
    tasks: tuple[Task, ...] = ()
    max_unseen: Duration = Duration("working_days", 2)
    """The longest a case may sit in a state before someone above its owner is told."""
    handover: Handover | None = None
    excluded_roles: tuple[str, ...] = ()
    """Roles that may never own, be told about or be escalated to in this flow."""
    notify_on_handover: bool = True
    """Whoever becomes the owner, and whoever stops being it, is @mentioned and told."""

    def role(self, key: str) -> Role | None:
        return next((r for r in self.roles if r.key == key), None)

    def state(self, key: str) -> State | None:
        return next((s for s in self.states if s.key == key), None)

    def timer(self, key: str) -> Timer | None:
        return next((t for t in self.timers if t.key == key), None)

    @property
    def all_transitions(self) -> tuple[Transition, ...]:
        return (self.opening, *self.transitions)


@dataclass(frozen=True)
class Process:
    """A council's flows, by key."""

    flows: tuple[Flow, ...] = field(default_factory=tuple)

    def flow(self, key: str) -> Flow | None:
        return next((f for f in self.flows if f.key == key), None)
