"""The live rota and directory: re-read when due, the last good copy kept when Graph fails."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from graph.client import GraphConnection
from graph.directory import GraphDirectory
from graph.refresh import GraphRefresh
from profiles.domain_map import policy_from_profile
from services.clock import MovableClock
from services.directory import StaffPerson
from tests.integration.graph.conftest import graph_profile
from tests.support import activities as act
from tests.support import fake_graph as fg
from tests.support.dates import local_at

# Tuesday 10:00 of Morgan's week in the demo list, and a day of it where Tom covers Ewa (both
# computed from today by fake_graph, like the list itself).
TUESDAY = local_at(fg.ROTA_WEEK + timedelta(days=1), 10)
COVERED_DAY = local_at(fg.COVER_FROM, 11)
ITEMS = f"/sites/{fg.ROTA_SITE}/lists/{fg.ROTA_LIST}/items"


@pytest.fixture
async def live(fake: fg.FakeGraph, connection: GraphConnection) -> GraphRefresh:
    """Started: the demo rota list read once, the clock at Tuesday 10:00."""
    fake.list_items[(fg.ROTA_SITE, fg.ROTA_LIST)] = fg.demo_rota_list()
    directory = GraphDirectory(connection, graph_profile())
    await directory.start()
    refresh = GraphRefresh(directory, policy_from_profile(directory.profile), MovableClock(TUESDAY))
    await refresh.start()
    return refresh


def _clock(live: GraphRefresh) -> MovableClock:
    clock = live._clock
    assert isinstance(clock, MovableClock)
    return clock


async def test_a_tick_reads_nothing_until_the_ttl_has_passed(
    live: GraphRefresh, fake: fg.FakeGraph
) -> None:
    calls = len(fake.calls)
    items, groups = len(fake.of("GET", ITEMS)), len(fake.of("GET", "/transitiveMembers"))
    _clock(live).advance(timedelta(seconds=899))
    await live.tick()
    assert len(fake.calls) == calls

    _clock(live).advance(timedelta(seconds=1))
    await live.tick()
    assert len(fake.of("GET", ITEMS)) == items + 1  # the list, one page
    assert len(fake.of("GET", "/transitiveMembers")) > groups  # and the role groups


async def test_a_row_deleted_from_the_list_is_gone_after_the_refresh(
    live: GraphRefresh, fake: fg.FakeGraph
) -> None:
    policy = live.policy
    assert policy.rota.on_duty(TUESDAY).primary == fg.MORGAN.aad_id
    assert policy.rota.on_duty(COVERED_DAY).primary == act.TOM.aad_id

    del fake.list_items[(fg.ROTA_SITE, fg.ROTA_LIST)][1]  # the cover row
    assert await live.refresh()

    # Every read starts from the profile's rota: the cover does not linger from the last read.
    assert policy.rota.on_duty(COVERED_DAY).primary == act.EWA.aad_id
    assert policy.rota.on_duty(TUESDAY).primary == fg.MORGAN.aad_id


async def test_a_failed_read_keeps_the_last_good_rota_and_retries_within_a_minute(
    live: GraphRefresh, fake: fg.FakeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    good = live.policy.rota
    fake.list_items[(fg.ROTA_SITE, fg.ROTA_LIST)][0]["fields"]["DutyManager"] = act.EWA.aad_id
    fake.fail("GET", "/items", 500, times=None)
    caplog.set_level(logging.INFO)

    assert not await live.refresh()
    assert live.policy.rota is good
    [warning] = [r for r in caplog.records if r.getMessage() == "rota.refresh_failed"]
    assert (getattr(warning, "error_code", None), getattr(warning, "key", None)) == (
        "http_500",
        "rota list",
    )
    assert warning.exc_info is None and "fake Graph" not in caplog.text

    fake.faults.clear()
    _clock(live).advance(timedelta(seconds=59))
    await live.tick()
    assert live.policy.rota is good  # not due yet
    _clock(live).advance(timedelta(seconds=1))
    await live.tick()
    assert live.policy.rota.on_duty(TUESDAY).primary == act.EWA.aad_id


async def test_directory_listeners_get_every_good_refresh_and_no_failed_one(
    live: GraphRefresh, fake: fg.FakeGraph
) -> None:
    heard: list[tuple[StaffPerson, ...]] = []
    live.directory.on_refresh(heard.append)
    fake.groups[fg.REQ_GROUP].append(fg.MORGAN.aad_id)

    assert await live.refresh()
    assert len(heard) == 1 and fg.MORGAN.aad_id in {p.id for p in heard[0]}

    fake.fail("GET", "/transitiveMembers", 500, times=None)
    assert not await live.refresh()
    assert len(heard) == 1
    morgan = await live.directory.by_id(fg.MORGAN.aad_id)
    assert morgan is not None and morgan.name == "Morgan Lee"  # the last good snapshot


async def test_a_learnt_teams_id_survives_a_refresh(live: GraphRefresh) -> None:
    directory = live.directory
    directory.remember_teams_id(fg.MORGAN.aad_id, fg.MORGAN.teams_id)
    assert await live.refresh()
    morgan = await directory.by_teams_id(fg.MORGAN.teams_id)
    assert morgan is not None and morgan.teams_id == fg.MORGAN.teams_id
