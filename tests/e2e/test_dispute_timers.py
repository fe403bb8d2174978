"""Issue 15's first hole: a dispute that reaches level 2 is not left sitting unseen.

Through /api/messages, pressing the cards a person sees: Tom records an outcome, Priya disputes
it, Ewa upholds it (level 1), Priya disputes again (level 2). The Surrey definition's
`dispute_level_2` timer then tells both service managers at once, once; the dates are computed
from today with the demo council's calendar.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from tests.e2e.test_everyday_forms import latest_card, submit_request
from tests.e2e.test_flow_timers import move_to, private, texts
from tests.support import activities as act
from tests.support.dates import demo_calendar, duty_day_at
from tests.support.fake_connector import ConnectorCall, FakeConnector
from tests.support.harness import BotUnderTest, installed_bot
from tests.support.press import CardForm, card_of, place_of, press, texts_of

MONDAY = duty_day_at(act.TOM.aad_id, weekday=0, hour=10)  # Tom on duty, a week ahead of it
SERVICE_MANAGERS = (act.GRACE, act.DANIEL)


@pytest.fixture
async def bot(database_url: str, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(database_url, connector, MONDAY) as running:
        yield running


async def _pressed(bot: BotUnderTest, who: act.User, thread: ConnectorCall, title: str) -> None:
    reply = await press(bot, who, latest_card(bot, thread), title, place_of(thread))
    assert reply.body["type"] == "application/vnd.microsoft.card.adaptive", reply.body


async def _disputed_twice(bot: BotUnderTest) -> ConnectorCall:
    """The request, its outcome disputed, upheld at level 1 and disputed again."""
    thread = await submit_request(bot)
    place = place_of(thread)
    await _pressed(bot, act.TOM, thread, "Acknowledge")
    opened = await press(bot, act.TOM, latest_card(bot, thread), "Record outcome", place)
    outcome = CardForm(card_of(opened)).choose("Outcome", "Threshold not met: Level 3 continues")
    recorded = await press(bot, act.TOM, outcome, "Record outcome", place)
    assert recorded.body["type"] == "application/vnd.microsoft.card.adaptive", recorded.body
    await _pressed(bot, act.PRIYA, thread, "Dispute outcome")
    opened = await press(bot, act.EWA, latest_card(bot, thread), "Review decision", place)
    review = CardForm(card_of(opened)).choose("Your decision", "Uphold the decision")
    reviewed = await press(bot, act.EWA, review, "Record review", place)
    assert reviewed.body["type"] == "application/vnd.microsoft.card.adaptive", reviewed.body
    await _pressed(bot, act.PRIYA, thread, "Dispute outcome")
    return thread


async def test_a_level_two_dispute_reaches_both_service_managers_at_once_and_once(
    bot: BotUnderTest,
) -> None:
    thread = await _disputed_twice(bot)
    start = len(bot.connector.calls)

    await move_to(bot, MONDAY + timedelta(minutes=1))  # the next tick

    for manager in SERVICE_MANAGERS:
        [told] = texts(private(bot.connector, manager, start))
        assert "needs attention: disputed - reviewer needed" in told and "/l/message/" in told
        assert "Riverside" not in told and "Priya" not in told
    assert "escalated to service managers" in texts_of(latest_card(bot, thread).cards[0])

    settled = len(bot.connector.calls)
    await bot.restart()
    await move_to(bot, MONDAY + timedelta(minutes=30))
    for manager in SERVICE_MANAGERS:
        assert texts(private(bot.connector, manager, settled)) == []

    # Timed: still without a reviewer a working day later, it reaches them again, once.
    a_day_on = demo_calendar().add_working_days(MONDAY, 1)
    await move_to(bot, a_day_on - timedelta(minutes=1))
    for manager in SERVICE_MANAGERS:
        assert texts(private(bot.connector, manager, settled)) == []
    await move_to(bot, a_day_on + timedelta(minutes=1))
    await move_to(bot, a_day_on + timedelta(minutes=30))
    for manager in SERVICE_MANAGERS:
        [again] = texts(private(bot.connector, manager, settled))
        assert "disputed - reviewer needed for 1 working day" in again
