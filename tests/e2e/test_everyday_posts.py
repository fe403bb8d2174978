"""Channel posts as people write them: urgency in words, commands to the bot, a named service."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from domain.consultation import Consultation, Urgency
from storage.tables import consultations
from tests.support import activities as act
from tests.support.dates import next_working_day_at
from tests.support.fake_connector import ConnectorCall, FakeConnector
from tests.support.harness import BotUnderTest, installed_bot
from tests.support.press import texts_of

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def ten_am() -> datetime:
    return next_working_day_at(10)


@pytest.fixture
async def posts_bot(
    database_url: str, connector: FakeConnector, ten_am: datetime
) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(database_url, connector, ten_am) as running:
        yield running


def in_thread(bot: BotUnderTest, post: dict[str, object]) -> list[ConnectorCall]:
    conversation = post["conversation"]
    assert isinstance(conversation, dict)
    return [c for c in bot.connector.posted() if c.conversation_id == conversation["id"]]


async def consultation_of(bot: BotUnderTest, card: ConnectorCall) -> Consultation:
    consultation_id = card.cards[0]["actions"][0]["data"]["consultationId"]
    found = await bot.runtime.consultations.get(consultation_id)  # type: ignore[union-attr]
    assert found is not None
    return found[0]


async def move_clock(bot: BotUnderTest, minutes: int) -> None:
    body = json.dumps({"advance_minutes": minutes})
    reply = await bot.raw("POST", "/api/dev/clock", body, {"Content-Type": "application/json"})
    assert reply.status == 200, reply.body


def reminders(bot: BotUnderTest) -> list[str]:
    """Every text the bot sent that speaks of the 60-working-minute clock."""
    return [c.text for c in bot.connector.posted() if "working minutes" in c.text]


async def test_not_urgent_in_a_post_files_a_standard_request_with_no_60_minute_clock(
    posts_bot: BotUnderTest, ten_am: datetime
) -> None:
    post = act.channel_post(
        posts_bot.connector.service_url,
        act.PRIYA,
        "Not urgent - step up consultation please for an FC case",
    )
    await posts_bot.send(post)
    cards = [c for c in in_thread(posts_bot, post) if c.cards]
    assert len(cards) == 1
    shown = texts_of(cards[0].cards[0])
    assert "Urgency: Standard" in shown
    assert "URGENT" not in shown
    end_of_day = ten_am.astimezone(LONDON).replace(hour=17)
    assert f"Acknowledge by: {end_of_day:%a %-d %b} 17:00" in shown  # not 11:00
    assert (await consultation_of(posts_bot, cards[0])).urgency is Urgency.STANDARD
    await move_clock(posts_bot, 125)  # past both urgent reminders (60 and 120 working minutes)
    assert reminders(posts_bot) == []


async def test_urgent_yes_in_a_post_is_urgent(posts_bot: BotUnderTest) -> None:
    post = act.channel_post(
        posts_bot.connector.service_url, act.PRIYA, "Step up consultation. Urgent: yes"
    )
    await posts_bot.send(post)
    card = [c for c in in_thread(posts_bot, post) if c.cards][0]
    shown = texts_of(card.cards[0])
    assert "Urgency: Urgent" in shown
    await move_clock(posts_bot, 61)
    assert any("within 60 working minutes" in text for text in reminders(posts_bot))


def mentioning_the_bot(post: dict[str, Any], words: str) -> dict[str, Any]:
    """The post as Teams delivers an @mention of the bot (shared/teams/payloads)."""
    tag = f"<at>{act.BOT['name']}</at>"
    post["text"] = f"{tag} {words}"
    post["attachments"] = [
        {
            "contentType": "text/html",
            "content": (
                '<p><span itemtype="http://schema.skype.com/Mention" itemscope="" itemid="0">'
                f"{act.BOT['name']}</span>&nbsp;{words}</p>"
            ),
        }
    ]
    post["entities"] = [
        {"type": "mention", "mentioned": dict(act.BOT), "text": tag},
        {"type": "clientInfo", "locale": "en-GB", "country": "GB", "platform": "Windows"},
    ]
    return post


def channel_mention(bot: BotUnderTest, user: act.User, words: str) -> dict[str, Any]:
    return mentioning_the_bot(act.channel_post(bot.connector.service_url, user, ""), words)


async def requests_in_database(bot: BotUnderTest) -> int:
    assert bot.runtime.engine is not None
    async with bot.runtime.engine.connect() as connection:
        counted = await connection.execute(select(func.count()).select_from(consultations))
        return int(counted.scalar_one())


@pytest.mark.parametrize("words", ["help", "Help!", "who is on duty?"])
async def test_an_at_mention_command_in_the_channel_is_answered_in_the_thread_not_filed(
    posts_bot: BotUnderTest, words: str
) -> None:
    post = channel_mention(posts_bot, act.PRIYA, words)
    assert (await posts_bot.send(post)).status in (200, 201)
    answers = in_thread(posts_bot, post)
    assert len(answers) == 1 and answers[0].cards == [], [c.text for c in answers]
    if "duty" in words:
        assert answers[0].text.startswith("On duty this week: ")
    else:
        assert (
            "Each new post in **FC/FSP Step Up Requests** is a step-up request" in answers[0].text
        )
    assert posts_bot.connector.of("create_conversation") == []  # no checklist sent to Priya
    assert await requests_in_database(posts_bot) == 0


async def test_an_at_mention_that_asks_for_a_consultation_is_still_a_request(
    posts_bot: BotUnderTest,
) -> None:
    post = channel_mention(
        posts_bot,
        act.PRIYA,
        "help please, I need a step up consultation for a Family Centre Northgate case where "
        "the concerns have escalated over the last fortnight",
    )
    await posts_bot.send(post)
    cards = [c for c in in_thread(posts_bot, post) if c.cards]
    assert len(cards) == 1
    assert "Step-up request" in texts_of(cards[0].cards[0])
    assert await requests_in_database(posts_bot) == 1


async def test_a_mention_of_someone_else_saying_help_is_a_request_as_before(
    posts_bot: BotUnderTest,
) -> None:
    post = channel_mention(posts_bot, act.PRIYA, "help")
    post["entities"][0]["mentioned"] = act.TOM.account()
    post["text"] = post["text"].replace(act.BOT["name"], act.TOM.name)
    post["entities"][0]["text"] = f"<at>{act.TOM.name}</at>"
    await posts_bot.send(post)
    assert await requests_in_database(posts_bot) == 1


@pytest.mark.parametrize(
    ("words", "filed_under"),
    [
        pytest.param(
            "Step up consultation please for a Family Centre Riverside case",
            "Family Centre Riverside",
            id="names-one",
        ),
        pytest.param("Step up consultation please", "Family Centre Northgate", id="names-none"),
        pytest.param(
            "Step up please: joint case, Family Centre Riverside and Family Support Programme "
            "South",
            "Family Centre Northgate",
            id="names-two",
        ),
    ],
)
async def test_a_post_is_filed_under_the_one_service_it_names_else_the_requesters_own(
    posts_bot: BotUnderTest, words: str, filed_under: str
) -> None:
    post = act.channel_post(posts_bot.connector.service_url, act.PRIYA, words)
    await posts_bot.send(post)
    card = [c for c in in_thread(posts_bot, post) if c.cards][0]
    assert f"Service: {filed_under}" in texts_of(card.cards[0])
    assert (await consultation_of(posts_bot, card)).service == filed_under
