"""The demo is consistent: a newcomer can type what the demo shows, and it claims no duty week."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from settings import DEMO_PROFILE, ROOT
from tests.e2e.test_everyday_queue import duty_of, post
from tests.support import activities as act
from tests.support.dates import next_working_day_at
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, installed_bot
from tests.support.press import CardForm, card_of, place_of, press, texts_of

PLAYGROUND = ROOT / ".m365agentsplayground.yml"


def demo() -> dict[str, Any]:
    profile: dict[str, Any] = yaml.safe_load(DEMO_PROFILE.read_text(encoding="utf-8"))
    return profile


def demo_phone(key: str) -> str:
    return str(next(p for p in demo()["people"] if p["key"] == key)["phones"][0])


@pytest.fixture
async def demo_bot(database_url: str, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(database_url, connector, next_working_day_at(10)) as running:
        yield running


async def details_form(bot: BotUnderTest) -> tuple[CardForm, Any]:
    """Priya's private-details form, as it arrives after the duty manager acknowledges."""
    _, card = await post(bot, "Step up consultation please")
    before = len(bot.connector.posted())
    await press(bot, await duty_of(bot, card), card, "Acknowledge", place_of(card))
    asks = [
        c
        for c in bot.connector.posted()[before:]
        if c.cards and not (c.conversation_id or "").startswith("19:")
    ]
    assert asks, "no details form was sent"
    return CardForm(card_of(asks[-1])), asks[-1]


@pytest.mark.parametrize(
    "phone",
    [
        pytest.param(demo_phone("priya"), id="priyas-own-demo-number"),
        pytest.param("07700 900101", id="drama-mobile"),
        pytest.param("0113 496 0577", id="drama-leeds"),
    ],
)
async def test_the_details_form_accepts_the_numbers_the_demo_shows(
    demo_bot: BotUnderTest, phone: str
) -> None:
    form, ask = await details_form(demo_bot)
    form.fill("EHM number", "EHM 7304518")
    form.fill("Where is the management oversight recorded?", "Supervision notes on EHM")
    form.fill("Your best contact number", phone)
    saved = await press(demo_bot, act.PRIYA, form, "Send privately", place_of(ask))
    assert "saved privately" in texts_of(card_of(saved)), texts_of(card_of(saved))


async def test_a_number_outside_the_drama_ranges_that_no_area_has_is_still_refused(
    demo_bot: BotUnderTest,
) -> None:
    form, ask = await details_form(demo_bot)
    form.fill("EHM number", "EHM 7304518")
    form.fill("Where is the management oversight recorded?", "Supervision notes on EHM")
    form.fill("Your best contact number", "01632 961101")
    refused = await press(demo_bot, act.PRIYA, form, "Send privately", place_of(ask))
    assert "That is not a valid UK phone number." in texts_of(card_of(refused))


def every_demo_number() -> list[str]:
    profile = demo()
    numbers = [str(n) for p in profile["people"] for n in p.get("phones", [])]
    contacts = profile["contacts"]
    numbers.append(str(contacts["out_of_hours"]["phone"]))
    numbers += [str(t["phone"]) for t in contacts["assessment_teams"]]
    return numbers


def test_every_number_in_the_demo_is_one_the_form_accepts() -> None:
    from domain.details import DetailsRules, check_details

    for number in every_demo_number():
        values = {"ehmNumber": "EHM 7304518", "oversight": "Supervision notes", "phone": number}
        assert check_details(values, DetailsRules()).details is not None, number


@pytest.mark.parametrize("path", [DEMO_PROFILE, PLAYGROUND], ids=["profile", "playground"])
def test_the_demo_claims_no_fixed_duty_week(path: Path) -> None:
    """The rota alternates: "on duty this week" in a demo file is true one week in two."""
    text = path.read_text(encoding="utf-8").lower()
    assert "on duty this week" not in text
    assert "on duty next week" not in text
