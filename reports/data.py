"""What a period report reads: one row per request posted in the period, with no family data.

The EHM fingerprint never leaves the database: SQL matches it and returns only a time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from domain.events import EventKind
from reports.periods import Period
from storage.db import reading
from storage.tables import case_details, consultation_events, consultations, escalations


@dataclass(frozen=True)
class Review:
    """A dispute's review: its level and whether the decision was upheld."""

    level: int
    upheld: bool


@dataclass(frozen=True)
class RequestRow:
    """One request as a report sees it: service, urgency, times, and codes."""

    id: str
    service: str
    urgency: str
    status: str
    outcome: str | None
    posted_at: datetime
    acknowledge_due: datetime | None = None
    acknowledged_at: datetime | None = None
    callback_due: datetime | None = None
    called_back_at: datetime | None = None
    closed_at: datetime | None = None
    escalations: tuple[str, ...] = ()
    disputes: tuple[int, ...] = ()
    """The review level each dispute opened, in order."""
    reviews: tuple[Review, ...] = ()
    has_family: bool = False
    """Whether the EHM number was given (so a re-referral can be recognised)."""
    previous_at: datetime | None = None
    """When the same family's latest earlier request was posted, if any."""


@dataclass(frozen=True)
class ReportData:
    """Everything a period report is computed from."""

    period: Period
    as_of: datetime
    requests: list[RequestRow] = field(default_factory=list)


def _in_period(period: Period) -> ColumnElement[bool]:
    c = consultations.c
    return and_(c.posted_at >= period.start, c.posted_at < period.end)


async def load_report_data(engine: AsyncEngine, period: Period, as_of: datetime) -> ReportData:
    """Read the requests posted in `period` (reads only; never takes the write lock)."""
    async with reading(engine) as conn:
        rows = (
            await conn.execute(
                select(consultations).where(_in_period(period)).order_by(consultations.c.posted_at)
            )
        ).all()
        keys = await _escalations(conn, period)
        disputes, reviews = await _disputes(conn, period)
        families = await _families(conn, period)
    requests = [
        RequestRow(
            id=r.id,
            service=r.service,
            urgency=r.urgency,
            status=r.status,
            outcome=r.outcome,
            posted_at=r.posted_at,
            acknowledge_due=r.acknowledge_due,
            acknowledged_at=r.acknowledged_at,
            callback_due=r.callback_due,
            called_back_at=r.called_back_at,
            closed_at=r.closed_at,
            escalations=tuple(sorted(keys.get(r.id, ()))),
            disputes=tuple(disputes.get(r.id, ())),
            reviews=tuple(reviews.get(r.id, ())),
            has_family=r.id in families,
            previous_at=families.get(r.id),
        )
        for r in rows
    ]
    return ReportData(period, as_of, requests)


async def _escalations(conn: AsyncConnection, period: Period) -> dict[str, list[str]]:
    query = (
        select(escalations.c.consultation_id, escalations.c.key)
        .join(consultations, consultations.c.id == escalations.c.consultation_id)
        .where(_in_period(period))
    )
    found: dict[str, list[str]] = defaultdict(list)
    for consultation_id, key in await conn.execute(query):
        found[consultation_id].append(key)
    return found


async def _disputes(
    conn: AsyncConnection, period: Period
) -> tuple[dict[str, list[int]], dict[str, list[Review]]]:
    e = consultation_events.c
    query = (
        select(e.consultation_id, e.kind, e.data)
        .join(consultations, consultations.c.id == e.consultation_id)
        .where(_in_period(period))
        .where(e.kind.in_([EventKind.DISPUTED.value, EventKind.REVIEWED.value]))
        .order_by(e.consultation_id, e.seq)
    )
    disputes: dict[str, list[int]] = defaultdict(list)
    reviews: dict[str, list[Review]] = defaultdict(list)
    for consultation_id, kind, data in await conn.execute(query):
        level = int(data.get("review_level", "1"))
        if kind == EventKind.DISPUTED.value:
            disputes[consultation_id].append(level)
        else:
            reviews[consultation_id].append(Review(level, data.get("upheld") == "yes"))
    return disputes, reviews


async def _families(conn: AsyncConnection, period: Period) -> dict[str, datetime | None]:
    """Request id -> the family's latest earlier request time, for requests with an EHM number."""
    mine, theirs = case_details.alias("mine"), case_details.alias("theirs")
    earlier = consultations.alias("earlier")
    previous = (
        select(func.max(earlier.c.posted_at))
        .select_from(theirs.join(earlier, earlier.c.id == theirs.c.consultation_id))
        .where(theirs.c.ehm_fingerprint == mine.c.ehm_fingerprint)
        .where(earlier.c.posted_at < consultations.c.posted_at)
        .scalar_subquery()
    )
    query = (
        select(mine.c.consultation_id, previous)
        .join(consultations, consultations.c.id == mine.c.consultation_id)
        .where(_in_period(period))
        .where(mine.c.ehm_fingerprint.is_not(None))
    )
    return {row[0]: row[1] for row in await conn.execute(query)}
