"""Escalate what is due: claim, record and enqueue in one transaction; then deliver the outbox.

Recording happens before sending, in the database, so a restart, a retry or a second instance
never sends an escalation twice and never skips one. Delivery is at least once per outbox row:
a message is re-sent only if the process dies between the send and marking it sent.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from domain import timers
from domain.consultation import Consultation
from domain.errors import DomainError
from domain.escalation import Due, EscalationTimescales, Notice, due_now, notices
from domain.process.model import Flow
from domain.roles import Role
from domain.timer_plan import LEGACY_TIMERS, People, plan
from services.clock import Clock
from services.directory import Directory
from services.outbox_holds import HeldMessages
from services.pacing import OUTBOX_WAIT_SECONDS, Throttled, patience
from services.ports import (
    ConcurrentUpdateError,
    EscalationUnitOfWork,
    EscalationUnitOfWorkFactory,
    Notifier,
    OutboxMessage,
    PendingMessage,
)

log = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(minutes=15)
# The lease outlives any send (SEND_TIMEOUT), so only a dead sender's messages are re-claimed.
LEASE = timedelta(minutes=2)
SEND_TIMEOUT_SECONDS = 30.0
CANDIDATE_LIMIT = 500
CLAIM_BATCH = 50
MAX_BATCHES_PER_TICK = 20
# Stored as a case's next timer when none is running: only a save (which clears it) can start one.
NO_TIMER = datetime(9000, 1, 1, tzinfo=UTC)


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after `attempts` failures: 30 s doubling, capped at 15 min."""
    if attempts < 1:
        return timedelta(0)
    return min(BACKOFF_CAP, BACKOFF_BASE * (1 << min(attempts - 1, 16)))


@dataclass(frozen=True)
class TickReport:
    """What one tick did."""

    recorded: int
    sent: int
    failed: int


@dataclass(frozen=True)
class _People:
    map_managers: tuple[str, ...]
    service_managers: tuple[str, ...]


