"""What a period report reads, streamed: the period's requests and what is recorded about them.

Four queries, each read once in batches through a server-side cursor (`conn.stream`), so
memory stays that of one batch however long the period: the requests (only the columns the
figures use), their escalation keys, their dispute and review events, and for the requests
with an EHM number the time of the family's previous request. No family data leaves the
database: SQL matches the fingerprint and returns only times.

Each side query carries what its figures need (the escalation keys their request id, the
families their request's posting time), so none has to be joined to the requests in Python.
`RequestRow` is the same facts for one request in memory, as tests and callers build them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from domain.events import EventKind
from reports.periods import Period
from storage.tables import case_details, consultation_events, consultations, escalations
from storage.types import UTCDateTime, UTCText

# Rows fetched per round trip: big enough that fetching costs little per row, small enough that
# a batch is a few hundred kilobytes.
BATCH = 2_000

# The request columns, in the order `reports.tally.ReportTally.add_request` takes them.
REQUEST_COLUMNS = (
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

DISPUTED = EventKind.DISPUTED.value
"""The kind of a dispute event; the other kind `dispute_events` returns is a review."""

Batches = AsyncIterator[Sequence[Sequence[Any]]]
"""Rows (`sqlalchemy.Row`, a sequence of the selected columns), a batch at a time."""


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


def _in_period(period: Period) -> ColumnElement[bool]:
    c = consultations.c
    return and_(c.posted_at >= period.start, c.posted_at < period.end)


def _read(conn: AsyncConnection, column: ColumnElement[Any]) -> ColumnElement[Any]:
    """The column as the report reads it: SQLite's times parsed the fast way (`UTCText`)."""
    if conn.dialect.name == "sqlite" and isinstance(column.type, UTCDateTime):
        return type_coerce(column, UTCText)
    return column


async def _batches(conn: AsyncConnection, query: Select[Any]) -> Batches:
    """The query's rows, BATCH at a time, from a server-side cursor (never all at once)."""
    async with conn.stream(query.execution_options(yield_per=BATCH)) as result:
        async for batch in result.partitions():
            yield batch


def requests(conn: AsyncConnection, period: Period) -> Batches:
    """The period's requests: REQUEST_COLUMNS, in posting order (the posted_at index's)."""
    c = consultations.c
    query = select(*(_read(conn, c[name]) for name in REQUEST_COLUMNS)).where(_in_period(period))
    return _batches(conn, query.order_by(c.posted_at))


def escalation_keys(conn: AsyncConnection, period: Period) -> Batches:
    """(request id, key) for every escalation recorded on the period's requests, by request."""
    e = escalations.c
    query = (
        select(e.consultation_id, e.key)
        .join(consultations, consultations.c.id == e.consultation_id)
        .where(_in_period(period))
        .order_by(e.consultation_id)  # a request's keys come together: counted per request
    )
    return _batches(conn, query)


def dispute_events(conn: AsyncConnection, period: Period) -> Batches:
    """(kind, review level, upheld) of every dispute and review of the period's requests.

    Only the two fields read from the event's JSON (`"1"`, `"yes"`: as `domain.disputes`
    writes them), not the whole document.
    """
    e = consultation_events.c
    query = (
        select(e.kind, e.data["review_level"].as_string(), e.data["upheld"].as_string())
        .join(consultations, consultations.c.id == e.consultation_id)
        .where(_in_period(period))
        .where(e.kind.in_([EventKind.DISPUTED.value, EventKind.REVIEWED.value]))
    )
    return _batches(conn, query)


def families(conn: AsyncConnection, period: Period) -> Batches:
    """(posted_at, previous_at) for each of the period's requests with an EHM number.

    previous_at is the family's latest earlier request time, or None. One window over the
    family's requests in posting order, instead of a subquery per request (which searched the
    family's history once for every request of the period). EXCLUDE GROUP leaves out the
    request itself and any posted at the very same moment: strictly earlier.
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
        select(consultations.c.posted_at, previous)
        .join(consultations, consultations.c.id == case_details.c.consultation_id)
        .where(case_details.c.ehm_fingerprint.is_not(None))
        .where(consultations.c.posted_at < period.end)
        .subquery()
    )
    query = select(_read(conn, history.c.posted_at), _read(conn, history.c.previous_at)).where(
        history.c.posted_at >= period.start
    )
    return _batches(conn, query)
