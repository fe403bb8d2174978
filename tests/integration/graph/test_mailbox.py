"""Out of office: automatic replies on -> the request goes to the deputy."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import pytest

from graph.client import GraphConnection
from graph.mailbox import OutOfOffice, available_unless_away
from profiles.domain_map import rota_from_profile
from tests.integration.graph.conftest import graph_profile
from tests.support import activities as act
from tests.support import fake_graph as fg
from tests.support.dates import duty_day_at

TUESDAY = duty_day_at(act.TOM.aad_id, weekday=1, hour=10)  # Tom's week; Sam is the deputy
PEOPLE = [act.TOM.aad_id, act.EWA.aad_id, act.SAM.aad_id]


def _utc(moment: datetime) -> str:
    """A moment as Graph writes a dateTime in the UTC zone: "2026-11-24T09:00:00"."""
    return f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%S}"


def _window(start: str, end: str, zone: str = "UTC") -> dict[str, object]:
    return {
        "status": "scheduled",
        "scheduledStartDateTime": {"dateTime": f"{start}.0000000", "timeZone": zone},
        "scheduledEndDateTime": {"dateTime": f"{end}.0000000", "timeZone": zone},
        "internalReplyMessage": "<p>I am away.</p>",
    }


async def test_a_duty_manager_with_automatic_replies_on_hands_over_to_the_deputy(
    fake: fg.FakeGraph, connection: GraphConnection
) -> None:
    fake.automatic_replies[act.TOM.aad_id] = {"status": "alwaysEnabled"}
    rota = rota_from_profile(graph_profile())
    managers = [act.TOM.aad_id, act.EWA.aad_id]

    away = await OutOfOffice(connection).away(PEOPLE, TUESDAY)

    assert away == {act.TOM.aad_id}
    available = available_unless_away(set(PEOPLE), away)
    assert rota.responders(TUESDAY, available, managers) == (act.SAM.aad_id,)
    paths = {c.path for c in fake.of("GET", "/mailboxSettings")}
    assert f"/users/{act.TOM.aad_id}/mailboxSettings/automaticRepliesSetting" in paths


async def test_scheduled_replies_count_only_inside_their_window(
    fake: fg.FakeGraph, connection: GraphConnection
) -> None:
    # Tom away from an hour before TUESDAY for a day; Ewa away the whole next day (UTC).
    tom_from = TUESDAY - timedelta(hours=1)
    fake.automatic_replies[act.TOM.aad_id] = _window(
        _utc(tom_from), _utc(tom_from + timedelta(days=1))
    )
    ewa_from = datetime.combine(TUESDAY.date() + timedelta(days=1), datetime.min.time(), UTC)
    fake.automatic_replies[act.EWA.aad_id] = _window(
        _utc(ewa_from), _utc(ewa_from + timedelta(days=1))
    )
    # 10:30 in London in summer is 09:30 UTC: inside a window that ends at 10:30 local time.
    fake.automatic_replies[act.SAM.aad_id] = _window(
        "2026-06-01T09:00:00", "2026-06-01T10:30:00", "GMT Standard Time"
    )
    ooo = OutOfOffice(connection)

    assert await ooo.away(PEOPLE, TUESDAY) == {act.TOM.aad_id}
    summer = datetime(2026, 6, 1, 9, 20, tzinfo=UTC)
    assert await ooo.away([act.SAM.aad_id], summer) == {act.SAM.aad_id}
    assert await ooo.away([act.SAM.aad_id], summer.replace(minute=40)) == frozenset()


async def test_answers_are_cached_and_failures_count_as_present(
    fake: fg.FakeGraph, connection: GraphConnection, caplog: pytest.LogCaptureFixture
) -> None:
    fake.automatic_replies[act.EWA.aad_id] = {"status": "alwaysEnabled"}
    fake.fail("GET", f"/users/{act.TOM.aad_id}/mailboxSettings", 403)
    ooo = OutOfOffice(connection)

    with caplog.at_level(logging.WARNING):
        assert await ooo.away(PEOPLE, TUESDAY) == {act.EWA.aad_id}
    assert "mailbox.lookup_failed" in caplog.text
    assert await ooo.away(PEOPLE, TUESDAY) == {act.EWA.aad_id}
    # Three asked once each; Tom asked again because his failure was not cached.
    assert len(fake.of("GET", "/mailboxSettings")) == 4


async def test_an_old_answer_is_used_at_once_and_refreshed_in_the_background(
    fake: fg.FakeGraph, connection: GraphConnection
) -> None:
    now = [0.0]
    ooo = OutOfOffice(connection, monotonic=lambda: now[0])
    assert await ooo.away([act.TOM.aad_id], TUESDAY) == frozenset()

    fake.automatic_replies[act.TOM.aad_id] = {"status": "alwaysEnabled"}
    fake.fail("GET", "/mailboxSettings", 200, delay=1.0)  # Graph is slow now
    now[0] = 301.0
    started = time.perf_counter()
    assert await ooo.away([act.TOM.aad_id], TUESDAY) == frozenset()  # the old answer...
    assert time.perf_counter() - started < 0.5  # ...at once
    await ooo.settle()
    assert await ooo.away([act.TOM.aad_id], TUESDAY) == {act.TOM.aad_id}
    assert len(fake.of("GET", "/mailboxSettings")) == 2