class EscalationService:
    """Records due escalations once and delivers their messages through the outbox."""

    def __init__(
        self,
        uow: EscalationUnitOfWorkFactory,
        directory: Directory,
        clock: Clock,
        rules: EscalationTimescales,
        notifier: Notifier,
        *,
        lease: timedelta = LEASE,
        send_timeout: float = SEND_TIMEOUT_SECONDS,
        flow: Flow | None = None,
        holds: HeldMessages | None = None,
    ) -> None:
        if lease.total_seconds() <= send_timeout:
            raise ValueError("the lease must outlast a send, or a slow send is claimed twice")
        self._uow = uow
        self._directory = directory
        self._clock = clock
        self._rules = rules
        self._notifier = notifier
        self._lease = lease
        self._send_timeout = send_timeout
        self._flow = flow
        self._holds = holds

    async def tick(self) -> TickReport:
        """Escalate whatever is due, then deliver whatever is waiting."""
        recorded = await self.escalate_due()
        sent, failed = await self.dispatch()
        return TickReport(recorded, sent, failed)

    async def escalate_due(self) -> int:
        """Record every escalation and flow timer due now, with its messages; how many."""
        recorded = await self._escalate_legacy()
        if self._flow is not None:
            recorded += await self._fire_timers(self._flow)
        return recorded

    async def forget_timer_times(self) -> None:
        """At start-up: work every open case's next timer out again (the flow may differ)."""
        if self._flow is None:
            return
        async with self._uow() as uow:
            await uow.escalations.forget_timer_times()

    async def _escalate_legacy(self) -> int:
        """The four escalations of domain.escalation (their texts and recipients)."""
        now = self._clock.now()
        # Working minutes never pass faster than clock minutes: a safe, cheap pre-filter.
        urgent_cutoff = now - timedelta(minutes=self._rules.urgent_ack_working_minutes)
        async with self._uow() as uow:
            ids = await uow.escalations.candidates(
                now, urgent_posted_before=urgent_cutoff, limit=CANDIDATE_LIMIT
            )
        if not ids:
            return 0
        people = await self._people()
        total = 0
        for consultation_id in ids:
            try:
                total += await self._escalate_one(consultation_id, now, people)
            except ConcurrentUpdateError:
                # Someone changed it under us (SQLite has no row lock): the next tick looks again.
                log.info("escalation.busy", extra={"consultation_id": consultation_id})
        return total

    async def dispatch(self) -> tuple[int, int]:
        """Deliver due outbox messages under a lease; returns (sent, failed)."""
        sent = failed = 0
        for _ in range(MAX_BATCHES_PER_TICK):
            now = self._clock.now()
            token = uuid.uuid4().hex
            held = self._holds.held_ids() if self._holds is not None else []
            async with self._uow() as uow:
                batch = await uow.outbox.claim(
                    now=now, until=now + self._lease, token=token, limit=CLAIM_BATCH, skip=held
                )
            progress = False
            still_held: list[int] = []
            for message in batch:
                if self._holds is not None and self._holds.held(message.id):
                    # Its conversation's slot went to an earlier message of this batch.
                    still_held.append(message.id)
                    continue
                outcome = await self._deliver(message, token)
                if outcome is True:
                    sent += 1
                elif outcome is False:
                    failed += 1  # None: held back by Teams' rate limits, not a failure
                progress = progress or outcome is not None
            if still_held:
                async with self._uow() as uow:
                    await uow.outbox.release(still_held, token=token)
            # A batch only throttled is due again at once: claiming it again now would spin.
            if len(batch) < CLAIM_BATCH or not progress:
                break
        return sent, failed

    async def pending(self) -> list[PendingMessage]:
        """Messages not yet delivered, with their last error class and next attempt."""
        async with self._uow() as uow:
            return await uow.outbox.pending()

    # --- helpers ------------------------------------------------------------------------------

    async def _fire_timers(self, flow: Flow) -> int:
        now = self._clock.now()
        async with self._uow() as uow:
            ids = await uow.escalations.timer_candidates(now, limit=CANDIDATE_LIMIT)
        if not ids:
            return 0
        groups = await self._groups(flow)
        total = 0
        for consultation_id in ids:
            try:
                total += await self._fire_one(consultation_id, flow, groups, now)
            except ConcurrentUpdateError:
                log.info("timer.busy", extra={"consultation_id": consultation_id})
        return total

    async def _fire_one(
        self, consultation_id: str, flow: Flow, groups: dict[str, tuple[str, ...]], now: datetime
    ) -> int:
        calendar = self._rules.calendar
        fired: list[tuple[timers.Firing, list[tuple[str, str]]]] = []
        async with self._uow() as uow:
            if not await uow.escalations.lock(consultation_id):
                return 0
            c = await uow.consultations.get(consultation_id)
            if c is None:
                return 0
            read_version = c.version
            for firing in timers.due_now(c, flow, calendar, now, stored=timers.stored_deadlines(c)):
                timer = flow.timer(firing.timer)
                if firing.timer in LEGACY_TIMERS or timer is None:
                    continue
                try:
                    c.record_timer(firing.key, timer, at=now, data={"due_at": _iso(firing.at)})
                except DomainError as refused:
                    log.info(
                        "timer.skipped",
                        extra={
                            "consultation_id": consultation_id,
                            "key": firing.timer,
                            "error_code": refused.code,
                        },
                    )
                    continue
                found = plan(c, timer, flow, _people(flow, c, groups))
                if found.move_to is not None:
                    _move(c, found.move_to, now)
                fired.append((firing, plan_rows(found.notices)))
            if fired:
                await uow.consultations.save(c, read_version=read_version)
                for firing, rows in fired:
                    await uow.escalations.record(
                        consultation_id, firing.key, due_at=firing.at, at=now
                    )
                    await uow.outbox.enqueue(consultation_id, firing.key, rows, at=now)
            await uow.escalations.set_timer_due(
                consultation_id, _next_timer(c, flow, self._rules, now), version=c.version
            )
        for firing, _ in fired:
            log.info(
                "timer.recorded", extra={"consultation_id": consultation_id, "key": firing.timer}
            )
        return len(fired)

    async def _groups(self, flow: Flow) -> dict[str, tuple[str, ...]]:
        """The people of each group role of the flow, looked up once per tick."""
        found: dict[str, tuple[str, ...]] = {}
        for role in flow.roles:
            if role.fill.kind != "group":
                continue
            ids: list[str] = []
            for name in role.fill.profile_roles:
                ids += [p.id for p in await self._directory.with_role(Role(name))]
            found[role.key] = tuple(dict.fromkeys(ids))
        return found

    async def _escalate_one(self, consultation_id: str, now: datetime, people: _People) -> int:
        recorded: list[Due] = []
        async with self._uow() as uow:
            if not await uow.escalations.lock(consultation_id):
                return 0  # another instance holds it and is recording it right now
            consultation = await uow.consultations.get(consultation_id)
            if consultation is None:
                return 0
            read_version = consultation.version
            for due in due_now(consultation, self._rules, now):
                try:
                    consultation.record_escalation(due.key, at=now, data={"due_at": _iso(due.at)})
                except DomainError as refused:
                    log.info(
                        "escalation.skipped",
                        extra={
                            "consultation_id": consultation_id,
                            "key": due.key.value,
                            "error_code": refused.code,
                        },
                    )
                    continue
                recorded.append(due)
            if not recorded:
                return 0
            await uow.consultations.save(consultation, read_version=read_version)
            for due in recorded:
                plan = notices(
                    consultation,
                    due.key,
                    map_managers=people.map_managers,
                    service_managers=people.service_managers,
                )
                await self._enqueue(uow, consultation_id, due, plan_rows(plan), now)
        for due in recorded:
            log.info(
                "escalation.recorded",
                extra={"consultation_id": consultation_id, "key": due.key.value},
            )
        return len(recorded)

    async def _enqueue(
        self,
        uow: EscalationUnitOfWork,
        consultation_id: str,
        due: Due,
        rows: list[tuple[str, str]],
        now: datetime,
    ) -> None:
        await uow.escalations.record(consultation_id, due.key.value, due_at=due.at, at=now)
        await uow.outbox.enqueue(consultation_id, due.key.value, rows, at=now)

    async def _deliver(self, message: OutboxMessage, token: str) -> bool | None:
        """Sent (True), failed (False, counted) or throttled (None: due again when Teams'
        limits allow, its attempts untouched)."""
        ids = {"consultation_id": message.consultation_id, "key": message.key}
        try:
            # A send whose slot is more than a second away is handed back, not slept on.
            with patience(OUTBOX_WAIT_SECONDS):
                async with asyncio.timeout(self._send_timeout):
                    await self._notifier.deliver(message)
        except Throttled as throttled:
            # Due again at once, uncounted: the pacer holds it back until its slot (and wakes
            # the scheduler then), whatever the dev clock says; until then this process does
            # not claim it again (nor load and draw it for nothing).
            if self._holds is not None and throttled.conversation is not None:
                self._holds.hold(message.id, throttled.conversation)
            async with self._uow() as uow:
                await uow.outbox.mark_failed(
                    message.id,
                    token=token,
                    next_attempt_at=self._clock.now(),
                    error=type(throttled).__name__,
                    counted=False,
                )
            log.info("outbox.throttled", extra=ids)
            return None
        except Exception as exc:  # noqa: BLE001 - any failure is a failed attempt, retried
            self._forget_hold(message.id)
            attempt = message.attempts + 1
            error = type(exc).__name__
            async with self._uow() as uow:
                await uow.outbox.mark_failed(
                    message.id,
                    token=token,
                    next_attempt_at=self._clock.now() + backoff(attempt),
                    error=error,
                )
            log.warning("outbox.failed", extra={**ids, "attempt": attempt, "error_type": error})
            return False
        self._forget_hold(message.id)
        async with self._uow() as uow:
            await uow.outbox.mark_sent(message.id, at=self._clock.now())
        log.info("outbox.sent", extra={**ids, "attempt": message.attempts + 1})
        return True

    def _forget_hold(self, message_id: int) -> None:
        if self._holds is not None:
            self._holds.forget(message_id)

    async def _people(self) -> _People:
        # Looked up once per tick, outside any transaction: the directory may be a network call.
        map_managers = await self._directory.with_role(Role.MAP_TEAM_MANAGER)
        service_managers = await self._directory.with_role(Role.SERVICE_MANAGER)
        return _People(tuple(p.id for p in map_managers), tuple(p.id for p in service_managers))


