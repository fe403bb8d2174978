"""Cases of the profile-defined flows in the database: rows <-> domain/process/engine.Case.

Written inside the caller's transaction. A save says which version it read (optimistic, as
for consultations); a firing is recorded by inserting its once-only key, and the insert that
finds the key already there answers False, so two ticks or two instances fire a timer once.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.process.engine import Case, Event
from services.ports import ConcurrentUpdateError
from storage.tables import flow_case_counters, flow_case_events, flow_case_firings, flow_cases

_C = flow_cases.c


def _state(case: Case, terminal: bool) -> dict[str, Any]:
    return {
        "flow": case.flow,
        "reference": case.reference,
        "state": case.state,
        "version": case.version,
        "service": case.service,
        "owner_id": case.owner_id,
        "previous_owner_id": case.previous_owner_id,
        "opened_by": case.opened_by,
        "opened_at": case.opened_at,
        "terminal": terminal,
    }


def _event(row: Any) -> Event:
    return Event(row.seq, row.verb, row.at, row.actor_id, row.state, dict(row.data))


class FlowCaseRepository:
    """Reads and writes flow cases inside the caller's transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    def _dialect(self) -> Any:
        return postgresql if self._conn.dialect.name == "postgresql" else sqlite

    async def next_reference(self, flow: str, prefix: str, year: int) -> str:
        """The next reference of `flow` for `year`, e.g. SD-2026-0007 (atomic in the
        transaction: the counter row's lock serialises two openings)."""
        await self._conn.execute(
            self._dialect()
            .insert(flow_case_counters)
            .values(flow=flow, year=year, last=0)
            .on_conflict_do_nothing()
        )
        result = await self._conn.execute(
            update(flow_case_counters)
            .where(flow_case_counters.c.flow == flow, flow_case_counters.c.year == year)
            .values(last=flow_case_counters.c.last + 1)
            .returning(flow_case_counters.c.last)
        )
        return f"{prefix}-{year}-{result.scalar_one():04d}"

    async def add(self, case: Case, *, terminal: bool = False) -> None:
        """Insert a new case and its first events."""
        await self._conn.execute(insert(flow_cases).values(id=case.id, **_state(case, terminal)))
        await self._append(case, since=0)

    async def save(self, case: Case, *, read_version: int, terminal: bool) -> None:
        """Write the new state if nobody else did since `read_version`; append new events."""
        result = await self._conn.execute(
            update(flow_cases)
            .where(_C.id == case.id, _C.version == read_version)
            .values(**_state(case, terminal))
        )
        if result.rowcount != 1:
            raise ConcurrentUpdateError(case.id)
        stored = await self._conn.scalar(
            select(flow_case_events.c.seq)
            .where(flow_case_events.c.case_id == case.id)
            .order_by(flow_case_events.c.seq.desc())
            .limit(1)
        )
        await self._append(case, since=stored or 0)

    async def _append(self, case: Case, *, since: int) -> None:
        rows = [
            {
                "case_id": case.id,
                "seq": e.seq,
                "verb": e.verb,
                "at": e.at,
                "actor_id": e.actor_id,
                "state": e.state,
                "data": dict(e.values),
            }
            for e in case.events
            if e.seq > since
        ]
        if rows:
            await self._conn.execute(insert(flow_case_events), rows)

    async def get(self, case_id: str, *, for_update: bool = False) -> Case | None:
        """The case with its history and fired timers, or None."""
        query = select(flow_cases).where(_C.id == case_id)
        if for_update and self._conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        if row is None:
            return None
        events = (
            await self._conn.execute(
                select(flow_case_events)
                .where(flow_case_events.c.case_id == case_id)
                .order_by(flow_case_events.c.seq)
            )
        ).all()
        fired = await self._conn.scalars(
            select(flow_case_firings.c.key).where(flow_case_firings.c.case_id == case_id)
        )
        return Case(
            id=row.id,
            flow=row.flow,
            reference=row.reference,
            state=row.state,
            version=row.version,
            opened_by=row.opened_by,
            opened_at=row.opened_at,
            owner_id=row.owner_id,
            previous_owner_id=row.previous_owner_id,
            service=row.service,
            events=tuple(_event(e) for e in events),
            fired=frozenset(fired),
        )

    async def open_ids(self, flows: Collection[str]) -> list[str]:
        """The ids of every case of `flows` not yet ended, oldest first (the tick's work)."""
        result = await self._conn.scalars(
            select(_C.id)
            .where(_C.terminal.is_(False), _C.flow.in_(list(flows)))
            .order_by(_C.opened_at, _C.id)
        )
        return list(result)

    async def record_firing(
        self, case_id: str, key: str, *, due_at: datetime, at: datetime
    ) -> bool:
        """Claim a timer's once-only key; False when it was recorded already."""
        result = await self._conn.execute(
            self._dialect()
            .insert(flow_case_firings)
            .values(case_id=case_id, key=key, due_at=due_at, recorded_at=at)
            .on_conflict_do_nothing()
        )
        return bool(result.rowcount == 1)
