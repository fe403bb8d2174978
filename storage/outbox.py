"""The outbox: escalations, a new request's card and checklist; leased, then sent or retried."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from services.ports import OutboxMessage, PendingMessage
from storage.tables import escalation_outbox

PENDING = "pending"
SENT = "sent"

_O = escalation_outbox.c


def _message(row: Any) -> OutboxMessage:
    return OutboxMessage(
        id=row.id,
        consultation_id=row.consultation_id or "",
        case_id=row.case_id,
        key=row.escalation_key,
        kind=row.kind,
        recipient=row.recipient,
        attempts=row.attempts,
    )


def _pending(
    consultation_id: str, key: str, kind: str, recipient: str, at: datetime
) -> dict[str, Any]:
    """A new row, due at once and never tried."""
    return {
        "consultation_id": consultation_id,
        "escalation_key": key,
        "recipient": recipient,
        "kind": kind,
        "status": PENDING,
        "attempts": 0,
        "created_at": at,
        "next_attempt_at": at,
    }


class SqlOutbox:
    """Outbox rows, read and written inside the caller's transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def enqueue(
        self, consultation_id: str, key: str, notices: Sequence[tuple[str, str]], *, at: datetime
    ) -> None:
        """One pending row per (kind, recipient); the unique key refuses a second copy."""
        if not notices:
            return
        rows = [_pending(consultation_id, key, kind, recipient, at) for kind, recipient in notices]
        await self._conn.execute(insert(escalation_outbox), rows)

    async def enqueue_case(
        self, case_id: str, key: str, notices: Sequence[tuple[str, str]], *, at: datetime
    ) -> None:
        """A flow case's messages, one pending row per (kind, recipient), as `enqueue`."""
        rows = [
            {**_pending("", key, kind, recipient, at), "consultation_id": None, "case_id": case_id}
            for kind, recipient in notices
        ]
        if rows:
            await self._conn.execute(insert(escalation_outbox), rows)

    async def add_once(
        self, consultation_id: str, key: str, kind: str, recipient: str, *, at: datetime
    ) -> None:
        """One pending row, unless this (key, recipient) already has one: nothing is raised."""
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        row = _pending(consultation_id, key, kind, recipient, at)
        await self._conn.execute(
            dialect.insert(escalation_outbox).values(row).on_conflict_do_nothing()
        )

    async def claim_for(
        self,
        consultation_id: str,
        kinds: Collection[str],
        *,
        now: datetime,
        until: datetime,
        token: str,
    ) -> list[OutboxMessage]:
        """Lease this consultation's pending messages of `kinds` now, due or not.

        The turn that enqueued them (or a redelivery of its post) sends them at once; the
        lease keeps the scheduler away meanwhile, and a failed attempt hands them back.
        """
        query = select(escalation_outbox).where(
            and_(
                _O.consultation_id == consultation_id,
                _O.kind.in_(list(kinds)),
                _O.status == PENDING,
                or_(_O.claimed_until.is_(None), _O.claimed_until <= now),
            )
        )
        if self._conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = (await self._conn.execute(query.order_by(_O.id))).all()
        if rows:
            await self._lease([r.id for r in rows], until=until, token=token)
        return [_message(r) for r in rows]

    async def claim(
        self,
        *,
        now: datetime,
        until: datetime,
        token: str,
        limit: int,
        skip: Collection[int] = (),
    ) -> list[OutboxMessage]:
        """Lease pending rows that are due and free, but not those in `skip`; PostgreSQL skips
        rows others are claiming."""
        due = and_(
            _O.status == PENDING,
            _O.next_attempt_at <= now,
            or_(_O.claimed_until.is_(None), _O.claimed_until <= now),
        )
        if skip:
            due = and_(due, _O.id.not_in(list(skip)))
        query = (
            select(escalation_outbox).where(due).order_by(_O.next_attempt_at, _O.id).limit(limit)
        )
        if self._conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = (await self._conn.execute(query)).all()
        if not rows:
            return []
        await self._lease([r.id for r in rows], until=until, token=token)
        return [_message(r) for r in rows]

    async def _lease(self, ids: list[int], *, until: datetime, token: str) -> None:
        await self._conn.execute(
            update(escalation_outbox)
            .where(_O.id.in_(ids))
            .values(claimed_until=until, claim_token=token)
        )

    async def release(self, message_ids: Collection[int], *, token: str) -> None:
        """Hand back leased messages untried, still due, attempts untouched."""
        await self._conn.execute(
            update(escalation_outbox)
            .where(_O.id.in_(list(message_ids)), _O.status == PENDING, _O.claim_token == token)
            .values(claimed_until=None, claim_token=None)
        )

    async def mark_sent(self, message_id: int, *, at: datetime) -> None:
        """Delivered: whoever sent it, it is sent (a late duplicate claim must not undo that)."""
        await self._conn.execute(
            update(escalation_outbox)
            .where(_O.id == message_id, _O.status == PENDING)
            .values(
                status=SENT,
                sent_at=at,
                attempts=_O.attempts + 1,
                claimed_until=None,
                claim_token=None,
            )
        )

    async def mark_failed(
        self,
        message_id: int,
        *,
        token: str,
        next_attempt_at: datetime,
        error: str,
        counted: bool = True,
    ) -> None:
        """Count the failure (unless `counted` is False: throttled, not failed) and release the
        lease, if this claim still holds it."""
        await self._conn.execute(
            update(escalation_outbox)
            .where(_O.id == message_id, _O.status == PENDING, _O.claim_token == token)
            .values(
                attempts=_O.attempts + (1 if counted else 0),
                next_attempt_at=next_attempt_at,
                last_error=error[:80],
                claimed_until=None,
                claim_token=None,
            )
        )

    async def prune_sent(self, *, sent_before: datetime) -> int:
        """Delete messages delivered before the cutoff; without this the claim's table only grew.

        Nothing once-only rests on a sent row: escalations are once-only by their own table, and
        a re-ask or card re-render is keyed by the consultation's version.
        """
        result = await self._conn.execute(
            delete(escalation_outbox).where(_O.sent_at < sent_before, _O.status == SENT)
        )
        return int(result.rowcount or 0)

    async def pending(self) -> list[PendingMessage]:
        """Every message not yet delivered, oldest first."""
        rows = await self._conn.execute(
            select(escalation_outbox).where(_O.status == PENDING).order_by(_O.id)
        )
        return [PendingMessage(_message(r), r.next_attempt_at, r.last_error) for r in rows]
