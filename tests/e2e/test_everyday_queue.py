""" "my requests": a requester's own list, a MAP manager's queue, a service manager's late list.

Every request here is posted in the channel and acknowledged by pressing the card's button; the
list is asked for as people do (typed in the 1:1 chat, or @mentioning the bot in the channel).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support import activities as act
from tests.support.cards import assert_valid_card
from tests.support.dates import next_working_day_at
from tests.support.fake_connector import ConnectorCall, FakeConnector
from tests.support.harness import BotUnderTest, installed_bot
from tests.support.press import card_of, place_of, press, texts_of

LONDON = ZoneInfo("Europe/London")
PEOPLE = {u.aad_id: u for u in (act.TOM, act.EWA, act.SAM)}


@pytest.fixture
def ten_am() -> datetime:
    return next_working_day_at(10)


@pytest.fixture
async def queue_bot(
    database_url: str, connector: FakeConnector, ten_am: datetime
) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(database_url, connector, ten_am) as running:
        yield running


async def post(bot: BotUnderTest, words: str) -> tuple[str, ConnectorCall]:
    """Priya posts in the channel; the post's id (the thread) and the card the bot put there."""
    activity = act.channel_post(bot.connector.service_url, act.PRIYA, words)
    await bot.send(activity)
    conversation = activity["conversation"]["id"]
    cards = [c for c in bot.connector.posted() if c.conversation_id == conversation and c.cards]
    assert len(cards) == 1
    return str(activity["id"]), cards[0]


def reference_of(card: ConnectorCall) -> str:
    found = re.search(r"Step-up request (\S+)", texts_of(card.cards[0]))
    assert found is not None
    return found.group(1)


async def duty_of(bot: BotUnderTest, card: ConnectorCall) -> act.User:
    consultation_id = card.cards[0]["actions"][0]["data"]["consultationId"]
    found = await bot.runtime.consultations.get(consultation_id)  # type: ignore[union-attr]
    assert found is not None and found[0].assignee_id is not None
    return PEOPLE[found[0].assignee_id]


def link(thread_id: str) -> str:
    return (
        f"https://teams.microsoft.com/l/message/{act.STEPUP_CHANNEL}/{thread_id}"
        f"?groupId={act.TEAM['aadGroupId']}&parentMessageId={thread_id}"
    )


def lines(card: dict[str, Any]) -> list[str]:
    """Each request line of the list: its heading and its detail, joined."""
    found = []
    for element in card["body"]:
        if element["type"] == "Container":
            found.append(" | ".join(item["text"] for item in element["items"]))
    return found


def links(card: dict[str, Any]) -> list[str]:
    return [e["selectAction"]["url"] for e in card["body"] if e["type"] == "Container"]


async def my_requests(bot: BotUnderTest, user: act.User) -> dict[str, Any]:
    """`user` types "my requests" in their 1:1 chat; the card the bot answered with."""
    before = len(bot.connector.posted())
    message = act.personal_message(bot.connector.service_url, user, "my requests")
    await bot.send(message)
    # Only the answer in their chat: a paced escalation may reach a thread meanwhile.
    chat = message["conversation"]["id"]
    sent = [c for c in bot.connector.posted()[before:] if c.conversation_id == chat]
    assert len(sent) == 1 and sent[0].cards, [c.text for c in sent]
    card = sent[0].cards[0]
    assert_valid_card(card)
    assert texts_of(card).startswith("My requests")
    return card


async def move_clock(bot: BotUnderTest, minutes: int) -> None:
    body = json.dumps({"advance_minutes": minutes})
    reply = await bot.raw("POST", "/api/dev/clock", body, {"Content-Type": "application/json"})
    assert reply.status == 200, reply.body


def at(moment: datetime) -> str:
    return f"{moment.astimezone(LONDON):%a %-d %b %H:%M}"


