"""Load a request's audit trail: its events, the rota covers in force, and people's names.

`load_audit` reads only; the handler builds the card (`cards.audit_card`) or an export from it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from reports.trail import AuditTrail, CoverRecord, audit_trail, people_in
from services.directory import Directory
from storage.consultations import ConsultationRepository
from storage.db import reading
from storage.tables import access_audit, rota_covers


async def load_audit(
    engine: AsyncEngine,
    directory: Directory,
    consultation_id: str,
    *,
    now: datetime,
    timezone: str = "Europe/London",
) -> AuditTrail | None:
    """The trail of one request, or None if there is no such request (reads only)."""
    async with reading(engine) as conn:
        consultation = await ConsultationRepository(conn).get(consultation_id)
        if consultation is None:
            return None
        until = consultation.closed_at or now
        rows = await conn.execute(
            select(rota_covers)
            .where(rota_covers.c.starts_at < until)
            .where(rota_covers.c.ends_at > consultation.posted_at)
            .order_by(rota_covers.c.id)
        )
        covers = [
            CoverRecord(r.covering, r.covered, r.starts_at, r.ends_at, r.set_by, r.set_at)
            for r in rows
        ]
    names: dict[str, str] = {}
    for person_id in sorted(people_in(consultation, covers)):
        person = await directory.by_id(person_id)
        if person is not None:
            names[person_id] = person.name
    return audit_trail(consultation, names, covers, timezone)


async def record_audit_view(
    engine: AsyncEngine,
    *,
    viewer_id: str,
    consultation_id: str,
    allowed: bool,
    at: datetime,
    action: str = "audit.view",
) -> None:
    """Note who opened (or exported, or was refused) a request's audit trail, in the
    append-only access log.

    Only for a request that exists: the id comes from a card's data, which anyone can craft, and
    the log is append-only, so an unchecked id would keep whatever text was sent in it forever.
    """
    async with engine.begin() as conn:
        if await ConsultationRepository(conn).get(consultation_id) is None:
            return
        await conn.execute(
            insert(access_audit).values(
                at=at,
                actor_id=viewer_id,
                consultation_id=consultation_id,
                action=action,
                allowed=allowed,
            )
        )
