"""Who may act: the roles a person holds in the step-up process."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from domain.errors import NotAllowed


class Role(StrEnum):
    """A role a person holds; one person may hold several."""

    REQUESTER = "requester"
    MAP_TEAM_MANAGER = "map_team_manager"
    MAP_ADVANCED_PRACTITIONER = "map_advanced_practitioner"
    SERVICE_MANAGER = "service_manager"


# How refusals name each role: as the process and the profile's acronyms spell them (MAP, FC,
# FSP, DSL in capitals), never the enum's value ("map team manager").
ROLE_TITLES: dict[Role, str] = {
    Role.REQUESTER: "an FC/FSP manager, senior or DSL",
    Role.MAP_TEAM_MANAGER: "a MAP team manager",
    Role.MAP_ADVANCED_PRACTITIONER: "a MAP advanced practitioner",
    Role.SERVICE_MANAGER: "a service manager",
}

MAP_MANAGERS: frozenset[Role] = frozenset({Role.MAP_TEAM_MANAGER})
MAP_WORKERS: frozenset[Role] = frozenset({Role.MAP_TEAM_MANAGER, Role.MAP_ADVANCED_PRACTITIONER})
SERVICE_MANAGERS: frozenset[Role] = frozenset({Role.SERVICE_MANAGER})
REQUESTERS: frozenset[Role] = frozenset({Role.REQUESTER})


@dataclass(frozen=True)
class Actor:
    """A person acting on a consultation, identified by their directory id (e.g. AAD object id)."""

    person_id: str
    roles: frozenset[Role]

    def __post_init__(self) -> None:
        if not isinstance(self.person_id, str) or not self.person_id.strip():
            raise ValueError("an actor needs a non-empty person_id")
        # Accept any iterable of role names but store a frozenset of Role, so equality is stable.
        object.__setattr__(self, "roles", frozenset(Role(r) for r in self.roles))

    @classmethod
    def of(cls, person_id: str, *roles: Role) -> Actor:
        """Build an actor from a person id and roles."""
        return cls(person_id, frozenset(roles))

    def has(self, role: Role) -> bool:
        """True when the actor holds this role."""
        return role in self.roles

    def has_any(self, roles: Iterable[Role]) -> bool:
        """True when the actor holds at least one of these roles."""
        return not self.roles.isdisjoint(roles)

    @property
    def is_map_manager(self) -> bool:
        """A MAP team manager."""
        return self.has_any(MAP_MANAGERS)

    @property
    def is_map_worker(self) -> bool:
        """A qualified MAP social worker: team manager or advanced practitioner."""
        return self.has_any(MAP_WORKERS)

    @property
    def is_service_manager(self) -> bool:
        """A service manager (second-level review of disputes)."""
        return self.has_any(SERVICE_MANAGERS)


def id_of(actor: Actor | None) -> str | None:
    """The actor's person id, or None for the system."""
    return None if actor is None else actor.person_id


def require_role(actor: Actor, roles: frozenset[Role], doing: str) -> None:
    """Raise NotAllowed unless the actor holds one of `roles`."""
    if not actor.has_any(roles):
        wanted = " or ".join(ROLE_TITLES[role] for role in Role if role in roles)
        raise NotAllowed(f"Only {wanted} can {doing}.", code="role_required")


def require_person(actor: Actor, person_id: str | None, who: str, doing: str) -> None:
    """Raise NotAllowed unless the actor is that particular person (e.g. the requester)."""
    if person_id is None or actor.person_id != person_id:
        raise NotAllowed(f"Only {who} can {doing}.", code="not_this_person", person_id=person_id)
