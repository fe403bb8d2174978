"""The directory read from the council profile: local mode, and the fallback in tests."""

from __future__ import annotations

from domain.roles import Role
from profiles.schema import Profile
from services.directory import StaffPerson


def staff_from_profile(profile: Profile) -> tuple[StaffPerson, ...]:
    """Every person of the profile as a StaffPerson."""
    return tuple(
        StaffPerson(
            id=p.aad_object_id,
            name=p.name,
            email=p.email,
            roles=frozenset(p.roles),
            teams_id=p.teams_id,
            job_title=p.job_title,
            title=p.title,
            service=p.service,
            phones=p.phones,
        )
        for p in profile.people
    )


class ProfileDirectory:
    """A Directory backed by the profile's `people` section."""

    def __init__(self, profile: Profile) -> None:
        self._people = staff_from_profile(profile)
        self._by_id = {p.id: p for p in self._people}
        self._by_teams = {p.teams_id: p for p in self._people if p.teams_id}

    async def by_id(self, person_id: str) -> StaffPerson | None:
        """The person with this Entra object id."""
        return self._by_id.get(person_id)

    async def by_teams_id(self, teams_id: str) -> StaffPerson | None:
        """The person with this `29:` id."""
        return self._by_teams.get(teams_id)

    async def with_role(self, role: Role) -> tuple[StaffPerson, ...]:
        """Everyone holding `role`, in profile order."""
        return tuple(p for p in self._people if role in p.roles)

    async def everyone(self) -> tuple[StaffPerson, ...]:
        """Everyone in the profile."""
        return self._people
