"""Out of office from Exchange automatic replies: who is away, so requests go to the deputy.

How the assignment uses it (services/consultations.py), before its unit of work opens so no
transaction waits on Graph, for the rota's people (rotation, deputies, MAP managers and APs):

    away = await availability.away(people, now)        # the Availability port; cached, bounded
    rota.responders(now, available_unless_away(known, away), all_managers)

Composition root: `OutOfOffice(directory.graph)` when the directory is a GraphDirectory.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from msgraph.generated.models.automatic_replies_setting import AutomaticRepliesSetting
from msgraph.generated.models.automatic_replies_status import AutomaticRepliesStatus
from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
from msgraph.generated.models.o_data_errors.o_data_error import ODataError

from graph.client import GraphConnection, GraphError

log = logging.getLogger(__name__)

# Windows zone names Exchange may use for UK mailboxes; IANA names are used as they are.
_WINDOWS_ZONES = {
    "utc": "UTC",
    "coordinated universal time": "UTC",
    "gmt standard time": "Europe/London",
}
_PATH = "{+baseurl}/users/{user%2Did}/mailboxSettings/automaticRepliesSetting"


def replies_on(setting: AutomaticRepliesSetting, at: datetime) -> bool:
    """Whether automatic replies are on at `at` (always, or inside the scheduled window)."""
    if setting.status == AutomaticRepliesStatus.AlwaysEnabled:
        return True
    if setting.status != AutomaticRepliesStatus.Scheduled:
        return False
    start = _moment(setting.scheduled_start_date_time)
    end = _moment(setting.scheduled_end_date_time)
    return start is not None and end is not None and start <= at < end


def available_unless_away(known: Collection[str], away: Collection[str]) -> Callable[[str], bool]:
    """The `available` callable for `Rota.responders`: known to the directory and not away."""
    return lambda person_id: person_id in known and person_id not in away


class OutOfOffice:
    """The `Availability` port: `GET /users/{id}/mailboxSettings/automaticRepliesSetting`.

    An answer older than the TTL (at most 5 minutes) is still used while a fresh one is fetched
    in the background; only a person never asked about waits (bounded by the Graph timeout).
    """

    def __init__(self, graph: GraphConnection, *, monotonic: Callable[[], float] = time.monotonic):
        self._graph = graph
        self._now = monotonic
        self._ttl = min(graph.settings.cache_ttl_seconds, 300.0)
        self._cache: dict[str, tuple[float, AutomaticRepliesSetting]] = {}
        self._refreshing: dict[str, asyncio.Task[AutomaticRepliesSetting | None]] = {}

    async def away(self, person_ids: Collection[str], at: datetime) -> frozenset[str]:
        """Those of `person_ids` with automatic replies on at `at`; failures count as present."""
        ids = list(dict.fromkeys(p for p in person_ids if p))
        settings = await asyncio.gather(*(self._setting(p) for p in ids))
        return frozenset(p for p, s in zip(ids, settings, strict=True) if s and replies_on(s, at))

    async def settle(self) -> None:
        """Wait for background refreshes (tests)."""
        await asyncio.gather(*self._refreshing.values(), return_exceptions=True)

    async def close(self) -> None:
        """Cancel background refreshes (shutdown; the Graph client is closed by its owner)."""
        for task in list(self._refreshing.values()):
            task.cancel()
        await self.settle()

    async def _setting(self, person_id: str) -> AutomaticRepliesSetting | None:
        cached = self._cache.get(person_id)
        if cached is None:
            return await self._fetch(person_id)
        if cached[0] <= self._now() and person_id not in self._refreshing:
            task = asyncio.create_task(self._fetch(person_id))
            self._refreshing[person_id] = task
            task.add_done_callback(lambda _: self._refreshing.pop(person_id, None))
        return cached[1]

    async def _fetch(self, person_id: str) -> AutomaticRepliesSetting | None:
        builder = self._graph.client.users.by_user_id(person_id).mailbox_settings
        request = builder.to_get_request_information()
        request.url_template = _PATH  # the SDK has no builder for the sub-resource
        adapter = self._graph.client.request_adapter
        try:
            setting = await self._graph.call(
                adapter.send_async(request, AutomaticRepliesSetting, {"XXX": ODataError})
            )
        except GraphError as failed:
            log.warning("mailbox.lookup_failed", extra={"error_code": failed.code})
            return None
        if setting is not None:
            self._cache[person_id] = (self._now() + self._ttl, setting)
        return setting


def _moment(value: DateTimeTimeZone | None) -> datetime | None:
    """A Graph dateTimeTimeZone as an aware datetime (UTC when the zone is not IANA-known)."""
    if value is None or not value.date_time:
        return None
    try:
        local = datetime.fromisoformat(value.date_time)
    except ValueError:
        return None
    if local.tzinfo is not None:
        return local
    name = value.time_zone or "UTC"
    name = _WINDOWS_ZONES.get(name.lower(), name)
    try:
        return local.replace(tzinfo=UTC if name == "UTC" else ZoneInfo(name))
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("mailbox.unknown_time_zone")
        return local.replace(tzinfo=UTC)
