"""The request card as people see it: the deadline that applies, and no stale private copies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.support import activities as act
from tests.support.cards import assert_valid_card
from tests.support.dates import next_working_day_at
from tests.support.fake_connector import ConnectorCall, FakeConnector
from tests.support.harness import BotUnderTest, installed_bot
from tests.support.press import CardForm, card_of, place_of, press, texts_of

LONDON = ZoneInfo("Europe/London")
ABUSE = "Domestic abuse with risk to the child"
SUBSTANCE = "Parental substance misuse affecting the child's safety"
CHECKS = (
    "Management case supervision is recorded",
    "Evidence of the concerns and their impact is recorded",
    "All of this, with the rationale, is recorded on EHM",
)


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


def personal_chat(bot: BotUnderTest, user: act.User) -> list[ConnectorCall]:
    """Everything the bot sent or updated in `user`'s 1:1 chat."""
    chat = f"a:personal-{user.teams_id[3:]}"
    created = {
        c.conversation_id
        for c in bot.connector.of("create_conversation")
        if c.member_ids == [user.teams_id]
    }
    return [
        c
        for c in bot.connector.calls
        if c.op in ("send", "reply", "update") and c.conversation_id in created | {chat}
    ]


async def test_the_requesters_private_confirmation_links_to_the_live_card_and_never_goes_stale(
    card_bot: BotUnderTest,
) -> None:
    """The requester's 1:1 chat holds a short confirmation with a link to the thread, not a
    copy of the request card: the card in the thread is the one copy, and the bot updates it."""
    url = card_bot.connector.service_url
    await card_bot.send(act.personal_message(url, act.PRIYA, "new request"))
    form = card_bot.connector.posted()[-1]
    filled = CardForm(card_of(form)).choose("Your service", "Family Centre Riverside")
    filled.choose("Level 4 indicators", ABUSE, SUBSTANCE)
    for check in CHECKS:
        filled.toggle(check)
    notice = card_of(await press(card_bot, act.PRIYA, filled, "Post request", place_of(form)))
    assert_valid_card(notice)
    thread = next(c for c in card_bot.connector.posted() if c.conversation_id == act.STEPUP_CHANNEL)
    opened = [a for a in notice.get("actions", []) if a["type"] == "Action.OpenUrl"]
    assert [a["url"] for a in opened] == [
        f"https://teams.microsoft.com/l/message/{act.STEPUP_CHANNEL}/{thread.returned_id}"
        f"?groupId={act.TEAM['aadGroupId']}&parentMessageId={thread.returned_id}"
    ]
    assert "Waiting for" not in texts_of(notice)  # no state to go stale

    consultation_id = thread.cards[0]["actions"][0]["data"]["consultationId"]
    found = await card_bot.runtime.consultations.get(consultation_id)  # type: ignore[union-attr]
    assert found is not None
    duty = {u.aad_id: u for u in (act.TOM, act.EWA)}[found[0].assignee_id or ""]
    await press(card_bot, duty, thread, "Acknowledge", place_of(thread))

    # Nothing in Priya's chat is a copy of the request card...
    for call in personal_chat(card_bot, act.PRIYA):
        for shown in call.cards:
            assert not texts_of(shown).startswith("Step-up request"), texts_of(shown)
    # ...and the one card there is, in the thread, says what happened, for everyone and for her.
    latest = [c for c in card_bot.connector.of("update") if c.activity_id == thread.returned_id]
    assert "Acknowledged: call-back due" in texts_of(latest[-1].cards[0])
    refresh = thread.cards[0]["refresh"]["action"]
    own = await card_bot.send(
        act.card_action(
            url,
            act.PRIYA,
            refresh["verb"],
            refresh["data"],
            root_id=place_of(thread).root_id,
            card_activity_id=place_of(thread).activity_id,
        )
    )
    assert "Acknowledged: call-back due" in texts_of(card_of(own))
