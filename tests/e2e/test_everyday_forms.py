"""Every form a person fills in, pressed the way a person does: by what the card shows.

Each choice set in cards/ is used here by its visible titles (tests/support/press.py), so a list
that shows one thing and sends another, or sends what the server refuses, fails here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from domain.consultation import Outcome, Status
from tests.support import activities as act
from tests.support.cards import assert_valid_card
from tests.support.dates import next_working_day_at
from tests.support.fake_connector import ConnectorCall, FakeConnector
from tests.support.harness import BotUnderTest, Reply, installed_bot
from tests.support.press import CardForm, Place, card_of, place_of, press, texts_of

ABUSE = "Domestic abuse with risk to the child"
SUBSTANCE = "Parental substance misuse affecting the child's safety"
CHECKS = (
    "Management case supervision is recorded",
    "Evidence of the concerns and their impact is recorded",
    "All of this, with the rationale, is recorded on EHM",
)


@pytest.fixture
async def everyday(database_url: str, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(database_url, connector, next_working_day_at(10)) as running:
        yield running


def channel_threads(bot: BotUnderTest) -> list[ConnectorCall]:
    """Request cards that opened a thread in the channel."""
    return [
        c for c in bot.connector.posted() if c.conversation_id == act.STEPUP_CHANNEL and c.cards
    ]


def latest_card(bot: BotUnderTest, thread: ConnectorCall) -> ConnectorCall:
    """The thread's card as everyone sees it now (its last update, or as posted)."""
    updates = [c for c in bot.connector.of("update") if c.activity_id == thread.returned_id]
    return updates[-1] if updates else thread


async def open_form_in_chat(bot: BotUnderTest, user: act.User = act.PRIYA) -> ConnectorCall:
    """`user` types "new request" in the 1:1 chat; the form the bot sent."""
    before = len(bot.connector.posted())
    await bot.send(act.personal_message(bot.connector.service_url, user, "new request"))
    sent = bot.connector.posted()[before:]
    assert len(sent) == 1 and sent[0].cards, [c.text for c in sent]
    return sent[0]


def filled_request(form: ConnectorCall, service: str, urgent: bool = False) -> CardForm:
    """The request form as Priya fills it in: service by name, two indicators, every check."""
    filled = CardForm(card_of(form)).choose("Your service", service)
    filled.choose("Level 4 indicators", ABUSE, SUBSTANCE)
    filled.toggle("Urgent: a child may be at imminent risk of harm", urgent)
    for check in CHECKS:
        filled.toggle(check)
    return filled


async def submit_request(
    bot: BotUnderTest, service: str = "Family Centre Riverside"
) -> ConnectorCall:
    """Priya opens the form, fills it in and posts it; the request's card in the channel."""
    form = await open_form_in_chat(bot)
    reply = await press(
        bot, act.PRIYA, filled_request(form, service), "Post request", place_of(form)
    )
    assert reply.status == 200
    assert "posted in FC/FSP Step Up Requests" in texts_of(card_of(reply)), reply.body
    threads = channel_threads(bot)
    assert len(threads) == 1
    return threads[0]


async def test_the_new_request_form_shows_service_names_and_submits_to_a_channel_card(
    everyday: BotUnderTest,
) -> None:
    form = await open_form_in_chat(everyday)
    assert_valid_card(form.cards[0])
    offered = CardForm(form.cards[0]).offered("Your service")
    assert offered == [
        "Family Centre Northgate",
        "Family Centre Riverside",
        "Family Support Programme North",
        "Family Support Programme South",
    ]
    # Her own service is shown selected: pressing without touching it files it there.
    untouched = CardForm(form.cards[0]).choose("Level 4 indicators", ABUSE, SUBSTANCE)
    for check in CHECKS:
        untouched.toggle(check)
    assert untouched.values["service"] == "fc-northgate"

    thread = await submit_request(everyday, "Family Centre Riverside")
    card = thread.cards[0]
    assert_valid_card(card)
    shown = texts_of(card)
    assert "Service: Family Centre Riverside" in shown
    assert "complete ✓, 2 Level 4 indicators" in shown
    assert "Checklist missing" not in shown
    assert "Urgency: Standard" in shown


async def test_a_title_the_form_does_not_offer_cannot_be_chosen(everyday: BotUnderTest) -> None:
    form = await open_form_in_chat(everyday)
    with pytest.raises(AssertionError, match="offers \\['Family Centre Northgate'"):
        CardForm(form.cards[0]).choose("Your service", "fc-riverside")


