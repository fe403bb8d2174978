"""Write a generated history into a database through the repositories and SQL."""

from __future__ import annotations

import base64
from datetime import timedelta

from sqlalchemy import insert

from domain.details import CaseDetails
from services.ports import Placement
from storage.consultations import ConsultationRepository
from storage.crypto import FieldCipher, new_key_ring_entry
from storage.db import create_engine
from storage.details import DetailsRepository
from storage.migrate import upgrade
from storage.tables import escalations
from tests.reports.generate import AS_OF, Generated

CIPHER = FieldCipher.from_text(
    new_key_ring_entry("t1"), base64.urlsafe_b64encode(b"k" * 32).decode()
)


async def write(database_url: str, generated: Generated) -> None:
    """Migrate a fresh database and write every request through the repositories and SQL."""
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        async with engine.begin() as conn:
            repo, details = ConsultationRepository(conn), DetailsRepository(conn, CIPHER)
            for t in generated.truths:
                c = generated.consultations[t.id]
                await repo.add(c, Placement(None, None, None, source="form"))
                if t.ehm is not None and t.ack_at is not None:
                    provided = CaseDetails(t.ehm, "Supervision recorded on EHM", t.phone or "")
                    await details.save(
                        c.id, provided, by=c.requester_id, at=t.ack_at + timedelta(minutes=10)
                    )
            rows = [
                {"consultation_id": t.id, "key": key, "due_at": t.posted_at, "recorded_at": AS_OF}
                for t in generated.truths
                for key in t.escalations
            ]
            if rows:
                await conn.execute(insert(escalations), rows)
    finally:
        await engine.dispose()
