"""The 1:1 chat: a structured request form, the checklist after a free-text post, duty."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from domain.consultation import Status
from tests.e2e.test_request_flow import TUESDAY_10AM, _texts
from tests.support import activities as act
from tests.support.cards import assert_valid_card
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, installed_bot
from tests.support.press import CardForm, card_of, place_of, press

# Position of each indicator in profiles/demo.yaml (choice values are positions).
ABUSE, SUBSTANCE, REDUCES_SAFETY = "1", "2", "7"


@pytest.fixture
async def chat_bot(database_url: str, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(database_url, connector, TUESDAY_10AM) as running:
        yield running


def _personal_action(
    bot: BotUnderTest, user: act.User, verb: str, data: dict[str, Any]
) -> dict[str, Any]:
    return act.personal_card_action(bot.connector.service_url, user, verb, data)


def _form(**overrides: Any) -> dict[str, Any]:
    values = {
        "service": "fc-northgate",
        "urgent": "false",
        "indicators": f"{ABUSE},{SUBSTANCE}",
        "supervision": "true",
        "evidence": "true",
        "rationale": "true",
    }
    values.update(overrides)
    return values


async def test_new_request_in_the_chat_sends_the_form_with_the_profiles_lists(
    chat_bot: BotUnderTest,
) -> None:
    url = chat_bot.connector.service_url
    await chat_bot.send(act.personal_message(url, act.PRIYA, "new request"))
    sent = chat_bot.connector.posted()
    assert len(sent) == 1
    form = sent[0].cards[0]
    assert_valid_card(form)
    choice_sets = {e["id"]: e for e in form["body"] if e["type"] == "Input.ChoiceSet"}
    assert choice_sets["service"]["value"] == "fc-northgate"  # her own service preselected
    assert len(choice_sets["indicators"]["choices"]) == 8


async def test_only_requesters_get_the_form(chat_bot: BotUnderTest) -> None:
    await chat_bot.send(act.personal_message(chat_bot.connector.service_url, act.TOM, "new"))
    reply = chat_bot.connector.posted()[0]
    assert reply.cards == [] and "Only FC/FSP managers" in reply.text


async def test_submitting_the_form_posts_the_request_as_a_new_thread(
    chat_bot: BotUnderTest,
) -> None:
    url = chat_bot.connector.service_url
    await chat_bot.send(act.personal_message(url, act.PRIYA, "new request"))
    form_call = chat_bot.connector.posted()[-1]
    form = CardForm(card_of(form_call)).choose("Your service", "Family Centre Northgate")
    form.toggle("Urgent: a child may be at imminent risk of harm")
    form.choose(
        "Level 4 indicators",
        "Domestic abuse with risk to the child",
        "Parental substance misuse affecting the child's safety",
    )
    for check in ("Management case supervision", "Evidence of the concerns", "All of this"):
        form.toggle(next(t for t in _toggle_titles(form) if t.startswith(check)))
    reply = await press(chat_bot, act.PRIYA, form, "Post request", place_of(form_call))
    assert reply.status == 200
    assert reply.body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "posted in FC/FSP Step Up Requests" in _texts(reply.body["value"])
    threads = [c for c in chat_bot.connector.posted() if c.conversation_id == act.STEPUP_CHANNEL]
    assert len(threads) == 1
    card = threads[0].cards[0]
    assert_valid_card(card)
    shown = _texts(card)
    assert "URGENT" in shown and "complete ✓, 2 Level 4 indicators" in shown
    # Its message id is the thread: a later click updates that same message.
    await press(chat_bot, act.TOM, threads[0], "Acknowledge")
    update = chat_bot.connector.of("update")[-1]
    assert update.activity_id == threads[0].returned_id
    assert update.conversation_id == f"{act.STEPUP_CHANNEL};messageid={threads[0].returned_id}"


def _toggle_titles(form: CardForm) -> list[str]:
    return [str(e["title"]) for e in form.inputs() if e["type"] == "Input.Toggle"]


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        pytest.param({"indicators": REDUCES_SAFETY}, "needs at least one other", id="rule"),
        pytest.param({"indicators": ""}, "at least one Level 4 indicator", id="no-indicator"),
        pytest.param({"indicators": "99"}, "not on the list", id="forged-indicator"),
        pytest.param({"evidence": "false"}, "all three checklist items", id="checklist"),
        pytest.param({"service": "nowhere"}, "service from the list", id="forged-service"),
    ],
)
async def test_a_form_that_breaks_a_rule_comes_back_with_the_reason_and_posts_nothing(
    chat_bot: BotUnderTest, overrides: dict[str, str], problem: str
) -> None:
    reply = await chat_bot.send(
        _personal_action(chat_bot, act.PRIYA, "submit_request", _form(**overrides))
    )
    assert reply.status == 200
    form = reply.body["value"]
    assert_valid_card(form)
    assert problem in _texts(form)
    assert chat_bot.connector.posted() == []


async def test_completing_the_checklist_after_a_post_updates_the_thread_card(
    chat_bot: BotUnderTest,
) -> None:
    url = chat_bot.connector.service_url
    post = act.channel_post(url, act.PRIYA, "Step up consultation please")
    await chat_bot.send(post)
    private = [
        c for c in chat_bot.connector.posted() if c.conversation_id != post["conversation"]["id"]
    ]
    checklist = CardForm(card_of(private[-1])).choose(
        "Level 4 indicators",
        "Domestic abuse with risk to the child",
        "Parental substance misuse affecting the child's safety",
    )
    for title in _toggle_titles(checklist):
        checklist.toggle(title)
    reply = await press(chat_bot, act.PRIYA, checklist, "Save checklist", place_of(private[-1]))
    assert reply.body["type"] == "application/vnd.microsoft.card.adaptive"
    shown = _texts(chat_bot.connector.of("update")[-1].cards[0])
    assert "complete ✓, 2 Level 4 indicators" in shown
    # Tom may not complete Priya's checklist (the same card pressed by him).
    refused = await press(chat_bot, act.TOM, checklist, "Save checklist", place_of(private[-1]))
    assert refused.body["type"] == "application/vnd.microsoft.activity.message"


async def test_who_is_on_duty_names_the_rota_manager_and_deputy(chat_bot: BotUnderTest) -> None:
    await chat_bot.send(
        act.personal_message(chat_bot.connector.service_url, act.PRIYA, "who is on duty?")
    )
    assert chat_bot.connector.posted()[0].text == (
        "On duty this week: Tom Okafor, MAP team manager. Deputy: Sam Reid."
    )


async def test_the_requester_can_withdraw_before_an_outcome(chat_bot: BotUnderTest) -> None:
    post = act.channel_post(chat_bot.connector.service_url, act.PRIYA, "Step up please")
    await chat_bot.send(post)
    card = chat_bot.connector.posted()[0]
    consultation_id = card.cards[0]["actions"][0]["data"]["consultationId"]
    asked = await press(chat_bot, act.PRIYA, card, "Withdraw")
    done = await press(chat_bot, act.PRIYA, card_of(asked), "Yes, withdraw", place_of(card))
    assert done.body["type"] == "application/vnd.microsoft.card.adaptive"
    found = await chat_bot.runtime.consultations.get(consultation_id)  # type: ignore[union-attr]
    assert found is not None and found[0].status is Status.WITHDRAWN
    assert "Withdrawn" in _texts(chat_bot.connector.of("update")[-1].cards[0])
