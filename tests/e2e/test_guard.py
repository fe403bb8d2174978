"""The personal-data guard in the channel (warn mode): nothing the family typed travels on.

The bot never publishes screened text again: the thread notice names the kinds found and what
to do, and quotes nothing of the post; the copy without the findings goes only to the author's
own 1:1 chat, and a copy that cannot be delivered waits for the scheduler's tick.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from bot.guard import RETRY_TICKS
from domain.events import EventKind
from tests.e2e.test_request_flow import TUESDAY_10AM, _texts
from tests.support import activities as act
from tests.support.databases import sqlite_bytes
from tests.support.fake_connector import ConnectorCall, FakeConnector
from tests.support.harness import BotUnderTest, installed_bot

FAMILY = ["Kayden", "03/04/2016", "Larch Grove", "NX4 7TB", "0113 496 0871", "4471023"]
POST = (
    "Step up consultation please for Kayden Smith, DOB 03/04/2016, lives at 14 Larch Grove, "
    "Eastfield NX4 7TB, mum on 0113 496 0871, EHM 4471023. Priya Shah, FC Northgate"
)
# The words of POST around the family details: not sensitive, but the post's own text all the same.
SURROUNDING = ["Step up consultation", "Eastfield", "lives at", "mum on", "FC Northgate"]
# Another post by the same author with the same kinds of detail and none of POST's other words:
# what the bot says about it is the template, whatever the post.
TWIN = (
    "Morning, could MAP look at Jayden Okonkwo, born 12/03/2019, home 3 Mill Lane, "
    "Westbury NG7 2QX, carer 07700 900123, EHM 7304518 - ta, Priya Shah"
)


def words(text: str) -> set[str]:
    """The tokens of a text longer than 3 characters, lower-cased."""
    return {w.lower() for w in re.findall(r"[A-Za-z0-9/]+", text) if len(w) > 3}


def in_channel(calls: list[ConnectorCall]) -> list[ConnectorCall]:
    """Everything the bot sent or updated in the channel (new threads, replies, card updates)."""
    return [c for c in calls if (c.conversation_id or "").startswith(act.STEPUP_CHANNEL)]


def personal(calls: list[ConnectorCall], user: act.User) -> list[str]:
    """The texts the bot sent into this person's 1:1 chat (the chat it created with them)."""
    chats = {
        c.returned_id
        for c in calls
        if c.op == "create_conversation" and user.teams_id in c.member_ids
    }
    return [c.text for c in calls if c.op in ("send", "reply") and c.conversation_id in chats]


