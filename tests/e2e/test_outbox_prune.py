"""Delivered outbox messages are deleted by the retention purge once their period has passed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from services.clock import MovableClock
from services.deliveries import OPENED
from services.policy import Policy
from storage.tables import consultations, escalation_outbox
from tests.e2e.test_guard import POST
from tests.e2e.test_request_flow import TUESDAY_10AM
from tests.support import activities as act
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, installed_bot

KEPT_DAYS = Policy.__dataclass_fields__["sent_message_days"].default


@pytest.fixture
async def bot(database_url: str, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(database_url, connector, TUESDAY_10AM) as running:
        yield running


async def _opening_rows(bot: BotUnderTest) -> dict[str, set[str]]:
    """Per consultation (oldest first, by reference), the statuses of its opening messages."""
    engine = bot.runtime.engine
    assert engine is not None
    o, c = escalation_outbox.c, consultations.c
    query = (
        select(c.reference, o.status)
        .join_from(escalation_outbox, consultations, o.consultation_id == c.id)
        .where(o.escalation_key == OPENED)
    )
    out: dict[str, set[str]] = {}
    async with engine.connect() as conn:
        for reference, status in (await conn.execute(query)).all():
            out.setdefault(reference, set()).add(status)
    return out


async def test_sent_messages_older_than_the_period_go_and_newer_ones_stay(
    bot: BotUnderTest,
) -> None:
    clock = bot.clock
    assert isinstance(clock, MovableClock)
    assert KEPT_DAYS == 30
    post = act.channel_post(bot.connector.service_url, act.PRIYA, POST)
    assert (await bot.send(post)).status == 201
    [old] = await _opening_rows(bot)

    clock.advance(timedelta(days=KEPT_DAYS - 10))
    again = act.channel_post(bot.connector.service_url, act.PRIYA, POST + " (second request)")
    assert (await bot.send(again)).status == 201
    rows = await _opening_rows(bot)
    [new] = set(rows) - {old}
    assert rows == {old: {"sent"}, new: {"sent"}}  # card and checklist, both delivered

    clock.advance(timedelta(days=10, minutes=1))  # the first pair is now just over the period
    ticker = bot.runtime.ticker
    assert ticker is not None
    await ticker.run_now()  # the tick's retention purge
    assert await _opening_rows(bot) == {new: {"sent"}}
