"""Consultations in the database: rows <-> the domain aggregate, with optimistic concurrency."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.checklist import Checklist
from domain.consultation import Consultation, Outcome, Status, Urgency
from domain.events import Event, EventKind
from services.ports import ConcurrentUpdateError, Placement
from storage.tables import consultation_events, consultations, reference_counters


def _checklist_json(checklist: Checklist | None) -> dict[str, bool] | None:
    if checklist is None:
        return None
    return {
        "supervision_recorded": checklist.supervision_recorded,
        "evidence_recorded": checklist.evidence_recorded,
        "rationale_on_ehm": checklist.rationale_on_ehm,
    }


def _state(c: Consultation) -> dict[str, Any]:
    """The columns that follow the aggregate's state (not its placement)."""
    return {
        "reference": c.reference,
        "requester_id": c.requester_id,
        "service": c.service,
        "urgency": c.urgency.value,
        "indicators": list(c.indicators),
        "checklist": _checklist_json(c.checklist),
        "status": c.status.value,
        "assignee_id": c.assignee_id,
        "decided_by": c.decided_by,
        "reviewer_id": c.reviewer_id,
        "outcome": c.outcome.value if c.outcome else None,
        "area_team": c.area_team,
        "contact_created": c.contact_created,
        "review_level": c.review_level,
        "details_provided": c.details_provided,
        "escalations": sorted(c.escalations),
        "posted_at": c.posted_at,
        "acknowledge_due": c.acknowledge_due,
        "callback_due": c.callback_due,
        "acknowledged_at": c.acknowledged_at,
        "called_back_at": c.called_back_at,
        "outcome_at": c.outcome_at,
        "reviewed_at": c.reviewed_at,
        "closed_at": c.closed_at,
        # Any change may start or stop a timer: the tick works the next one out again.
        "timer_due_at": None,
        "version": c.version,
    }


def _from_row(row: Any, events: list[Event]) -> Consultation:
    checklist = Checklist(**row.checklist) if row.checklist is not None else None
    return Consultation(
        id=row.id,
        reference=row.reference,
        requester_id=row.requester_id,
        service=row.service,
        urgency=Urgency(row.urgency),
        indicators=tuple(row.indicators),
        posted_at=row.posted_at,
        status=Status(row.status),
        checklist=checklist,
        assignee_id=row.assignee_id,
        decided_by=row.decided_by,
        reviewer_id=row.reviewer_id,
        outcome=Outcome(row.outcome) if row.outcome else None,
        area_team=row.area_team,
        contact_created=row.contact_created,
        review_level=row.review_level,
        acknowledge_due=row.acknowledge_due,
        callback_due=row.callback_due,
        acknowledged_at=row.acknowledged_at,
        called_back_at=row.called_back_at,
        outcome_at=row.outcome_at,
        reviewed_at=row.reviewed_at,
        closed_at=row.closed_at,
        escalations=frozenset(row.escalations),
        details_provided=row.details_provided,
        version=row.version,
        events=events,
    )


