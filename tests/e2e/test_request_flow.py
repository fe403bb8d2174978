"""The step-up request, end to end over HTTP: post, card, acknowledge, outcome, dispute, review."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cards.common import local_time
from domain.consultation import Status
from domain.events import EventKind
from services.clock import MovableClock
from tests.support import activities as act
from tests.support.cards import assert_valid_card
from tests.support.dates import demo_calendar, duty_day_at
from tests.support.fake_connector import ConnectorCall, FakeConnector
from tests.support.harness import BotUnderTest, installed_bot, local_settings

# A Tuesday after today, 10:00 in London, in Tom's duty week (computed from the real today:
# the dev clock only moves forward, so a fixed date would fail once the calendar passed it).
TUESDAY_10AM = duty_day_at(act.TOM.aad_id, weekday=1, hour=10)
LONDON = ZoneInfo("Europe/London")
# The first request of the anchor's year; the bot numbers requests by the (UTC) year they open.
FIRST_REFERENCE = f"SU-{TUESDAY_10AM.year}-0001"


def london(day: datetime, hour: int, minute: int = 0) -> datetime:
    """`hour:minute` London time on the London day of `day`, as an aware datetime."""
    return datetime.combine(day.astimezone(LONDON).date(), time(hour, minute), tzinfo=LONDON)


def shown_as(at: datetime) -> str:
    """A moment as the bot's cards show it (its own formatter), e.g. "Tue 8 Dec 17:00"."""
    return local_time(at, "Europe/London")


