"""The flow's own timers, run by the real tick (issue 14's checklist chase, issue 15's holes).

A post, the dev clock moved to the moments the Surrey definition names (computed from today
with the demo council's calendar), and what the fake connector is asked to send.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.e2e.test_everyday_forms import ABUSE, CHECKS
from tests.support import activities as act
from tests.support.dates import demo_calendar, next_working_day_at
from tests.support.fake_connector import ConnectorCall, FakeConnector
from tests.support.harness import BotUnderTest, installed_bot
from tests.support.press import CardForm, card_of, place_of, press, texts_of

CHASE = "still has no checklist"
POSTED = next_working_day_at(10)  # a working morning after today


@pytest.fixture
async def bot(database_url: str, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(database_url, connector, POSTED) as running:
        yield running


async def move_to(bot: BotUnderTest, at: datetime) -> None:
    """Move the dev clock (the route ticks the scheduler at once)."""
    body = json.dumps({"now": at.isoformat()})
    reply = await bot.raw("POST", "/api/dev/clock", body, {"Content-Type": "application/json"})
    assert reply.status == 200, reply.body


def chats_of(connector: FakeConnector, user: act.User) -> set[str | None]:
    return {
        c.returned_id
        for c in connector.of("create_conversation")
        if c.member_ids == [user.teams_id]
    }


def private(connector: FakeConnector, user: act.User, since: int = 0) -> list[ConnectorCall]:
    """What went to `user`'s 1:1 chat after call number `since` (texts and cards)."""
    chats = chats_of(connector, user)
    return [
        c
        for c in connector.calls[since:]
        if c.op in ("send", "reply") and c.conversation_id in chats
    ]


def texts(calls: list[ConnectorCall]) -> list[str]:
    return [c.text for c in calls if c.text]


async def free_text_post(bot: BotUnderTest) -> dict[str, Any]:
    post = act.channel_post(bot.connector.service_url, act.PRIYA, "Step up consultation please")
    assert (await bot.send(post)).status == 201
    return post


def latest_card_text(bot: BotUnderTest) -> str:
    return texts_of(bot.connector.of("update")[-1].cards[0])


async def test_a_post_without_a_checklist_is_chased_at_the_end_of_the_day_and_next_morning(
    bot: BotUnderTest,
) -> None:
    connector = bot.connector
    await free_text_post(bot)
    start = len(connector.calls)
    end_of_day = demo_calendar().end_of_working_day(POSTED)

    await move_to(bot, end_of_day - timedelta(minutes=1))
    assert texts(private(connector, act.PRIYA, start)) == []  # nothing before 17:00

    await move_to(bot, end_of_day + timedelta(minutes=1))
    sent = private(connector, act.PRIYA, start)
    [reminder] = texts(sent)
    assert f"{CHASE}" in reminder and "/l/message/" in reminder
    assert "SU-" in reminder and "Step up consultation please" not in reminder
    [form] = [c for c in sent if c.cards]
    assert "Save checklist" in json.dumps(form.cards[0])  # the form itself, again
    assert "checklist reminder sent to the requester by the bot" in latest_card_text(bot)
    # The duty manager hears nothing about the checklist: it is the requester's to do.
    assert not any(CHASE in t for t in texts(private(connector, act.TOM, start)))

    # Once: a restart and later ticks the same evening send it again to nobody.
    settled = len(connector.calls)
    await bot.restart()
    await move_to(bot, end_of_day + timedelta(minutes=30))
    assert not any(CHASE in t for t in texts(private(connector, act.PRIYA, settled)))

    # The next working day, a working day after the post: the second and last reminder.
    morning = demo_calendar().add_working_days(POSTED, 1)
    await move_to(bot, morning - timedelta(minutes=1))
    assert not any(CHASE in t for t in texts(private(connector, act.PRIYA, settled)))
    await move_to(bot, morning + timedelta(minutes=1))
    assert len([t for t in texts(private(connector, act.PRIYA, settled)) if CHASE in t]) == 1

    later = len(connector.calls)
    await move_to(bot, demo_calendar().add_working_days(POSTED, 3))
    assert not any(CHASE in t for t in texts(private(connector, act.PRIYA, later)))


async def test_the_checklist_saved_from_the_reminder_stops_the_next_one(bot: BotUnderTest) -> None:
    connector = bot.connector
    await free_text_post(bot)
    start = len(connector.calls)
    await move_to(bot, demo_calendar().end_of_working_day(POSTED) + timedelta(minutes=1))
    [form] = [c for c in private(connector, act.PRIYA, start) if c.cards]

    checklist = CardForm(card_of(form)).choose("Level 4 indicators", ABUSE)
    for check in CHECKS:
        checklist.toggle(check)
    reply = await press(bot, act.PRIYA, checklist, "Save checklist", place_of(form))
    assert reply.status == 200, reply.body
    assert "complete ✓, 1 Level 4 indicator" in latest_card_text(bot)

    settled = len(connector.calls)
    await move_to(bot, demo_calendar().add_working_days(POSTED, 1) + timedelta(minutes=1))
    assert not any(CHASE in t for t in texts(private(connector, act.PRIYA, settled)))


async def test_the_duty_manager_is_reminded_before_the_call_back_falls_due(
    bot: BotUnderTest,
) -> None:
    connector = bot.connector
    post = await free_text_post(bot)
    [card] = [
        c for c in connector.posted() if c.cards and c.conversation_id == post["conversation"]["id"]
    ]
    acked = await press(bot, act.TOM, card, "Acknowledge", place_of(card))
    assert "Acknowledged" in texts_of(card_of(acked))

    # Surrey: the call-back within 24 hours from the next opening; the reminder at 75 %.
    calendar = demo_calendar()
    opened = calendar.next_opening(POSTED)
    due = opened + timedelta(hours=24)
    reminder_at = opened + (due - opened) * 0.75
    start = len(connector.calls)
    await move_to(bot, reminder_at - timedelta(minutes=1))
    assert not any("waiting for you" in t for t in texts(private(connector, act.TOM, start)))

    await move_to(bot, reminder_at + timedelta(minutes=1))
    [text] = [t for t in texts(private(connector, act.TOM, start)) if "waiting for you" in t]
    assert "acknowledged - call-back due" in text and "It is due by" in text
    # A reminder, not the breach: the service managers hear nothing yet.
    for manager in (act.GRACE, act.DANIEL):
        assert texts(private(connector, manager, start)) == []
    assert "reminder sent by the bot" in latest_card_text(bot)
