"""The private ask for the case details is on the record: once, before it is sent, for either
profile trigger (`timescales.ask_details_on`), and a send that fails neither fails the turn nor
loses the record."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from sqlalchemy import text

from dialogs.details_flow import DetailsDialog
from domain.consultation import Consultation, Status
from domain.events import EventKind
from reports.audit import load_audit
from reports.audit_export import audit_csv
from reports.trail import SYSTEM
from services.clock import MovableClock
from settings import DEMO_PROFILE
from tests.e2e.test_request_flow import TUESDAY_10AM, _texts
from tests.support import activities as act
from tests.support.fake_connector import ConnectorCall, FakeConnector
from tests.support.harness import BotUnderTest, installed_bot, local_settings

FORM_TITLE = "Case details for"  # the private form's heading (cards/details.py)


@dataclass
class RefusingConnector(FakeConnector):
    """The fake connector, refusing to deliver the details form while `refuse_forms` is set.

    A fault on the wire, where Teams would fail it (the requester blocked the bot, an outage),
    and nothing else of the turn is touched: cards, updates and other messages still go.
    """

    refuse_forms: bool = False
    refused: list[dict[str, Any]] = field(default_factory=list)

    async def _route(self, method: str, parts: list[str], body: Any) -> web.Response:
        if self.refuse_forms and method == "POST" and "activities" in parts and _is_form(body):
            self.refused.append(body)
            return web.json_response({"error": {"code": "BotBlockedByUser"}}, status=403)
        return await super()._route(method, parts, body)


def _is_form(body: Any) -> bool:
    call = ConnectorCall("send", None, None, body if isinstance(body, dict) else None)
    return any(FORM_TITLE in _texts(card) for card in call.cards)


@pytest.fixture
async def connector() -> AsyncIterator[RefusingConnector]:
    fake = RefusingConnector()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def bot(database_url: str, connector: RefusingConnector) -> AsyncIterator[BotUnderTest]:
    """The demo profile: the details are asked for once the request is acknowledged."""
    async with installed_bot(database_url, connector, TUESDAY_10AM) as running:
        yield running


@pytest.fixture
async def asks_on_submit(
    database_url: str, connector: RefusingConnector, tmp_path: Path
) -> AsyncIterator[BotUnderTest]:
    """A council whose profile asks for the details as soon as a request is posted."""
    profile: dict[str, Any] = yaml.safe_load(DEMO_PROFILE.read_text(encoding="utf-8"))
    profile["timescales"]["ask_details_on"] = "submit"
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(profile), encoding="utf-8")
    running = BotUnderTest(
        local_settings(database_url, profile_path=path),
        connector,
        clock=MovableClock(TUESDAY_10AM),
    )
    await running.start()
    try:
        await running.send(act.installation_added(connector.service_url))
        connector.calls.clear()
        yield running
    finally:
        await running.stop()


@dataclass(frozen=True)
class Posted:
    """A request posted in the channel, and the handles to press its card."""

    consultation_id: str
    post: dict[str, Any]
    card: ConnectorCall


async def _post(bot: BotUnderTest) -> Posted:
    post = act.channel_post(bot.connector.service_url, act.PRIYA, "Step up consultation please")
    assert (await bot.send(post)).status in (200, 201)
    card = next(
        c
        for c in bot.connector.posted()
        if c.cards and c.conversation_id == post["conversation"]["id"]
    )
    return Posted(card.cards[0]["actions"][0]["data"]["consultationId"], post, card)


def _press(bot: BotUnderTest, posted: Posted, user: act.User, verb: str) -> dict[str, Any]:
    return act.card_action(
        bot.connector.service_url,
        user,
        verb,
        {"consultationId": posted.consultation_id},
        root_id=posted.post["id"],
        card_activity_id=posted.card.returned_id or "",
    )


async def _consultation(bot: BotUnderTest, consultation_id: str) -> Consultation:
    service = bot.runtime.consultations
    assert service is not None
    found = await service.get(consultation_id)
    assert found is not None
    return found[0]


async def _asks(bot: BotUnderTest, consultation_id: str) -> list[str | None]:
    """Who each details_requested event names, in order."""
    consultation = await _consultation(bot, consultation_id)
    return [e.actor_id for e in consultation.events if e.kind is EventKind.DETAILS_REQUESTED]


def _forms_to(bot: BotUnderTest, user: act.User) -> list[ConnectorCall]:
    chats = {
        c.returned_id
        for c in bot.connector.of("create_conversation")
        if c.member_ids == [user.teams_id]
    }
    return [
        c
        for c in bot.connector.posted()
        if c.conversation_id in chats and any(FORM_TITLE in _texts(card) for card in c.cards)
    ]


async def _trail_rows(bot: BotUnderTest, consultation_id: str) -> list[tuple[str, str]]:
    """The audit trail export of the request, as (what, who)."""
    assert bot.runtime.engine is not None and bot.runtime.directory is not None
    trail = await load_audit(
        bot.runtime.engine, bot.runtime.directory, consultation_id, now=TUESDAY_10AM
    )
    assert trail is not None
    return [(r["what"], r["who"]) for r in csv.DictReader(io.StringIO(audit_csv(trail)))]


def _dialog(bot: BotUnderTest) -> DetailsDialog:
    """The running bot's details dialog, as a retry of the ask (a scheduler, a resend) uses it."""
    rt = bot.runtime
    assert rt.details and rt.directory and rt.messenger and rt.views
    return DetailsDialog(rt.details, rt.directory, rt.messenger, rt.views, rt.clock)


