"""The directory port: who people are and which roles they hold."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from domain.roles import Actor, Role


@dataclass(frozen=True, slots=True)
class StaffPerson:
    """A member of staff as the bot knows them. `id` is the Entra object id."""

    id: str
    name: str
    email: str
    roles: frozenset[Role]
    teams_id: str | None = None
    job_title: str | None = None
    title: str | None = None
    service: str | None = None
    phones: tuple[str, ...] = ()

    def actor(self) -> Actor:
        """This person as a domain actor."""
        return Actor(person_id=self.id, roles=self.roles)


class Directory(Protocol):
    """Looks people up by the ids Teams gives the bot."""

    async def by_id(self, person_id: str) -> StaffPerson | None:
        """The person with this Entra object id."""
        ...

    async def by_teams_id(self, teams_id: str) -> StaffPerson | None:
        """The person with this bot-scoped `29:` id."""
        ...

    async def with_role(self, role: Role) -> tuple[StaffPerson, ...]:
        """Everyone holding `role`."""
        ...

    async def everyone(self) -> tuple[StaffPerson, ...]:
        """Every known member of staff (for the personal-data screen's allow-list)."""
        ...
