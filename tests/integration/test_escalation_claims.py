"""Escalation claims on SQLite and PostgreSQL: once per key, once per message, never early.

Two engines on one database stand for two instances; new service objects stand for a restart.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Row, Table, select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.calendar import WorkingCalendar
from domain.consultation import Consultation, Urgency
from domain.escalation import EscalationTimescales, notices
from domain.events import EventKind
from domain.lifecycle import EscalationKey
from domain.roles import Actor, Role
from services.clock import MovableClock
from services.directory import StaffPerson
from services.escalations import LEASE, EscalationService, backoff
from services.outbox_holds import HeldMessages
from services.pacing import MARGIN_SECONDS, OUTBOX_WAIT_SECONDS, Pacer, Throttled
from services.ports import OutboxMessage, Placement
from storage import migrate
from storage.db import create_engine
from storage.escalation_queries import SqlEscalationUnitOfWork
from storage.tables import escalation_outbox, escalations
from storage.uow import SqlUnitOfWork
from tests.unit.test_pacing import FakeTime, book

LONDON = ZoneInfo("Europe/London")
CAL = WorkingCalendar()
RULES = EscalationTimescales(CAL, urgent_ack_working_minutes=60)
K = EscalationKey


def _clear_month() -> date:
    """The first Monday after today that starts four weeks (and a Monday) with no bank holiday.

    The month of requests runs in them, and the stories below in their fourth week (Tuesday to
    Thursday): computed from today, like every date a test gives the bot, never a fixed day."""
    day = datetime.now(LONDON).date() + timedelta(days=1)
    while True:
        day += timedelta(days=-day.weekday() % 7)
        span = [day + timedelta(days=n) for n in range(29)]
        if all(CAL.is_working_day(d) for d in span if d.weekday() < 5):
            return day
        day += timedelta(days=1)


MONTH = _clear_month()  # a Monday, the month's first day
TUESDAY, WEDNESDAY, THURSDAY = (MONTH + timedelta(days=n) for n in (22, 23, 24))
MONTH_END = MONTH + timedelta(days=28)  # the Monday after the month's last Saturday


def london(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


def _person(key: str, role: Role) -> StaffPerson:
    return StaffPerson(f"aad-{key}", key.title(), f"{key}@northdown.gov.uk", frozenset({role}))


STAFF = (
    _person("priya", Role.REQUESTER),
    _person("tom", Role.MAP_TEAM_MANAGER),
    _person("ewa", Role.MAP_TEAM_MANAGER),
    _person("sam", Role.MAP_ADVANCED_PRACTITIONER),
    _person("grace", Role.SERVICE_MANAGER),
    _person("daniel", Role.SERVICE_MANAGER),
)
MAP = tuple(p.id for p in STAFF if Role.MAP_TEAM_MANAGER in p.roles)
SMS = tuple(p.id for p in STAFF if Role.SERVICE_MANAGER in p.roles)
TOM = Actor.of("aad-tom", Role.MAP_TEAM_MANAGER)


class Staff:
    """A Directory over STAFF."""

    async def by_id(self, person_id: str) -> StaffPerson | None:
        return next((p for p in STAFF if p.id == person_id), None)

    async def by_teams_id(self, teams_id: str) -> StaffPerson | None:
        return None

    async def with_role(self, role: Role) -> tuple[StaffPerson, ...]:
        return tuple(p for p in STAFF if role in p.roles)

    async def everyone(self) -> tuple[StaffPerson, ...]:
        return STAFF


class Crash(BaseException):
    """The process dies mid-dispatch: nothing below `except Exception` sees it."""


@dataclass
class Recorder:
    """A Notifier that records deliveries and fails when `fail` says so."""

    clock: MovableClock
    fail: Callable[[OutboxMessage], BaseException | None] = lambda _m: None
    delivered: list[tuple[OutboxMessage, datetime]] = field(default_factory=list)
    tries: Counter[int] = field(default_factory=Counter)

    async def deliver(self, message: OutboxMessage) -> None:
        self.tries[message.id] += 1
        problem = self.fail(message)
        if problem is not None:
            raise problem
        self.delivered.append((message, self.clock.now()))

    def sent_ids(self) -> Counter[int]:
        return Counter(m.id for m, _ in self.delivered)


def service(engine: AsyncEngine, clock: MovableClock, notifier: Recorder) -> EscalationService:
    return EscalationService(
        lambda: SqlEscalationUnitOfWork(engine), Staff(), clock, RULES, notifier
    )


@pytest.fixture
async def engines(database_url: str) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    first, second = create_engine(database_url), create_engine(database_url)
    await migrate.upgrade(first)
    yield first, second
    await first.dispose()
    await second.dispose()


async def post(engine: AsyncEngine, at: datetime, *, urgent: bool = True) -> str:
    """A request as the channel flow stores it: submitted, assigned to Tom, in a thread."""
    async with SqlUnitOfWork(engine) as uow:
        c = Consultation.submit(
            reference=await uow.consultations.next_reference(at.year),
            requester=Actor.of("aad-priya", Role.REQUESTER),
            service="Family Centre Northgate",
            urgency=Urgency.URGENT if urgent else Urgency.STANDARD,
            indicators=(),
            checklist=None,
            at=at,
            acknowledge_due=CAL.end_of_working_day(at),
            callback_due=CAL.callback_due(at, rule="clock_hours"),
        )
        c.assign("aad-tom", at=at)
        await uow.consultations.add(c, Placement("19:c@thread.tacv2", f"t{c.id}", None, "post"))
    return c.id


async def act(engine: AsyncEngine, consultation_id: str, verb: str, at: datetime) -> None:
    async with SqlUnitOfWork(engine) as uow:
        c = await uow.consultations.get(consultation_id, for_update=True)
        assert c is not None
        version = c.version
        getattr(c, verb)(TOM, at=at)
        await uow.consultations.save(c, read_version=version)


async def rows(engine: AsyncEngine, table: Table) -> list[Row[Any]]:
    async with engine.connect() as conn:
        return list((await conn.execute(select(table))).all())


def expected_messages(keys: set[tuple[str, str]]) -> int:
    fake = Consultation.submit(
        reference="SU-0",
        requester=Actor.of("aad-priya", Role.REQUESTER),
        service="x",
        urgency=Urgency.URGENT,
        indicators=(),
        checklist=None,
        at=london(MONTH, 9),
        acknowledge_due=None,
        callback_due=None,
    )
    fake.assign("aad-tom", at=london(MONTH, 9))
    return sum(
        len(notices(fake, K(key), map_managers=MAP, service_managers=SMS)) for _, key in keys
    )


# -- the properties, one at a time ---------------------------------------------------------------


async def test_two_instances_ticking_together_record_and_send_each_escalation_once(
    engines: tuple[AsyncEngine, AsyncEngine], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="services.escalations")
    first, second = engines
    ids = [await post(first, london(TUESDAY, 16, 30)) for _ in range(8)]
    clock = MovableClock(london(WEDNESDAY, 16, 31))  # all four keys due for every request
    notifier = Recorder(clock)
    # Two services per engine: four workers racing for the same rows at the same moment.
    workers = [service(e, clock, notifier) for e in (first, second, first, second)]
    for _ in range(3):
        await asyncio.gather(*(w.tick() for w in workers))

    recorded = await rows(first, escalations)
    assert len(recorded) == 8 * 4
    # Claimed, not collided: no worker got as far as a conflicting write and had to back off.
    assert "escalation.busy" not in caplog.messages
    outbox = await rows(first, escalation_outbox)
    assert len(outbox) == expected_messages({(i, k.value) for i in ids for k in K}) == 8 * 12
    assert set(notifier.sent_ids().values()) == {1}
    assert set(notifier.sent_ids()) == {r.id for r in outbox}
    async with SqlUnitOfWork(first) as uow:
        c = await uow.consultations.get(ids[0])
    assert c is not None and c.escalations == {k.value for k in K}
    assert [e.kind for e in c.events].count(EventKind.ESCALATED) == 4


async def test_nothing_is_recorded_or_sent_before_its_time(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    first, _ = engines
    consultation_id = await post(first, london(TUESDAY, 16, 30))
    clock = MovableClock(london(TUESDAY, 16, 30))
    notifier = Recorder(clock)
    escalate = service(first, clock, notifier)
    while clock.now() < london(TUESDAY, 17):
        await escalate.tick()
        clock.advance(timedelta(minutes=5))
    assert notifier.delivered == [] and await rows(first, escalations) == []
    await escalate.tick()  # 17:00 exactly: the end of the working day
    assert [(m.key, m.kind) for m, _ in notifier.delivered][0] == (
        "eod_unacknowledged",
        "thread_mention",
    )
    assert {m.consultation_id for m, _ in notifier.delivered} == {consultation_id}
    clock.set(london(WEDNESDAY, 9, 29))
    await escalate.tick()
    assert {m.key for m, _ in notifier.delivered} == {"eod_unacknowledged"}


async def test_a_crash_between_claim_and_send_sends_exactly_once_after_the_lease(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    first, second = engines
    await post(first, london(TUESDAY, 10), urgent=False)
    clock = MovableClock(london(TUESDAY, 17, 1))
    dying = Recorder(clock, fail=lambda _m: Crash())
    with pytest.raises(Crash):
        await service(first, clock, dying).tick()
    assert dying.delivered == [] and len(dying.tries) == 1

    survivor = Recorder(clock)
    other = service(second, clock, survivor)  # another instance, or the restarted one
    await other.tick()
    assert survivor.delivered == []  # still leased to the dead one
    clock.advance(LEASE)
    await other.tick()
    await other.tick()
    outbox = await rows(first, escalation_outbox)
    assert len(outbox) == 4  # thread, Tom, Ewa, card
    assert set(survivor.sent_ids().values()) == {1} and len(survivor.sent_ids()) == 4
    assert await other.pending() == []


async def test_a_failing_send_is_retried_with_backoff_and_stays_visible_until_sent(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    first, _ = engines
    await post(first, london(TUESDAY, 10), urgent=False)
    clock = MovableClock(london(TUESDAY, 17))

    def flaky(message: OutboxMessage) -> BaseException | None:
        failing = message.kind == "thread_mention" and notifier.tries[message.id] <= 3
        return ConnectionResetError("connector said: Jamie at 12 Fake Street") if failing else None

    notifier = Recorder(clock, fail=flaky)
    escalate = service(first, clock, notifier)
    await escalate.tick()
    for attempt in (1, 2, 3):
        [pending] = await escalate.pending()
        assert pending.message.kind == "thread_mention"
        assert pending.message.attempts == attempt
        assert pending.last_error == "ConnectionResetError"  # the class, never the text
        assert pending.next_attempt_at == clock.now() + backoff(attempt)
        clock.set(pending.next_attempt_at - timedelta(seconds=1))
        await escalate.tick()
        assert notifier.tries[pending.message.id] == attempt  # not before its backoff
        clock.set(pending.next_attempt_at)
        await escalate.tick()
    assert await escalate.pending() == []
    assert set(notifier.sent_ids().values()) == {1} and len(notifier.sent_ids()) == 4
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 6, 7, 30)] == [
        30,
        60,
        120,
        900,
        900,
        900,
    ]


async def test_a_throttled_message_is_left_alone_until_its_conversation_has_a_slot(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    """Every freed slot wakes the outbox; without the holds each wake claimed, loaded and drew
    every message the pacer had refused, to be refused again (most of the CPU of a burst)."""
    first, _ = engines
    await post(first, london(TUESDAY, 10), urgent=False)
    clock = MovableClock(london(TUESDAY, 17, 1))  # its four end-of-day messages are due
    channel = "19:c@thread.tacv2"
    pacer_time = FakeTime()
    pacer = Pacer(now=pacer_time, jitter=lambda: 0.0)
    book(pacer, pacer_time, channel, 60)  # the channel's 30 s window is full

    def teams_limits(_message: OutboxMessage) -> BaseException | None:
        wait = pacer.wait(channel)
        return Throttled(wait, channel) if wait > OUTBOX_WAIT_SECONDS else None

    notifier = Recorder(clock, fail=teams_limits)
    escalate = EscalationService(
        lambda: SqlEscalationUnitOfWork(first),
        Staff(),
        clock,
        RULES,
        notifier,
        holds=HeldMessages(pacer, patience=OUTBOX_WAIT_SECONDS),
    )
    await escalate.tick()
    assert len(notifier.tries) == 4 and set(notifier.tries.values()) == {1}
    for _ in range(3):  # woken again and again while the window is still full
        await escalate.dispatch()
    assert set(notifier.tries.values()) == {1}  # not one tried again
    assert [p.message.attempts for p in await escalate.pending()] == [0, 0, 0, 0]  # uncounted

    pacer_time.t += 30 + MARGIN_SECONDS  # the window has room again
    await escalate.dispatch()
    assert set(notifier.sent_ids().values()) == {1} and len(notifier.sent_ids()) == 4
    assert await escalate.pending() == []


async def test_outbox_rows_hold_ids_and_kinds_only(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    first, _ = engines
    consultation_id = await post(first, london(TUESDAY, 10))
    clock = MovableClock(london(THURSDAY, 12))
    await service(first, clock, Recorder(clock)).tick()
    allowed = {consultation_id, *MAP, *SMS, "thread", "card", "pending", "sent"}
    allowed |= {k.value for k in K} | {
        "thread_mention",
        "card_update",
        "eod_manager",
        "urgent_duty",
        "urgent_manager",
        "callback_assignee",
        "callback_service_manager",
    }
    for row in await rows(first, escalation_outbox):
        strings = {v for v in row if isinstance(v, str)}
        assert strings <= allowed, strings - allowed


async def test_an_acknowledged_request_is_not_escalated_and_a_late_ack_stops_the_rest(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    first, _ = engines
    early = await post(first, london(TUESDAY, 16, 30))
    late = await post(first, london(TUESDAY, 16, 30))
    await act(first, early, "acknowledge", london(TUESDAY, 16, 45))
    clock = MovableClock(london(TUESDAY, 17, 1))
    escalate = service(first, clock, Recorder(clock))
    await escalate.tick()
    await act(first, late, "acknowledge", london(TUESDAY, 17, 30))
    clock.set(london(WEDNESDAY, 12))
    await escalate.tick()
    recorded = {(r.consultation_id, r.key) for r in await rows(first, escalations)}
    assert recorded == {(late, "eod_unacknowledged")}


# -- a month of requests, restarts and two instances ---------------------------------------------


@dataclass
class Fate:
    """A simulated request: when it is posted, acknowledged and called back (None: never)."""

    posted: datetime
    urgent: bool
    ack: datetime | None
    callback: datetime | None
    id: str | None = None

    def due(self) -> dict[str, datetime]:
        times = {
            "eod_unacknowledged": CAL.end_of_working_day(self.posted),
            "callback_overdue": CAL.callback_due(self.posted, rule="clock_hours"),
        }
        if self.urgent:
            times["urgent_unacknowledged"] = CAL.add_working_minutes(self.posted, 60)
            times["urgent_unacknowledged_managers"] = CAL.add_working_minutes(self.posted, 120)
        return times

    def applies(self, key: str, at: datetime) -> bool:
        done = self.callback if key == "callback_overdue" else self.ack
        return done is None or done > at


def month_of_requests(rng: random.Random) -> list[Fate]:
    fates: list[Fate] = []
    day = MONTH
    while day < MONTH + timedelta(days=26):  # four weeks, to the last Saturday
        for _ in range(rng.randint(0, 4) if CAL.is_working_day(day) else rng.randint(0, 1)):
            local = datetime.combine(day, datetime.min.time(), tzinfo=LONDON)
            posted = (local + timedelta(minutes=rng.randint(7 * 60, 19 * 60))).astimezone(UTC)
            ack = posted + timedelta(minutes=rng.randint(5, 2000)) if rng.random() < 0.7 else None
            back = (
                ack + timedelta(minutes=rng.randint(5, 2000))
                if ack and rng.random() < 0.8
                else None
            )
            fates.append(Fate(posted, rng.random() < 0.4, ack, back))
        day += timedelta(days=1)
    return fates


@pytest.mark.postgres
async def test_a_month_with_restarts_and_two_instances_sends_every_escalation_once_on_time(
    database_url: str,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the month runs two instances on PostgreSQL")
    rng = random.Random(20261124)
    fates = month_of_requests(rng)
    clock = MovableClock(london(MONTH, 0))
    engines = [create_engine(database_url), create_engine(database_url)]
    await migrate.upgrade(engines[0])

    def flaky(_m: OutboxMessage) -> BaseException | None:
        roll = rng.random()
        return Crash() if roll < 0.01 else OSError() if roll < 0.1 else None

    notifier = Recorder(clock, fail=flaky)
    instances = [service(e, clock, notifier) for e in engines]
    ticks: list[datetime] = []
    waiting = sorted(fates, key=lambda f: f.posted)
    end = london(MONTH_END, 12)
    try:
        while clock.now() < end or await instances[0].pending():
            now = clock.now()
            while waiting and waiting[0].posted <= now:
                fate = waiting.pop(0)
                fate.id = await post(engines[0], fate.posted, urgent=fate.urgent)
            for fate in fates:
                for verb, at in (("acknowledge", fate.ack), ("record_callback", fate.callback)):
                    if fate.id and at is not None and ticks and ticks[-1] < at <= now:
                        await act(engines[1], fate.id, verb, at)
            ticks.append(now)
            results = await asyncio.gather(*(i.tick() for i in instances), return_exceptions=True)
            for n, result in enumerate(results):
                if isinstance(result, Crash) or rng.random() < 0.03:  # a restart
                    instances[n] = service(engines[n], clock, notifier)
                elif isinstance(result, BaseException):
                    raise result
            clock.advance(timedelta(minutes=rng.randint(5, 60)))
        recorded = {(r.consultation_id, r.key): r for r in await rows(engines[0], escalations)}
        outbox = await rows(engines[0], escalation_outbox)
    finally:
        for engine in engines:
            await engine.dispose()

    expected: dict[tuple[str, str], datetime] = {}
    for fate in fates:
        for key, due in fate.due().items():
            first_tick = next((t for t in ticks if t >= due), None)
            if fate.id and first_tick is not None and fate.applies(key, first_tick):
                expected[(fate.id, key)] = first_tick
    assert len(expected) > 80  # the month really escalates
    assert set(recorded) == set(expected)
    for where, row in recorded.items():
        assert row.due_at <= row.recorded_at == expected[where]  # never early, never a tick late
    assert len(outbox) == expected_messages(set(expected))
    assert set(notifier.sent_ids()) == {r.id for r in outbox}
    assert set(notifier.sent_ids().values()) == {1}
    due_of = {where: row.due_at for where, row in recorded.items()}
    for message, at in notifier.delivered:
        assert at >= due_of[(message.consultation_id, message.key)]
