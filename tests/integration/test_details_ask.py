"""`DetailsService.record_ask` on a real database: who is recorded, once, and lost races retried."""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.consultation import Consultation, Urgency
from domain.events import EventKind
from domain.roles import Role
from profiles.domain_map import policy_from_profile
from profiles.loader import load_profile
from services.clock import MovableClock
from services.details import Ask, DetailsService
from services.directory import StaffPerson
from services.ports import ConcurrentUpdateError, Placement
from settings import DEMO_PROFILE
from storage import migrate
from storage.consultations import ConsultationRepository
from storage.crypto import FieldCipher, new_key_ring_entry
from storage.db import create_engine
from storage.uow import SqlUnitOfWork
from tests.support.dates import next_working_day_at

AT = next_working_day_at(10)  # 10:00 London on the next working day: ahead of the real clock
FIRST, SECOND = (f"SU-{AT.year}-{n:04d}" for n in (1, 2))  # numbered by the posting year
REQUESTER = StaffPerson(
    "requester-1", "Requester", "requester@northdown.gov.uk", frozenset({Role.REQUESTER})
)
DUTY_TM = StaffPerson(
    "tm-1", "Duty manager", "duty.tm@northdown.gov.uk", frozenset({Role.MAP_TEAM_MANAGER})
)
PRACTITIONER = StaffPerson(
    "ap-1", "Practitioner", "ap@northdown.gov.uk", frozenset({Role.MAP_ADVANCED_PRACTITIONER})
)
CIPHER = FieldCipher.from_text(
    new_key_ring_entry("k1"), base64.urlsafe_b64encode(os.urandom(32)).decode()
)


class RacingUnitOfWork(SqlUnitOfWork):
    """The real unit of work, whose next `setup.races` saves lose to a concurrent change."""

    def __init__(self, setup: Setup, *, read_only: bool = False) -> None:
        super().__init__(setup.engine, CIPHER, read_only=read_only)
        self._setup = setup

    async def __aenter__(self) -> SqlUnitOfWork:
        entered = await super().__aenter__()
        save, setup = self.consultations.save, self._setup

        async def racing_save(consultation: Consultation, *, read_version: int) -> None:
            if setup.races > 0:
                # What the repository raises when the version moved since the read.
                setup.races -= 1
                raise ConcurrentUpdateError(consultation.id)
            await save(consultation, read_version=read_version)

        self.consultations.save = racing_save  # type: ignore[method-assign]
        return entered


@dataclass
class Setup:
    engine: AsyncEngine
    clock: MovableClock
    races: int = 0

    def uow(self, *, read_only: bool = False) -> SqlUnitOfWork:
        return RacingUnitOfWork(self, read_only=read_only)

    def service(self) -> DetailsService:
        return DetailsService(self.uow, self.clock, policy_from_profile(load_profile(DEMO_PROFILE)))

    async def add(self, consultation: Consultation) -> None:
        async with self.engine.begin() as conn:
            await ConsultationRepository(conn).add(
                consultation, Placement(None, None, None, "form")
            )

    async def load(self, consultation_id: str) -> Consultation:
        async with self.engine.connect() as conn:
            found = await ConsultationRepository(conn).get(consultation_id)
        assert found is not None
        return found

    async def asks(self, consultation_id: str) -> list[str | None]:
        found = await self.load(consultation_id)
        assert found.version == len(found.events)
        return [e.actor_id for e in found.events if e.kind is EventKind.DETAILS_REQUESTED]


@pytest.fixture
async def setup(database_url: str) -> AsyncIterator[Setup]:
    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        yield Setup(engine, MovableClock(AT))
    finally:
        await engine.dispose()


def posted(reference: str = FIRST) -> Consultation:
    c = Consultation.submit(
        reference=reference,
        requester=REQUESTER.actor(),
        service="Family Centre Northdown",
        urgency=Urgency.STANDARD,
        indicators=(),
        checklist=None,
        at=AT,
        acknowledge_due=None,
        callback_due=None,
    )
    c.assign(DUTY_TM.id, at=AT)
    return c


async def test_after_acknowledgement_the_assignee_asks_once(setup: Setup) -> None:
    c = posted()
    c.acknowledge(DUTY_TM.actor(), at=AT + timedelta(minutes=5))
    await setup.add(c)
    service = setup.service()
    assert await service.record_ask(c.id, DUTY_TM) is Ask.RECORDED
    assert await service.record_ask(c.id, DUTY_TM) is Ask.ALREADY_ASKED
    assert await service.record_ask(c.id, None) is Ask.ALREADY_ASKED
    assert await setup.asks(c.id) == [DUTY_TM.id]


async def test_someone_other_than_the_assignee_is_not_recorded_as_asking(setup: Setup) -> None:
    c = posted()
    c.acknowledge(DUTY_TM.actor(), at=AT + timedelta(minutes=5))
    await setup.add(c)
    # A stale view of the request (it was reassigned since): the system asks, not Sam.
    assert await setup.service().record_ask(c.id, PRACTITIONER) is Ask.RECORDED
    assert await setup.asks(c.id) == [None]


async def test_before_anyone_took_the_request_on_the_system_asks(setup: Setup) -> None:
    c = posted()
    await setup.add(c)
    # The rota's assignee has not acknowledged: the domain does not let them ask yet.
    assert await setup.service().record_ask(c.id, DUTY_TM) is Ask.RECORDED
    assert await setup.asks(c.id) == [None]


async def test_nothing_is_asked_once_given_closed_or_gone(setup: Setup) -> None:
    given, withdrawn = posted(FIRST), posted(SECOND)
    given.record_details_provided(REQUESTER.actor(), at=AT + timedelta(minutes=1))
    withdrawn.withdraw(REQUESTER.actor(), at=AT + timedelta(minutes=1))
    for c in (given, withdrawn):
        await setup.add(c)
    service = setup.service()
    assert await service.record_ask(given.id, DUTY_TM) is Ask.NOT_NEEDED
    assert await service.record_ask(withdrawn.id, DUTY_TM) is Ask.NOT_NEEDED
    assert await service.record_ask("0" * 32, DUTY_TM) is Ask.NOT_NEEDED
    assert await setup.asks(given.id) == [] and await setup.asks(withdrawn.id) == []
    assert not Ask.NOT_NEEDED.send and Ask.RECORDED.send and Ask.ALREADY_ASKED.send


async def test_a_lost_race_is_retried_and_recorded_once(setup: Setup) -> None:
    c = posted()
    c.acknowledge(DUTY_TM.actor(), at=AT + timedelta(minutes=5))
    await setup.add(c)
    setup.races = 2
    assert await setup.service().record_ask(c.id, DUTY_TM) is Ask.RECORDED
    assert setup.races == 0
    assert await setup.asks(c.id) == [DUTY_TM.id]


async def test_losing_every_race_records_nothing_and_says_busy(setup: Setup) -> None:
    c = posted()
    await setup.add(c)
    setup.races = 99
    asked = await setup.service().record_ask(c.id, None)
    assert asked is Ask.BUSY and asked.send  # the caller still sends; the gap is logged
    assert await setup.asks(c.id) == []
    assert (await setup.load(c.id)).version == c.version
