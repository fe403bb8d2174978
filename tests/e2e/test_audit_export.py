"""The audit export (issue 14): a MAP team manager gets a request's whole trail as a file.

Through /api/messages with the fake connector: the audit card's own "Export the full trail"
button and the 1:1 "export audit <reference>"; the file consent card answered as Teams answers
it (the card's own context, an upload URL on accept); the bytes the fake OneDrive received;
the file info card; the access log; refusals; and local mode's file under var/exports/.
"""

from __future__ import annotations

import csv
import io
import stat
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from reports.audit_export import COLUMNS
from services.clock import MovableClock
from storage.tables import access_audit
from tests.e2e.test_everyday_forms import assignee_of, submit_request
from tests.support import activities as act
from tests.support.dates import next_working_day_at
from tests.support.fake_connector import ConnectorCall, FakeConnector
from tests.support.harness import BotUnderTest, Reply, installed_bot
from tests.support.press import (
    CardForm,
    Place,
    answer_file_consent,
    card_of,
    file_consent_of,
    place_of,
    press,
    texts_of,
)

EHM = "EHM 7304518"
PHONE = "0113 496 0577"
FILE_INFO = "application/vnd.microsoft.teams.card.file.info"
MANAGERS = {act.TOM.aad_id: act.TOM, act.EWA.aad_id: act.EWA}


@pytest.fixture
async def teams_bot(database_url: str, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    """Exports through Teams' file consent flow, as in production."""
    at = next_working_day_at(10)
    async with installed_bot(database_url, connector, at, export_delivery="teams") as running:
        yield running


@pytest.fixture
async def local_bot(
    database_url: str, connector: FakeConnector, tmp_path: Path
) -> AsyncIterator[BotUnderTest]:
    """Local mode as `make run` has it: exports are files under var/exports/."""
    at = next_working_day_at(10)
    where = tmp_path / "var" / "exports"
    async with installed_bot(database_url, connector, at, export_dir=where) as running:
        yield running


async def acknowledged_with_details(bot: BotUnderTest) -> tuple[ConnectorCall, act.User]:
    """Priya posts a request with the form and gives the details privately; its assignee
    acknowledges it. The request's thread card, and the MAP team manager who has it."""
    thread = await submit_request(bot)
    place = place_of(thread)
    opened = await press(bot, act.PRIYA, thread, "Provide details privately", place)
    dialog = CardForm(card_of(opened))
    dialog.fill("EHM number", EHM)
    dialog.fill("Where is the management oversight recorded?", "Supervision notes on EHM")
    dialog.fill("Your best contact number", PHONE)
    await press(bot, act.PRIYA, dialog, "Send privately", Place.dialog(place.root_id))
    manager = await assignee_of(bot, thread)
    assert manager in MANAGERS.values()
    await press(bot, manager, thread, "Acknowledge", place)
    return thread, manager


async def audit_card_for(bot: BotUnderTest, user: act.User, thread: ConnectorCall) -> Reply:
    """`user`'s own view of the card (its refresh, as Teams sends it), then "Audit trail"."""
    place = place_of(thread)
    refresh = thread.cards[0]["refresh"]["action"]
    own = await bot.send(
        act.card_action(
            bot.connector.service_url,
            user,
            refresh["verb"],
            refresh["data"],
            root_id=place.root_id,
            card_activity_id=place.activity_id,
        )
    )
    return await press(bot, user, card_of(own), "Audit trail", place)


def reference_of(thread: ConnectorCall) -> str:
    first = texts_of(thread.cards[0]).splitlines()[0]
    return first.removeprefix("Step-up request ").split()[0]


async def access_log(bot: BotUnderTest) -> list[tuple[str, str, bool]]:
    engine = bot.runtime.engine
    assert engine is not None
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(access_audit.c.actor_id, access_audit.c.action, access_audit.c.allowed)
            .where(access_audit.c.action.like("audit.export%"))
            .order_by(access_audit.c.id)
        )
        return [(r.actor_id, r.action, r.allowed) for r in rows]


def sent_after(bot: BotUnderTest, before: int) -> list[ConnectorCall]:
    return bot.connector.posted()[before:]


def consent_sent(calls: list[ConnectorCall]) -> ConnectorCall:
    found = [c for c in calls if any("file.consent" in a["contentType"] for a in _atts(c))]
    assert len(found) == 1, [c.text for c in calls]
    return found[0]


def _atts(call: ConnectorCall) -> list[dict[str, Any]]:
    return list((call.body or {}).get("attachments") or [])