def plan_rows(plan: tuple[Notice, ...]) -> list[tuple[str, str]]:
    """(kind, recipient) pairs for the outbox."""
    return [(n.kind.value, n.recipient) for n in plan]


def _move(c: Consultation, state: str, now: datetime) -> None:
    """A timer's move: today only `closed` (the system's auto-close) exists as a transition."""
    try:
        if state != "closed":
            raise DomainError("No such move.", code="unknown_move")
        c.close(None, at=now)
    except DomainError as refused:
        # The firing still counts (recorded, its notices sent): the case stays where it is.
        log.warning(
            "timer.move_refused", extra={"consultation_id": c.id, "error_code": refused.code}
        )


def _next_timer(
    c: Consultation, flow: Flow, rules: EscalationTimescales, now: datetime
) -> datetime:
    """When the case's next unrecorded flow timer falls due (NO_TIMER when none runs)."""
    pending = [
        f.at
        for f in timers.schedule(c, flow, rules.calendar, stored=timers.stored_deadlines(c))
        if f.timer not in LEGACY_TIMERS and f.key not in c.escalations
    ]
    return max(min(pending, default=NO_TIMER), now)


def _people(flow: Flow, c: Consultation, groups: dict[str, tuple[str, ...]]) -> People:
    """Who fills each role of the flow for this case (empty when nobody does)."""

    def people(key: str) -> tuple[str, ...]:
        role = flow.role(key)
        if role is None:
            return ()
        kind = role.fill.kind
        if kind == "group":
            return groups.get(key, ())
        if kind == "requester":
            return (c.requester_id,)
        if kind == "reviewer":
            return (c.reviewer_id,) if c.reviewer_id else ()
        if kind in ("assignee", "rota"):
            # The duty manager of the week is assigned when the request is posted.
            return (c.assignee_id,) if c.assignee_id else ()
        return ()  # previous_owner, named people, service staff: not resolvable here yet

    return people


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds")