@pytest.fixture
async def flow_bot(database_url: str, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(database_url, connector, TUESDAY_10AM) as running:
        yield running


def _thread_card(connector: FakeConnector, post: dict[str, Any]) -> ConnectorCall:
    """The bot's card sent into the post's thread."""
    calls = [c for c in connector.posted() if c.conversation_id == post["conversation"]["id"]]
    assert len(calls) == 1, [c.op for c in connector.calls]
    assert len(calls[0].cards) == 1
    return calls[0]


def _press(
    bot: BotUnderTest,
    user: act.User,
    post: dict[str, Any],
    card: ConnectorCall,
    verb: str,
    **data: Any,
) -> dict[str, Any]:
    consultation_id = card.cards[0]["actions"][0]["data"]["consultationId"]
    return act.card_action(
        bot.connector.service_url,
        user,
        verb,
        {"consultationId": consultation_id, **data},
        root_id=post["id"],
        card_activity_id=card.returned_id or "",
    )


def _texts(card: dict[str, Any]) -> str:
    """All the text a card shows, flattened."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("text", "title", "value") and isinstance(value, str):
                    out.append(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card.get("body", []))
    return "\n".join(out)


async def test_a_post_by_a_requester_gets_a_request_card_naming_the_duty_manager(
    flow_bot: BotUnderTest,
) -> None:
    post = act.channel_post(
        flow_bot.connector.service_url,
        act.PRIYA,
        "Hi, requesting a step up consultation please. Priya, FC Northgate",
    )
    assert (await flow_bot.send(post)).status == 201

    card_call = _thread_card(flow_bot.connector, post)
    card = card_call.cards[0]
    assert_valid_card(card)
    shown = _texts(card)
    assert f"Step-up request {FIRST_REFERENCE}" in shown
    assert "Priya Shah (priya.shah@northdown.gov.uk)" in shown
    assert "Family Centre Northgate" in shown
    assert "<at>Tom Okafor</at>" in shown
    assert card["msteams"]["entities"][0]["mentioned"]["id"] == act.TOM.teams_id
    assert shown_as(london(TUESDAY_10AM, 17)) in shown  # acknowledge by the end of the working day
    assert shown_as(TUESDAY_10AM + timedelta(hours=24)) in shown  # call back within 24 hours
    assert "Hi, requesting" not in str(card)  # the post's text is never repeated
    assert "Checklist missing" in shown  # a free-text post has no checklist yet (issue 14)
    # Priya is asked privately (a new 1:1 chat) to complete the checklist.
    created = flow_bot.connector.of("create_conversation")
    assert len(created) == 1
    assert created[0].member_ids == [act.PRIYA.teams_id]
    private = [
        c for c in flow_bot.connector.posted() if c.conversation_id == created[0].returned_id
    ]
    assert len(private) == 1
    assert_valid_card(private[0].cards[0])
    assert f"Complete the checklist for {FIRST_REFERENCE}" in _texts(private[0].cards[0])


async def test_teams_redelivering_the_same_post_opens_no_second_request(
    flow_bot: BotUnderTest,
) -> None:
    post = act.channel_post(flow_bot.connector.service_url, act.PRIYA, "Step up please")
    await flow_bot.send(post)
    await flow_bot.send(post)
    assert (
        len(
            [
                c
                for c in flow_bot.connector.posted()
                if c.conversation_id == post["conversation"]["id"]
            ]
        )
        == 1
    )


async def test_posts_by_map_managers_and_unknown_people_are_not_requests(
    flow_bot: BotUnderTest,
) -> None:
    url = flow_bot.connector.service_url
    await flow_bot.send(act.channel_post(url, act.TOM, "Reminder: rota changes next week"))
    await flow_bot.send(act.channel_post(url, act.STRANGER, "hello"))
    assert flow_bot.connector.posted() == []


async def test_the_demo_story_from_post_to_reviewed_dispute(flow_bot: BotUnderTest) -> None:
    bot, connector = flow_bot, flow_bot.connector
    post = act.channel_post(connector.service_url, act.PRIYA, "Urgent step up please")
    await bot.send(post)
    card = _thread_card(connector, post)
    assert "URGENT" in _texts(card.cards[0])
    consultation_id = card.cards[0]["actions"][0]["data"]["consultationId"]

    # Priya cannot acknowledge her own request; nothing changes.
    refused = await bot.send(_press(bot, act.PRIYA, post, card, "acknowledge"))
    assert refused.status == 200
    assert refused.body["type"] == "application/vnd.microsoft.activity.message"
    assert connector.of("update") == []

    # Tom acknowledges: his view comes back and the thread card is updated for everyone.
    acked = await bot.send(_press(bot, act.TOM, post, card, "acknowledge"))
    assert acked.body["type"] == "application/vnd.microsoft.card.adaptive"
    assert_valid_card(acked.body["value"])
    updates = connector.of("update")
    assert len(updates) == 1 and updates[0].activity_id == card.returned_id
    assert "Acknowledged: call-back due" in _texts(updates[-1].cards[0])

    # Pressing it again (Teams retries) changes nothing.
    again = await bot.send(_press(bot, act.TOM, post, card, "acknowledge"))
    assert again.body["type"] == "application/vnd.microsoft.activity.message"
    assert len(connector.of("update")) == 1

    # Tom opens the private outcome form and records "threshold not met".
    form = await bot.send(_press(bot, act.TOM, post, card, "open_form", form="record_outcome"))
    assert_valid_card(form.body["value"])
    assert "Record the outcome" in _texts(form.body["value"])
    decided = await bot.send(
        _press(bot, act.TOM, post, card, "record_outcome", outcome="threshold_not_met")
    )
    assert decided.body["type"] == "application/vnd.microsoft.card.adaptive"
    shown = _texts(connector.of("update")[-1].cards[0])
    assert "Threshold not met" in shown
    assert "North Area Assessment Team, 01632 960401" in shown
    assert "Do not close the EHM record until the area team confirms." in shown

    # Priya disputes; Ewa (the other MAP team manager) is asked to review, privately.
    disputed = await bot.send(_press(bot, act.PRIYA, post, card, "dispute"))
    assert disputed.body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "Under review" in _texts(connector.of("update")[-1].cards[0])
    to_ewa = [c for c in connector.of("create_conversation") if c.member_ids == [act.EWA.teams_id]]
    assert len(to_ewa) == 1
    assert any(
        f"review the disputed decision on {FIRST_REFERENCE}" in c.text
        for c in connector.posted()
        if c.conversation_id == to_ewa[0].returned_id
    )

    # Tom may not review his own decision; Ewa upholds it.
    own = await bot.send(_press(bot, act.TOM, post, card, "review", upheld="true"))
    assert own.body["type"] == "application/vnd.microsoft.activity.message"
    reviewed = await bot.send(_press(bot, act.EWA, post, card, "review", upheld="true"))
    assert reviewed.body["type"] == "application/vnd.microsoft.card.adaptive"

    found = await bot.runtime.consultations.get(consultation_id)  # type: ignore[union-attr]
    assert found is not None
    consultation = found[0]
    assert consultation.status is Status.REVIEWED
    trail = [(e.kind, e.actor_id) for e in consultation.events]
    assert trail == [
        (EventKind.SUBMITTED, act.PRIYA.aad_id),
        (EventKind.ASSIGNED, None),
        (EventKind.ACKNOWLEDGED, act.TOM.aad_id),
        (EventKind.DETAILS_REQUESTED, act.TOM.aad_id),  # the ask that follows acknowledging
        (EventKind.CALLED_BACK, act.TOM.aad_id),
        (EventKind.OUTCOME_RECORDED, act.TOM.aad_id),
        (EventKind.DISPUTED, act.PRIYA.aad_id),
        (EventKind.REVIEW_ASSIGNED, None),
        (EventKind.REVIEWED, act.EWA.aad_id),
    ]
    for card_body in [c.cards[0] for c in connector.of("update")]:
        assert_valid_card(card_body)


async def test_a_forged_or_unknown_request_id_is_refused_and_changes_nothing(
    flow_bot: BotUnderTest,
) -> None:
    post = act.channel_post(flow_bot.connector.service_url, act.PRIYA, "Step up please")
    await flow_bot.send(post)
    card = _thread_card(flow_bot.connector, post)
    forged = _press(flow_bot, act.TOM, post, card, "acknowledge")
    forged["value"]["action"]["data"]["consultationId"] = "0" * 32
    reply = await flow_bot.send(forged)
    assert reply.status == 200
    assert reply.body["value"] == "This request no longer exists."
    assert flow_bot.connector.of("update") == []


async def test_a_post_out_of_hours_gets_the_out_of_hours_guidance_and_next_day_deadlines(
    database_url: str, connector: FakeConnector
) -> None:
    # A working Friday after today, 19:30 in London, and the working day that follows it.
    friday_evening = duty_day_at(act.TOM.aad_id, weekday=4, hour=19, minute=30)
    next_day = demo_calendar().next_working_day(friday_evening.astimezone(LONDON).date())
    next_opening = datetime.combine(next_day, time(9), tzinfo=LONDON)
    bot = BotUnderTest(local_settings(database_url), connector, clock=MovableClock(friday_evening))
    await bot.start()
    try:
        await bot.send(act.installation_added(connector.service_url))
        post = act.channel_post(connector.service_url, act.PRIYA, "Urgent step up please")
        await bot.send(post)
        in_thread = [
            c for c in connector.posted() if c.conversation_id == post["conversation"]["id"]
        ]
        assert len(in_thread) == 2
        # The clock starts at the next opening (a Monday, or later after a bank holiday): an
        # urgent request's 60 working minutes end at 10:00 that day.
        assert shown_as(next_opening + timedelta(hours=1)) in _texts(in_thread[0].cards[0])
        assert "Northdown Emergency Duty Team: 01632 960999" in in_thread[1].text
        assert "999" in in_thread[1].text
    finally:
        await bot.stop()


@pytest.mark.parametrize(
    ("kind", "event"), [("messageUpdate", "editMessage"), ("messageDelete", "softDeleteMessage")]
)
async def test_editing_or_deleting_the_post_leaves_the_request_as_it_was(
    flow_bot: BotUnderTest, kind: str, event: str
) -> None:
    post = act.channel_post(flow_bot.connector.service_url, act.PRIYA, "Step up please")
    await flow_bot.send(post)
    consultation_id = _thread_card(flow_bot.connector, post).cards[0]["actions"][0]["data"][
        "consultationId"
    ]
    changed = dict(post, type=kind)
    changed["channelData"] = {**post["channelData"], "eventType": event}
    assert (await flow_bot.send(changed)).status == 201
    found = await flow_bot.runtime.consultations.get(consultation_id)  # type: ignore[union-attr]
    assert found is not None and found[0].status is Status.ASSIGNED and found[0].version == 2
    assert len(flow_bot.connector.posted()) == 2  # the card and the private checklist, no more
