"""Load process definitions (issue 15) from YAML: pydantic for the shape, then the proofs.

One file per flow (`profiles/processes/*.yaml`). Every problem is reported as "line N: where:
what", like `profiles/loader.py`: shape errors at the node pydantic names, proof failures at
the state, role, timer, task or transition the proof names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from domain.calendar import TIME_UNITS, Duration, TimeUnit
from domain.process import model as m
from domain.process.checks import Directory, Problem, check_process
from profiles.loader import _line_of, validation_problems
from profiles.schema import Profile

__all__ = ["ProcessError", "council_process", "directory_of", "load_flows", "parse_flow"]

PROCESSES = Path(__file__).resolve().parent / "processes"
_DURATION = re.compile(
    r"^\s*(?:(?P<amount>\d+)\s+)?(?P<unit>[a-z_]+)(?P<opening>\s+from\s+next\s+opening)?\s*$"
)
_PORTION = re.compile(r"^\s*(?P<percent>\d+)\s*%\s+of\s+(?P<of>[a-z][a-z0-9_]*)\s*$")


class ProcessError(Exception):
    """A process definition cannot be used; `problems` lists "line N: where: what" strings."""

    def __init__(self, path: Path, problems: Sequence[str]) -> None:
        self.path = path
        self.problems = tuple(problems)
        super().__init__(f"{path}: " + "; ".join(self.problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def parse_duration(text: str) -> Duration:
    """ "60 working_minutes", "end_of_working_day", "24 clock_hours from next opening"."""
    match = _DURATION.match(str(text))
    if match is None or match["unit"] not in TIME_UNITS:
        units = ", ".join(sorted(TIME_UNITS))
        raise ValueError(f"{text!r} is not a duration (a whole number and one of {units})")
    unit: TimeUnit = match["unit"]  # type: ignore[assignment]
    if match["amount"] is None and unit != "end_of_working_day":
        raise ValueError(f"{text!r} needs an amount")
    amount = int(match["amount"]) if match["amount"] is not None else 1
    return Duration(unit, amount, from_next_opening=match["opening"] is not None)


class _Role(_Strict):
    label: str
    kind: m.FillKind
    people: tuple[str, ...] = ()
    profile_roles: tuple[str, ...] = ()
    pool: tuple[str, ...] = ()
    reports_to: tuple[str, ...] = ()


class _State(_Strict):
    label: str
    owner: str | None = None
    terminal: bool = False


class _Field(_Strict):
    type: m.FieldType
    label: str
    required: bool = True
    options: tuple[str, ...] = ()
    options_from: str | None = None
    multiple: bool = False
    minimum: float | None = None
    maximum: float | None = None
    role: str | None = None
    private: bool = False
    sealed: bool = False


class _Gate(_Strict):
    kind: m.GateKind
    field: str
    min_selected: int = 1
    option: str | None = None
    others: int = 0
    allowed: tuple[str, ...] = ()


class _Effect(_Strict):
    notify: tuple[str, ...] | None = None
    mention: bool = False
    start_timer: str | None = None
    cancel_timer: str | None = None
    start_task: str | None = None
    spawn_flow: str | None = None

    @model_validator(mode="after")
    def _one(self) -> _Effect:
        kinds = [k for k in _EFFECT_KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"an effect is exactly one of {', '.join(_EFFECT_KINDS)}")
        if self.mention and kinds != ["notify"]:
            raise ValueError("only notify takes mention")
        return self

    def build(self) -> m.Effect:
        if self.notify is not None:
            return m.Effect("notify", to=self.notify, mention=self.mention)
        kind = next(k for k in _EFFECT_KINDS if getattr(self, k) is not None)
        return m.Effect(kind, target=getattr(self, kind))  # type: ignore[arg-type]


_EFFECT_KINDS = ("notify", "start_timer", "cancel_timer", "start_task", "spawn_flow")


class _Transition(_Strict):
    verb: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")
    sources: tuple[str, ...] = Field((), alias="from")
    to: str | None = None
    who: tuple[str, ...]
    label: str = ""
    form: dict[str, _Field] = Field(default_factory=dict)
    gates: tuple[_Gate, ...] = ()
    effects: tuple[_Effect, ...] = ()

    @field_validator("sources", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    def build(self) -> m.Transition:
        return m.Transition(
            verb=self.verb,
            sources=self.sources,
            target=self.to,
            who=self.who,
            label=self.label,
            form=tuple(m.FormField(key=k, **f.model_dump()) for k, f in self.form.items()),
            gates=tuple(m.Gate(**g.model_dump()) for g in self.gates),
            effects=tuple(e.build() for e in self.effects),
        )


class _Fire(_Strict):
    remind_owner: Literal[True] | None = None
    escalate: str | None = None
    move: str | None = None

    @model_validator(mode="after")
    def _one(self) -> _Fire:
        if sum(v is not None for v in (self.remind_owner, self.escalate, self.move)) != 1:
            raise ValueError("a timer fires exactly one of remind_owner, escalate, move")
        return self

    def build(self) -> m.Fire:
        if self.escalate is not None:
            return m.Fire("escalate", role=self.escalate)
        if self.move is not None:
            return m.Fire("move", state=self.move)
        return m.Fire("remind_owner")


class _Timer(_Strict):
    after: str
    while_in: tuple[str, ...]
    fires: tuple[_Fire, ...]
    on_entry: bool = False
    only_if: m.Condition | None = None

    @field_validator("after")
    @classmethod
    def _duration(cls, value: str) -> str:
        if not _PORTION.match(value):
            parse_duration(value)
        return value

    def build(self, key: str) -> m.Timer:
        portion = _PORTION.match(self.after)
        after: Duration | m.Portion = (
            m.Portion(of=portion["of"], percent=int(portion["percent"]))
            if portion
            else parse_duration(self.after)
        )
        return m.Timer(
            key=key,
            after=after,
            while_in=self.while_in,
            fires=tuple(f.build() for f in self.fires),
            on_entry=self.on_entry,
            only_if=self.only_if,
        )


class _Task(_Strict):
    label: str
    owner: str
    due: str
    done_by: str

    @field_validator("due")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value


class _Handover(_Strict):
    move_in: tuple[str, ...]
    keep_in: tuple[str, ...] = ()
    to: str
    notify: tuple[str, ...] = ()


class _Flow(_Strict):
    flow: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")
    label: str
    initial: str
    max_unseen: str = "2 working_days"
    opening: _Transition
    roles: dict[str, _Role]
    states: dict[str, _State]
    transitions: tuple[_Transition, ...]
    timers: dict[str, _Timer] = Field(default_factory=dict)
    tasks: dict[str, _Task] = Field(default_factory=dict)
    handover: _Handover | None = None
    excluded_roles: tuple[str, ...] = ()
    notify_on_handover: bool = True

    @field_validator("max_unseen")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    def build(self) -> m.Flow:
        return m.Flow(
            key=self.flow,
            label=self.label,
            initial=self.initial,
            opening=self.opening.build(),
            roles=tuple(
                m.Role(
                    key=k,
                    label=r.label,
                    fill=m.RoleFill(r.kind, r.people, r.profile_roles, r.pool),
                    reports_to=r.reports_to,
                )
                for k, r in self.roles.items()
            ),
            states=tuple(m.State(k, s.label, s.owner, s.terminal) for k, s in self.states.items()),
            transitions=tuple(t.build() for t in self.transitions),
            timers=tuple(t.build(k) for k, t in self.timers.items()),
            tasks=tuple(
                m.Task(k, t.label, t.owner, parse_duration(t.due), t.done_by)
                for k, t in self.tasks.items()
            ),
            max_unseen=parse_duration(self.max_unseen),
            handover=m.Handover(**self.handover.model_dump()) if self.handover else None,
            excluded_roles=self.excluded_roles,
            notify_on_handover=self.notify_on_handover,
        )


def directory_of(profile: Profile) -> Directory:
    """What a council profile offers the proofs: people, roles, the rota and its lists."""
    wh = profile.working_hours
    day_minutes = (wh.end.hour * 60 + wh.end.minute) - (wh.start.hour * 60 + wh.start.minute)
    area_teams = {s.area_team for s in profile.services if s.area_team}
    area_teams |= {t.name for t in profile.contacts.assessment_teams}
    return Directory(
        people={p.key: frozenset(r.value for r in p.roles) for p in profile.people},
        services={p.key: p.service for p in profile.people},
        rota=profile.rota.rotation,
        group_roles=frozenset(r.value for r in profile.graph.role_groups),
        lists={
            "indicators": profile.indicators,
            "services": tuple(s.name for s in profile.services),
            "area_teams": tuple(sorted(area_teams)),
        },
        day_minutes=day_minutes,
    )


def parse_flow(text: str, path: Path = Path("<process>")) -> tuple[m.Flow, yaml.Node | None]:
    """Validate YAML text as one flow's shape (the proofs run in `load_flows`)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise ProcessError(
            path, [f"{where}{getattr(exc, 'problem', None) or 'not YAML'}"]
        ) from None
    if not isinstance(data, dict):
        raise ProcessError(path, ["line 1: a flow must be a mapping"])
    try:
        return _Flow.model_validate(data).build(), node
    except ValidationError as exc:
        raise ProcessError(path, validation_problems(exc, node, "flow")) from None
    except (ValueError, TypeError) as exc:  # a dataclass refusing a value pydantic let by
        raise ProcessError(path, [f"line 1: {exc}"]) from None


