"""Two app instances on one PostgreSQL behave as one: no lost card update, no double escalation.

Each instance is a real app (its own engine, scheduler and clock) behind its own port, as two
containers behind a load balancer would be; both talk to the same fake connector.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from domain.consultation import Status
from tests.e2e.test_flow_timers import CHASE, private, texts
from tests.e2e.test_request_flow import _texts
from tests.support import activities as act
from tests.support.dates import next_working_day_at
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, two_instances

AFTERNOON = next_working_day_at(16, 30)  # a working afternoon after today
END_OF_DAY = AFTERNOON + timedelta(minutes=31)  # 17:01, past the end of that working day


@pytest.fixture
async def pair(
    database_url: str, connector: FakeConnector
) -> AsyncIterator[tuple[BotUnderTest, BotUnderTest]]:
    async with two_instances(database_url, connector, AFTERNOON) as running:
        yield running


async def _post(bot: BotUnderTest) -> tuple[dict[str, Any], str, str]:
    post = act.channel_post(bot.connector.service_url, act.PRIYA, "Urgent step up please")
    await bot.send(post)
    card = next(
        c
        for c in bot.connector.posted()
        if c.cards and c.conversation_id == post["conversation"]["id"]
    )
    return post, card.cards[0]["actions"][0]["data"]["consultationId"], card.returned_id or ""


async def test_two_managers_pressing_at_once_on_two_instances_change_it_once(
    pair: tuple[BotUnderTest, BotUnderTest],
) -> None:
    first, second = pair
    post, consultation_id, card_id = await _post(first)
    url = first.connector.service_url
    presses = [
        act.card_action(
            url,
            user,
            "acknowledge",
            {"consultationId": consultation_id},
            root_id=str(post["id"]),
            card_activity_id=card_id,
        )
        for user in (act.TOM, act.SAM)
    ]
    replies = await asyncio.gather(first.send(presses[0]), second.send(presses[1]))
    kinds = sorted(r.body["type"] for r in replies)
    assert kinds == [
        "application/vnd.microsoft.activity.message",
        "application/vnd.microsoft.card.adaptive",
    ]
    found = await second.runtime.consultations.get(consultation_id)  # type: ignore[union-attr]
    assert found is not None
    consultation = found[0]
    assert consultation.status is Status.ACKNOWLEDGED
    assert [e.kind.value for e in consultation.events].count("acknowledged") == 1
    updates = first.connector.of("update")
    assert len(updates) == 1 and "Acknowledged" in _texts(updates[0].cards[0])


async def test_the_end_of_day_escalation_is_sent_once_by_two_ticking_instances(
    pair: tuple[BotUnderTest, BotUnderTest],
) -> None:
    first, second = pair
    post, _, _ = await _post(first)
    start = len(first.connector.calls)
    body = json.dumps({"now": END_OF_DAY.isoformat()})
    headers = {"Content-Type": "application/json"}
    await asyncio.gather(
        first.raw("POST", "/api/dev/clock", body, headers),
        second.raw("POST", "/api/dev/clock", body, headers),
    )
    tickers = [bot.runtime.ticker for bot in pair]
    assert all(tickers)
    for _ in range(3):
        await asyncio.gather(*(t.run_now() for t in tickers if t))
    calls = first.connector.calls[start:]
    thread = [
        c for c in calls if c.op == "reply" and c.conversation_id == post["conversation"]["id"]
    ]
    assert len(thread) == 1  # the @mention post, once
    # Each person hears once, however many instances tick: the two MAP team managers the end
    # of day escalation, and the requester the checklist chase (one text, the form once).
    for manager in (act.TOM, act.EWA):
        said = texts(private(first.connector, manager, start))
        assert len(said) == 1 and "not acknowledged by the end of the working day" in said[0]
    chase = private(first.connector, act.PRIYA, start)
    assert [CHASE in c.text for c in chase if c.text] == [True]
    assert len([c for c in chase if c.cards]) == 1
    everyone = sum(len(private(first.connector, u, start)) for u in (act.TOM, act.EWA, act.PRIYA))
    assert everyone == len([c for c in calls if c.op in ("send", "reply") and c not in thread])