async def test_a_requester_sees_their_open_and_recent_requests_with_state_owner_deadline_link(
    queue_bot: BotUnderTest, ten_am: datetime
) -> None:
    standard_thread, standard = await post(queue_bot, "Step up consultation please")
    urgent_thread, urgent = await post(queue_bot, "Urgent step up consultation please")
    withdrawn_thread, withdrawn = await post(
        queue_bot, "Step up please, a Family Centre Riverside case"
    )
    duty = await duty_of(queue_bot, standard)
    acked = await press(queue_bot, duty, standard, "Acknowledge", place_of(standard))
    assert "Acknowledged" in texts_of(card_of(acked))
    asked = await press(queue_bot, act.PRIYA, withdrawn, "Withdraw", place_of(withdrawn))
    await press(queue_bot, act.PRIYA, card_of(asked), "Yes, withdraw", place_of(withdrawn))

    card = await my_requests(queue_bot, act.PRIYA)
    shown = lines(card)
    assert len(shown) == 3
    by_ref = {reference_of(c): c for c in (standard, urgent, withdrawn)}
    line = {ref: next(s for s in shown if ref in s) for ref in by_ref}
    callback = ten_am + timedelta(hours=24)
    assert line[reference_of(standard)] == (
        f"[{reference_of(standard)}]({link(standard_thread)}) · Family Centre Northgate · "
        f"Acknowledged: call-back due | With {duty.name} · call back by {at(callback)}"
    )
    assert "Waiting for acknowledgement · URGENT" in line[reference_of(urgent)]
    # The urgent request's own deadline: 60 working minutes, not the end of the day.
    assert f"acknowledge by {at(ten_am + timedelta(minutes=60))}" in line[reference_of(urgent)]
    assert "Withdrawn" in line[reference_of(withdrawn)]
    assert "Family Centre Riverside" in line[reference_of(withdrawn)]
    # Open ones first, by their next deadline; the finished one last.
    assert shown.index(line[reference_of(urgent)]) < shown.index(line[reference_of(standard)])
    assert shown[-1] == line[reference_of(withdrawn)]
    assert links(card) == [link(urgent_thread), link(standard_thread), link(withdrawn_thread)]

    await move_clock(queue_bot, 31 * 24 * 60)  # the withdrawn one is no longer recent
    later = lines(await my_requests(queue_bot, act.PRIYA))
    assert [reference_of(urgent) in s for s in later] == [True, False]
    assert any(reference_of(standard) in s for s in later)


async def test_a_map_worker_sees_the_queue_unacknowledged_first_then_by_deadline(
    queue_bot: BotUnderTest,
) -> None:
    _, first = await post(queue_bot, "Step up consultation please")
    _, second = await post(queue_bot, "Step up consultation please, another family")
    _, third = await post(queue_bot, "Urgent step up consultation please")
    duty = await duty_of(queue_bot, first)
    await press(queue_bot, duty, first, "Acknowledge", place_of(first))

    for worker in (act.TOM, act.SAM):
        card = await my_requests(queue_bot, worker)
        assert "The queue (unacknowledged first, then by deadline)" in texts_of(card)
        refs = [re.search(r"\[(\S+)\]", s).group(1) for s in lines(card)]  # type: ignore[union-attr]
        # The urgent one is due at 11:00, the other unacknowledged one at 17:00; then the
        # acknowledged one, whatever its deadline.
        assert refs == [reference_of(third), reference_of(second), reference_of(first)]
        assert "Your requests" not in texts_of(card)  # not a requester


async def test_a_service_manager_sees_what_is_overdue_or_escalated(
    queue_bot: BotUnderTest, ten_am: datetime
) -> None:
    _, acknowledged = await post(queue_bot, "Step up consultation please")
    _, waiting = await post(queue_bot, "Step up consultation please, another family")
    duty = await duty_of(queue_bot, acknowledged)
    await press(queue_bot, duty, acknowledged, "Acknowledge", place_of(acknowledged))

    nothing = await my_requests(queue_bot, act.GRACE)
    assert "Nothing is overdue or escalated." in texts_of(nothing)
    assert lines(nothing) == []

    await move_clock(queue_bot, 8 * 60)  # 18:00: the unacknowledged one missed 17:00
    card = await my_requests(queue_bot, act.GRACE)
    shown = lines(card)
    assert len(shown) == 1, shown
    end_of_day = ten_am.astimezone(LONDON).replace(hour=17)
    assert reference_of(waiting) in shown[0]
    assert f"acknowledge by {at(end_of_day)} (overdue) · escalated" in shown[0]


async def test_my_requests_in_the_channel_sends_the_list_privately_and_says_so_in_the_thread(
    queue_bot: BotUnderTest,
) -> None:
    _, card = await post(queue_bot, "Step up consultation please")
    mention = act.channel_post(queue_bot.connector.service_url, act.PRIYA, "")
    tag = f"<at>{act.BOT['name']}</at>"
    mention["text"] = f"{tag} my requests"
    mention["entities"] = [{"type": "mention", "mentioned": dict(act.BOT), "text": tag}]
    before = len(queue_bot.connector.posted())
    await queue_bot.send(mention)
    sent = queue_bot.connector.posted()[before:]
    in_thread = [c for c in sent if c.conversation_id == mention["conversation"]["id"]]
    assert [c.text for c in in_thread] == [
        "I have sent your list of requests to your 1:1 chat with me."
    ]
    assert in_thread[0].cards == []
    private = [c for c in sent if c.cards]
    assert len(private) == 1 and not (private[0].conversation_id or "").startswith("19:")
    assert_valid_card(private[0].cards[0])
    assert reference_of(card) in texts_of(private[0].cards[0])
    # The list went to Priya's own chat (the one her checklist went to).
    chats = {c.conversation_id: c.member_ids for c in queue_bot.connector.of("create_conversation")}
    assert chats[private[0].conversation_id] == [act.PRIYA.teams_id]
