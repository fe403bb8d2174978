"""The read queries behind "my requests" (services/queue.py), straight from the tables.

Each query filters on plain columns (status, requester_id, the deadlines) and an EXISTS on the
escalations primary key, never on JSON, so an index on status (migration 0003) or on
requester_id can serve it. Read-only: a separate connection, no transaction held open.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.lifecycle import EscalationKey, Status, Urgency
from services.queue import QueueLine
from storage.tables import consultations, escalations

_C = consultations.c
# The four escalations only: a flow timer's reminder (domain.timer_plan) is not an escalation.
_ESCALATED = exists().where(
    escalations.c.consultation_id == _C.id,
    escalations.c.key.in_(sorted(k.value for k in EscalationKey)),
)
_COLUMNS = (
    _C.id,
    _C.reference,
    _C.service,
    _C.status,
    _C.urgency,
    _C.requester_id,
    _C.assignee_id,
    _C.posted_at,
    _C.acknowledge_due,
    _C.callback_due,
    _ESCALATED.label("escalated"),
    _C.channel_id,
    _C.thread_id,
)


def _values(states: Sequence[Status]) -> list[str]:
    return [s.value for s in states]


class SqlQueueReader:
    """QueueReader over SQLAlchemy Core (SQLite and PostgreSQL)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def of_requester(
        self, requester_id: str, *, open_states: Sequence[Status], since: datetime, limit: int
    ) -> list[QueueLine]:
        """The requester's requests that are open or were posted since `since`."""
        where = and_(
            _C.requester_id == requester_id,
            or_(_C.status.in_(_values(open_states)), _C.posted_at >= since),
        )
        return await self._lines(where, _C.posted_at.desc(), limit)

    async def open_queue(self, *, open_states: Sequence[Status], limit: int) -> list[QueueLine]:
        """Open requests, any requester, oldest first (the service orders them for the list)."""
        return await self._lines(_C.status.in_(_values(open_states)), _C.posted_at, limit)

    async def overdue_or_escalated(
        self,
        now: datetime,
        *,
        unacknowledged: Sequence[Status],
        before_callback: Sequence[Status],
        open_states: Sequence[Status],
        limit: int,
    ) -> list[QueueLine]:
        """Open requests past a deadline of their state, or with an escalation recorded."""
        where = and_(
            _C.status.in_(_values(open_states)),
            or_(
                and_(_C.status.in_(_values(unacknowledged)), _C.acknowledge_due <= now),
                and_(_C.status.in_(_values(before_callback)), _C.callback_due <= now),
                _ESCALATED,
            ),
        )
        return await self._lines(where, _C.posted_at, limit)

    async def _lines(self, where: Any, order: Any, limit: int) -> list[QueueLine]:
        query = select(*_COLUMNS).where(where).order_by(order, _C.id).limit(limit)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            QueueLine(
                id=row.id,
                reference=row.reference,
                service=row.service,
                status=Status(row.status),
                urgency=Urgency(row.urgency),
                requester_id=row.requester_id,
                assignee_id=row.assignee_id,
                posted_at=row.posted_at,
                acknowledge_due=row.acknowledge_due,
                callback_due=row.callback_due,
                escalated=bool(row.escalated),
                channel_id=row.channel_id,
                thread_id=row.thread_id,
            )
            for row in rows
        ]