async def test_the_audit_cards_button_sends_a_consent_card_and_accepting_uploads_the_csv(
    teams_bot: BotUnderTest,
) -> None:
    thread, manager = await acknowledged_with_details(teams_bot)
    reference = reference_of(thread)
    trail = await audit_card_for(teams_bot, manager, thread)
    assert "Export the full trail" in CardForm(card_of(trail)).buttons()

    before = len(teams_bot.connector.posted())
    pressed = await press(
        teams_bot, manager, card_of(trail), "Export the full trail", place_of(thread)
    )
    assert pressed.body["type"] == "application/vnd.microsoft.activity.message"
    assert "sent the audit trail of " + reference + " to your 1:1 chat" in pressed.body["value"]
    # The consent card went to the manager's 1:1 chat, never the thread.
    offer = consent_sent(sent_after(teams_bot, before))
    assert not (offer.conversation_id or "").startswith("19:")
    consent = file_consent_of(offer)
    assert consent["name"].startswith(f"audit-{reference}-") and consent["name"].endswith(".csv")
    assert "no family details" in consent["content"]["description"]

    before = len(teams_bot.connector.posted())
    accepted = await answer_file_consent(teams_bot, manager, offer, accept=True)
    assert accepted.status == 200
    (upload,) = teams_bot.connector.uploads
    assert upload.name == consent["name"]
    assert upload.content_range == f"bytes 0-{len(upload.body) - 1}/{len(upload.body)}"
    text = upload.body.decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == COLUMNS
    assert {r[0] for r in rows[1:]} == {reference}
    whats = [r[4] for r in rows[1:]]
    assert "posted" in whats and "details provided" in whats and "acknowledged" in whats
    # The details are sealed and stay so: neither the EHM number nor the phone is in the file.
    for sealed in (EHM, "7304518", PHONE, "4960577", "Supervision notes"):
        assert sealed not in text
    # The file info card in the same chat, pointing at what Teams said it stored.
    (info_call,) = sent_after(teams_bot, before)
    assert info_call.conversation_id == offer.conversation_id
    (info,) = _atts(info_call)
    assert info["contentType"] == FILE_INFO and info["name"] == consent["name"]
    assert str(info["contentUrl"]).endswith(consent["name"])
    assert await access_log(teams_bot) == [
        (manager.aad_id, "audit.export.offered", True),
        (manager.aad_id, "audit.exported", True),
    ]

    # Pressing Allow again (a replayed invoke) uploads nothing more.
    replay = await answer_file_consent(teams_bot, manager, offer, accept=True)
    assert replay.status == 409
    assert "already been answered" in replay.body["error"]
    assert len(teams_bot.connector.uploads) == 1


async def test_export_audit_in_the_chat_offers_the_file_and_declining_uploads_nothing(
    teams_bot: BotUnderTest,
) -> None:
    thread, manager = await acknowledged_with_details(teams_bot)
    url = teams_bot.connector.service_url
    before = len(teams_bot.connector.posted())
    await teams_bot.send(act.personal_message(url, manager, f"export audit {reference_of(thread)}"))
    offer = consent_sent(sent_after(teams_bot, before))
    assert offer.conversation_id == f"a:personal-{manager.teams_id[3:]}"

    before = len(teams_bot.connector.posted())
    declined = await answer_file_consent(teams_bot, manager, offer, accept=False)
    assert declined.status == 200
    assert teams_bot.connector.uploads == []
    assert [c.text for c in sent_after(teams_bot, before)] == [
        "Export declined: nothing was saved."
    ]
    assert await access_log(teams_bot) == [
        (manager.aad_id, "audit.export.offered", True),
        (manager.aad_id, "audit.export.declined", True),
    ]


async def test_only_map_team_managers_can_export_and_others_are_told_who_can(
    teams_bot: BotUnderTest,
) -> None:
    thread, _ = await acknowledged_with_details(teams_bot)
    # A service manager may read the trail but is not offered the export...
    trail = await audit_card_for(teams_bot, act.GRACE, thread)
    assert "Export the full trail" not in CardForm(card_of(trail)).buttons()
    # ...and asking for it in the chat is refused, naming who can; so is anyone else.
    url = teams_bot.connector.service_url
    for user in (act.GRACE, act.SAM, act.PRIYA):
        before = len(teams_bot.connector.posted())
        await teams_bot.send(
            act.personal_message(url, user, f"export audit {reference_of(thread)}")
        )
        answers = sent_after(teams_bot, before)
        assert [c.text for c in answers] == [
            "Only MAP team managers can export a request's audit trail. "
            "Ask the MAP team manager on duty if you need it."
        ]
    assert teams_bot.connector.uploads == []
    assert [(who, allowed) for who, _, allowed in await access_log(teams_bot)] == [
        (act.GRACE.aad_id, False),
        (act.SAM.aad_id, False),
        (act.PRIYA.aad_id, False),
    ]


