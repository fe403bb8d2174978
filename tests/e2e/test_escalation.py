"""Escalations end to end: a post, the dev clock, and what the fake connector is asked to send."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from storage.tables import escalation_outbox
from tests.e2e.test_request_flow import LONDON, london, shown_as
from tests.support import activities as act
from tests.support.dates import demo_calendar, duty_day_at
from tests.support.fake_connector import ConnectorCall, FakeConnector
from tests.support.harness import BotUnderTest, installed_bot


def _tuesday_1630() -> datetime:
    """A Tuesday after today, 16:30 in London, in Tom's duty week, whose Wednesday is a working
    day too (the story runs into the next working day), and its Monday (the story hears no duty
    post): half an hour before the end of the day.
    Computed from the real today, since the dev clock only moves forward."""
    calendar = demo_calendar()
    moment = duty_day_at(act.TOM.aad_id, weekday=1, hour=16, minute=30)
    while not all(  # its Monday too: else the week's duty post is due on the Tuesday
        calendar.is_working_day(moment.astimezone(LONDON).date() + timedelta(days=offset))
        for offset in (-1, 1)
    ):
        moment = duty_day_at(act.TOM.aad_id, weekday=1, hour=16, minute=30, after=moment)
    return moment


TUESDAY_1630 = _tuesday_1630()
REFERENCE = f"SU-{TUESDAY_1630.year}-0001"  # the first request of the year
# Just after the close of that Tuesday (17:00 in London), as the dev clock takes it.
AFTER_CLOSE = london(TUESDAY_1630, 17, 1).astimezone(UTC).isoformat()
# The next working day (the Wednesday), a minute after the call-back deadline (24 clock hours).
WEDNESDAY_1631 = (TUESDAY_1630 + timedelta(hours=24, minutes=1)).isoformat()


def _utc(at: datetime) -> str:
    """`at` as the dev clock reports its time, to the minute, e.g. "2026-12-08T16:59"."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
