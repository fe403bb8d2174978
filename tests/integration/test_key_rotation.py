"""Rotating the encryption key: new key first, re-seal, then the old key can go."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from domain.details import CaseDetails
from storage import migrate
from storage.crypto import DecryptError, FieldCipher, new_key_ring_entry
from storage.db import create_engine
from storage.details import DetailsRepository, reseal_all
from storage.tables import case_details, consultations

MAC = base64.urlsafe_b64encode(os.urandom(32)).decode()
AT = datetime(2026, 11, 24, 10, tzinfo=UTC)


async def test_reseal_moves_every_value_to_the_new_key(database_url: str) -> None:
    old, new = new_key_ring_entry("k1"), new_key_ring_entry("k2")
    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        async with engine.begin() as conn:
            await conn.execute(
                consultations.insert().values(
                    id="c" * 32,
                    reference="SU-2026-0001",
                    requester_id="p",
                    service="s",
                    urgency="standard",
                    indicators=[],
                    status="assigned",
                    contact_created=False,
                    review_level=0,
                    details_provided=True,
                    escalations=[],
                    posted_at=AT,
                    version=1,
                    source="post",
                )
            )
            await DetailsRepository(conn, FieldCipher.from_text(old, MAC)).save(
                "c" * 32, CaseDetails("7304518", "EHM notes", "+441134960577"), by="p", at=AT
            )
        both = FieldCipher.from_text(f"{new},{old}", MAC)
        async with engine.begin() as conn:
            assert await reseal_all(conn, both) == 1
            assert await reseal_all(conn, both) == 0  # idempotent
        async with engine.connect() as conn:
            row = (await conn.execute(select(case_details))).one()
            assert row.ehm_sealed.startswith("v1:k2:") and row.phone_sealed.startswith("v1:k2:")
            only_new = DetailsRepository(conn, FieldCipher.from_text(new, MAC))
            details = await only_new.load("c" * 32)
            assert details is not None and details.ehm_number == "7304518"
            with pytest.raises(DecryptError):
                await DetailsRepository(conn, FieldCipher.from_text(old, MAC)).load("c" * 32)
    finally:
        await engine.dispose()
