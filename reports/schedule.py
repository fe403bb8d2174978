"""The quarterly summary, sent once: which quarter is due, and the tick's whole job.

`quarter_due` is pure and safe to call on every tick. `send_quarterly_summary` claims the
quarter's key in `announcements` (as the weekly duty post does), so two instances or a restart
send it once; a failed send is retried by a later tick once the claim's lease runs out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from cards.report_card import report_card
from domain.calendar import WorkingCalendar
from profiles.domain_map import calendar_from_profile
from profiles.schema import Profile
from reports.periods import Quarter
from reports.quarterly import build_report
from storage.db import reading
from storage.tables import announcements

KEY_PREFIX = "report:"
SEND_AT = time(9)


class Claims(Protocol):
    """Once-only claims (`storage.rota_store.RotaStore` is one)."""

    async def claim(self, key: str, at: datetime) -> bool: ...

    async def sent(self, key: str, at: datetime) -> None: ...


SENDING_WINDOW = timedelta(days=7)


def announcement_key(quarter: Quarter) -> str:
    """The once-only key of a quarter's summary, e.g. "report:2026-Q3"."""
    return KEY_PREFIX + quarter.key


def quarter_due(
    now: datetime,
    last_sent_quarter: Quarter | None,
    *,
    timezone: str = "Europe/London",
    calendar: WorkingCalendar | None = None,
) -> Quarter | None:
    """The last complete quarter if its summary is due and not yet sent, else None.

    A quarter's summary is due from the opening of the first working day of the next quarter
    (with no calendar: 09:00 local on its first day) for a week. Only the latest complete
    quarter is ever due, and never after that week.
    """
    local = now.astimezone(ZoneInfo(calendar.timezone if calendar else timezone))
    current = Quarter.containing(local.date())
    opens = _sending_from(current, calendar, timezone)
    # Sent in the first week of the new quarter only: a bot installed mid-quarter does not
    # post last quarter's figures out of the blue, and an outage of days still catches up.
    if not opens <= now < opens + SENDING_WINDOW:
        return None
    candidate = current.previous()
    if last_sent_quarter is not None and last_sent_quarter >= candidate:
        return None
    return candidate


def _sending_from(quarter: Quarter, calendar: WorkingCalendar | None, timezone: str) -> datetime:
    if calendar is None:
        return datetime.combine(quarter.first_day, SEND_AT, tzinfo=ZoneInfo(timezone))
    first = quarter.first_day
    day = first if calendar.is_working_day(first) else calendar.next_working_day(first)
    return calendar.opening(day)


async def last_sent_quarter(engine: AsyncEngine) -> Quarter | None:
    """The latest quarter whose summary went out, from the announcements table."""
    async with reading(engine) as conn:
        keys = await conn.execute(
            select(announcements.c.key)
            .where(announcements.c.key.like(KEY_PREFIX + "%"))
            .where(announcements.c.sent_at.is_not(None))
        )
        sent = [Quarter.parse(k.removeprefix(KEY_PREFIX)) for k in keys.scalars()]
    return max(sent, default=None)


async def send_quarterly_summary(
    engine: AsyncEngine,
    claims: Claims,
    profile: Profile,
    now: datetime,
    send: Callable[[dict[str, Any]], Awaitable[None]],
) -> Quarter | None:
    """On a tick: if a summary is due and this instance wins the claim, build and send it."""
    calendar = calendar_from_profile(profile)
    quarter = quarter_due(now, await last_sent_quarter(engine), calendar=calendar)
    if quarter is None or not await claims.claim(announcement_key(quarter), now):
        return None
    period = quarter.period(profile.working_hours.timezone)
    report = await build_report(engine, profile, period, now)
    threshold = profile.small_number_threshold
    await send(report_card(report, council=profile.council, threshold=threshold))
    await claims.sent(announcement_key(quarter), now)
    return quarter
