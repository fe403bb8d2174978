"""The audit-trail button and the quarterly summary, through the running bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from reports.periods import Quarter
from services.clock import MovableClock
from storage.tables import access_audit
from tests.e2e.test_request_flow import LONDON, TUESDAY_10AM, _texts
from tests.support import activities as act
from tests.support.dates import demo_calendar, duty_day_at
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, installed_bot


def _first_working_day(quarter: Quarter) -> date:
    """The quarter's first working day in the demo calendar (its summary goes out from then)."""
    calendar, first = demo_calendar(), quarter.first_day
    return first if calendar.is_working_day(first) else calendar.next_working_day(first)


def _mid_quarter_tuesday() -> datetime:
    """TUESDAY_10AM (Tom's week, after today), or the next such Tuesday if it falls in the first
    week of a quarter, when the last quarter's summary would be due."""
    moment = TUESDAY_10AM
    while True:
        quarter = Quarter.containing(moment.astimezone(LONDON).date())
        opens = datetime.combine(_first_working_day(quarter), time(9), tzinfo=LONDON)
        if not opens <= moment < opens + timedelta(days=7):
            return moment
        moment = duty_day_at(act.TOM.aad_id, weekday=1, hour=10, after=moment)


MID_QUARTER = _mid_quarter_tuesday()
_QUARTER = Quarter.containing(MID_QUARTER.astimezone(LONDON).date())
# 09:30 in London on the first working day of the quarter after MID_QUARTER's.
NEXT_QUARTER_930 = datetime.combine(
    _first_working_day(Quarter.containing(_QUARTER.last_day + timedelta(days=1))),
    time(9, 30),
    tzinfo=LONDON,
)


@pytest.fixture
async def bot(database_url: str, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(database_url, connector, MID_QUARTER) as running:
        yield running


async def test_a_map_manager_opens_the_trail_and_a_requester_is_refused_and_audited(
    bot: BotUnderTest,
) -> None:
    url = bot.connector.service_url
    post = act.channel_post(url, act.PRIYA, "Step up consultation please")
    await bot.send(post)
    card = next(
        c
        for c in bot.connector.posted()
        if c.cards and c.conversation_id == post["conversation"]["id"]
    )
    consultation_id = card.cards[0]["actions"][0]["data"]["consultationId"]

    def press(user: act.User, verb: str) -> dict[str, object]:
        return act.card_action(
            url,
            user,
            verb,
            {"consultationId": consultation_id},
            root_id=post["id"],
            card_activity_id=card.returned_id or "",
        )

    await bot.send(press(act.TOM, "acknowledge"))
    own_view = await bot.send(press(act.TOM, "refresh"))
    titles = [a["title"] for a in own_view.body["value"]["actions"]]
    assert "Audit trail" in titles
    trail = await bot.send(press(act.TOM, "view_audit"))
    shown = _texts(trail.body["value"])
    assert "Priya Shah" in shown and "Tom Okafor" in shown and "acknowledged" in shown.lower()
    refused = await bot.send(press(act.PRIYA, "view_audit"))
    assert refused.body["type"] == "application/vnd.microsoft.activity.message"
    engine = bot.runtime.engine
    assert engine is not None
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(access_audit.c.actor_id, access_audit.c.allowed).where(
                    access_audit.c.action == "audit.view"
                )
            )
        ).all()
    assert sorted(rows) == sorted([(act.TOM.aad_id, True), (act.PRIYA.aad_id, False)])


async def test_the_quarterly_summary_reaches_both_service_managers_once(
    bot: BotUnderTest,
) -> None:
    clock = bot.clock
    assert isinstance(clock, MovableClock)
    clock.set(NEXT_QUARTER_930)  # the first working day of the next quarter
    ticker = bot.runtime.ticker
    assert ticker is not None
    await ticker.run_now()
    await ticker.run_now()
    await bot.restart()
    assert bot.runtime.ticker is not None
    await bot.runtime.ticker.run_now()
    created = {c.returned_id: c.member_ids[0] for c in bot.connector.of("create_conversation")}
    to = [
        created[c.conversation_id]
        for c in bot.connector.posted()
        if c.conversation_id in created and c.cards
    ]
    assert sorted(to) == sorted([act.GRACE.teams_id, act.DANIEL.teams_id])


async def test_a_bot_installed_mid_quarter_sends_no_summary(bot: BotUnderTest) -> None:
    ticker = bot.runtime.ticker
    assert ticker is not None
    await ticker.run_now()  # MID_QUARTER: a Tuesday not in the first week of a quarter
    assert bot.connector.of("create_conversation") == []
