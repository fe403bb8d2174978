"""The duty rota as it stands now: the profile's rotation plus covers set in the bot."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.roles import Role
from domain.rota import Cover, Rota
from services.clock import Clock
from services.directory import Directory, StaffPerson
from services.policy import Policy

log = logging.getLogger(__name__)

MAX_COVER_DAYS = 62
# Cover is planned for leave, weeks ahead at most; a start years away is a slip (and one at the
# end of the calendar made the day after its last day overflow).
MAX_COVER_AHEAD_DAYS = 366


class CoverStore(Protocol):
    """Where covers set in the bot are kept."""

    async def add_cover(self, cover: Cover, *, set_by: str, at: datetime) -> None: ...

    async def covers(self, ending_after: datetime) -> list[Cover]: ...


def with_covers(rota: Rota, covers: list[Cover]) -> Rota:
    """The rota with covers set in the bot added to the profile's own."""
    for cover in covers:
        rota = rota.with_cover(cover)
    return rota


class CoverRefused(Exception):
    """A cover that cannot be set; the message says why in plain words."""


class RotaService:
    """Answers "who is on duty" with covers included, and lets MAP managers set cover."""

    def __init__(
        self, store: CoverStore, directory: Directory, clock: Clock, policy: Policy
    ) -> None:
        self._store = store
        self._directory = directory
        self._clock = clock
        self._policy = policy

    async def rota(self) -> Rota:
        """The profile's rota with every running or future cover set in the bot."""
        return with_covers(self._policy.rota, await self._store.covers(self._clock.now()))

    async def set_cover(
        self,
        by: StaffPerson,
        covering_id: str,
        covered_id: str | None,
        first_day: date,
        last_day: date,
    ) -> Cover:
        """Record that `covering` is on duty (instead of `covered`) for whole days."""
        if Role.MAP_TEAM_MANAGER not in by.roles:
            raise CoverRefused("Only MAP team managers can set cover.")
        covering = await self._directory.by_id(covering_id)
        if covering is None or not covering.roles & {
            Role.MAP_TEAM_MANAGER,
            Role.MAP_ADVANCED_PRACTITIONER,
        }:
            raise CoverRefused("Choose a MAP team manager or advanced practitioner to cover.")
        if covered_id is not None:
            # Stored as given, so only someone the form offers: a MAP team manager on record.
            covered = await self._directory.by_id(covered_id)
            if covered is None or Role.MAP_TEAM_MANAGER not in covered.roles:
                raise CoverRefused("Choose the MAP team manager being covered from the list.")
        if covered_id is not None and covered_id == covering_id:
            raise CoverRefused("Someone cannot cover for themselves.")
        zone = ZoneInfo(self._policy.rota.timezone)
        today = self._clock.now().astimezone(zone).date()
        if last_day < first_day:
            raise CoverRefused("The last day must be on or after the first day.")
        if last_day < today:
            raise CoverRefused("That cover would be over already: choose days from today on.")
        if (last_day - first_day).days >= MAX_COVER_DAYS:
            raise CoverRefused(f"Set cover for at most {MAX_COVER_DAYS} days at a time.")
        if (first_day - today).days > MAX_COVER_AHEAD_DAYS:
            raise CoverRefused("Choose days within the next year.")
        start = datetime.combine(max(first_day, today), time(0), tzinfo=zone)
        end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone)
        cover = Cover(covering_id, covered_id, start, end)
        await self._store.add_cover(cover, set_by=by.id, at=self._clock.now())
        log.info("rota.cover_set")
        return cover
