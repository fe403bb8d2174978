"""Audit-export offers: recorded when a file consent card is sent, claimed once when answered."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import reading
from storage.tables import audit_exports, consultations

OFFER_MINUTES = 60
"""How long a consent card can be accepted: the file is built when it is accepted, so a longer
wait gains nothing, and an old card in a chat should not stay a way to fetch the trail."""


class Claim(StrEnum):
    """What became of an attempt to answer an offer."""

    CLAIMED = "claimed"
    NOT_YOURS = "not_yours"  # no such offer, another person's, or another request's
    ANSWERED = "answered"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Offer:
    """One file consent card the bot sent."""

    id: str
    consultation_id: str
    offered_to: str


class ExportOffers:
    """The `audit_exports` table."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def id_for_reference(self, reference: str) -> str | None:
        """The consultation id of a human reference such as SU-2026-0042."""
        async with reading(self._engine) as conn:
            row = await conn.execute(
                select(consultations.c.id).where(consultations.c.reference == reference)
            )
            return row.scalar_one_or_none()

    async def offer(self, consultation_id: str, person_id: str, now: datetime) -> Offer:
        """Record a new offer to `person_id`; its id goes on the card's context."""
        offer = Offer(uuid.uuid4().hex, consultation_id, person_id)
        async with self._engine.begin() as conn:
            await conn.execute(
                insert(audit_exports).values(
                    id=offer.id,
                    consultation_id=consultation_id,
                    offered_to=person_id,
                    offered_at=now,
                    expires_at=now + timedelta(minutes=OFFER_MINUTES),
                )
            )
        return offer

    async def claim(
        self, offer_id: str, consultation_id: str, person_id: str, outcome: str, now: datetime
    ) -> Claim:
        """Answer an offer once: only its own person, for its own request, before it expires."""
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(select(audit_exports).where(audit_exports.c.id == offer_id))
            ).first()
            if row is None or row.offered_to != person_id or row.consultation_id != consultation_id:
                return Claim.NOT_YOURS
            if row.outcome is not None:
                return Claim.ANSWERED
            if row.expires_at <= now:
                return Claim.EXPIRED
            # Conditional: of two answers racing (two instances, a replay), one claims it.
            result = await conn.execute(
                update(audit_exports)
                .where(audit_exports.c.id == offer_id)
                .where(audit_exports.c.outcome.is_(None))
                .values(outcome=outcome, answered_at=now)
            )
            return Claim.CLAIMED if result.rowcount == 1 else Claim.ANSWERED

    async def finish(self, offer_id: str, outcome: str) -> None:
        """Record how a claimed offer ended (uploaded, upload_failed, not_sent)."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(audit_exports).where(audit_exports.c.id == offer_id).values(outcome=outcome)
            )
