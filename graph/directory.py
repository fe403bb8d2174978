"""The directory from Microsoft Graph: people from Entra ID, roles from security groups.

A snapshot of every role group's members is held in memory and refreshed in the background
once it is older than the TTL, so a card click never waits on Graph. Only the first load (at
start-up) and people outside every role group (one bounded call, then cached) are awaited.
Whatever is built from the staff list (the personal-data screen's allow-list) subscribes with
`on_refresh` and is rebuilt after each successful refresh.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace

from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.groups.item.transitive_members.transitive_members_request_builder import (
    TransitiveMembersRequestBuilder,
)
from msgraph.generated.models.user import User
from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder

from domain.roles import Role
from graph.client import GraphConnection, GraphError
from profiles.schema import Person, Profile
from services.directory import StaffPerson

log = logging.getLogger(__name__)

USER_FIELDS = ["id", "displayName", "mail", "userPrincipalName"]
USER_FIELDS += ["businessPhones", "mobilePhone", "jobTitle"]
_RETRY_AFTER_FAILURE = 60.0

Listener = Callable[[tuple[StaffPerson, ...]], None]


class GraphDirectory:
    """A `services.directory.Directory` backed by Graph, with a TTL cache."""

    def __init__(
        self,
        graph: GraphConnection,
        profile: Profile,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.graph = graph
        self.profile = profile
        self._profile = {p.aad_object_id: p for p in profile.people}
        self._order = {p.aad_object_id: i for i, p in enumerate(profile.people)}
        self._role_groups = dict(profile.graph.role_groups)
        self._teams = {p.teams_id: p.aad_object_id for p in profile.people if p.teams_id}
        self._ttl = graph.settings.cache_ttl_seconds
        self._now = monotonic
        self._people: dict[str, StaffPerson] = {}
        self._others: dict[str, tuple[float, StaffPerson | None]] = {}
        self._stale_at: float | None = None
        self._refresh: asyncio.Task[None] | None = None
        self._listeners: list[Listener] = []

    # --- Directory ------------------------------------------------------------------------------

    async def by_id(self, person_id: str) -> StaffPerson | None:
        """The person with this Entra object id; None when Graph does not know them (404)."""
        await self._fresh()
        found = self._people.get(person_id)
        if found is not None or not person_id:
            return found
        cached = self._others.get(person_id)
        if cached is not None and cached[0] > self._now():
            return cached[1]
        try:
            user = await self._user(person_id)
        except GraphError as failed:
            log.warning("directory.lookup_failed", extra={"error_code": failed.code})
            return None
        person = self._staff(user, frozenset()) if user is not None else None
        self._others[person_id] = (self._now() + self._ttl, person)
        return person

    async def by_teams_id(self, teams_id: str) -> StaffPerson | None:
        """The person with this bot-scoped `29:` id, learnt from the profile or activities."""
        person_id = self._teams.get(teams_id)
        return await self.by_id(person_id) if person_id else None

    async def with_role(self, role: Role) -> tuple[StaffPerson, ...]:
        """Everyone holding `role`: profile people first, in profile order, then by name."""
        await self._fresh()
        return tuple(p for p in self._sorted() if role in p.roles)

    async def everyone(self) -> tuple[StaffPerson, ...]:
        """Every member of a role group, and profile people holding roles kept in the profile."""
        await self._fresh()
        return self._sorted()

    def remember_teams_id(self, aad_id: str, teams_id: str) -> None:
        """Learn a person's `29:` id from an activity (Graph does not know bot-scoped ids).

        In memory only, and a no-op when already known: it runs on every activity.
        """
        if not aad_id or not teams_id.startswith("29:") or self._teams.get(teams_id) == aad_id:
            return
        self._teams[teams_id] = aad_id
        person = self._people.get(aad_id)
        if person is not None:
            self._people[aad_id] = replace(person, teams_id=teams_id)
        cached = self._others.get(aad_id)
        if cached is not None and cached[1] is not None:
            self._others[aad_id] = (cached[0], replace(cached[1], teams_id=teams_id))

    def on_refresh(self, listener: Listener) -> None:
        """Call `listener(everyone)` after each successful refresh (never on a failed one)."""
        self._listeners.append(listener)

    # --- loading ----------------------------------------------------------------------------------

    async def start(self) -> None:
        """The first load; raises GraphError (the caller turns it into a start-up error)."""
        await self.refresh()

    async def refresh(self) -> None:
        """Read every role group and the profile people Graph must confirm; swap atomically."""
        roles: dict[str, set[Role]] = {}
        users: dict[str, User] = {}
        for role, group_id in self._role_groups.items():
            try:
                async for user in self._members(group_id):
                    assert user.id is not None
                    users[user.id] = user
                    roles.setdefault(user.id, set()).add(role)
            except GraphError as failed:
                log.warning(
                    "directory.group_failed", extra={"key": group_id, "error_code": failed.code}
                )
                raise GraphError(failed.code, failed.status, f"role group {role.value}") from None
        for person in self._profile.values():
            kept = set(person.roles) - set(self._role_groups)
            if not kept:
                continue
            if person.aad_object_id not in users:
                try:
                    found = await self._user(person.aad_object_id)
                except GraphError as failed:
                    raise GraphError(failed.code, failed.status, "users") from None
                if found is None:  # left the council: Graph no longer knows them
                    log.warning("directory.profile_person_unknown", extra={"key": person.key})
                    continue
                users[person.aad_object_id] = found
            roles.setdefault(person.aad_object_id, set()).update(kept)
        self._people = {pid: self._staff(users[pid], frozenset(r)) for pid, r in roles.items()}
        self._others.clear()
        self._stale_at = self._now() + self._ttl
        log.info("directory.refreshed", extra={"count": len(self._people)})
        everyone = self._sorted()
        for listener in self._listeners:
            listener(everyone)

    async def settle(self) -> None:
        """Wait for a background refresh in progress (tests, shutdown)."""
        if self._refresh is not None:
            await asyncio.shield(self._refresh)

    async def close(self) -> None:
        """Stop any background refresh and close the Graph client."""
        if self._refresh is not None:
            self._refresh.cancel()
            await asyncio.gather(self._refresh, return_exceptions=True)
        await self.graph.close()

    async def _fresh(self) -> None:
        if self._stale_at is None:
            await self.refresh()
        elif self._now() >= self._stale_at and (self._refresh is None or self._refresh.done()):
            self._refresh = asyncio.create_task(self._background())

    async def _background(self) -> None:
        try:
            await self.refresh()
        except GraphError as failed:
            # Keep serving the last good snapshot; try again a little later.
            self._stale_at = self._now() + min(self._ttl, _RETRY_AFTER_FAILURE)
            log.warning("directory.refresh_failed", extra={"error_code": failed.code})

    async def _members(self, group_id: str) -> AsyncIterator[User]:
        """Users among the group's transitive members, following `@odata.nextLink`."""
        builder = self.graph.client.groups.by_group_id(group_id).transitive_members
        query = TransitiveMembersRequestBuilder.TransitiveMembersRequestBuilderGetQueryParameters(
            select=USER_FIELDS
        )
        page = await self.graph.call(builder.get(RequestConfiguration(query_parameters=query)))
        while page is not None:
            for member in page.value or []:
                if isinstance(member, User) and member.id:  # nested groups are skipped
                    yield member
            if not page.odata_next_link:
                break
            page = await self.graph.call(builder.with_url(page.odata_next_link).get())

    async def _user(self, person_id: str) -> User | None:
        """`GET /users/{id}?$select=...`; None on 404."""
        query = UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(select=USER_FIELDS)
        request = self.graph.client.users.by_user_id(person_id)
        try:
            return await self.graph.call(request.get(RequestConfiguration(query_parameters=query)))
        except GraphError as failed:
            if failed.status == 404:
                return None
            raise

    def _staff(self, user: User, roles: frozenset[Role]) -> StaffPerson:
        assert user.id is not None
        known: Person | None = self._profile.get(user.id)
        teams_id = next((t for t, a in self._teams.items() if a == user.id), None)
        phones = tuple(user.business_phones or ()) + (
            (user.mobile_phone,) if user.mobile_phone else ()
        )
        return StaffPerson(
            id=user.id,
            name=user.display_name or (known.name if known else ""),
            email=user.mail or user.user_principal_name or (known.email if known else ""),
            roles=roles,
            teams_id=teams_id,
            job_title=user.job_title or (known.job_title if known else None),
            title=known.title if known else None,
            service=known.service if known else None,
            phones=phones or (known.phones if known else ()),
        )

    def _sorted(self) -> tuple[StaffPerson, ...]:
        last = len(self._order)
        return tuple(
            sorted(self._people.values(), key=lambda p: (self._order.get(p.id, last), p.name))
        )
