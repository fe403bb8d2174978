"""Where the client opens no Teams dialogs, "Provide details privately" says where the form went.

Issue 14: in the Agents Playground (`make run`) the dialog never opens and the button did
nothing. With `STEPUP_TEAMS_DIALOGS` off (what `app.py dev` sets), the same button sends the
details form to the requester's 1:1 chat and answers on the card that it is there; the form is
filled and sent there like the chat ask. Only the requester may, as with the dialog.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.test_everyday_forms import latest_card, refusal, submit_request
from tests.support import activities as act
from tests.support.dates import next_working_day_at
from tests.support.fake_connector import ConnectorCall, FakeConnector
from tests.support.harness import BotUnderTest, installed_bot
from tests.support.press import CardForm, card_of, place_of, press, texts_of


@pytest.fixture
async def playground_like(
    database_url: str, connector: FakeConnector
) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(
        database_url, connector, next_working_day_at(10), teams_dialogs=False
    ) as bot:
        yield bot


def _private_forms(bot: BotUnderTest) -> list[ConnectorCall]:
    return [
        c
        for c in bot.connector.posted()
        if (c.conversation_id or "").startswith("a:")
        and c.cards
        and "Case details for" in texts_of(c.cards[0])
    ]


async def test_the_details_button_sends_the_form_to_the_chat_and_says_so(
    playground_like: BotUnderTest,
) -> None:
    bot = playground_like
    thread = await submit_request(bot)
    place = place_of(thread)
    before = len(_private_forms(bot))

    answered = await press(bot, act.PRIYA, thread, "Provide details privately", place)

    assert "is in your 1:1 chat with the bot" in refusal(answered)  # the card's own message
    forms = _private_forms(bot)
    assert len(forms) == before + 1
    reference = thread.cards[0]["body"][0]["text"].removeprefix("Step-up request ")
    assert f"Case details for {reference} (private)" in texts_of(forms[-1].cards[0])

    form = CardForm(card_of(forms[-1]))
    form.fill("EHM number", "EHM 7304518")
    form.fill("Where is the management oversight recorded?", "Supervision notes on EHM")
    form.fill("Your best contact number", "0113 496 0577")
    sent = await press(bot, act.PRIYA, form, "Send privately", place_of(forms[-1]))
    assert sent.status == 200, sent.body
    assert "Details: received ✓" in texts_of(latest_card(bot, thread).cards[0])


async def test_someone_else_pressing_it_is_refused_and_nothing_is_sent(
    playground_like: BotUnderTest,
) -> None:
    bot = playground_like
    thread = await submit_request(bot)
    before = len(_private_forms(bot))

    answered = await press(bot, act.TOM, thread, "Provide details privately", place_of(thread))

    assert refusal(answered) == (
        "Only the person who asked for the consultation can give these details."
    )
    assert len(_private_forms(bot)) == before


async def test_with_dialogs_the_same_button_still_opens_the_dialog(
    database_url: str, connector: FakeConnector
) -> None:
    async with installed_bot(database_url, connector, next_working_day_at(10)) as bot:
        thread = await submit_request(bot)
        opened = await press(bot, act.PRIYA, thread, "Provide details privately", place_of(thread))
        assert "task" in opened.body, opened.body