@pytest.fixture
async def bot(database_url: str, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(database_url, connector, TUESDAY_10AM) as running:
        yield running


async def test_family_details_in_a_post_go_nowhere_and_the_thread_is_warned(
    bot: BotUnderTest, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    twin = act.channel_post(bot.connector.service_url, act.PRIYA, TWIN)
    assert (await bot.send(twin)).status == 201
    template = in_channel(bot.connector.calls)
    [twin_notice] = [c.text for c in template if c.text]
    before = len(bot.connector.calls)

    post = act.channel_post(bot.connector.service_url, act.PRIYA, POST)
    assert (await bot.send(post)).status == 201

    channel = in_channel(bot.connector.calls[before:])
    in_thread = [c for c in channel if c.conversation_id == post["conversation"]["id"]]
    notices = [c.text for c in in_thread if c.text]
    assert len(notices) == 1
    notice = notices[0]
    assert "contains an address, a case number, a date of birth, a name" in notice
    assert "please delete the post" in notice and "private chat" in notice
    # The notice depends on the kinds found and the author only: not one word of the post.
    assert notice == twin_notice
    assert words(POST) & words(notice) <= {"priya", "shah", "please"}  # her name; "please delete"
    for fragment in FAMILY + SURROUNDING:
        assert fragment.lower() not in notice.lower(), fragment
    assert "(name)" not in notice and ">" not in notice  # no redacted copy, no quote
    # Nothing the bot sent to the channel (notice, card, updates) holds a word of the post that
    # it would not also have sent for another post: the card shows the profile's own data.
    sent = " ".join(str(c.body) for c in channel)
    assert words(POST) & words(sent) <= words(" ".join(str(c.body) for c in template))
    for fragment in FAMILY + ["Eastfield", "consultation please", "lives at", "mum on"]:
        assert fragment.lower() not in sent.lower(), fragment
    assert any(c.cards for c in in_thread)  # the request still goes on, on its card

    # The copy goes to Priya alone, in her 1:1 chat: labels in round brackets (no markdown
    # links), her own identity and the words around the details kept, to post again.
    [note] = [t for t in personal(bot.connector.calls, act.PRIYA) if "mum on" in t]
    assert "contained an address" in note and "Please delete it now" in note
    assert "(name)" in note and "Priya Shah, FC Northgate" in note
    assert "lives at (address)" in note and "post it again" in note

    outgoing = " ".join(str(c.body) for c in bot.connector.calls)
    logged = caplog.text
    for fragment in FAMILY:
        assert fragment not in outgoing, fragment
        assert fragment not in logged, fragment
    assert "Eastfield" not in logged

    engine = bot.runtime.engine
    assert engine is not None
    async with engine.connect() as conn:
        kinds = (await conn.execute(text("SELECT kind, data FROM consultation_events"))).all()
    assert EventKind.SCREENED.value in {k for k, _ in kinds}
    if database_url.startswith("sqlite"):
        await bot.stop()
        stored = sqlite_bytes(database_url)
        for fragment in FAMILY + ["Eastfield"]:
            assert fragment.encode() not in stored, fragment


async def test_a_copy_that_cannot_reach_the_author_waits_for_the_tick(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    bot.connector.failing_conversations["a:"] = (
        502  # her 1:1 chat is unreachable; the channel is not
    )
    post = act.channel_post(bot.connector.service_url, act.PRIYA, POST)
    assert (await bot.send(post)).status == 201

    [notice] = [c.text for c in in_channel(bot.connector.posted()) if c.text]
    assert "contains an address" in notice  # the thread is still told, and still without text
    assert words(POST) & words(notice) <= {"priya", "shah", "please"}
    assert "mum on" not in notice and "(name)" not in notice
    assert personal(bot.connector.calls, act.PRIYA) == []
    assert "guard.author_not_told" in caplog.text
    guard = bot.runtime.guard
    assert guard is not None and guard.waiting() == 1

    ticker = bot.runtime.ticker
    assert ticker is not None
    await ticker.run_now()  # still unreachable: it keeps waiting
    assert personal(bot.connector.calls, act.PRIYA) == [] and guard.waiting() == 1

    del bot.connector.failing_conversations["a:"]
    await ticker.run_now()
    notes = [t for t in personal(bot.connector.calls, act.PRIYA) if "contained" in t]
    assert len(notes) == 1 and "(name)" in notes[0] and "mum on (phone)" in notes[0]
    assert guard.waiting() == 0
    await ticker.run_now()  # delivered once, not again
    assert len([t for t in personal(bot.connector.calls, act.PRIYA) if "contained" in t]) == 1
    assert "mum on" not in " ".join(str(c.body) for c in in_channel(bot.connector.calls))


async def test_a_copy_that_never_gets_through_is_dropped_after_its_ticks(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    bot.connector.failing_conversations["a:"] = 502
    await bot.send(act.channel_post(bot.connector.service_url, act.PRIYA, POST))
    guard, ticker = bot.runtime.guard, bot.runtime.ticker
    assert guard is not None and ticker is not None and guard.waiting() == 1
    for _ in range(RETRY_TICKS - 1):
        await ticker.run_now()
    assert guard.waiting() == 1  # the turn's try and 23 ticks: one tick left
    await ticker.run_now()
    assert guard.waiting() == 0
    dropped = [r for r in caplog.records if r.getMessage() == "guard.author_note_dropped"]
    assert [getattr(r, "attempt", None) for r in dropped] == [RETRY_TICKS + 1]
    assert personal(bot.connector.calls, act.PRIYA) == []


async def test_a_sender_nobody_knows_gets_a_notice_without_text_and_no_copy(
    bot: BotUnderTest,
) -> None:
    post = act.channel_post(bot.connector.service_url, act.STRANGER, POST)
    assert (await bot.send(post)).status == 201
    [notice] = [c.text for c in in_channel(bot.connector.posted()) if c.text]
    assert notice.startswith("⚠ This post contains an address")
    assert "private chat" not in notice  # no copy is promised: there is nobody to send it to
    assert words(POST) & words(notice) <= {"please"}
    assert not bot.connector.of("create_conversation")
    assert not [c for c in bot.connector.posted() if (c.conversation_id or "").startswith("a:")]
    guard = bot.runtime.guard
    assert guard is not None and guard.waiting() == 0


async def test_a_clean_request_is_left_alone(bot: BotUnderTest) -> None:
    post = act.channel_post(
        bot.connector.service_url,
        act.PRIYA,
        "Hi Tom, step up request for a family open to Family Centre Northgate. L4 indicators: "
        "domestic abuse. Priya Shah, priya.shah@northdown.gov.uk, 01632 960101",
    )
    await bot.send(post)
    in_thread = [
        c for c in bot.connector.posted() if c.conversation_id == post["conversation"]["id"]
    ]
    assert [c.text for c in in_thread if c.text] == []


async def test_a_reply_with_a_name_is_warned_and_noted_on_the_request(bot: BotUnderTest) -> None:
    url = bot.connector.service_url
    post = act.channel_post(url, act.PRIYA, "Step up consultation please")
    await bot.send(post)
    card = next(
        c
        for c in bot.connector.posted()
        if c.cards and c.conversation_id == post["conversation"]["id"]
    )
    consultation_id = card.cards[0]["actions"][0]["data"]["consultationId"]
    reply = "did mum say kayden was in school?"
    await bot.send(act.thread_reply(url, act.TOM, post["id"], reply))
    notices = [c.text for c in bot.connector.posted() if "contains a name" in c.text]
    assert len(notices) == 1 and "Tom Okafor's post" in notices[0]
    assert words(reply) & words(notices[0]) == set()  # not "kayden", not "school"
    # Tom, who wrote the reply, gets the copy privately; nobody else does.
    [note] = [t for t in personal(bot.connector.calls, act.TOM) if "contained" in t]
    assert "(name) was in school?" in note  # the redacted reply, to Tom alone
    assert not [t for t in personal(bot.connector.calls, act.PRIYA) if "(name)" in t]
    found = await bot.runtime.consultations.get(consultation_id)  # type: ignore[union-attr]
    assert found is not None
    screened = [e for e in found[0].events if e.kind is EventKind.SCREENED]
    assert len(screened) == 1 and screened[0].data["types"] == "name"
    assert _texts(card.cards[0])  # the card itself is untouched by the reply