class ConsultationRepository:
    """Reads and writes consultations inside the caller's transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def next_reference(self, year: int) -> str:
        """The next human reference for `year`, e.g. SU-2026-0042 (atomic in the transaction)."""
        await self._conn.execute(_insert_counter(self._conn, year))
        result = await self._conn.execute(
            update(reference_counters)
            .where(reference_counters.c.year == year)
            .values(last=reference_counters.c.last + 1)
            .returning(reference_counters.c.last)
        )
        return f"SU-{year}-{result.scalar_one():04d}"

    async def add(self, consultation: Consultation, placement: Placement) -> None:
        """Insert a new consultation and its first events."""
        await self._conn.execute(
            insert(consultations).values(
                id=consultation.id,
                channel_id=placement.channel_id,
                thread_id=placement.thread_id,
                card_activity_id=placement.card_activity_id,
                source=placement.source,
                **_state(consultation),
            )
        )
        await self._append_events(consultation, base_seq=0)

    async def save(self, consultation: Consultation, *, read_version: int) -> None:
        """Write the new state if nobody else did since `read_version`; append new events."""
        result = await self._conn.execute(
            update(consultations)
            .where(consultations.c.id == consultation.id)
            .where(consultations.c.version == read_version)
            .values(**_state(consultation))
        )
        if result.rowcount != 1:
            raise ConcurrentUpdateError(consultation.id)
        await self._append_events(
            consultation, base_seq=len(consultation.events) - len(consultation.new_events)
        )

    async def set_card(self, consultation_id: str, card_activity_id: str) -> int | None:
        """Remember the id of the bot's card, to update it later; the request's version now."""
        return await self._place(consultation_id, card_activity_id=card_activity_id)

    async def set_thread(self, consultation_id: str, thread_id: str) -> int | None:
        """The bot started the thread: its card message id is also the thread id."""
        return await self._place(consultation_id, thread_id=thread_id, card_activity_id=thread_id)

    async def _place(self, consultation_id: str, **ids: str) -> int | None:
        # The version comes back with the write: the caller can tell, without another read,
        # whether the card it just posted already shows an older state.
        result = await self._conn.execute(
            update(consultations)
            .where(consultations.c.id == consultation_id)
            .values(**ids)
            .returning(consultations.c.version)
        )
        return result.scalar_one_or_none()

    async def get(self, consultation_id: str, *, for_update: bool = False) -> Consultation | None:
        """Load one consultation with its full history."""
        query = select(consultations).where(consultations.c.id == consultation_id)
        if for_update and self._conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        if row is None:
            return None
        return _from_row(row, await self._events(consultation_id))

    async def placement(self, consultation_id: str) -> Placement | None:
        """Where the consultation lives in Teams."""
        row = (
            await self._conn.execute(
                select(
                    consultations.c.channel_id,
                    consultations.c.thread_id,
                    consultations.c.card_activity_id,
                    consultations.c.source,
                ).where(consultations.c.id == consultation_id)
            )
        ).first()
        return Placement(*row) if row is not None else None

    async def id_for_thread(self, channel_id: str, thread_id: str) -> str | None:
        """The consultation started by a channel post, if any."""
        row = await self._conn.execute(
            select(consultations.c.id)
            .where(consultations.c.channel_id == channel_id)
            .where(consultations.c.thread_id == thread_id)
        )
        return row.scalar_one_or_none()

    async def untaken(self, statuses: Collection[str]) -> list[tuple[str, str | None]]:
        """(id, assignee) of the open requests in `statuses` that nobody has acknowledged,
        oldest first (the duty
        rota's hand-over reads them each tick: a handful at any time, found by the status
        index, so years of closed requests cost it nothing). Sorted here, not by the query:
        an ORDER BY would tempt SQLite to walk the posted_at index through the whole history."""
        rows = await self._conn.execute(
            select(consultations.c.id, consultations.c.assignee_id, consultations.c.posted_at)
            .where(consultations.c.status.in_(list(statuses)))
            .where(consultations.c.acknowledged_at.is_(None))
        )
        ordered = sorted(rows, key=lambda r: (r.posted_at, r.id))
        return [(row.id, row.assignee_id) for row in ordered]

    async def count(self) -> int:
        """How many consultations there are (tests and reports)."""
        return int(
            (await self._conn.execute(select(func.count()).select_from(consultations))).scalar_one()
        )

    async def _events(self, consultation_id: str) -> list[Event]:
        rows = await self._conn.execute(
            select(consultation_events)
            .where(consultation_events.c.consultation_id == consultation_id)
            .order_by(consultation_events.c.seq)
        )
        return [Event(EventKind(r.kind), r.at, r.actor_id, dict(r.data)) for r in rows]

    async def _append_events(self, consultation: Consultation, *, base_seq: int) -> None:
        events = consultation.pull_new_events()
        if not events:
            return
        await self._conn.execute(
            insert(consultation_events),
            [
                {
                    "consultation_id": consultation.id,
                    "seq": base_seq + i,
                    "kind": e.kind.value,
                    "at": e.at,
                    "actor_id": e.actor_id,
                    "data": dict(e.data),
                }
                for i, e in enumerate(events, start=1)
            ],
        )


def _insert_counter(conn: AsyncConnection, year: int) -> Any:
    # INSERT ... ON CONFLICT DO NOTHING, then an UPDATE ... RETURNING that the row lock serialises.
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(reference_counters).values(year=year, last=0).on_conflict_do_nothing()
