"""The duty rota from a SharePoint list and from Teams Shifts, as the domain's Rota."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.rota import Rota
from graph.client import GraphConnection, GraphError
from graph.directory import GraphDirectory
from graph.rota_sources import SharePointRota, ShiftsRota
from profiles.domain_map import rota_from_profile
from services.clock import MovableClock
from tests.integration.graph.conftest import graph_profile
from tests.support import activities as act
from tests.support import fake_graph as fg
from tests.support.dates import local_at

# Morgan's week in the demo rota list (computed from today by fake_graph; the profile's rotation
# gives it to Tom) and its days.
WEEK = fg.ROTA_WEEK
TUESDAY = local_at(WEEK + timedelta(days=1), 10)
LATER = WEEK + timedelta(days=14)  # a week that nobody known is set for


def _day_shift(days: int) -> tuple[str, str]:
    """08:00 to 17:00 London time, `days` after the week's Monday, as Graph writes them."""
    day = WEEK + timedelta(days=days)
    return fg.local_z(day, 8), fg.local_z(day, 17)


async def _directory(connection: GraphConnection) -> GraphDirectory:
    directory = GraphDirectory(connection, graph_profile())
    await directory.start()
    return directory


def _source(connection: GraphConnection, directory: GraphDirectory) -> SharePointRota:
    config = directory.profile.graph.rota_list
    assert config is not None
    return SharePointRota(connection, config, directory)


async def test_weeks_and_covers_come_from_the_list_across_pages(
    fake: fg.FakeGraph, connection: GraphConnection
) -> None:
    rows = fg.demo_rota_list() + [
        # Local midnight of Monday 22 June in summer time is 23:00 UTC the day before.
        fg.list_item(3, WeekStarting="2026-06-21T23:00:00Z", DutyManager=act.EWA.aad_id),
        fg.list_item(4, WeekStarting=LATER.isoformat(), DutyManager="nobody@northdown.gov.uk"),
    ]
    fake.list_items[(fg.ROTA_SITE, fg.ROTA_LIST)] = rows
    directory = await _directory(connection)
    base = rota_from_profile(directory.profile)

    rota = await _source(connection, directory).rota(base)

    assert rota.on_duty(TUESDAY).primary == fg.MORGAN.aad_id  # the profile's rotation says Tom
    assert rota.on_duty(TUESDAY).source == "week"
    assert rota.weeks[date(2026, 6, 22)] == act.EWA.aad_id
    covered = rota.on_duty(local_at(fg.COVER_TO, 12))  # the cover's last day, in Ewa's week
    assert (covered.primary, covered.source) == (act.TOM.aad_id, "cover")
    assert rota.on_duty(local_at(fg.COVER_TO + timedelta(days=1), 12)).primary == act.EWA.aad_id
    assert rota.rotation == base.rotation and rota.deputies == base.deputies
    assert LATER not in rota.weeks  # an unknown person is never guessed
    pages = fake.of("GET", f"/sites/{fg.ROTA_SITE}/lists/{fg.ROTA_LIST}/items")
    assert len(pages) == 2 and pages[0].query["$expand"] == "fields"


async def test_a_list_the_app_may_not_read_is_a_clear_error(
    fake: fg.FakeGraph, connection: GraphConnection
) -> None:
    fake.list_items[(fg.ROTA_SITE, fg.ROTA_LIST)] = fg.demo_rota_list()
    directory = await _directory(connection)
    fake.fail("GET", "/items", 403)

    with pytest.raises(GraphError) as raised:
        await _source(connection, directory).rota(rota_from_profile(directory.profile))
    assert (raised.value.status, raised.value.where) == (403, "rota list")


async def test_shifts_become_covers_for_whoever_is_on_duty(
    fake: fg.FakeGraph, connection: GraphConnection
) -> None:
    team = "7d3e4f50-2222-4b3c-9d4e-000000000100"
    fake.shifts[team] = [
        fg.shift(act.EWA, *_day_shift(1)),
        fg.shift(act.SAM, *_day_shift(2)),
        fg.shift(act.EWA, *_day_shift(-3)),  # the Friday before: over already
        fg.shift(act.TOM, *_day_shift(3), group="TAG_other"),
        fg.shift(act.STRANGER, *_day_shift(1)),
    ]
    directory = await _directory(connection)
    base = rota_from_profile(directory.profile)
    source = ShiftsRota(connection, team, directory, MovableClock(TUESDAY), "TAG_duty")

    rota: Rota = await source.rota(base)

    assert [(c.covering, c.reason) for c in rota.covers] == [
        (act.EWA.aad_id, "shift"),
        (act.SAM.aad_id, "shift"),
    ]
    assert rota.on_duty(TUESDAY).primary == act.EWA.aad_id
    assert rota.on_duty(local_at(WEEK + timedelta(days=1), 18)).primary == act.TOM.aad_id
    assert len(fake.of("GET", f"/teams/{team}/schedule/shifts")) == 3  # 5 shifts, 2 a page