async def bot(database_url: str, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(database_url, connector, TUESDAY_1630) as running:
        yield running


async def urgent_post(bot: BotUnderTest) -> dict[str, Any]:
    post = act.channel_post(bot.connector.service_url, act.PRIYA, "Urgent step up please")
    assert (await bot.send(post)).status == 201
    return post


async def move(bot: BotUnderTest, **body: Any) -> dict[str, Any]:
    reply = await bot.raw(
        "POST", "/api/dev/clock", json.dumps(body), {"Content-Type": "application/json"}
    )
    assert reply.status == 200, reply.body
    return dict(reply.body)


def in_thread(
    connector: FakeConnector, post: dict[str, Any], since: int = 0
) -> list[ConnectorCall]:
    thread = post["conversation"]["id"]
    return [c for c in connector.calls[since:] if c.op == "reply" and c.conversation_id == thread]


def private(connector: FakeConnector, user: act.User, since: int = 0) -> list[str]:
    """Texts sent to `user`'s 1:1 chat after call number `since`."""
    chats = {
        c.returned_id
        for c in connector.of("create_conversation")
        if c.member_ids == [user.teams_id]
    }
    return [
        c.text
        for c in connector.calls[since:]
        if c.op in ("send", "reply") and c.conversation_id in chats
    ]


def mentioned(call: ConnectorCall) -> set[str]:
    entities = (call.body or {}).get("entities") or []
    return {e["mentioned"]["id"] for e in entities if e["type"] == "mention"}


async def test_an_unacknowledged_urgent_request_escalates_once_each_step(
    bot: BotUnderTest,
) -> None:
    connector = bot.connector
    post = await urgent_post(bot)
    start = len(connector.calls)
    assert (await move(bot, advance_minutes=29))["now"].startswith(
        _utc(TUESDAY_1630 + timedelta(minutes=29))
    )
    assert len(connector.calls) == start  # nothing before the end of the working day

    await move(bot, now=AFTER_CLOSE)
    [mention] = in_thread(connector, post, start)
    assert mentioned(mention) == {act.TOM.teams_id, act.EWA.teams_id}
    assert "<at>Tom Okafor</at>" in mention.text and "<at>Ewa Nowak</at>" in mention.text
    assert REFERENCE in mention.text and shown_as(london(TUESDAY_1630, 17)) in mention.text
    for manager in (act.TOM, act.EWA):
        [text] = private(connector, manager, start)
        assert f"{REFERENCE} (urgent) was not acknowledged" in text
        assert "https://teams.microsoft.com/l/message/19:demo-stepup@thread.tacv2/" in text
    # The card (updated once per firing: the requester's checklist reminder fired at 17:00 too).
    card = [c for c in connector.calls[start:] if c.op == "update"][-1]
    assert "escalated by the bot" in json.dumps(card.cards[0])

    # Moving on, and restarting in between, sends nothing twice.
    settled = len(connector.calls)
    await move(bot, advance_minutes=1)
    await bot.restart()
    await move(bot, advance_minutes=1)
    assert len(connector.calls) == settled

    # The next working day: the urgent reminders, then the call-back deadline at 16:30.
    await move(bot, now=WEDNESDAY_1631)
    for manager in (act.GRACE, act.DANIEL):
        [text] = private(connector, manager, settled)
        assert f"{REFERENCE} (urgent) has had no call-back" in text
        assert "with Tom Okafor" in text and "/l/message/" in text
    to_tom = private(connector, act.TOM, settled)
    assert len(to_tom) == 3
    assert any("not been acknowledged within 60 working minutes" in t for t in to_tom)
    assert any("no call-back recorded" in t for t in to_tom)
    # The flow's call-back reminder (75 % of the window) fell due in the same jump of the clock.
    assert any(f"Reminder: step-up request {REFERENCE} is waiting for you" in t for t in to_tom)
    [to_ewa] = private(connector, act.EWA, settled)
    assert "still not acknowledged after 120 working minutes" in to_ewa
    assert in_thread(connector, post, settled) == []

    done = len(connector.calls)
    await move(bot, advance_minutes=60)
    assert len(connector.calls) == done


async def test_an_acknowledged_request_is_not_escalated_at_the_end_of_the_day(
    bot: BotUnderTest,
) -> None:
    connector = bot.connector
    post = await urgent_post(bot)
    [card] = in_thread(connector, post)
    consultation_id = card.cards[0]["actions"][0]["data"]["consultationId"]
    press = act.card_action(
        connector.service_url,
        act.TOM,
        "acknowledge",
        {"consultationId": consultation_id},
        root_id=post["id"],
        card_activity_id=card.returned_id or "",
    )
    assert (await bot.send(press)).status == 200
    start = len(connector.calls)
    await move(bot, now=AFTER_CLOSE)
    assert in_thread(connector, post, start) == []
    assert private(connector, act.TOM, start) == private(connector, act.EWA, start) == []
    # Only the requester hears at 17:00: her free-text post still has no checklist (issue 14).
    to_priya = private(connector, act.PRIYA, start)
    assert len(to_priya) == 2 and "still has no checklist" in to_priya[0]


async def test_a_502_from_the_connector_is_retried_later_and_sent_once(
    bot: BotUnderTest,
) -> None:
    connector = bot.connector
    post = await urgent_post(bot)
    start = len(connector.calls)
    connector.fail_next(502)  # the first send of the tick: the @mention in the thread
    await move(bot, now=AFTER_CLOSE)
    assert in_thread(connector, post, start) == []
    waiting = await pending(bot)
    assert [(r.kind, r.attempts) for r in waiting] == [("thread_mention", 1)]
    # NotDelivered while the Messenger lets the adapter's turn-error handler swallow the error.
    assert waiting[0].last_error in ("NotDelivered", "ErrorResponseException")
    await move(bot, advance_minutes=1)  # past the 30 s backoff
    await move(bot, advance_minutes=5)
    assert len(in_thread(connector, post, start)) == 1
    assert await pending(bot) == []


async def pending(bot: BotUnderTest) -> list[Any]:
    engine = bot.runtime.engine
    assert engine is not None
    async with engine.connect() as conn:
        query = select(escalation_outbox).where(escalation_outbox.c.status == "pending")
        return list((await conn.execute(query)).all())


async def test_the_dev_clock_refuses_bad_input_with_a_reason(bot: BotUnderTest) -> None:
    evening = london(TUESDAY_1630, 18).astimezone(UTC)
    morning = london(TUESDAY_1630, 10).astimezone(UTC)  # earlier than the clock: backwards
    for body in (
        "not json",
        "{}",
        '{"advance_minutes": "ten"}',
        '{"advance_minutes": -5}',
        json.dumps({"now": evening.replace(tzinfo=None).isoformat()}),  # no offset
        '{"now": "yesterday"}',
        json.dumps({"now": morning.isoformat()}),
        json.dumps({"now": evening.isoformat(), "advance_minutes": 1}),
    ):
        reply = await bot.raw("POST", "/api/dev/clock", body, {"Content-Type": "application/json"})
        assert reply.status == 400, body
        assert reply.body["error"], body
    assert bot.runtime.clock.now() == TUESDAY_1630
