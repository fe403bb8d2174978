"""Cases of the flows defined only in the profile (Surrey's step down first), end to end.

The engine (domain/process/engine.py) decides; this service reads the case, asks it, writes
the new case and the messages it owes in one transaction: a notice is an outbox row (ids and
a kind), rendered and sent by the scheduler's dispatch like every other message, retried on a
connector error, once by the outbox's unique key. A timer fires once by its firing row.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.calendar import WorkingCalendar
from domain.process.engine import (
    Case,
    Choices,
    Member,
    Notice,
    Refused,
    Staff,
    due_timers,
    fire,
    open_case,
    roles_of,
    take,
)
from domain.process.model import Flow, Process
from services.clock import Clock
from services.directory import Directory, StaffPerson
from services.ports import ConcurrentUpdateError

log = logging.getLogger(__name__)

__all__ = ["FlowCaseService", "Refused"]

FLOW_NOTICE_PREFIX = "flow_"
# The reference prefix of each flow's cases; a flow not named here uses its key's initials.
PREFIXES: Mapping[str, str] = {"step_down": "SD"}


def notice_kind(notice: Notice) -> str:
    """The outbox kind of a case notice: "flow_owner", "flow_reminder"..."""
    return FLOW_NOTICE_PREFIX + notice.kind


class FlowCaseStore(Protocol):
    async def next_reference(self, flow: str, prefix: str, year: int) -> str: ...
    async def add(self, case: Case, *, terminal: bool = False) -> None: ...
    async def save(self, case: Case, *, read_version: int, terminal: bool) -> None: ...
    async def get(self, case_id: str, *, for_update: bool = False) -> Case | None: ...
    async def open_ids(self, flows: list[str]) -> list[str]: ...
    async def record_firing(
        self, case_id: str, key: str, *, due_at: datetime, at: datetime
    ) -> bool: ...


class CaseOutbox(Protocol):
    async def enqueue_case(
        self, case_id: str, key: str, notices: list[tuple[str, str]], *, at: datetime
    ) -> None: ...


class FlowUnitOfWork(Protocol):
    @property
    def flow_cases(self) -> FlowCaseStore: ...

    @property
    def outbox(self) -> CaseOutbox: ...

    async def __aenter__(self) -> FlowUnitOfWork: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class FlowUnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> FlowUnitOfWork: ...


class FlowCaseService:
    """Open, step and time cases of the profile's flows (all but step up, which has its own)."""

    def __init__(
        self,
        uow: FlowUnitOfWorkFactory,
        directory: Directory,
        clock: Clock,
        calendar: WorkingCalendar,
        process: Process,
        *,
        choices: Choices,
        profile_keys: Mapping[str, str],
        service_names: Mapping[str, str],
    ) -> None:
        self._uow = uow
        self._directory = directory
        self._clock = clock
        self._calendar = calendar
        self._flows = {f.key: f for f in process.flows if f.key != "step_up"}
        self._choices = choices
        self._keys = profile_keys  # directory id -> profile person key
        self._services = service_names  # profile service key -> its name

    def flow(self, key: str) -> Flow | None:
        return self._flows.get(key)

    @property
    def choices(self) -> Choices:
        return self._choices

    @property
    def calendar(self) -> WorkingCalendar:
        return self._calendar

    def member(self, person: StaffPerson) -> Member:
        """A person as the flows see them (profile roles, key and service name)."""
        return Member(
            id=person.id,
            roles=frozenset(r.value for r in person.roles),
            key=self._keys.get(person.id),
            service=self._services.get(person.service or "", person.service),
        )

    async def staff(self) -> Staff:
        """Everyone in the directory, for role checks and whom to tell."""
        return self.staff_of(await self._directory.everyone())

    def staff_of(self, people: Sequence[StaffPerson]) -> Staff:
        """These people as the flows see them."""
        return Staff(tuple(self.member(p) for p in people))

    def may_open(self, flow: Flow, person: StaffPerson) -> bool:
        """Whether `person` could open a case of `flow` for their own service."""
        me = self.member(person)
        draft = Case("", flow.key, "", "", 0, me.id, self._clock.now(), me.id, service=me.service)
        return bool(roles_of(flow, draft, me, Staff((me,))) & set(flow.opening.who))

    async def open(self, flow_key: str, person: StaffPerson, raw: Mapping[str, object]) -> Case:
        """Open a case with the opening form's answers; Refused says what to fix."""
        flow = self._require(flow_key)
        staff, now = await self.staff(), self._clock.now()
        async with self._uow() as uow:
            prefix = PREFIXES.get(flow.key) or "".join(w[0] for w in flow.key.split("_")).upper()
            local_year = now.astimezone(ZoneInfo(self._calendar.timezone)).year
            step = open_case(
                flow,
                case_id=uuid.uuid4().hex,
                reference=await uow.flow_cases.next_reference(flow.key, prefix, local_year),
                actor=self.member(person),
                raw=raw,
                choices=self._choices,
                staff=staff,
                now=now,
            )
            await uow.flow_cases.add(step.case)
            await _enqueue(uow, step.case.id, f"v{step.case.version}", step.notices, now)
        log.info("flow.opened", extra={"flow": flow.key, "case_id": step.case.id})
        return step.case

    async def take(
        self,
        case_id: str,
        verb: str,
        person: StaffPerson,
        raw: Mapping[str, object],
        *,
        version: int | None,
    ) -> Case:
        """Take `verb` on the case as `person`; Refused (or a lost race) says why not."""
        staff, now = await self.staff(), self._clock.now()
        async with self._uow() as uow:
            case = await uow.flow_cases.get(case_id, for_update=True)
            if case is None:
                raise Refused("This case is not known here.")
            flow = self._require(case.flow)
            step = take(
                flow,
                case,
                verb,
                actor=self.member(person),
                raw=raw,
                choices=self._choices,
                staff=staff,
                now=now,
                version=version,
            )
            try:
                await uow.flow_cases.save(
                    step.case, read_version=case.version, terminal=_ended(flow, step.case)
                )
            except ConcurrentUpdateError:
                raise Refused("Someone changed this case at the same moment: look again.") from None
            await _enqueue(uow, step.case.id, f"v{step.case.version}", step.notices, now)
        log.info("flow.step", extra={"flow": flow.key, "case_id": case_id, "verb": verb})
        return step.case

    async def get(self, case_id: str) -> tuple[Case, Flow] | None:
        """The case and its flow (None when unknown, or its flow is no longer loaded)."""
        async with self._uow(read_only=True) as uow:
            case = await uow.flow_cases.get(case_id)
        flow = self._flows.get(case.flow) if case is not None else None
        return (case, flow) if case is not None and flow is not None else None

    async def fire_due(self) -> int:
        """Fire every timer due now on every open case, each once; how many fired."""
        if not self._flows:
            return 0
        now = self._clock.now()
        async with self._uow(read_only=True) as uow:
            ids = await uow.flow_cases.open_ids(sorted(self._flows))
        if not ids:
            return 0
        staff = await self.staff()
        fired = 0
        for case_id in ids:
            try:
                fired += await self._fire_one(case_id, staff, now)
            except ConcurrentUpdateError:
                log.info("flow.timer_busy", extra={"case_id": case_id})  # the next tick looks
        return fired

    async def _fire_one(self, case_id: str, staff: Staff, now: datetime) -> int:
        fired = 0
        async with self._uow() as uow:
            case = await uow.flow_cases.get(case_id, for_update=True)
            flow = self._flows.get(case.flow) if case is not None else None
            if case is None or flow is None:
                return 0
            read_version = case.version
            for firing in due_timers(flow, case, self._calendar, now):
                if not await uow.flow_cases.record_firing(
                    case.id, firing.key, due_at=firing.at, at=now
                ):
                    continue  # another instance fired it first
                step = fire(flow, case, firing, staff, now)
                case = step.case
                await _enqueue(uow, case.id, firing.key, step.notices, now)
                fired += 1
                log.info("flow.timer", extra={"case_id": case.id, "timer": firing.timer})
            if case.version != read_version:  # a timer moved the case
                await uow.flow_cases.save(
                    case, read_version=read_version, terminal=_ended(flow, case)
                )
        return fired

    def _require(self, flow_key: str) -> Flow:
        flow = self._flows.get(flow_key)
        if flow is None:
            raise Refused("That process is not run here.")
        return flow


def _ended(flow: Flow, case: Case) -> bool:
    state = flow.state(case.state)
    return state is not None and state.terminal


async def _enqueue(
    uow: FlowUnitOfWork, case_id: str, key: str, notices: tuple[Notice, ...], now: datetime
) -> None:
    """The notices of a step (keyed by the version it made) or a firing (by its once-only
    key), so a retried step or firing sends no second set."""
    rows = [(notice_kind(n), n.person_id) for n in notices]
    if rows:
        await uow.outbox.enqueue_case(case_id, key, rows, at=now)
