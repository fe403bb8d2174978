"""A very long post is screened in a worker thread, so it cannot stall every other turn."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator

import pytest

from bot.teams_bot import SCREEN_IN_THREAD_OVER
from privacy.model import Author, Screening
from privacy.screen import Screener
from tests.e2e.test_guard import POST
from tests.e2e.test_request_flow import TUESDAY_10AM
from tests.support import activities as act
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, installed_bot

FILLER = "The family were seen at home this week and the plan was talked through with everyone. "


@pytest.fixture
async def bot(database_url: str, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(database_url, connector, TUESDAY_10AM) as running:
        yield running


@pytest.fixture
def screened_on(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each screen, whether it ran on the event loop's thread (the real screen still runs)."""
    seen: list[bool] = []
    real = Screener.screen

    def recording(self: Screener, text: str, author: Author) -> Screening:
        seen.append(threading.current_thread() is threading.main_thread())
        return real(self, text, author)

    monkeypatch.setattr(Screener, "screen", recording)
    return seen


async def test_a_long_post_is_screened_off_the_event_loop_and_still_warned(
    bot: BotUnderTest, screened_on: list[bool]
) -> None:
    text = POST + "\n\n" + FILLER * (SCREEN_IN_THREAD_OVER // len(FILLER) + 1)
    assert threading.current_thread() is threading.main_thread()  # the loop runs here
    post = act.channel_post(bot.connector.service_url, act.PRIYA, text)
    assert (await bot.send(post)).status == 201

    assert screened_on == [False]
    in_thread = [
        c.text for c in bot.connector.posted() if c.conversation_id == post["conversation"]["id"]
    ]
    assert any(t and "please delete the post" in t for t in in_thread)


async def test_an_ordinary_post_is_screened_in_place(
    bot: BotUnderTest, screened_on: list[bool]
) -> None:
    post = act.channel_post(bot.connector.service_url, act.PRIYA, POST)
    assert (await bot.send(post)).status == 201
    assert screened_on == [True]  # a thread hop costs more than a short screen
