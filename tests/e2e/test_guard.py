"""The personal-data guard in the channel (warn mode): nothing the family typed travels on."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from domain.events import EventKind
from tests.e2e.test_request_flow import TUESDAY_10AM, _texts
from tests.support import activities as act
from tests.support.databases import sqlite_bytes
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, installed_bot

FAMILY = ["Kayden", "03/04/2016", "Larch Grove", "NX4 7TB", "0113 496 0871", "4471023"]
POST = (
    "Step up consultation please for Kayden Smith, DOB 03/04/2016, lives at 14 Larch Grove, "
    "Eastfield NX4 7TB, mum on 0113 496 0871, EHM 4471023. Priya Shah, FC Northgate"
)


@pytest.fixture
async def bot(database_url: str, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(database_url, connector, TUESDAY_10AM) as running:
        yield running


async def test_family_details_in_a_post_go_nowhere_and_the_thread_is_warned(
    bot: BotUnderTest, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    post = act.channel_post(bot.connector.service_url, act.PRIYA, POST)
    assert (await bot.send(post)).status == 201

    in_thread = [
        c for c in bot.connector.posted() if c.conversation_id == post["conversation"]["id"]
    ]
    notices = [c.text for c in in_thread if c.text]
    assert len(notices) == 1
    assert "contains an address, a case number, a date of birth, a name" in notices[0]
    assert "please delete the post" in notices[0]
    # The copy keeps her own identity; labels are shown in round brackets (no markdown links).
    assert "(name)" in notices[0] and "Priya Shah, FC Northgate" in notices[0]
    assert any(c.cards for c in in_thread)  # the request still goes on, on its card
    private = [c.text for c in bot.connector.posted() if (c.conversation_id or "").startswith("a:")]
    assert any("contained an address" in t for t in private)

    outgoing = " ".join(str(c.body) for c in bot.connector.calls)
    logged = caplog.text
    for fragment in FAMILY:
        assert fragment not in outgoing, fragment
        assert fragment not in logged, fragment

    engine = bot.runtime.engine
    assert engine is not None
    async with engine.connect() as conn:
        kinds = (await conn.execute(text("SELECT kind, data FROM consultation_events"))).all()
    assert EventKind.SCREENED.value in {k for k, _ in kinds}
    if database_url.startswith("sqlite"):
        await bot.stop()
        stored = sqlite_bytes(database_url)
        for fragment in FAMILY:
            assert fragment.encode() not in stored, fragment


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
    await bot.send(act.thread_reply(url, act.TOM, post["id"], "did mum say kayden was in school?"))
    notices = [c.text for c in bot.connector.posted() if "contains a name" in c.text]
    assert len(notices) == 1 and "kayden" not in notices[0].lower()
    found = await bot.runtime.consultations.get(consultation_id)  # type: ignore[union-attr]
    assert found is not None
    screened = [e for e in found[0].events if e.kind is EventKind.SCREENED]
    assert len(screened) == 1 and screened[0].data["types"] == "name"
    assert _texts(card.cards[0])  # the card itself is untouched by the reply
