"""Period report: volumes, timeliness (working time), outcomes, escalations, disputes, re-referrals.

Every figure is about the requests *posted* in the period, whenever their later steps happened.
Both ways in add up the same `ReportTally` in one pass: `build_report` streams the database's
rows into it, `compute_report` takes requests already in memory (any iterable).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.calendar import WorkingCalendar
from profiles.domain_map import calendar_from_profile
from profiles.schema import Profile
from reports import data
from reports.data import RequestRow
from reports.figures import QuarterlyReport
from reports.periods import Period
from reports.tally import ReportTally
from storage.db import reading


async def build_report(
    engine: AsyncEngine, profile: Profile, period: Period, as_of: datetime
) -> QuarterlyReport:
    """Read the period's requests and compute the report with the council's working calendar.

    Reads only (never takes the write lock); one connection, one query after another.
    """
    tally = ReportTally(period, as_of, calendar_from_profile(profile))
    async with reading(engine) as conn:
        await _add_database(conn, period, tally)
    return tally.result()


def compute_report(
    rows: Iterable[RequestRow], period: Period, as_of: datetime, calendar: WorkingCalendar
) -> QuarterlyReport:
    """The figures for `rows` (requests posted in `period`), as they stood at `as_of`."""
    tally = ReportTally(period, as_of, calendar)
    for r in rows:
        if not tally.contains(r.posted_at):
            continue
        tally.add_request(
            r.service,
            r.urgency,
            r.status,
            r.outcome,
            r.posted_at,
            r.acknowledge_due,
            r.acknowledged_at,
            r.callback_due,
            r.called_back_at,
            r.closed_at,
        )
        tally.add_escalations(r.escalations)
        for level in r.disputes:
            tally.add_dispute(level)
        for review in r.reviews:
            tally.add_review(review.level, review.upheld)
        if r.has_family:
            tally.add_family(r.posted_at, r.previous_at)
    return tally.result()


async def _add_database(conn: AsyncConnection, period: Period, tally: ReportTally) -> None:
    """Stream each of the period's queries into `tally` (the SQL keeps to the period)."""
    async for batch in data.requests(conn, period):
        for row in batch:
            tally.add_request(*row)
    await _add_escalations(conn, period, tally)
    async for batch in data.dispute_events(conn, period):
        for kind, level, upheld in batch:
            if kind == data.DISPUTED:
                tally.add_dispute(int(level or "1"))
            else:
                tally.add_review(int(level or "1"), upheld == "yes")
    async for batch in data.families(conn, period):
        for posted_at, previous_at in batch:
            tally.add_family(posted_at, previous_at)


async def _add_escalations(conn: AsyncConnection, period: Period, tally: ReportTally) -> None:
    """One `add_escalations` per request: its keys arrive together, maybe across two batches."""
    current: str | None = None
    keys: list[str] = []
    async for batch in data.escalation_keys(conn, period):
        for request_id, key in batch:
            if request_id != current:
                tally.add_escalations(keys)
                current, keys = request_id, []
            keys.append(key)
    tally.add_escalations(keys)
