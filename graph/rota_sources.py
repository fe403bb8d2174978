"""The duty rota where the service keeps it: a SharePoint list or Teams Shifts, as a domain Rota.

Both add to the profile's rota (its rotation, deputies and hand-over stay): a list gives explicit
weeks and covers, Shifts gives covers (a shift is a spell of duty for whoever is on the rota).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.sites.item.lists.item.items.items_request_builder import (
    ItemsRequestBuilder,
)

from domain.rota import Cover, Rota
from graph.client import GraphConnection, GraphError
from profiles.schema import RotaList
from services.clock import Clock
from services.directory import Directory

log = logging.getLogger(__name__)


async def people_index(directory: Directory) -> dict[str, str]:
    """E-mail (lower case) and Entra object id -> Entra object id, for everyone known."""
    index: dict[str, str] = {}
    for person in await directory.everyone():
        index[person.id.lower()] = person.id
        if person.email:
            index[person.email.lower()] = person.id
    return index


class SharePointRota:
    """Weeks and covers from `GET /sites/{site}/lists/{list}/items?expand=fields` (paged)."""

    def __init__(self, graph: GraphConnection, config: RotaList, directory: Directory) -> None:
        self._graph = graph
        self._config = config
        self._directory = directory

    async def rota(self, base: Rota) -> Rota:
        """`base` with the list's duty weeks and covers."""
        people, zone = await people_index(self._directory), ZoneInfo(base.timezone)
        c = self._config
        weeks: dict[date, str] = {_week(d, base): p for d, p in base.weeks.items()}
        covers = list(base.covers)
        skipped = 0
        try:
            async for row in self._rows():
                day, manager = _day(row.get(c.week_field), zone), _who(row, c.manager_field, people)
                if day is not None and manager is not None:
                    weeks[_week(day, base)] = manager  # a later row for the same week wins
                    continue
                cover = _cover(row, c, people, zone)
                if cover is not None:
                    covers.append(cover)
                else:
                    skipped += 1
        except GraphError as failed:
            raise GraphError(failed.code, failed.status, "rota list") from None
        if skipped:
            log.warning("rota.list_rows_skipped", extra={"count": skipped})
        return replace(base, weeks=weeks, covers=tuple(covers))

    async def _rows(self) -> AsyncIterator[dict[str, Any]]:
        items = (
            self._graph.client.sites.by_site_id(self._config.site_id)
            .lists.by_list_id(self._config.list_id)
            .items
        )
        query = ItemsRequestBuilder.ItemsRequestBuilderGetQueryParameters(expand=["fields"])
        page = await self._graph.call(items.get(RequestConfiguration(query_parameters=query)))
        while page is not None:
            for item in page.value or []:
                if item.fields is not None:
                    yield item.fields.additional_data
            if not page.odata_next_link:
                break
            page = await self._graph.call(items.with_url(page.odata_next_link).get())


class ShiftsRota:
    """Covers from `GET /teams/{id}/schedule/shifts`: each published shift of a known person."""

    def __init__(
        self,
        graph: GraphConnection,
        team_id: str,
        directory: Directory,
        clock: Clock,
        group_id: str | None = None,
    ) -> None:
        self._graph = graph
        self._team_id = team_id
        self._directory = directory
        self._clock = clock
        self._group_id = group_id

    async def rota(self, base: Rota) -> Rota:
        """`base` with a cover for every shift that has not ended."""
        known = set((await people_index(self._directory)).values())
        now = self._clock.now()
        covers = list(base.covers)
        shifts = self._graph.client.teams.by_team_id(self._team_id).schedule.shifts
        try:
            page = await self._graph.call(shifts.get())
            while page is not None:
                for shift in page.value or []:
                    item = shift.shared_shift
                    if item is None or shift.is_staged_for_deletion or shift.user_id not in known:
                        continue
                    if self._group_id and shift.scheduling_group_id != self._group_id:
                        continue
                    start, end = item.start_date_time, item.end_date_time
                    if start is None or end is None or end <= now or not start < end:
                        continue
                    assert shift.user_id is not None
                    covers.append(Cover(shift.user_id, None, start, end, reason="shift"))
                if not page.odata_next_link:
                    break
                page = await self._graph.call(shifts.with_url(page.odata_next_link).get())
        except GraphError as failed:
            raise GraphError(failed.code, failed.status, "shifts") from None
        return replace(base, covers=tuple(covers))


def _week(day: date, rota: Rota) -> date:
    """The hand-over weekday on or before `day` (the key the Rota gives that week)."""
    return day - timedelta(days=(day.weekday() - rota.handover_weekday) % 7)


def _day(value: object, zone: ZoneInfo) -> date | None:
    """A SharePoint date: "2026-11-23", or local midnight stored in UTC ("...T00:00:00Z").

    The SDK's JSON reader already turns ISO strings in `fields` into date or datetime objects.
    """
    if isinstance(value, str) and value:
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value.astimezone(zone).date() if value.tzinfo else value.date()
    return value if isinstance(value, date) else None


def _who(row: dict[str, Any], field: str, people: dict[str, str]) -> str | None:
    value = row.get(field)  # an e-mail, or an object id the SDK may have read as a UUID
    return people.get(str(value).strip().lower()) if isinstance(value, str | UUID) else None


def _cover(
    row: dict[str, Any], c: RotaList, people: dict[str, str], zone: ZoneInfo
) -> Cover | None:
    """A cover row: first and last day (inclusive), who covers and, optionally, for whom."""
    first, last = _day(row.get(c.cover_start_field), zone), _day(row.get(c.cover_end_field), zone)
    covering = _who(row, c.covering_field, people)
    if first is None or last is None or covering is None or last < first:
        return None
    covered = _who(row, c.covered_field, people)
    if covered is None and row.get(c.covered_field):
        return None  # names someone we do not know: never guess whom it replaces
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    return Cover(covering, covered, start, end, reason="rota list")