async def test_acknowledging_asks_once_as_the_assignee_and_the_trail_shows_it(
    bot: BotUnderTest,
) -> None:
    posted = await _post(bot)
    assert await _asks(bot, posted.consultation_id) == []  # the demo profile asks on acknowledge
    acknowledged = await bot.send(_press(bot, posted, act.TOM, "acknowledge"))
    assert acknowledged.status == 200
    assert acknowledged.body["type"] == "application/vnd.microsoft.card.adaptive"
    # Teams redelivers the invoke: acknowledged already, so no second ask either.
    await bot.send(_press(bot, posted, act.TOM, "acknowledge"))

    consultation = await _consultation(bot, posted.consultation_id)
    kinds = [(e.kind, e.actor_id) for e in consultation.events]
    assert kinds[-2:] == [
        (EventKind.ACKNOWLEDGED, act.TOM.aad_id),
        (EventKind.DETAILS_REQUESTED, act.TOM.aad_id),
    ]
    assert consultation.version == len(consultation.events)
    assert len(_forms_to(bot, act.PRIYA)) == 1

    rows = await _trail_rows(bot, posted.consultation_id)
    assert rows.count(("details requested", "Tom Okafor")) == 1
    assert [what for what, _ in rows].index("details requested") == [
        what for what, _ in rows
    ].index("acknowledged") + 1
    # And in the trail a MAP manager opens from the card.
    shown = _texts((await bot.send(_press(bot, posted, act.TOM, "view_audit"))).body["value"])
    assert shown.lower().count("details requested") == 1


async def test_a_resent_ask_sends_the_form_again_but_records_nothing_new(
    bot: BotUnderTest,
) -> None:
    posted = await _post(bot)
    await bot.send(_press(bot, posted, act.TOM, "acknowledge"))
    dialog = _dialog(bot)
    await dialog.ask(await _consultation(bot, posted.consultation_id))
    await dialog.ask(await _consultation(bot, posted.consultation_id))
    assert await _asks(bot, posted.consultation_id) == [act.TOM.aad_id]
    assert len(_forms_to(bot, act.PRIYA)) == 3

    # Once the details are given, nothing is asked (or recorded) again.
    data = {
        "consultationId": posted.consultation_id,
        "dialog": "case_details",
        "ehmNumber": "EHM 7304518",
        "oversight": "Supervision notes on EHM, 20 Nov",
        "phone": "0113 496 0577",
    }
    saved = await bot.send(
        act.personal_card_action(bot.connector.service_url, act.PRIYA, "provide_details", data)
    )
    assert "saved privately" in _texts(saved.body["value"])
    await dialog.ask(await _consultation(bot, posted.consultation_id))
    assert await _asks(bot, posted.consultation_id) == [act.TOM.aad_id]
    assert len(_forms_to(bot, act.PRIYA)) == 3
    rows = await _trail_rows(bot, posted.consultation_id)
    assert [w for w, _ in rows if w.startswith("details")] == [
        "details requested",
        "details provided",
    ]


