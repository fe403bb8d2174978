"""Sending the same private details again changes nothing: no new event, look or card.

Teams retries invokes and people double-click; an attack run sent one submit 20 times and got 21
events and 20 extra cards to the duty manager. The form is read as the requester received it and
its own "Send privately" action is pressed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.tables import access_audit, consultation_events
from tests.e2e.test_private_details import VALID, _acknowledged_request, _in_chat
from tests.e2e.test_request_flow import TUESDAY_10AM, _texts
from tests.support import activities as act
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, installed_bot


@pytest.fixture
async def bot(database_url: str, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(database_url, connector, TUESDAY_10AM) as running:
        yield running


def _filled_send(form: dict[str, Any], values: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """The verb and data the form's own "Send privately" button sends with `values` typed in."""
    inputs = {e["id"] for e in form["body"] if str(e.get("type", "")).startswith("Input.")}
    assert set(values) <= inputs, f"the form has no input {set(values) - inputs}"
    send = next(a for a in form["actions"] if a["title"] == "Send privately")
    return send["verb"], {**send["data"], **values}


async def _counts(bot: BotUnderTest) -> tuple[int, int]:
    engine = bot.runtime.engine
    assert engine is not None
    async with engine.connect() as conn:
        events = (
            await conn.execute(select(func.count()).select_from(consultation_events))
        ).scalar_one()
        looks = (await conn.execute(select(func.count()).select_from(access_audit))).scalar_one()
    return int(events), int(looks)


def _details_cards(bot: BotUnderTest) -> int:
    return sum(1 for c in _in_chat(bot, act.TOM) if c.cards and "7304518" in _texts(c.cards[0]))


async def test_the_same_details_sent_twenty_times_are_recorded_and_forwarded_once(
    bot: BotUnderTest,
) -> None:
    await _acknowledged_request(bot)
    form = next(
        c.cards[0] for c in _in_chat(bot, act.PRIYA) if "Case details for" in _texts(c.cards[0])
    )
    verb, data = _filled_send(form, VALID)
    press = act.personal_card_action(bot.connector.service_url, act.PRIYA, verb, data)

    first = await bot.send(press)
    assert "saved privately" in _texts(first.body["value"])
    after_first = await _counts(bot)
    updates = len(bot.connector.of("update"))
    assert _details_cards(bot) == 1

    again = await asyncio.gather(*(bot.send(press) for _ in range(10)))
    for _ in range(9):
        again.append(await bot.send(press))
    assert all("saved privately" in _texts(r.body["value"]) for r in again)  # same answer
    assert await _counts(bot) == after_first  # no event, no audited look
    assert _details_cards(bot) == 1  # no second card to the duty manager
    assert len(bot.connector.of("update")) == updates  # the thread card is not rewritten


async def test_changed_details_are_still_saved_and_forwarded(bot: BotUnderTest) -> None:
    await _acknowledged_request(bot)
    form = next(
        c.cards[0] for c in _in_chat(bot, act.PRIYA) if "Case details for" in _texts(c.cards[0])
    )
    url = bot.connector.service_url
    verb, data = _filled_send(form, VALID)
    await bot.send(act.personal_card_action(url, act.PRIYA, verb, data))
    verb, data = _filled_send(form, {**VALID, "phone": "0113 496 0999"})
    reply = await bot.send(act.personal_card_action(url, act.PRIYA, verb, data))
    assert "saved privately" in _texts(reply.body["value"])
    to_tom = [c for c in _in_chat(bot, act.TOM) if c.cards and "7304518" in _texts(c.cards[0])]
    assert len(to_tom) == 2 and "0113 496 0999" in _texts(to_tom[-1].cards[0])
