"""Seed a database with N past consultations, so the scheduler's queries meet a real history.

Run: python -m bench.seed_history DATABASE_URL N [--days 365] [--report]
(migrates first; adds to what is there; analyses PostgreSQL after)

Nine in ten are closed, each with its sent card and checklist in the outbox and its sealed
details purged once the retention period has passed; the rest are withdrawn, decided, called
back, or (one in a hundred) acknowledged long ago with their call-back escalation already
recorded and sent: rows the escalation query must look past on every tick. Nothing here is a
real person or family: ids are made up, sealed values are placeholders that open nowhere.

With `report=True` the history is also shaped for the period report (bench/report_shape.py):
four services, varied working times and outcomes, escalations at every level, disputes and
reviews in the event log, and EHM fingerprints (of made-up numbers) for families that come back.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.report_shape import ReportShape
from domain.escalation import CARD, MessageKind
from domain.lifecycle import EscalationKey, Status
from storage.db import create_engine
from storage.migrate import upgrade
from storage.tables import (
    case_details,
    consultation_events,
    consultations,
    escalation_outbox,
    escalations,
)

CHUNK = 2_000
RETENTION = timedelta(days=365)
# Spread evenly over three years back from now (100k is one request every 16 minutes), so that
# most of the history is past the retention period, as in a service that has run for years.
SPAN = timedelta(days=3 * 365)
_REQUESTER = "00000000-0000-4000-8000-00000000b001"
_ASSIGNEE = "00000000-0000-4000-8000-00000000b002"


def _status(i: int) -> Status:
    """Nine in ten closed; the rest spread over the other places a request ends up."""
    slot = i % 100
    if slot < 90:
        return Status.CLOSED
    if slot < 94:
        return Status.WITHDRAWN
    if slot < 97:
        return Status.OUTCOME_RECORDED
    if slot < 99:
        return Status.CALLED_BACK
    return Status.ACKNOWLEDGED  # stuck: its call-back is long overdue, escalated already


Rows = tuple[dict[str, Any], ...]
Parts = tuple[Rows, Rows, Rows, Rows, Rows]


def _rows(
    n: int, now: datetime, prefix: str, span: timedelta, shape: ReportShape | None
) -> Iterator[Parts]:
    """For each past consultation: its row, outbox rows, details, escalations and events."""
    spacing = span / max(1, n)
    for i in range(n):
        cid = f"{prefix}{i:09d}"
        posted = now - spacing * (n - i) - timedelta(days=2)
        status = _status(i)
        closed = posted + timedelta(days=1) if status in (Status.CLOSED, Status.WITHDRAWN) else None
        acknowledged = posted + timedelta(hours=1)
        called_back = None if status is Status.ACKNOWLEDGED else posted + timedelta(hours=3)
        consultation: dict[str, Any] = {
            "id": cid,
            "reference": cid.upper(),
            "requester_id": _REQUESTER,
            "service": "Family Centre Northgate",
            "urgency": "urgent" if i % 10 == 0 else "standard",
            "indicators": ["neglect"],
            "checklist": None,
            "status": status.value,
            "assignee_id": _ASSIGNEE,
            "decided_by": None,
            "reviewer_id": None,
            "outcome": None,
            "area_team": None,
            "contact_created": False,
            "review_level": 0,
            "details_provided": True,
            "escalations": [],
            "posted_at": posted,
            "acknowledge_due": posted + timedelta(hours=8),
            "callback_due": posted + timedelta(days=1),
            "acknowledged_at": acknowledged,
            "called_back_at": called_back,
            "outcome_at": None,
            "reviewed_at": None,
            "closed_at": closed,
            "version": 5,
            "channel_id": "19:bench-history@thread.tacv2",
            "thread_id": f"t{cid}",
            "card_activity_id": f"a{cid}",
            "source": "post",
        }
        sent = posted + timedelta(seconds=1)
        outbox = tuple(
            {
                "consultation_id": cid,
                "escalation_key": "opened",
                "recipient": recipient,
                "kind": kind,
                "status": "sent",
                "attempts": 1,
                "created_at": posted,
                "next_attempt_at": posted,
                "sent_at": sent,
            }
            for kind, recipient in (
                (MessageKind.THREAD_CARD.value, CARD),
                (MessageKind.CHECKLIST.value, _REQUESTER),
            )
        )
        purged = closed is not None and closed < now - RETENTION
        details: dict[str, Any] = {
            "consultation_id": cid,
            "ehm_sealed": None if purged else "bench-placeholder",
            "oversight_sealed": None if purged else "bench-placeholder",
            "phone_sealed": None,
            "ehm_fingerprint": None,
            "provided_by": _REQUESTER,
            "provided_at": posted + timedelta(hours=2),
            "purged_at": closed + RETENTION if purged and closed else None,
        }
        recorded: Rows = ()
        if status is Status.ACKNOWLEDGED:
            due = posted + timedelta(days=1)
            key = EscalationKey.CALLBACK_OVERDUE.value
            recorded = ({"consultation_id": cid, "key": key, "due_at": due, "recorded_at": due},)
        if shape is None:
            yield (consultation,), outbox, (details,), recorded, ()
        else:
            more, events = shape.apply(i, consultation, details)
            yield (consultation,), outbox, (details,), recorded + more, events


async def seed(
    engine: AsyncEngine,
    n: int,
    *,
    now: datetime,
    prefix: str = "hist",
    span: timedelta = SPAN,
    report: bool = False,
) -> None:
    """Insert n past consultations (ids prefix + number) posted over `span` before `now`.

    In chunks of one transaction each; `report` shapes them for the period report.
    """
    tables = (consultations, escalation_outbox, case_details, escalations, consultation_events)
    batch: list[list[dict[str, Any]]] = [[] for _ in tables]

    async def flush() -> None:
        async with engine.begin() as conn:
            for table, rows in zip(tables, batch, strict=True):
                if rows:
                    await conn.execute(insert(table), rows)
                    rows.clear()

    shape = ReportShape(n) if report else None
    for count, parts in enumerate(_rows(n, now, prefix, span, shape), start=1):
        for rows, part in zip(batch, parts, strict=True):
            rows.extend(part)
        if count % CHUNK == 0:
            await flush()
    await flush()


async def prepare(
    url: str, n: int, *, now: datetime, span: timedelta = SPAN, report: bool = False
) -> float:
    """Migrate the database at `url`, seed it, on PostgreSQL gather statistics: seconds taken.

    ANALYZE as autovacuum would after a bulk load (SQLite never is: the app does not run it).
    """
    started = time.perf_counter()
    engine = create_engine(url)
    try:
        await upgrade(engine)
        await seed(engine, n, now=now, span=span, report=report)
        if engine.dialect.name == "postgresql":
            async with engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.exec_driver_sql("ANALYZE")
    finally:
        await engine.dispose()
    return time.perf_counter() - started


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.seed_history")
    parser.add_argument("url", help="DATABASE_URL")
    parser.add_argument("n", type=int, help="how many past consultations")
    parser.add_argument("--days", type=int, default=SPAN.days, help="span of posting days")
    parser.add_argument("--report", action="store_true", help="shape it for the period report")
    args = parser.parse_args()
    span = timedelta(days=args.days)
    asyncio.run(prepare(args.url, args.n, now=datetime.now(UTC), span=span, report=args.report))
