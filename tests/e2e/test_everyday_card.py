"""The request card as people see it: the deadline that applies, and no stale private copies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.support import activities as act
from tests.support.dates import next_working_day_at
from tests.support.fake_connector import ConnectorCall, FakeConnector
from tests.support.harness import BotUnderTest, installed_bot
from tests.support.press import card_of, place_of, texts_of

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def ten_am() -> datetime:
    return next_working_day_at(10)


@pytest.fixture
async def card_bot(
    database_url: str, connector: FakeConnector, ten_am: datetime
) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(database_url, connector, ten_am) as running:
        yield running


async def post(bot: BotUnderTest, words: str) -> ConnectorCall:
    activity = act.channel_post(bot.connector.service_url, act.PRIYA, words)
    await bot.send(activity)
    conversation = activity["conversation"]["id"]
    cards = [c for c in bot.connector.posted() if c.conversation_id == conversation and c.cards]
    assert len(cards) == 1
    return cards[0]


def at(moment: datetime) -> str:
    return f"{moment.astimezone(LONDON):%a %-d %b %H:%M}"


async def test_an_urgent_card_shows_its_60_working_minute_deadline_not_the_end_of_the_day(
    card_bot: BotUnderTest, ten_am: datetime
) -> None:
    urgent = await post(card_bot, "Urgent step up consultation please")
    shown = texts_of(urgent.cards[0])
    assert "Urgency: Urgent" in shown
    assert f"Acknowledge by: {at(ten_am + timedelta(minutes=60))}" in shown  # not 17:00
    # A MAP worker's own view (the card's refresh action, as Teams sends it) says the same.
    refresh = urgent.cards[0]["refresh"]["action"]
    refreshed = await card_bot.send(
        act.card_action(
            card_bot.connector.service_url,
            act.SAM,
            refresh["verb"],
            refresh["data"],
            root_id=place_of(urgent).root_id,
            card_activity_id=place_of(urgent).activity_id,
        )
    )
    assert f"Acknowledge by: {at(ten_am + timedelta(minutes=60))}" in texts_of(card_of(refreshed))


async def test_a_standard_card_keeps_the_end_of_the_working_day(
    card_bot: BotUnderTest, ten_am: datetime
) -> None:
    standard = await post(card_bot, "Step up consultation please")
    end_of_day = ten_am.astimezone(LONDON).replace(hour=17)
    assert f"Acknowledge by: {at(end_of_day)}" in texts_of(standard.cards[0])
