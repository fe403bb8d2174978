"""Private details end to end: asked after acknowledgement, sealed at rest, seen by the team."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from services.clock import MovableClock
from storage.tables import access_audit, case_details
from tests.e2e.test_request_flow import TUESDAY_10AM, _texts
from tests.support import activities as act
from tests.support.cards import assert_valid_card
from tests.support.databases import sqlite_bytes
from tests.support.fake_connector import ConnectorCall, FakeConnector
from tests.support.harness import BotUnderTest, installed_bot

EHM = "EHM 7304518"
PHONE = "0113 496 0577"
VALID = {"ehmNumber": EHM, "oversight": "Supervision notes on EHM, 20 Nov", "phone": PHONE}


@pytest.fixture
async def bot(database_url: str, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(database_url, connector, TUESDAY_10AM) as running:
        yield running


async def _acknowledged_request(bot: BotUnderTest) -> tuple[str, dict[str, Any], ConnectorCall]:
    url = bot.connector.service_url
    post = act.channel_post(url, act.PRIYA, "Step up consultation please")
    await bot.send(post)
    card = next(
        c for c in bot.connector.posted() if c.conversation_id == post["conversation"]["id"]
    )
    consultation_id = card.cards[0]["actions"][0]["data"]["consultationId"]
    await bot.send(
        act.card_action(
            url,
            act.TOM,
            "acknowledge",
            {"consultationId": consultation_id},
            root_id=post["id"],
            card_activity_id=card.returned_id or "",
        )
    )
    return consultation_id, post, card


def _chat_of(bot: BotUnderTest, user: act.User) -> str:
    created = [
        c for c in bot.connector.of("create_conversation") if c.member_ids == [user.teams_id]
    ]
    assert len(created) == 1
    return created[0].returned_id or ""


def _in_chat(bot: BotUnderTest, user: act.User) -> list[ConnectorCall]:
    chat = _chat_of(bot, user)
    return [c for c in bot.connector.posted() if c.conversation_id == chat]


def _personal(bot: BotUnderTest, user: act.User, verb: str, data: dict[str, Any]) -> dict[str, Any]:
    return act.personal_card_action(bot.connector.service_url, user, verb, data)


async def _sealed_rows(bot: BotUnderTest) -> list[Any]:
    engine = bot.runtime.engine
    assert engine is not None
    async with engine.connect() as conn:
        return list((await conn.execute(select(case_details))).all())


async def test_after_acknowledgement_the_requester_gets_the_private_form(bot: BotUnderTest) -> None:
    await _acknowledged_request(bot)
    forms = [
        c.cards[0] for c in _in_chat(bot, act.PRIYA) if "Case details for" in _texts(c.cards[0])
    ]
    assert len(forms) == 1
    assert_valid_card(forms[0])
    ids = [e.get("id") for e in forms[0]["body"]]
    assert {"ehmNumber", "oversight", "phone"} <= set(ids)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        pytest.param("phone", "0113 496 O577", "digits only", id="letter-in-phone"),
        pytest.param("phone", "+33 1 42 68 53 00", "UK number", id="foreign-number"),
        pytest.param("phone", "", "contact number", id="empty-phone"),
        pytest.param("ehmNumber", "12-34", "6 to 10 digits", id="short-ehm"),
        pytest.param("ehmNumber", "9" * 60, "too long", id="oversized-ehm"),
        pytest.param("oversight", "<img src=x onerror=alert(1)>", "plain text", id="html"),
        pytest.param("oversight", "x" * 250, "under 200", id="oversized-text"),
    ],
)
async def test_a_bad_field_is_refused_next_to_it_and_nothing_is_stored(
    bot: BotUnderTest, field: str, value: str, message: str
) -> None:
    consultation_id, _, _ = await _acknowledged_request(bot)
    data = {"consultationId": consultation_id, "dialog": "case_details", **VALID, field: value}
    reply = await bot.send(_personal(bot, act.PRIYA, "provide_details", data))
    assert reply.status == 200
    form = reply.body["value"]
    assert_valid_card(form)
    body = form["body"]
    position = next(i for i, e in enumerate(body) if e.get("id") == field)
    assert message in body[position + 1]["text"]  # the reason sits right under its field
    assert await _sealed_rows(bot) == []
    assert bot.connector.of("update")[-1].cards[0] == bot.connector.of("update")[0].cards[0]


async def test_valid_details_reach_the_duty_manager_privately_and_never_the_channel(
    bot: BotUnderTest, database_url: str
) -> None:
    consultation_id, post, _ = await _acknowledged_request(bot)
    data = {"consultationId": consultation_id, "dialog": "case_details", **VALID}
    reply = await bot.send(_personal(bot, act.PRIYA, "provide_details", data))
    assert "saved privately" in _texts(reply.body["value"])

    to_tom = [c for c in _in_chat(bot, act.TOM) if c.cards]
    assert len(to_tom) == 1
    shown = _texts(to_tom[0].cards[0])
    assert "7304518" in shown and "0113 496 0577" in shown
    assert_valid_card(to_tom[0].cards[0])
    assert "received ✓" in _texts(bot.connector.of("update")[-1].cards[0])

    for call in bot.connector.calls:
        if call.conversation_id and call.conversation_id.startswith("19:"):
            dumped = str(call.body)
            assert "7304518" not in dumped and "496 0577" not in dumped and "4960577" not in dumped

    rows = await _sealed_rows(bot)
    assert len(rows) == 1
    for column in ("ehm_sealed", "oversight_sealed", "phone_sealed"):
        assert getattr(rows[0], column).startswith("v1:test1:")
    if database_url.startswith("sqlite"):
        await bot.stop()
        raw = sqlite_bytes(database_url)
        assert b"7304518" not in raw and b"4960577" not in raw and b"Supervision" not in raw


async def test_someone_outside_the_team_cannot_see_the_details_and_the_attempt_is_audited(
    bot: BotUnderTest,
) -> None:
    consultation_id, post, card = await _acknowledged_request(bot)
    await bot.send(
        _personal(bot, act.PRIYA, "provide_details", {"consultationId": consultation_id, **VALID})
    )
    press = act.card_action(
        bot.connector.service_url,
        act.GRACE,
        "view_details",
        {"consultationId": consultation_id},
        root_id=post["id"],
        card_activity_id=card.returned_id or "",
    )
    reply = await bot.send(press)
    assert reply.body["value"] == "You can't see the private details of this request."
    sam = await bot.send(dict(press, **{"from": act.SAM.account()}))
    assert sam.body["value"] == "I've sent the details to you in a private chat."
    assert "7304518" in _texts(_in_chat(bot, act.SAM)[0].cards[0])
    engine = bot.runtime.engine
    assert engine is not None
    async with engine.connect() as conn:
        audit = (
            await conn.execute(
                select(access_audit.c.actor_id, access_audit.c.allowed).order_by(access_audit.c.id)
            )
        ).all()
    assert (act.GRACE.aad_id, False) in audit and (act.SAM.aad_id, True) in audit


async def test_the_teams_dialog_opens_only_for_the_requester_and_saves_over_http(
    bot: BotUnderTest,
) -> None:
    consultation_id, post, _ = await _acknowledged_request(bot)
    url = bot.connector.service_url
    data = {"dialog": "case_details", "consultationId": consultation_id}
    refused = await bot.send(act.task_fetch(url, act.TOM, data, root_id=post["id"]))
    assert refused.status == 200 and refused.body["task"]["type"] == "message"
    opened = await bot.send(act.task_fetch(url, act.PRIYA, data, root_id=post["id"]))
    assert opened.status == 200 and opened.body["task"]["type"] == "continue"
    assert_valid_card(opened.body["task"]["value"]["card"]["content"])
    wrong = await bot.send(
        act.task_submit(url, act.PRIYA, {**data, **VALID, "phone": "abc"}, root_id=post["id"])
    )
    assert wrong.body["task"]["type"] == "continue"
    saved = await bot.send(act.task_submit(url, act.PRIYA, {**data, **VALID}, root_id=post["id"]))
    assert saved.body["task"]["type"] == "message"
    assert "saved privately" in saved.body["task"]["value"]
    assert len(await _sealed_rows(bot)) == 1


async def test_a_restart_in_the_middle_of_the_dialog_keeps_what_was_typed(
    bot: BotUnderTest,
) -> None:
    consultation_id, post, _ = await _acknowledged_request(bot)
    typed = {**VALID, "phone": "0113 496 05"}  # one digit short: refused, kept in the draft
    await bot.send(
        _personal(bot, act.PRIYA, "provide_details", {"consultationId": consultation_id, **typed})
    )
    await bot.restart()
    data = {"dialog": "case_details", "consultationId": consultation_id}
    opened = await bot.send(
        act.task_fetch(bot.connector.service_url, act.PRIYA, data, root_id=post["id"])
    )
    inputs = {
        e["id"]: e.get("value")
        for e in opened.body["task"]["value"]["card"]["content"]["body"]
        if e.get("type") == "Input.Text"
    }
    assert inputs == {"ehmNumber": EHM, "oversight": VALID["oversight"], "phone": "0113 496 05"}
    conversations = bot.runtime.conversations
    assert conversations is not None
    assert await conversations.reference(f"user:{act.PRIYA.aad_id}") is not None
    engine = bot.runtime.engine
    assert engine is not None
    async with engine.connect() as conn:
        sealed = (await conn.execute(text("SELECT values_sealed FROM dialog_drafts"))).scalar()
    assert sealed is not None and "7304518" not in sealed


async def test_cancel_stores_nothing_and_withdrawn_requests_take_no_details(
    bot: BotUnderTest,
) -> None:
    consultation_id, post, card = await _acknowledged_request(bot)
    data = {"consultationId": consultation_id, **VALID}
    cancelled = await bot.send(_personal(bot, act.PRIYA, "cancel_details", data))
    assert "No details were saved" in _texts(cancelled.body["value"])
    await bot.send(
        act.card_action(
            bot.connector.service_url,
            act.PRIYA,
            "withdraw",
            {"consultationId": consultation_id, "confirmed": "yes"},  # as "Yes, withdraw" sends
            root_id=post["id"],
            card_activity_id=card.returned_id or "",
        )
    )
    late = await bot.send(_personal(bot, act.PRIYA, "provide_details", data))
    assert "closed" in late.body["value"]
    assert await _sealed_rows(bot) == []


async def test_details_for_someone_elses_request_are_refused(bot: BotUnderTest) -> None:
    consultation_id, _, _ = await _acknowledged_request(bot)
    reply = await bot.send(
        _personal(bot, act.EWA, "provide_details", {"consultationId": consultation_id, **VALID})
    )
    assert "Only the person who asked" in reply.body["value"]
    assert await _sealed_rows(bot) == []


async def test_details_are_erased_after_the_retention_period_from_the_tick(
    bot: BotUnderTest,
) -> None:
    consultation_id, post, card = await _acknowledged_request(bot)
    data = {"consultationId": consultation_id, **VALID}
    await bot.send(_personal(bot, act.PRIYA, "provide_details", data))
    await bot.send(
        act.card_action(
            bot.connector.service_url,
            act.TOM,
            "record_outcome",
            {"consultationId": consultation_id, "outcome": "threshold_not_met"},
            root_id=post["id"],
            card_activity_id=card.returned_id or "",
        )
    )
    await bot.send(
        act.card_action(
            bot.connector.service_url,
            act.PRIYA,
            "close",
            {"consultationId": consultation_id},
            root_id=post["id"],
            card_activity_id=card.returned_id or "",
        )
    )
    clock = bot.clock
    assert isinstance(clock, MovableClock)
    clock.set(TUESDAY_10AM + timedelta(days=364))
    await bot.restart()  # a fresh tick: the hourly guard starts again
    assert bot.runtime.ticker is not None
    await bot.runtime.ticker.run_now()
    assert (await _sealed_rows(bot))[0].ehm_sealed is not None  # not yet: 364 days
    clock.set(TUESDAY_10AM + timedelta(days=366))
    await bot.restart()
    assert bot.runtime.ticker is not None
    await bot.runtime.ticker.run_now()
    row = (await _sealed_rows(bot))[0]
    assert (row.ehm_sealed, row.oversight_sealed, row.phone_sealed) == (None, None, None)
    assert row.purged_at is not None and row.ehm_fingerprint is not None
