"""Issue 15: a reassignment tells the new owner (privately, @mentioned in the thread) and the
previous one, through the outbox: a connector error leaves them pending for the next tick, and
no tick or restart sends them twice."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from storage.tables import escalation_outbox
from tests.e2e.test_escalation import mentioned, move, private
from tests.e2e.test_everyday_forms import latest_card, submit_request
from tests.support import activities as act
from tests.support.dates import next_working_day_at
from tests.support.fake_connector import ConnectorCall, FakeConnector
from tests.support.harness import BotUnderTest, installed_bot
from tests.support.press import CardForm, card_of, place_of, press, texts_of

MANAGERS = (act.TOM, act.EWA)


@pytest.fixture
async def bot(database_url: str, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(database_url, connector, next_working_day_at(10)) as running:
        yield running


def thread_replies(bot: BotUnderTest, thread: ConnectorCall, since: int = 0) -> list[ConnectorCall]:
    """The bot's replies in the request's own thread (the card started it)."""
    root = f";messageid={thread.returned_id}"
    return [
        c
        for c in bot.connector.calls[since:]
        if c.op == "reply" and (c.conversation_id or "").endswith(root)
    ]


async def pending_kinds(bot: BotUnderTest) -> list[str]:
    """The kinds of the outbox messages not yet delivered."""
    engine = bot.runtime.engine
    assert engine is not None
    async with engine.connect() as conn:
        query = select(escalation_outbox.c.kind).where(escalation_outbox.c.status == "pending")
        return list((await conn.execute(query)).scalars())


async def reassign_to_sam(bot: BotUnderTest, thread: ConnectorCall) -> act.User:
    """The duty manager's request, reassigned to Sam by a MAP team manager; who had it."""
    shown = texts_of(latest_card(bot, thread).cards[0])
    [duty] = [m for m in MANAGERS if f"<at>{m.name}</at>" in shown]
    place = place_of(thread)
    opened = await press(bot, act.TOM, latest_card(bot, thread), "Reassign", place)
    form = CardForm(card_of(opened)).choose("Give it to", "Sam Reid")
    done = await press(bot, act.TOM, form, "Reassign", place)
    assert done.body["type"] == "application/vnd.microsoft.card.adaptive", done.body
    return duty


async def test_reassigning_tells_the_new_owner_in_private_and_in_the_thread_and_the_old_one(
    bot: BotUnderTest,
) -> None:
    thread = await submit_request(bot)
    start = len(bot.connector.calls)
    duty = await reassign_to_sam(bot, thread)
    await move(bot, advance_minutes=0)  # the tick delivers the outbox

    [to_sam] = private(bot.connector, act.SAM, start)
    assert "SU-" in to_sam and "has been handed to you" in to_sam
    assert "https://teams.microsoft.com/l/message/19:demo-stepup@thread.tacv2/" in to_sam
    [to_duty] = private(bot.connector, duty, start)
    assert "is no longer yours: it has been handed to Sam Reid" in to_duty
    assert "/l/message/" in to_duty
    [mention] = thread_replies(bot, thread, start)
    assert mentioned(mention) == {act.SAM.teams_id}
    assert mention.text.startswith("<at>Sam Reid</at>: SU-")
    assert "<at>Sam Reid</at>" in texts_of(latest_card(bot, thread).cards[0])
    # Nothing about the family travels with the notices: ids, the reference and a link only.
    for text in (to_sam, to_duty, mention.text):
        assert "Riverside" not in text and "Priya" not in text

    settled = len(bot.connector.calls)
    await move(bot, advance_minutes=1)
    await bot.restart()
    await move(bot, advance_minutes=1)
    assert len(bot.connector.calls) == settled


async def test_a_notice_the_connector_refuses_stays_pending_and_the_next_tick_sends_it_once(
    bot: BotUnderTest,
) -> None:
    thread = await submit_request(bot)
    await reassign_to_sam(bot, thread)
    start = len(bot.connector.calls)
    bot.connector.failing_conversations["19:"] = 503  # the thread is down, the chats are not
    await move(bot, advance_minutes=0)
    assert thread_replies(bot, thread, start) == []
    assert await pending_kinds(bot) == ["owner_mention"]
    del bot.connector.failing_conversations["19:"]
    await move(bot, advance_minutes=5)  # past the first backoff
    await move(bot, advance_minutes=5)
    [mention] = thread_replies(bot, thread, start)
    assert mentioned(mention) == {act.SAM.teams_id}
    assert len(private(bot.connector, act.SAM, start)) == 1
