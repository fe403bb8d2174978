"""Who sent an activity: a known sender's `29:` id is passed to the directory, cheaply."""

from __future__ import annotations

from botbuilder.core import TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ChannelAccount

from bot.people import sender_of
from domain.roles import Role
from graph.local_directory import ProfileDirectory
from profiles.loader import load_profile
from services.directory import StaffPerson
from settings import DEMO_PROFILE
from tests.support import activities as act

MORGAN = StaffPerson("0b6c1d2e-1111-4a2b-8c3d-000000000007", "Morgan Lee", "m@x", frozenset())


class LearningDirectory:
    """A directory that counts lookups and `29:` ids it is told (like GraphDirectory)."""

    def __init__(self, *people: StaffPerson) -> None:
        self.people = {p.id: p for p in people}
        self.lookups = 0
        self.told: list[tuple[str, str]] = []

    async def by_id(self, person_id: str) -> StaffPerson | None:
        self.lookups += 1
        return self.people.get(person_id)

    async def by_teams_id(self, teams_id: str) -> StaffPerson | None:
        self.lookups += 1
        return next((p for p in self.people.values() if p.teams_id == teams_id), None)

    async def with_role(self, role: Role) -> tuple[StaffPerson, ...]:
        return ()

    async def everyone(self) -> tuple[StaffPerson, ...]:
        return tuple(self.people.values())

    def remember_teams_id(self, aad_id: str, teams_id: str) -> None:
        self.told.append((aad_id, teams_id))
        person = self.people[aad_id]
        self.people[aad_id] = StaffPerson(
            person.id, person.name, person.email, person.roles, teams_id=teams_id
        )


def _turn(teams_id: str | None, aad_id: str | None) -> TurnContext:
    sender = ChannelAccount(id=teams_id, aad_object_id=aad_id)
    return TurnContext(TestAdapter(), Activity(type="message", from_property=sender))


async def test_a_known_senders_teams_id_is_remembered_once() -> None:
    directory = LearningDirectory(MORGAN)

    found = await sender_of(_turn("29:demo-morgan", MORGAN.id), directory)
    assert found is not None and found.teams_id == "29:demo-morgan"  # usable at once
    assert directory.told == [(MORGAN.id, "29:demo-morgan")]

    for _ in range(3):  # every later activity: already known, nothing written
        await sender_of(_turn("29:demo-morgan", MORGAN.id), directory)
    assert directory.told == [(MORGAN.id, "29:demo-morgan")]
    assert directory.lookups == 4  # one lookup per activity, as before


async def test_unknown_senders_and_ids_that_are_not_29_are_never_remembered() -> None:
    directory = LearningDirectory(MORGAN)
    assert await sender_of(_turn("29:someone", act.STRANGER.aad_id), directory) is None
    await sender_of(_turn("8:orgid:not-a-teams-user-id", MORGAN.id), directory)
    await sender_of(_turn(None, MORGAN.id), directory)
    assert directory.told == []


async def test_a_directory_that_cannot_learn_is_only_read() -> None:
    directory = ProfileDirectory(load_profile(DEMO_PROFILE))
    tom = await sender_of(_turn("29:another-id-for-tom", act.TOM.aad_id), directory)
    assert tom is not None and tom.teams_id == act.TOM.teams_id