def load_flows(paths: Iterable[Path], profile: Profile) -> m.Process:
    """Read every flow, prove them together against the profile, or raise ProcessError."""
    parsed: list[tuple[Path, m.Flow, yaml.Node | None]] = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ProcessError(path, [f"cannot read the file ({exc.strerror})"]) from None
        flow, node = parse_flow(text, path)
        parsed.append((path, flow, node))
    process = m.Process(tuple(flow for _, flow, _ in parsed))
    problems = check_process(process, directory_of(profile))
    if problems:
        by_flow = {flow.key: (path, flow, node) for path, flow, node in parsed}
        several = len(parsed) > 1
        lines, at_fault = [], []
        for problem in problems:
            key = problem.where.removeprefix("flow ").split(":", 1)[0]
            path, flow, node = by_flow.get(key, parsed[0])
            line = f"line {_line_of(node, _path_of(problem, flow))}: {problem}"
            lines.append(f"{path.name}: {line}" if several else line)
            at_fault.append(path)
        raise ProcessError(at_fault[0], lines)
    return process


def _path_of(problem: Problem, flow: m.Flow) -> tuple[object, ...]:
    """The YAML path of the part a proof names ("state x", "transition v: ...", "handover")."""
    part = problem.where.split(": ", 2)[1] if ": " in problem.where else ""
    kind, _, key = part.partition(" ")
    sections: Mapping[str, str] = {"state": "states", "role": "roles", "timer": "timers"}
    if kind in sections:
        return (sections[kind], key)
    if kind == "task":
        return ("tasks", key)
    if kind == "transition":
        if key == flow.opening.verb:
            return ("opening",)
        index = next((i for i, t in enumerate(flow.transitions) if t.verb == key), None)
        return ("transitions", index) if index is not None else ("transitions",)
    return (kind,) if kind else ()


_PROVED: dict[str, m.Process] = {}


def council_process(profile: Profile) -> m.Process:
    """The flows in PROCESSES proved against `profile`, once per profile content (the proofs
    take ~0.1 s, and a test suite builds the app hundreds of times); raises ProcessError."""
    key = profile.model_dump_json()
    if key not in _PROVED:
        _PROVED[key] = load_flows(sorted(PROCESSES.glob("*.yaml")), profile)
    return _PROVED[key]
