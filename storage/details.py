"""Case details, drafts and the access audit: sealed on the way in, opened on the way out."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Exists, Table, delete, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.details import CaseDetails
from services.ports import Draft
from storage.crypto import FieldCipher
from storage.tables import access_audit, case_details, consultations, dialog_drafts
from storage.upsert import upsert

_SEALED = ("ehm_sealed", "oversight_sealed", "phone_sealed")


def _context(column: str, consultation_id: str, person_id: str = "") -> str:
    # Binds each sealed value to its row and column: a value copied elsewhere will not open.
    return f"{column}:{consultation_id}:{person_id}"


class DetailsRepository:
    """Reads and writes private details inside the caller's transaction."""

    def __init__(self, conn: AsyncConnection, cipher: FieldCipher) -> None:
        self._conn = conn
        self._cipher = cipher

    async def save(
        self, consultation_id: str, details: CaseDetails, *, by: str, at: datetime
    ) -> None:
        """Store (or replace) the details of one consultation, sealed."""
        plain = {
            "ehm_sealed": details.ehm_number,
            "oversight_sealed": details.oversight,
            "phone_sealed": details.phone,
        }
        values: dict[str, object] = {
            column: self._cipher.seal(text, context=_context(column, consultation_id))
            for column, text in plain.items()
        }
        values |= {
            "consultation_id": consultation_id,
            "provided_by": by,
            "provided_at": at,
            "purged_at": None,
            "ehm_fingerprint": self._cipher.fingerprint(details.ehm_number),
        }
        await self._conn.execute(
            upsert(
                self._conn,
                case_details,
                values,
                index=["consultation_id"],
                update=[k for k in values if k != "consultation_id"],
            )
        )

    async def load(self, consultation_id: str) -> CaseDetails | None:
        """The details, opened; None if never given or purged."""
        row = (
            await self._conn.execute(
                select(case_details).where(case_details.c.consultation_id == consultation_id)
            )
        ).first()
        if row is None or row.ehm_sealed is None:
            return None
        opened = [
            self._cipher.open(getattr(row, c), context=_context(c, consultation_id))
            for c in _SEALED
        ]
        return CaseDetails(*opened)

    async def earlier_referrals(self, consultation_id: str) -> int:
        """How many other requests carry the same EHM number (by keyed hash only)."""
        mine = (
            select(case_details.c.ehm_fingerprint)
            .where(case_details.c.consultation_id == consultation_id)
            .scalar_subquery()
        )
        result = await self._conn.execute(
            select(func.count())
            .select_from(case_details)
            .where(case_details.c.ehm_fingerprint == mine)
            .where(case_details.c.consultation_id != consultation_id)
        )
        return int(result.scalar_one())

    async def save_draft(self, draft: Draft) -> None:
        """Keep a form's state and values (sealed) between turns and restarts."""
        sealed = self._cipher.seal(
            json.dumps(dict(draft.values)),
            context=_context("values_sealed", draft.consultation_id, draft.person_id),
        )
        values = {
            "consultation_id": draft.consultation_id,
            "person_id": draft.person_id,
            "dialog": draft.dialog,
            "state": draft.state,
            "values_sealed": sealed,
            "updated_at": draft.updated_at,
            "expires_at": draft.expires_at,
        }
        await self._conn.execute(
            upsert(
                self._conn,
                dialog_drafts,
                values,
                index=["consultation_id", "person_id"],
                update=["dialog", "state", "values_sealed", "updated_at", "expires_at"],
            )
        )

    async def draft(self, consultation_id: str, person_id: str) -> Draft | None:
        """The person's draft for this consultation, if any."""
        row = (
            await self._conn.execute(
                select(dialog_drafts)
                .where(dialog_drafts.c.consultation_id == consultation_id)
                .where(dialog_drafts.c.person_id == person_id)
            )
        ).first()
        if row is None:
            return None
        values: Mapping[str, str] = {}
        if row.values_sealed:
            values = json.loads(
                self._cipher.open(
                    row.values_sealed, context=_context("values_sealed", consultation_id, person_id)
                )
            )
        return Draft(
            consultation_id,
            person_id,
            row.dialog,
            row.state,
            values,
            row.updated_at,
            row.expires_at,
        )

    async def audit(
        self, *, actor_id: str, consultation_id: str, action: str, allowed: bool, at: datetime
    ) -> None:
        """Append one access record."""
        await self._conn.execute(
            insert(access_audit).values(
                at=at,
                actor_id=actor_id,
                consultation_id=consultation_id,
                action=action,
                allowed=allowed,
            )
        )

    async def purge(self, *, closed_before: datetime, at: datetime) -> int:
        """Erase the sealed details and drafts of requests closed before the cutoff."""

        # From the few rows still to purge (indexed), each checked by the consultation's key:
        # "id IN (every request closed before the cutoff)" read the whole history every time.
        def closed(table: Table) -> Exists:
            c = consultations.c
            return exists().where(c.id == table.c.consultation_id, c.closed_at < closed_before)

        result = await self._conn.execute(
            update(case_details)
            .where(case_details.c.purged_at.is_(None))
            .where(closed(case_details))
            .values(ehm_sealed=None, oversight_sealed=None, phone_sealed=None, purged_at=at)
        )
        await self._conn.execute(delete(dialog_drafts).where(closed(dialog_drafts)))
        return int(result.rowcount or 0)


async def reseal_all(conn: AsyncConnection, cipher: FieldCipher) -> int:
    """Re-seal every stored value with the current key (the step before dropping an old key)."""
    changed = 0
    rows = (await conn.execute(select(case_details))).all()
    for row in rows:
        values = {}
        for column in _SEALED:
            token = getattr(row, column)
            if token and cipher.needs_rotation(token):
                values[column] = cipher.rotate(token, context=_context(column, row.consultation_id))
        if values:
            await conn.execute(
                update(case_details)
                .where(case_details.c.consultation_id == row.consultation_id)
                .values(**values)
            )
            changed += 1
    for row in (await conn.execute(select(dialog_drafts))).all():
        token = row.values_sealed
        if token and cipher.needs_rotation(token):
            context = _context("values_sealed", row.consultation_id, row.person_id)
            await conn.execute(
                update(dialog_drafts)
                .where(dialog_drafts.c.consultation_id == row.consultation_id)
                .where(dialog_drafts.c.person_id == row.person_id)
                .values(values_sealed=cipher.rotate(token, context=context))
            )
            changed += 1
    return changed
