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


_REPORT_COLUMNS = (
    "id",
    "service",
    "urgency",
    "status",
    "outcome",
    "posted_at",
    "acknowledge_due",
    "acknowledged_at",
    "callback_due",
    "called_back_at",
    "closed_at",
)


def _in_period(period: Period) -> ColumnElement[bool]:
    c = consultations.c
    return and_(c.posted_at >= period.start, c.posted_at < period.end)


async def load_report_data(engine: AsyncEngine, period: Period, as_of: datetime) -> ReportData:
    """Read the requests posted in `period` (reads only; never takes the write lock)."""
    async with reading(engine) as conn:
        c = consultations.c
        # Only the columns a report uses: the JSON and Teams columns made most of its memory.
        rows = (
            await conn.execute(
                select(*(c[name] for name in _REPORT_COLUMNS))
                .where(_in_period(period))
                .order_by(c.posted_at)
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
    """Request id -> the family's latest earlier request time, for requests with an EHM number.

    One window over the family's requests in posting order, instead of a subquery per request
    (which searched the family's history once for every request of the period). EXCLUDE GROUP
    leaves out the request itself and any posted at the very same moment: strictly earlier.
    """
    previous = (
        func.max(consultations.c.posted_at)
        .over(
            partition_by=case_details.c.ehm_fingerprint,
            order_by=consultations.c.posted_at,
            rows=(None, 0),
            exclude="group",
        )
        .label("previous_at")
    )
    history = (
        select(case_details.c.consultation_id, consultations.c.posted_at, previous)
        .join(consultations, consultations.c.id == case_details.c.consultation_id)
        .where(case_details.c.ehm_fingerprint.is_not(None))
        .where(consultations.c.posted_at < period.end)
        .subquery()
    )
    query = select(history.c.consultation_id, history.c.previous_at).where(
        history.c.posted_at >= period.start
    )
    return {row[0]: row[1] for row in await conn.execute(query)}
