"""Issue 15: Surrey's step down runs end to end on the generic engine, through /api/messages.

The receiving FC/FSP's manager records a step down allocated to her service in the 1:1 chat
(the area team contact recorded), owns it, is reminded and escalated by the definition's
timers in working days, asks the area team when there is no plan (the Early Help service
manager is told), agrees the plan, and records the TAF meeting; nobody in CSPA is ever told.
Every form is the card the bot sent, filled in by its visible words and pressed. Dates come
from today.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from settings import DEMO_PROFILE
from tests.e2e.test_escalation import move
from tests.support import activities as act
from tests.support.dates import demo_calendar, next_working_day_at
from tests.support.fake_connector import ConnectorCall, FakeConnector
from tests.support.harness import BotUnderTest, Reply, installed_bot, two_instances
from tests.support.press import CardForm, Place, card_of, place_of, press, texts_of

OPENED_AT = next_working_day_at(10)
CALENDAR = demo_calendar()
RECORD = "Record a step down allocated to your service"
CSPA = (act.TOM, act.EWA, act.SAM, act.GRACE)
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
async def bot(database_url: str, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(database_url, connector, OPENED_AT) as running:
        yield running


def cards_to(bot: BotUnderTest, user: act.User, since: int = 0) -> list[ConnectorCall]:
    """The cards sent to `user`'s 1:1 chat after call number `since` (the chat the bot
    opened, or the one they wrote to it in)."""
    chats = {
        c.returned_id
        for c in bot.connector.of("create_conversation")
        if c.member_ids == [user.teams_id]
    } | {act.personal_message(bot.connector.service_url, user, "")["conversation"]["id"]}
    return [
        c
        for c in bot.connector.calls[since:]
        if c.op in ("send", "reply") and c.conversation_id in chats and c.cards
    ]


async def step_down_form(bot: BotUnderTest, user: act.User = act.PRIYA) -> ConnectorCall:
    """`user` types "step down" in the 1:1 chat; the form the bot sent."""
    before = len(bot.connector.posted())
    await bot.send(act.personal_message(bot.connector.service_url, user, "step down"))
    sent = bot.connector.posted()[before:]
    assert len(sent) == 1 and sent[0].cards, [c.text for c in sent]
    return sent[0]


def shown(reply: Reply) -> str:
    assert reply.status == 200, reply.body
    return texts_of(card_of(reply))


async def step(
    bot: BotUnderTest, user: act.User, card: Reply | ConnectorCall, button: str, **form: Any
) -> Reply:
    """`user` presses `button` on the case card; if it opens a form, fills it in with `form`
    (toggles by title: True; anything else typed or chosen by label) and presses it."""
    place = place_of(card) if isinstance(card, ConnectorCall) else Place.personal()
    reply = await press(bot, user, CardForm(card_of(card)), button, place)
    filled = CardForm(card_of(reply))
    if button not in filled.buttons():
        return reply  # a step without a form
    for name, value in form.items():
        if value is True:
            filled.toggle(name)
        elif filled.input(name)["type"] == "Input.ChoiceSet":
            filled.choose(name, value)
        else:
            filled.fill(name, value)
    return await press(bot, user, filled, button, Place.personal())


async def at(bot: BotUnderTest, moment: datetime) -> None:
    await move(bot, now=moment.isoformat())


async def test_a_step_down_runs_from_allocation_to_support_and_never_reaches_cspa(
    bot: BotUnderTest,
) -> None:
    form = await step_down_form(bot)
    offered = CardForm(card_of(form))
    assert offered.input("Receiving service")["value"] == "Family Centre Northgate"  # her own
    assert "North Area Assessment Team" in offered.offered("The stepping-down area team")

    # The area team contact must be recorded first: refused, saying so, and nothing stored.
    refused = CardForm(card_of(form)).choose(
        "The stepping-down area team", "North Area Assessment Team"
    )
    said = shown(await press(bot, act.PRIYA, refused, RECORD, place_of(form)))
    assert "The area team contact is recorded on EHM: this must be confirmed" in said
    assert "SD-" not in said

    filled = CardForm(card_of(form)).choose(
        "The stepping-down area team", "North Area Assessment Team"
    )
    filled.toggle("The area team contact is recorded on EHM")
    card = await press(bot, act.PRIYA, filled, RECORD, place_of(form))
    said = shown(card)
    reference = f"SD-{OPENED_AT.year}-0001"
    assert f"Recorded as {reference}" in said
    assert "Step down allocated - check the plan" in said and "Priya Shah" in said
    assert CardForm(card_of(card)).buttons() == ["Confirm plan", "Query area team", "Cancel"]

    # Two working days with no plan checked: Priya is reminded, once.
    start = len(bot.connector.calls)
    await at(bot, CALENDAR.add_working_days(OPENED_AT, 2) + timedelta(minutes=1))
    await at(bot, CALENDAR.add_working_days(OPENED_AT, 2) + timedelta(minutes=20))
    [reminder] = cards_to(bot, act.PRIYA, start)
    assert f"Reminder: {reference} is waiting for you" in texts_of(card_of(reminder))
    assert cards_to(bot, act.DANIEL, start) == []

    # No plan in place: she takes it up with the area team, and the Early Help service
    # manager is told, with his own buttons.
    asked_at = CALENDAR.add_working_days(OPENED_AT, 2) + timedelta(hours=1)
    await at(bot, asked_at)
    said = shown(
        await step(
            bot,
            act.PRIYA,
            reminder,
            "Query area team",
            **{"We contacted the area team directly": True},
        )
    )
    assert "Done: Query area team" in said and "No plan - agreeing one with the area team" in said
    start = len(bot.connector.calls)
    await at(bot, asked_at + timedelta(minutes=5))
    [told] = cards_to(bot, act.DANIEL, start)
    assert "Priya Shah: Query area team" in texts_of(card_of(told))
    assert CardForm(card_of(told)).buttons() == ["Reassign", "Cancel"]

    # Three working days with no plan: Priya reminded and Daniel escalated, each once,
    # across ticks and a restart.
    overdue = CALENDAR.add_working_days(asked_at, 3) + timedelta(minutes=1)
    start = len(bot.connector.calls)
    await at(bot, overdue)
    [again] = cards_to(bot, act.PRIYA, start)
    [escalated] = cards_to(bot, act.DANIEL, start)
    assert f"Reminder: {reference}" in texts_of(card_of(again))
    assert f"{reference} has waited too long" in texts_of(card_of(escalated))
    assert "Its owner is Priya Shah" in texts_of(card_of(escalated))
    settled = len(bot.connector.calls)
    await at(bot, overdue + timedelta(minutes=10))
    await bot.restart()
    await at(bot, overdue + timedelta(minutes=20))
    assert len(bot.connector.calls) == settled

    # The plan is agreed, with a TAF meeting to hold within ten working days.
    planned_at = overdue + timedelta(minutes=30)
    taf_day = CALENDAR.add_working_days(planned_at, 3).date().isoformat()
    await at(bot, planned_at)
    said = shown(await step(bot, act.PRIYA, again, "Agree plan", **{"TAF meeting date": taf_day}))
    assert "Plan agreed - TAF meeting to hold" in said
    due = CALENDAR.add_working_days(planned_at, 10).astimezone(LONDON)
    assert f"Hold the TAF meeting: due {due:%a %-d %b %H:%M}" in said

    card = await step(bot, act.PRIYA, again, "Agree plan")  # her old card: overtaken
    assert "That step is not open to you now." in shown(card)
    assert CardForm(card_of(card)).buttons() == ["Record taf meeting"]

    # The meeting is held: supported at Level 3, the task done by her.
    held_at = CALENDAR.add_working_days(planned_at, 3)
    held = held_at.astimezone(LONDON)
    await at(bot, held_at)
    said = shown(
        await step(bot, act.PRIYA, card, "Record taf meeting", **{"TAF meeting held on": taf_day})
    )
    assert "Supported at Level 3" in said
    assert f"Hold the TAF meeting: done {held:%a %-d %b %H:%M} by Priya Shah" in said

    for person in CSPA:
        assert cards_to(bot, person) == [], person.name


async def test_only_a_receiving_services_manager_may_record_a_step_down(
    bot: BotUnderTest,
) -> None:
    await bot.send(act.personal_message(bot.connector.service_url, act.TOM, "step down"))
    [answer] = bot.connector.posted()
    assert answer.text == (
        "Only the manager of the receiving FC/FSP can record a step down allocated to your service."
    )
    assert not answer.cards


# -- a reassignment, in a council with a second manager at the receiving centre ---------------

JORDAN = act.User("29:demo-fc-deputy", "Jordan Ellis", "0b6c1d2e-1111-4a2b-8c3d-000000000007")


@pytest.fixture
async def two_managers(
    database_url: str, connector: FakeConnector, tmp_path: Path
) -> AsyncIterator[BotUnderTest]:
    """The demo council with Jordan Ellis, a second manager at Family Centre Northgate."""
    data = yaml.safe_load(DEMO_PROFILE.read_text(encoding="utf-8"))
    data["people"].append(
        {
            "key": "jordan",
            "name": JORDAN.name,
            "email": "jordan.ellis@northdown.gov.uk",
            "aad_object_id": JORDAN.aad_id,
            "teams_id": JORDAN.teams_id,
            "job_title": "Family Centre Deputy Manager",
            "roles": ["requester"],
            "service": "fc-northgate",
        }
    )
    profile = tmp_path / "profile.yaml"
    profile.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    async with installed_bot(database_url, connector, OPENED_AT, profile_path=profile) as running:
        yield running


async def recorded(bot: BotUnderTest) -> Reply:
    """Priya records a step down for her centre; the case card she is answered with."""
    form = await step_down_form(bot)
    filled = CardForm(card_of(form)).choose(
        "The stepping-down area team", "North Area Assessment Team"
    )
    filled.toggle("The area team contact is recorded on EHM")
    card = await press(bot, act.PRIYA, filled, RECORD, place_of(form))
    assert "Recorded as" in shown(card)
    return card


async def test_a_reassignment_tells_the_new_owner_and_the_old_one_with_their_own_cards(
    two_managers: BotUnderTest,
) -> None:
    bot = two_managers
    card = await recorded(bot)
    await at(bot, OPENED_AT + timedelta(minutes=30))
    asked = await step(
        bot, act.PRIYA, card, "Query area team", **{"We contacted the area team directly": True}
    )
    assert "No plan - agreeing one with the area team" in shown(asked)
    start = len(bot.connector.calls)
    await at(bot, OPENED_AT + timedelta(minutes=40))
    [daniel_card] = cards_to(bot, act.DANIEL, start)
    form = await press(
        bot, act.DANIEL, CardForm(card_of(daniel_card)), "Reassign", place_of(daniel_card)
    )
    # Only the receiving centre's own managers are offered; nobody in CSPA.
    assert CardForm(card_of(form)).offered("Reassign to") == ["Priya Shah", "Jordan Ellis"]

    start = len(bot.connector.calls)
    said = shown(
        await step(bot, act.DANIEL, daniel_card, "Reassign", **{"Reassign to": JORDAN.name})
    )
    assert "Owner: Jordan Ellis" in said
    await at(bot, OPENED_AT + timedelta(minutes=45))
    [to_jordan] = cards_to(bot, JORDAN, start)
    [to_priya] = cards_to(bot, act.PRIYA, start)
    assert " is yours now: No plan - agreeing one with the area team" in texts_of(
        card_of(to_jordan)
    )
    assert CardForm(card_of(to_jordan)).buttons() == ["Agree plan", "Cancel"]
    assert "is no longer yours: it is with Jordan Ellis" in texts_of(card_of(to_priya))
    assert cards_to(bot, act.DANIEL, start) == []  # he made the change: nothing to tell him
    for person in CSPA:
        assert cards_to(bot, person) == [], person.name


async def test_two_instances_ticking_together_remind_once(
    database_url: str, connector: FakeConnector
) -> None:
    async with two_instances(database_url, connector, OPENED_AT) as (first, second):
        await recorded(first)
        start = len(connector.calls)
        due = CALENDAR.add_working_days(OPENED_AT, 2) + timedelta(minutes=1)
        await asyncio.gather(at(first, due), at(second, due))
        await asyncio.gather(
            at(first, due + timedelta(minutes=5)), at(second, due + timedelta(minutes=5))
        )
        [reminder] = cards_to(first, act.PRIYA, start)
        assert "Reminder: SD-" in texts_of(card_of(reminder))
