"""Issue 15: at the weekly rota hand-over, requests nobody has taken on follow the duty rota.

The Surrey definition's `handover` rule (profiles/processes/surrey_step_up.yaml): untaken
requests (posted, assigned by the rota, not acknowledged) go to the incoming duty manager, who
is told privately and @mentioned in the thread, and the outgoing one is told; requests someone
acknowledged stay with them. Dates come from the demo rota: a Friday in Tom's week, then the
Monday hand-over that gives the week to Ewa.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from services.clock import MovableClock
from tests.e2e.test_escalation import mentioned, move, private
from tests.e2e.test_everyday_forms import assignee_of, latest_card, submit_request
from tests.e2e.test_owner_notices import reassign_to_sam, thread_replies
from tests.support import activities as act
from tests.support.dates import demo_rota, duty_day_at
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, installed_bot, two_instances
from tests.support.press import place_of, press, texts_of

FRIDAY = duty_day_at(act.TOM.aad_id, weekday=4, hour=11)  # Tom on duty
HANDOVER = demo_rota().next_handover(FRIDAY)  # Monday 00:00 London: Ewa's week begins
AFTER_HANDOVER = HANDOVER + timedelta(minutes=10)


@pytest.fixture
async def bot(database_url: str, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(database_url, connector, FRIDAY) as running:
        yield running


def test_the_story_dates_are_a_hand_over_from_tom_to_ewa() -> None:
    rota = demo_rota()
    assert rota.on_duty(FRIDAY).primary == act.TOM.aad_id
    assert rota.on_duty(AFTER_HANDOVER).primary == act.EWA.aad_id


async def test_an_untaken_request_goes_to_the_incoming_duty_manager_and_both_are_told(
    bot: BotUnderTest,
) -> None:
    thread = await submit_request(bot)
    assert await assignee_of(bot, thread) == act.TOM
    await move(bot, now=(HANDOVER - timedelta(minutes=5)).isoformat())  # Friday's escalations
    start = len(bot.connector.calls)

    await move(bot, now=AFTER_HANDOVER.isoformat())

    assert await assignee_of(bot, thread) == act.EWA
    [to_ewa] = private(bot.connector, act.EWA, start)
    assert "has been handed to you" in to_ewa and "/l/message/" in to_ewa
    [to_tom] = private(bot.connector, act.TOM, start)
    assert "is no longer yours: it has been handed to Ewa Nowak" in to_tom
    [mention] = thread_replies(bot, thread, start)
    assert mentioned(mention) == {act.EWA.teams_id}
    card = texts_of(latest_card(bot, thread).cards[0])
    assert "<at>Ewa Nowak</at>" in card
    assert "reassigned to Ewa Nowak by the duty rota" in card
    # Nothing of the family travels with the notices.
    for text in (to_ewa, to_tom, mention.text):
        assert "Riverside" not in text and "Priya" not in text

    settled = len(bot.connector.calls)
    await move(bot, advance_minutes=10)
    await bot.restart()
    await move(bot, advance_minutes=10)
    assert len(bot.connector.calls) == settled  # once, across ticks and a restart
    assert await assignee_of(bot, thread) == act.EWA


async def test_a_request_someone_took_on_stays_with_them_at_the_hand_over(
    bot: BotUnderTest,
) -> None:
    thread = await submit_request(bot)
    pressed = await press(bot, act.TOM, latest_card(bot, thread), "Acknowledge", place_of(thread))
    assert pressed.status == 200, pressed.body
    start = len(bot.connector.calls)

    await move(bot, now=AFTER_HANDOVER.isoformat())

    assert await assignee_of(bot, thread) == act.TOM
    told = private(bot.connector, act.EWA, start) + private(bot.connector, act.TOM, start)
    assert [t for t in told if "handed to" in t] == []
    assert [c for c in thread_replies(bot, thread, start) if mentioned(c)] == []


async def test_a_request_a_manager_gave_to_someone_stays_with_them(bot: BotUnderTest) -> None:
    thread = await submit_request(bot)
    await reassign_to_sam(bot, thread)
    assert await assignee_of(bot, thread) == act.SAM
    start = len(bot.connector.calls)

    await move(bot, now=AFTER_HANDOVER.isoformat())

    assert await assignee_of(bot, thread) == act.SAM
    assert [t for t in private(bot.connector, act.EWA, start) if "handed to you" in t] == []


@pytest.fixture
async def pair(
    database_url: str, connector: FakeConnector
) -> AsyncIterator[tuple[BotUnderTest, BotUnderTest]]:
    async with two_instances(database_url, connector, FRIDAY) as running:
        yield running


async def test_two_ticking_instances_hand_a_request_over_once(
    pair: tuple[BotUnderTest, BotUnderTest],
) -> None:
    first, second = pair
    thread = await submit_request(first)
    await move(first, now=(HANDOVER - timedelta(minutes=5)).isoformat())
    start = len(first.connector.calls)
    for bot in pair:  # both clocks past the hand-over, then both tick at once, three times
        assert isinstance(bot.clock, MovableClock)
        bot.clock.set(AFTER_HANDOVER)
    tickers = [bot.runtime.ticker for bot in pair]
    for _ in range(3):
        await asyncio.gather(*(t.run_now() for t in tickers if t))

    assert await assignee_of(second, thread) == act.EWA
    assert len(private(first.connector, act.EWA, start)) == 1
    assert len(private(first.connector, act.TOM, start)) == 1
    assert len([c for c in thread_replies(first, thread, start) if mentioned(c)]) == 1
