"""Every timescale a text names comes from the profile: a council with a 48-hour call-back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from services.clock import MovableClock
from settings import DEMO_PROFILE
from tests.e2e.test_everyday_forms import (
    assignee_of,
    channel_threads,
    filled_request,
    latest_card,
    open_form_in_chat,
)
from tests.support import activities as act
from tests.support.dates import next_working_day_at
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, local_settings
from tests.support.press import CardForm, card_of, place_of, press, texts_of

EHM = "EHM 7304518"
PHONE = "0113 496 0577"


@pytest.fixture
def ten_am() -> datetime:
    return next_working_day_at(10)


@pytest.fixture
async def slow_council(
    database_url: str, connector: FakeConnector, tmp_path: Path, ten_am: datetime
) -> AsyncIterator[BotUnderTest]:
    profile: dict[str, Any] = yaml.safe_load(DEMO_PROFILE.read_text(encoding="utf-8"))
    profile["timescales"]["callback_hours"] = 48
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(profile), encoding="utf-8")
    running = BotUnderTest(
        local_settings(database_url, profile_path=path), connector, clock=MovableClock(ten_am)
    )
    await running.start()
    try:
        await running.send(act.installation_added(connector.service_url))
        connector.calls.clear()
        yield running
    finally:
        await running.stop()


async def test_the_texts_promise_the_profiles_call_back_not_24_hours(
    slow_council: BotUnderTest, ten_am: datetime
) -> None:
    bot = slow_council
    form = await open_form_in_chat(bot)
    posted = await press(
        bot,
        act.PRIYA,
        filled_request(form, "Family Centre Northgate"),
        "Post request",
        place_of(form),
    )
    notice = texts_of(card_of(posted))
    due = (ten_am + timedelta(hours=48)).astimezone(ZoneInfo("Europe/London"))
    assert f"call you back by {due:%a %-d %b %H:%M}" in notice
    assert "24 hours" not in notice

    (thread,) = channel_threads(bot)
    duty = await assignee_of(bot, thread)
    before = len(bot.connector.posted())
    await press(bot, duty, latest_card(bot, thread), "Acknowledge", place_of(thread))
    asks = [
        c
        for c in bot.connector.posted()[before:]
        if c.cards and c.conversation_id != act.STEPUP_CHANNEL
    ]
    details = CardForm(card_of(asks[-1])).fill("EHM number", EHM)
    details.fill("Where is the management oversight recorded?", "Supervision notes on EHM")
    details.fill("Your best contact number", PHONE)
    saved = await press(bot, act.PRIYA, details, "Send privately", place_of(asks[-1]))
    shown = texts_of(card_of(saved))
    assert "saved privately" in shown
    assert "24 hours" not in shown
    assert f"by {due:%a %-d %b %H:%M}" in shown
