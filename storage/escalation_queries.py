"""Escalations in the database: which consultations may be due, row claims, the once-only key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, exists, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.lifecycle import ESCALATIONS, EscalationKey, Urgency
from storage.tables import ESCALATION_STATES, OPEN_STATES, consultations, escalations
from storage.uow import SqlUnitOfWork

_C = consultations.c
_K = EscalationKey


def _in_state_for(key: EscalationKey) -> Any:
    return _C.status.in_(sorted(s.value for s in ESCALATIONS[key].while_in))


def _not_recorded(key: EscalationKey) -> Any:
    return ~exists().where(escalations.c.consultation_id == _C.id, escalations.c.key == key.value)


class EscalationQueries:
    """Reads and claims for the escalation tick, inside the caller's transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def candidates(
        self, now: datetime, *, urgent_posted_before: datetime, limit: int
    ) -> list[str]:
        """Open consultations with a deadline passed and its escalation not yet recorded.

        A superset: the urgent window is in working minutes, which the domain works out.
        """
        urgent = and_(
            _in_state_for(_K.URGENT_UNACKNOWLEDGED),
            _C.urgency == Urgency.URGENT.value,
            _C.posted_at <= urgent_posted_before,
            or_(
                _not_recorded(_K.URGENT_UNACKNOWLEDGED),
                _not_recorded(_K.URGENT_UNACKNOWLEDGED_MANAGERS),
            ),
        )
        end_of_day = and_(
            _in_state_for(_K.EOD_UNACKNOWLEDGED),
            _C.acknowledge_due <= now,
            _not_recorded(_K.EOD_UNACKNOWLEDGED),
        )
        callback = and_(
            _in_state_for(_K.CALLBACK_OVERDUE),
            _C.callback_due <= now,
            _not_recorded(_K.CALLBACK_OVERDUE),
        )
        # Rendered as literals, not parameters: only then can SQLite and PostgreSQL (in a generic
        # plan too) prove the query needs no row outside the partial index of open requests.
        in_open_state = _C.status.in_(
            bindparam("escalation_states", ESCALATION_STATES, literal_execute=True)
        )
        query = (
            select(_C.id)
            .where(in_open_state, or_(urgent, end_of_day, callback))
            .order_by(_C.posted_at, _C.id)
            .limit(limit)
        )
        return list((await self._conn.execute(query)).scalars())

    async def timer_candidates(self, now: datetime, *, limit: int) -> list[str]:
        """Open consultations whose next flow timer is due, or not yet worked out (NULL)."""
        in_open_state = _C.status.in_(bindparam("open_states", OPEN_STATES, literal_execute=True))
        query = (
            select(_C.id)
            .where(in_open_state, or_(_C.timer_due_at.is_(None), _C.timer_due_at <= now))
            .order_by(_C.timer_due_at, _C.id)
            .limit(limit)
        )
        return list((await self._conn.execute(query)).scalars())

    async def set_timer_due(self, consultation_id: str, at: datetime, *, version: int) -> None:
        """Remember when the case's next flow timer falls due, unless it changed since read
        (a transition's save cleared it: the next tick works it out from the new state)."""
        await self._conn.execute(
            update(consultations)
            .where(_C.id == consultation_id, _C.version == version)
            .values(timer_due_at=at)
        )

    async def forget_timer_times(self) -> int:
        """Clear every open case's timer time (at start-up: the flow or calendar may differ)."""
        result = await self._conn.execute(
            update(consultations).where(_C.status.in_(OPEN_STATES)).values(timer_due_at=None)
        )
        return result.rowcount or 0

    async def lock(self, consultation_id: str) -> bool:
        """Take the row for this transaction; False when another transaction holds it."""
        if self._conn.dialect.name != "postgresql":
            # SQLite: BEGIN IMMEDIATE already gave this transaction the database's write lock.
            return True
        query = select(_C.id).where(_C.id == consultation_id).with_for_update(skip_locked=True)
        return (await self._conn.execute(query)).first() is not None

    async def record(
        self, consultation_id: str, key: str, *, due_at: datetime, at: datetime
    ) -> None:
        """Store the escalation; the primary key refuses a second record of the same key."""
        await self._conn.execute(
            insert(escalations).values(
                consultation_id=consultation_id, key=key, due_at=due_at, recorded_at=at
            )
        )


class SqlEscalationUnitOfWork(SqlUnitOfWork):
    """The SQL unit of work with the escalation queries and the outbox on the same transaction."""

    escalations: EscalationQueries

    async def __aenter__(self) -> SqlEscalationUnitOfWork:
        await super().__aenter__()
        assert self._conn is not None
        self.escalations = EscalationQueries(self._conn)
        return self