async def test_the_checklist_after_a_post_is_filled_by_its_titles(everyday: BotUnderTest) -> None:
    url = everyday.connector.service_url
    await everyday.send(act.channel_post(url, act.PRIYA, "Step up consultation please"))
    private = [c for c in everyday.connector.posted() if (c.conversation_id or "").startswith("a:")]
    assert len(private) == 1
    checklist = CardForm(card_of(private[0])).choose("Level 4 indicators", ABUSE)
    for check in CHECKS:
        checklist.toggle(check)
    reply = await press(everyday, act.PRIYA, checklist, "Save checklist", place_of(private[0]))
    assert reply.body["type"] == "application/vnd.microsoft.card.adaptive", reply.body
    shown = texts_of(everyday.connector.of("update")[-1].cards[0])
    assert "complete ✓, 1 Level 4 indicator" in shown


async def test_outcome_dispute_and_review_forms_are_pressed_by_their_titles(
    everyday: BotUnderTest,
) -> None:
    thread = await submit_request(everyday)
    place = place_of(thread)
    acked = await press(everyday, act.TOM, latest_card(everyday, thread), "Acknowledge", place)
    assert "Acknowledged" in texts_of(card_of(acked))

    opened = await press(everyday, act.TOM, latest_card(everyday, thread), "Record outcome", place)
    outcome = CardForm(card_of(opened))
    assert outcome.offered("Area team (if threshold met)") == [
        "North Area Assessment Team",
        "South Area Assessment Team",
    ]
    outcome.choose("Outcome", "Threshold met: step up to Level 4 agreed")
    outcome.choose("Area team (if threshold met)", "South Area Assessment Team")
    outcome.toggle("I have created the contact and transferred it")
    recorded = await press(everyday, act.TOM, outcome, "Record outcome", place)
    assert recorded.body["type"] == "application/vnd.microsoft.card.adaptive", recorded.body
    shown = texts_of(latest_card(everyday, thread).cards[0])
    assert "Threshold met" in shown and "Area team: South Area Assessment Team" in shown

    disputed = await press(
        everyday, act.PRIYA, latest_card(everyday, thread), "Dispute outcome", place
    )
    assert disputed.body["type"] == "application/vnd.microsoft.card.adaptive", disputed.body
    opened = await press(everyday, act.EWA, latest_card(everyday, thread), "Review decision", place)
    review = CardForm(card_of(opened)).choose("Your decision", "Overturn it")
    review.choose("New outcome (if overturned)", "Threshold not met: Level 3 continues")
    reviewed = await press(everyday, act.EWA, review, "Record review", place)
    assert reviewed.body["type"] == "application/vnd.microsoft.card.adaptive", reviewed.body

    consultation_id = thread.cards[0]["actions"][0]["data"]["consultationId"]
    found = await everyday.runtime.consultations.get(consultation_id)  # type: ignore[union-attr]
    assert found is not None
    assert found[0].status is Status.REVIEWED
    assert found[0].outcome is Outcome.THRESHOLD_NOT_MET


async def test_reassign_is_pressed_by_the_persons_name(everyday: BotUnderTest) -> None:
    thread = await submit_request(everyday)
    place = place_of(thread)
    opened = await press(everyday, act.TOM, thread, "Reassign", place)
    form = CardForm(card_of(opened))
    assert "Sam Reid" in form.offered("Give it to")
    done = await press(everyday, act.TOM, form.choose("Give it to", "Sam Reid"), "Reassign", place)
    assert done.body["type"] == "application/vnd.microsoft.card.adaptive", done.body
    assert "<at>Sam Reid</at>" in texts_of(latest_card(everyday, thread).cards[0])


async def test_cover_is_set_by_the_names_on_the_form(everyday: BotUnderTest) -> None:
    url = everyday.connector.service_url
    await everyday.send(act.personal_message(url, act.TOM, "cover"))
    sent = everyday.connector.posted()[-1]
    form = CardForm(card_of(sent)).choose("Who covers", "Ewa Nowak")
    form.choose("Instead of", "Tom Okafor")
    reply = await press(
        everyday, act.TOM, form, "Set cover", Place.personal(sent.returned_id or "")
    )
    assert "Ewa Nowak covers Tom Okafor" in texts_of(card_of(reply)), reply.body


async def consultation_status(bot: BotUnderTest, thread: ConnectorCall) -> Status:
    consultation_id = thread.cards[0]["actions"][0]["data"]["consultationId"]
    found = await bot.runtime.consultations.get(consultation_id)  # type: ignore[union-attr]
    assert found is not None
    return found[0].status


