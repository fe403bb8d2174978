"""A request's audit trail: every event in order, with names, and nothing about the family."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from cards.audit_card import VERB_VIEW_AUDIT, audit_button, audit_card
from cards.common import VERB_REFRESH
from domain.consultation import Consultation, Outcome, Urgency
from domain.events import EventKind
from domain.roles import Actor, Role
from graph.local_directory import ProfileDirectory
from reports.audit import load_audit, record_audit_view
from reports.audit_export import audit_csv, audit_html
from reports.trail import SYSTEM, AuditTrail, audit_trail, may_view_audit
from services.clock import MovableClock
from services.ports import Placement
from storage.consultations import ConsultationRepository
from storage.db import create_engine
from storage.migrate import upgrade
from storage.tables import access_audit, case_details, escalations
from tests.e2e.test_request_flow import TUESDAY_10AM
from tests.reports.generate import PROFILE
from tests.support import activities as act
from tests.support.cards import assert_valid_card
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, local_settings

EHM, PHONE = "EHM 7304518", "0113 496 0577"
FAMILY_TRACES = ("7304518", "496 0577", "4960577", "kayden", "Supervision notes")
DETAILS = {"ehmNumber": EHM, "oversight": "Supervision notes on EHM, 20 Nov", "phone": PHONE}
LONDON = ZoneInfo("Europe/London")
# The story's day in London (TUESDAY_10AM is computed from today), and the year the bot numbers
# its references by (the posting moment's year, as services.consultations takes it).
DAY = TUESDAY_10AM.astimezone(LONDON).date()
YEAR = TUESDAY_10AM.astimezone(UTC).year


@dataclass
class Story:
    """The running bot and the request it played through."""

    bot: BotUnderTest
    consultation_id: str


@pytest.fixture
async def story(database_url: str, connector: FakeConnector) -> AsyncIterator[Story]:
    """The bot driven like Teams would: a cover, a post, a screened reply, details, a dispute."""
    clock = MovableClock(TUESDAY_10AM - timedelta(minutes=30))
    bot = BotUnderTest(local_settings(database_url), connector, clock=clock)
    await bot.start()
    try:
        await bot.send(act.installation_added(connector.service_url))
        rota, directory = bot.runtime.rota, bot.runtime.directory
        assert rota is not None and directory is not None
        tom = await directory.by_id(act.TOM.aad_id)
        assert tom is not None
        await rota.set_cover(tom, act.EWA.aad_id, act.TOM.aad_id, DAY, DAY)
        clock.set(TUESDAY_10AM)
        url = connector.service_url
        post = act.channel_post(url, act.PRIYA, "Urgent step up consultation please")
        await bot.send(post)
        card = next(
            c for c in connector.posted() if c.conversation_id == post["conversation"]["id"]
        )
        consultation_id = card.cards[0]["actions"][0]["data"]["consultationId"]

        async def press(user: act.User, verb: str, minutes: int, **data: str) -> None:
            clock.set(TUESDAY_10AM + timedelta(minutes=minutes))
            action = act.card_action(
                url,
                user,
                verb,
                {"consultationId": consultation_id, **data},
                root_id=post["id"],
                card_activity_id=card.returned_id or "",
            )
            assert (await bot.send(action)).status == 200

        clock.set(TUESDAY_10AM + timedelta(minutes=5))
        await bot.send(act.thread_reply(url, act.TOM, post["id"], "did kayden go to school?"))
        await press(act.TOM, "acknowledge", 10)
        clock.set(TUESDAY_10AM + timedelta(minutes=20))
        data = {"consultationId": consultation_id, "dialog": "case_details", **DETAILS}
        await bot.send(act.personal_card_action(url, act.PRIYA, "provide_details", data))
        await press(act.TOM, "record_outcome", 60, outcome="threshold_not_met")
        await press(act.PRIYA, "dispute", 120)
        service = bot.runtime.consultations
        assert service is not None
        found = await service.get(consultation_id)
        assert found is not None and found[0].reviewer_id == act.EWA.aad_id
        await press(act.EWA, "review", 180, upheld="true")
        yield Story(bot, consultation_id)
    finally:
        await bot.stop()


async def _trail(story: Story) -> AuditTrail:
    assert story.bot.runtime.engine is not None
    trail = await load_audit(
        story.bot.runtime.engine,
        ProfileDirectory(PROFILE),
        story.consultation_id,
        now=TUESDAY_10AM + timedelta(days=1),
    )
    assert trail is not None
    return trail


async def test_the_export_lists_every_event_in_order_with_who_and_when(story: Story) -> None:
    trail = await _trail(story)
    service = story.bot.runtime.consultations
    assert service is not None
    found = await service.get(story.consultation_id)
    assert found is not None
    events = found[0].events
    in_trail = [e for e in trail.entries if e.seq is not None]
    assert [e.seq for e in in_trail] == list(range(1, len(events) + 1))
    assert [e.at for e in in_trail] == [e.at for e in events]
    rows = list(csv.DictReader(io.StringIO(audit_csv(trail))))
    assert [(r["what"], r["who"]) for r in rows] == [
        ("cover", "Tom Okafor"),
        ("posted", "Priya Shah"),
        ("assigned", SYSTEM),
        ("screened", SYSTEM),
        ("acknowledged", "Tom Okafor"),
        ("details requested", "Tom Okafor"),  # the private ask, recorded as it is sent
        ("details provided", "Priya Shah"),
        ("called back", "Tom Okafor"),
        ("outcome", "Tom Okafor"),
        ("dispute", "Priya Shah"),
        ("reviewer assigned", SYSTEM),
        ("review", "Ewa Nowak"),
    ]
    assert [r["reference"] for r in rows] == [trail.reference] * len(rows)
    detail = {r["what"]: r["detail"] for r in rows}
    # The cover runs from the start of the story's day as the council reads it ("1 Dec 2026 00:00").
    midnight = datetime.combine(DAY, time(0), tzinfo=LONDON)
    cover_from = f"{midnight.day} {midnight:%b %Y %H:%M}"
    assert detail["cover"].startswith(f"Ewa Nowak covers for Tom Okafor, {cover_from}")
    assert detail["assigned"] == "to Ewa Nowak (duty rota)"
    assert detail["acknowledged"] == "taken on (was with Ewa Nowak)"
    assert detail["screened"] == "personal data found; types: name"
    assert detail["outcome"] == "threshold not met"
    assert detail["reviewer assigned"] == "Ewa Nowak reviews (level 1)"
    assert detail["review"] == "level 1: upheld, now threshold not met"
    # The post, at 10:00 London time on the story's Tuesday ("Tue 1 Dec 2026 10:00 GMT", or BST
    # in summer), and the same moment in UTC.
    local = TUESDAY_10AM.astimezone(LONDON)
    assert rows[1]["when (local)"] == f"Tue {local.day} {local:%b %Y} 10:00 {local:%Z}"
    assert rows[1]["at (UTC)"] == TUESDAY_10AM.astimezone(UTC).isoformat()


async def test_nothing_about_the_family_reaches_the_export_the_page_or_the_card(
    story: Story,
) -> None:
    assert story.bot.runtime.engine is not None
    async with story.bot.runtime.engine.connect() as conn:
        sealed = (await conn.execute(select(case_details))).one()
    assert sealed.ehm_sealed and sealed.phone_sealed  # the details really are on file
    trail = await _trail(story)
    page = audit_html(trail, generated_at=TUESDAY_10AM + timedelta(days=1))
    card = audit_card(trail)
    assert_valid_card(card)
    for text in (audit_csv(trail), page, str(card)):
        for trace in FAMILY_TRACES:
            assert trace.lower() not in text.lower(), trace
    assert page.startswith("<!DOCTYPE html>") and "http" not in page.split("<body>")[1]
    assert "<td" in page and "Priya Shah" in page


def test_the_card_and_button_for_a_manager_s_private_view() -> None:
    requester = Actor.of("requester-1", Role.REQUESTER)
    c = Consultation.submit(
        reference=f"SU-{YEAR}-0042",
        requester=requester,
        service="Family Centre Northgate",
        urgency=Urgency.STANDARD,
        indicators=(),
        checklist=None,
        at=TUESDAY_10AM,
        acknowledge_due=None,
        callback_due=None,
    )
    trail = audit_trail(c, {"requester-1": "Jo <b>Bloggs</b> [x](http://evil)"})
    card = audit_card(trail)
    assert_valid_card(card)
    assert card["actions"][0]["verb"] == VERB_REFRESH
    assert "<b>" not in str(card) and "](http" not in str(card)
    assert audit_button(c.id)["verb"] == VERB_VIEW_AUDIT
    html = audit_html(trail, generated_at=TUESDAY_10AM)
    assert "Jo &lt;b&gt;Bloggs&lt;/b&gt;" in html and "<b>Bloggs" not in html
    assert audit_csv(audit_trail(c, {"requester-1": "=HYPERLINK(1)"})).count("'=HYPERLINK") == 1
    people = ProfileDirectory(PROFILE)._people
    roles = {p.name: may_view_audit(p) for p in people}
    assert roles["Tom Okafor"] and roles["Grace Mensah"]
    assert not roles["Priya Shah"] and not roles["Sam Reid"] and not may_view_audit(None)


@pytest.mark.allows_family_details  # a family detail in event data, to show the trail omits it
async def test_escalations_and_a_withdrawal_from_the_database_with_an_unknown_person(
    database_url: str,
) -> None:
    requester = Actor.of("requester-gone", Role.REQUESTER)
    c = Consultation.submit(
        reference=f"SU-{YEAR}-0043",
        requester=requester,
        service="Family Centre Riverside",
        urgency=Urgency.URGENT,
        indicators=(),
        checklist=None,
        at=TUESDAY_10AM,
        acknowledge_due=TUESDAY_10AM + timedelta(hours=7),
        callback_due=TUESDAY_10AM + timedelta(hours=24),
    )
    c.assign(act.TOM.aad_id, at=TUESDAY_10AM)
    c.record_escalation("urgent_unacknowledged", at=TUESDAY_10AM + timedelta(hours=1))
    c.record_screening(
        "personal_data_found",
        at=TUESDAY_10AM + timedelta(hours=2),
        data={"types": "name,phone", "note": "kayden 07700900123"},
    )
    c.withdraw(requester, at=TUESDAY_10AM + timedelta(hours=3))
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        async with engine.begin() as conn:
            await ConsultationRepository(conn).add(c, Placement(None, None, None, "form"))
            await conn.execute(
                insert(escalations).values(
                    consultation_id=c.id,
                    key="urgent_unacknowledged",
                    due_at=TUESDAY_10AM,
                    recorded_at=TUESDAY_10AM,
                )
            )
        trail = await load_audit(engine, ProfileDirectory(PROFILE), c.id, now=TUESDAY_10AM)
        assert (
            await load_audit(engine, ProfileDirectory(PROFILE), "0" * 32, now=TUESDAY_10AM) is None
        )
        await record_audit_view(
            engine, viewer_id=act.TOM.aad_id, consultation_id=c.id, allowed=True, at=TUESDAY_10AM
        )
        async with engine.connect() as conn:
            logged = (await conn.execute(select(access_audit))).one()
        assert (logged.action, logged.actor_id, logged.allowed) == (
            "audit.view",
            act.TOM.aad_id,
            True,
        )
    finally:
        await engine.dispose()
    assert trail is not None
    lines = [(e.what, e.who, e.detail) for e in trail.entries]
    assert lines == [
        ("posted", "unknown person (requester-gone)", f"SU-{YEAR}-0043, urgent, checklist none"),
        ("assigned", SYSTEM, "to Tom Okafor (duty rota)"),
        ("escalation", SYSTEM, "level 1: urgent and not acknowledged in time: duty manager told"),
        ("screened", SYSTEM, "personal data found; types: name, phone"),
        ("withdrawal", "unknown person (requester-gone)", ""),
    ]
    assert [k for k in EventKind if k not in (e.kind for e in c.events)]  # sanity: a subset
    assert Outcome.THRESHOLD_MET.value not in audit_csv(trail)