async def test_a_crafted_or_late_consent_is_refused_and_uploads_nothing(
    teams_bot: BotUnderTest,
) -> None:
    thread, manager = await acknowledged_with_details(teams_bot)
    other = next(u for u in MANAGERS.values() if u != manager)
    url = teams_bot.connector.service_url
    before = len(teams_bot.connector.posted())
    await teams_bot.send(act.personal_message(url, manager, f"export audit {reference_of(thread)}"))
    offer = consent_sent(sent_after(teams_bot, before))
    context = file_consent_of(offer)["content"]["acceptContext"]

    # Another MAP team manager answering this manager's card (context copied from it).
    stolen = await answer_file_consent(teams_bot, other, offer, accept=True)
    assert stolen.status == 403 and "not offered to you" in stolen.body["error"]
    # The manager's own offer, but the context edited to name another request.
    post = act.channel_post(url, act.PRIYA, "Step up consultation please")
    await teams_bot.send(post)
    (second,) = [
        c for c in teams_bot.connector.posted() if c.conversation_id == post["conversation"]["id"]
    ]
    other_id = second.cards[0]["actions"][0]["data"]["consultationId"]
    crafted = act.file_consent(
        url,
        manager,
        offer.conversation_id or "",
        "accept",
        {**context, "consultationId": other_id},
        {"uploadUrl": teams_bot.connector.upload_url("x.csv"), "name": "x.csv"},
    )
    refused = await teams_bot.send(crafted)
    assert refused.status == 403
    # A context the bot never wrote at all.
    garbage = act.file_consent(url, manager, offer.conversation_id or "", "accept", {"x": 1})
    assert (await teams_bot.send(garbage)).status == 400
    assert teams_bot.connector.uploads == []

    # The real offer, an hour and more later: expired, still nothing uploaded.
    clock = teams_bot.clock
    assert isinstance(clock, MovableClock)
    clock.advance(timedelta(minutes=61))
    late = await answer_file_consent(teams_bot, manager, offer, accept=True)
    assert late.status == 410 and "expired" in late.body["error"]
    assert teams_bot.connector.uploads == []
    assert [a for _, a, _ in await access_log(teams_bot)] == [
        "audit.export.offered",
        "audit.export.consent",
        "audit.export.consent",
        "audit.export.consent",
    ]


async def test_a_failed_upload_is_told_to_the_manager_and_recorded(
    teams_bot: BotUnderTest,
) -> None:
    thread, manager = await acknowledged_with_details(teams_bot)
    url = teams_bot.connector.service_url
    reference = reference_of(thread)
    before = len(teams_bot.connector.posted())
    await teams_bot.send(act.personal_message(url, manager, f"export audit {reference}"))
    offer = consent_sent(sent_after(teams_bot, before))
    teams_bot.connector.upload_failures.append(503)
    before = len(teams_bot.connector.posted())
    answered = await answer_file_consent(teams_bot, manager, offer, accept=True)
    assert answered.status == 200
    (told,) = sent_after(teams_bot, before)
    assert "could not save the file to your OneDrive (OneDrive answered 503)" in told.text
    assert f"export audit {reference}" in told.text
    assert [a for _, a, _ in await access_log(teams_bot)][-1] == "audit.export.failed"


async def test_in_local_mode_the_export_is_a_private_file_under_var_exports(
    local_bot: BotUnderTest,
) -> None:
    thread, manager = await acknowledged_with_details(local_bot)
    trail = await audit_card_for(local_bot, manager, thread)
    pressed = await press(
        local_bot, manager, card_of(trail), "Export the full trail", place_of(thread)
    )
    words = pressed.body["value"]
    where = local_bot.settings.export_dir
    assert words.startswith(f"Saved the audit trail of {reference_of(thread)}")
    (path,) = where.iterdir()
    assert str(path) in words
    assert stat.S_IMODE(where.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert text.startswith(",".join(COLUMNS)) and "acknowledged" in text
    assert EHM not in text and PHONE not in text
    assert local_bot.connector.uploads == []
    assert await access_log(local_bot) == [(manager.aad_id, "audit.exported", True)]