async def test_a_failed_send_keeps_the_record_and_does_not_fail_the_turn(
    bot: BotUnderTest,
) -> None:
    connector = bot.connector
    assert isinstance(connector, RefusingConnector)
    posted = await _post(bot)
    connector.refuse_forms = True
    acknowledged = await bot.send(_press(bot, posted, act.TOM, "acknowledge"))
    assert acknowledged.status == 200
    assert acknowledged.body["type"] == "application/vnd.microsoft.card.adaptive"
    assert len(connector.refused) >= 1 and _forms_to(bot, act.PRIYA) == []
    # Recorded before the send was tried: the trail shows the ask that never arrived.
    assert await _asks(bot, posted.consultation_id) == [act.TOM.aad_id]
    assert ("details requested", "Tom Okafor") in await _trail_rows(bot, posted.consultation_id)

    # The ask is tried again once the chat works: delivered now, still one ask on the record.
    connector.refuse_forms = False
    await _dialog(bot).ask(await _consultation(bot, posted.consultation_id))
    assert len(_forms_to(bot, act.PRIYA)) == 1
    assert await _asks(bot, posted.consultation_id) == [act.TOM.aad_id]


async def test_a_requester_who_opened_the_form_first_is_still_asked_and_the_turn_works(
    bot: BotUnderTest,
) -> None:
    posted = await _post(bot)
    url = bot.connector.service_url
    data = {"dialog": "case_details", "consultationId": posted.consultation_id}
    opened = await bot.send(act.task_fetch(url, act.PRIYA, data, root_id=posted.post["id"]))
    assert opened.body["task"]["type"] == "continue"  # the dialog is now "asked" for her
    acknowledged = await bot.send(_press(bot, posted, act.TOM, "acknowledge"))
    assert acknowledged.status == 200
    assert acknowledged.body["type"] == "application/vnd.microsoft.card.adaptive"
    assert await _asks(bot, posted.consultation_id) == [act.TOM.aad_id]
    assert len(_forms_to(bot, act.PRIYA)) == 1


async def test_a_profile_that_asks_on_submission_records_the_bot_as_asking(
    asks_on_submit: BotUnderTest,
) -> None:
    bot = asks_on_submit
    posted = await _post(bot)
    consultation = await _consultation(bot, posted.consultation_id)
    # Nobody has taken the request on yet (the rota assigned it): the ask is the bot's own.
    assert consultation.status is Status.ASSIGNED
    assert await _asks(bot, posted.consultation_id) == [None]
    assert len(_forms_to(bot, act.PRIYA)) == 1
    assert ("details requested", SYSTEM) in await _trail_rows(bot, posted.consultation_id)

    # Teams redelivers the post, then the duty manager acknowledges: still one ask.
    await bot.send(posted.post)
    await bot.send(_press(bot, posted, act.TOM, "acknowledge"))
    assert await _asks(bot, posted.consultation_id) == [None]
    assert len(_forms_to(bot, act.PRIYA)) == 1
    rows = await _trail_rows(bot, posted.consultation_id)
    assert [w for w, _ in rows].count("details requested") == 1


async def test_a_request_from_the_structured_form_is_asked_for_details_on_submission(
    asks_on_submit: BotUnderTest,
) -> None:
    """The 1:1 form opens a request as a post does: the details are asked for, once."""
    bot = asks_on_submit
    form = {
        "service": "fc-northgate",
        "urgent": "false",
        "indicators": "1,2",
        "supervision": "true",
        "evidence": "true",
        "rationale": "true",
    }
    press = act.personal_card_action(bot.connector.service_url, act.PRIYA, "submit_request", form)
    reply = await bot.send(press)
    assert reply.status == 200, reply
    assert bot.runtime.engine is not None
    async with bot.runtime.engine.connect() as conn:
        ids = [r.id for r in await conn.execute(text("SELECT id FROM consultations"))]
    assert len(ids) == 1
    assert await _asks(bot, ids[0]) == [None]
    assert len(_forms_to(bot, act.PRIYA)) == 1
