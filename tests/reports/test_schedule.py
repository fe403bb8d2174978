"""The quarterly summary: due once per quarter, from the first working morning, sent once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from profiles.domain_map import calendar_from_profile
from reports.periods import Period, Quarter, months_before
from reports.schedule import (
    announcement_key,
    last_sent_quarter,
    quarter_due,
    send_quarterly_summary,
)
from storage.db import create_engine
from storage.rota_store import ANNOUNCEMENT_LEASE, RotaStore
from tests.reports.generate import PROFILE, generate
from tests.reports.seed import write
from tests.support.cards import assert_valid_card

LONDON = ZoneInfo("Europe/London")
CALENDAR = calendar_from_profile(PROFILE)
Q2, Q3, Q4 = Quarter(2026, 2), Quarter(2026, 3), Quarter(2026, 4)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON).astimezone(UTC)


def test_quarters_and_periods() -> None:
    assert Quarter.containing(date(2026, 9, 30)) == Q3 == Quarter.parse("2026-Q3")
    assert (Q3.first_day, Q3.last_day, Q3.key) == (date(2026, 7, 1), date(2026, 9, 30), "2026-Q3")
    assert Quarter(2026, 1).previous() == Quarter(2025, 4) and Q2 < Q3
    with pytest.raises(ValueError):
        Quarter.parse("2026-Q5")
    period = Q3.period("Europe/London")
    assert period.start == datetime(2026, 6, 30, 23, tzinfo=UTC)  # midnight BST
    assert period.end == datetime(2026, 9, 30, 23, tzinfo=UTC)
    winter = Quarter(2026, 4).period("Europe/London")
    assert winter.end == datetime(2027, 1, 1, tzinfo=UTC)  # midnight GMT
    assert period.weeks()[0] == date(2026, 6, 29) and len(period.weeks()) == 14
    with pytest.raises(ValueError):
        Period(date(2026, 7, 2), date(2026, 7, 1))


def test_months_before_keeps_the_wall_time_and_clamps_the_day() -> None:
    may_31 = _at(date(2026, 5, 31), 10)
    assert months_before(may_31, 3, "Europe/London") == _at(date(2026, 2, 28), 10)
    assert months_before(_at(date(2026, 3, 31), 10), 1, "Europe/London") == _at(
        date(2026, 2, 28), 10
    )
    assert months_before(_at(date(2026, 7, 15), 9), 12, "Europe/London") == _at(
        date(2025, 7, 15), 9
    )


def test_a_summary_is_due_from_the_first_working_morning_of_the_next_quarter() -> None:
    thursday = date(2026, 10, 1)
    assert quarter_due(_at(thursday, 8, 59), Q2, calendar=CALENDAR) is None
    assert quarter_due(_at(thursday, 9), Q2, calendar=CALENDAR) == Q3
    assert quarter_due(_at(thursday, 9), Q3, calendar=CALENDAR) is None
    assert quarter_due(_at(date(2026, 12, 31), 16), Q3, calendar=CALENDAR) is None
    # 1 January 2027 is a bank holiday (a Friday): the Q4 summary waits for Monday 4 January.
    assert quarter_due(_at(date(2027, 1, 1), 12), Q3, calendar=CALENDAR) is None
    assert quarter_due(_at(date(2027, 1, 4), 9), Q3, calendar=CALENDAR) == Q4
    # Without a calendar: 09:00 local on the first day, whatever the day.
    assert quarter_due(_at(date(2027, 1, 1), 9), Q3) == Q4
    # Never sent before: the last complete quarter; a quarter missed entirely is not sent late.
    assert quarter_due(_at(thursday, 12), None, calendar=CALENDAR) == Q3
    assert quarter_due(_at(date(2027, 1, 4), 12), Q2, calendar=CALENDAR) == Q4


def test_ticking_every_half_hour_for_a_year_sends_each_quarter_once_in_order() -> None:
    sent: list[Quarter] = []
    now = datetime(2026, 7, 2, tzinfo=UTC)
    while now < datetime(2027, 7, 2, tzinfo=UTC):
        due = quarter_due(now, sent[-1] if sent else Q2, calendar=CALENDAR)
        if due is not None:
            sent.append(due)
            assert CALENDAR.is_working_time(now)
        now += timedelta(minutes=30)
    assert [q.key for q in sent] == ["2026-Q3", "2026-Q4", "2027-Q1", "2027-Q2"]


async def test_two_instances_send_the_summary_once_and_a_failed_send_is_retried(
    database_url: str,
) -> None:
    await write(database_url, generate())
    engine = create_engine(database_url)
    store = RotaStore(engine)
    cards: list[dict[str, Any]] = []

    async def send(card: dict[str, Any]) -> None:
        await asyncio.sleep(0.01)
        cards.append(card)

    async def broken(card: dict[str, Any]) -> None:
        raise ConnectionError("Teams is down")

    morning = _at(date(2026, 10, 1), 9, 30)
    try:
        with pytest.raises(ConnectionError):
            await send_quarterly_summary(engine, store, PROFILE, morning, broken)
        assert await last_sent_quarter(engine) is None
        # Within the claim's lease nobody sends; after it, two instances race and one wins.
        soon = morning + timedelta(minutes=1)
        assert await send_quarterly_summary(engine, store, PROFILE, soon, send) is None
        later = morning + ANNOUNCEMENT_LEASE + timedelta(minutes=1)
        results = await asyncio.gather(
            send_quarterly_summary(engine, store, PROFILE, later, send),
            send_quarterly_summary(engine, RotaStore(engine), PROFILE, later, send),
        )
        assert sorted(r.key for r in results if r) == ["2026-Q3"] and len(cards) == 1
        assert await last_sent_quarter(engine) == Q3
        assert await store.claim(announcement_key(Q3), later + timedelta(days=1)) is False
        again = later + timedelta(days=30)
        assert await send_quarterly_summary(engine, store, PROFILE, again, send) is None
    finally:
        await engine.dispose()
    card = cards[0]
    assert_valid_card(card)
    shown = str(card)
    assert "1 Jul 2026 to 30 Sep 2026" in shown and "<5" in shown