async def test_withdraw_asks_once_and_keep_it_changes_nothing(everyday: BotUnderTest) -> None:
    form = await open_form_in_chat(everyday)
    urgent = filled_request(form, "Family Centre Northgate", urgent=True)
    await press(everyday, act.PRIYA, urgent, "Post request", place_of(form))
    (thread,) = channel_threads(everyday)
    place = place_of(thread)
    reference = texts_of(thread.cards[0]).split("\n")[0].removeprefix("Step-up request ")

    asked = await press(everyday, act.PRIYA, thread, "Withdraw", place)
    confirm = card_of(asked)
    assert_valid_card(confirm)
    assert texts_of(confirm).startswith(f"Withdraw {reference}?")
    assert "This request is marked urgent." in texts_of(confirm)
    assert CardForm(confirm).buttons() == ["Yes, withdraw", "Keep it"]
    assert await consultation_status(everyday, thread) is Status.ASSIGNED
    assert everyday.connector.of("update") == []

    kept = await press(everyday, act.PRIYA, confirm, "Keep it", place)
    assert "Waiting for acknowledgement" in texts_of(card_of(kept))
    assert await consultation_status(everyday, thread) is Status.ASSIGNED

    asked = await press(everyday, act.PRIYA, card_of(kept), "Withdraw", place)
    done = await press(everyday, act.PRIYA, card_of(asked), "Yes, withdraw", place)
    assert "Withdrawn" in texts_of(card_of(done))
    assert await consultation_status(everyday, thread) is Status.WITHDRAWN
    assert "Withdrawn" in texts_of(latest_card(everyday, thread).cards[0])


async def test_withdraw_by_someone_who_may_not_is_refused_without_a_confirmation(
    everyday: BotUnderTest,
) -> None:
    thread = await submit_request(everyday)
    refused = await press(everyday, act.TOM, thread, "Withdraw", place_of(thread))
    assert refused.body["type"] == "application/vnd.microsoft.activity.message"
    assert await consultation_status(everyday, thread) is Status.ASSIGNED


PEOPLE = {user.aad_id: user for user in (act.TOM, act.EWA, act.SAM)}


async def assignee_of(bot: BotUnderTest, thread: ConnectorCall) -> act.User:
    consultation_id = thread.cards[0]["actions"][0]["data"]["consultationId"]
    found = await bot.runtime.consultations.get(consultation_id)  # type: ignore[union-attr]
    assert found is not None and found[0].assignee_id is not None
    return PEOPLE[found[0].assignee_id]


def refusal(reply: Reply) -> str:
    assert reply.body["type"] == "application/vnd.microsoft.activity.message", reply.body
    return str(reply.body["value"])


async def test_refusals_say_what_is_needed_and_who_can_with_the_titles_spelt_right(
    everyday: BotUnderTest,
) -> None:
    thread = await submit_request(everyday)
    place, original = place_of(thread), thread
    duty = await assignee_of(everyday, thread)
    other = act.EWA if duty == act.TOM else act.TOM

    own = await press(everyday, act.PRIYA, thread, "Acknowledge", place)
    assert refusal(own) == (
        "Only a MAP team manager or a MAP advanced practitioner can acknowledge a request."
    )
    reassign = await press(everyday, act.PRIYA, thread, "Reassign", place)
    assert refusal(reassign) == "Only a MAP team manager can reassign a request."

    await press(everyday, duty, thread, "Acknowledge", place)
    again = await press(everyday, duty, original, "Acknowledge", place)  # a stale card
    assert refusal(again) == "You have already acknowledged this request."
    late_ack = await press(everyday, other, original, "Acknowledge", place)
    assert refusal(late_ack) == (
        "You can't acknowledge it now: this request is acknowledged and waiting for the call-back."
    )
    not_theirs = await press(
        everyday, other, latest_card(everyday, thread), "Record outcome", place
    )
    assert refusal(not_theirs) == (
        "Only the MAP worker dealing with this request can record the outcome. "
        f"That is {duty.name}."
    )

    opened = await press(everyday, duty, latest_card(everyday, thread), "Record outcome", place)
    outcome = CardForm(card_of(opened)).choose("Outcome", "Threshold not met: Level 3 continues")
    await press(everyday, duty, outcome, "Record outcome", place)
    late = await press(everyday, act.PRIYA, original, "Withdraw", place)
    assert refusal(late) == (
        "You can't withdraw it now: this request is decided (its outcome is recorded)."
    )


async def test_the_details_dialog_opens_from_the_card_and_is_sent_by_its_own_button(
    everyday: BotUnderTest,
) -> None:
    thread = await submit_request(everyday)
    place = place_of(thread)
    opened = await press(everyday, act.PRIYA, thread, "Provide details privately", place)
    dialog = CardForm(card_of(opened))
    assert_valid_card(dialog.card)
    with pytest.raises(AssertionError, match="'EHM number' is required"):
        dialog.submission("Send privately")  # the dialog will not send an empty form
    dialog.fill("EHM number", "EHM 7304518")
    dialog.fill("Where is the management oversight recorded?", "Supervision notes on EHM")
    dialog.fill("Your best contact number", "0113 496 0577")
    sent = await press(everyday, act.PRIYA, dialog, "Send privately", Place.dialog(place.root_id))
    assert sent.body["task"]["type"] == "message", sent.body
    assert sent.body["task"]["value"].startswith("Thank you: the details are saved privately.")
    assert "Details: received ✓" in texts_of(latest_card(everyday, thread).cards[0])
