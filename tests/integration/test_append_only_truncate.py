"""The append-only tables cannot be emptied wholesale either (migration 0006).

PostgreSQL's TRUNCATE skips row triggers, so it needs a statement trigger of its own; SQLite has
no TRUNCATE, and its `DELETE FROM t` without WHERE is refused by the row triggers of 0002/0004.
The retention purge must keep working with every one of these triggers in place.
"""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.details import CaseDetails
from services.ports import Draft
from storage import migrate
from storage.crypto import FieldCipher, new_key_ring_entry
from storage.db import create_engine
from storage.details import DetailsRepository
from storage.tables import (
    access_audit,
    case_details,
    consultation_events,
    consultations,
    flow_case_events,
)

AT = datetime(2026, 11, 24, 10, tzinfo=UTC)
CLOSED = "c" * 32
OPEN = "d" * 32
TABLES = (consultation_events.name, access_audit.name)
CIPHER = FieldCipher.from_text(
    new_key_ring_entry("k1"), base64.urlsafe_b64encode(os.urandom(32)).decode()
)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        async with engine.begin() as conn:
            for consultation_id, reference in ((CLOSED, "SU-2026-0001"), (OPEN, "SU-2026-0002")):
                await _seed(conn, consultation_id, reference)
        yield engine
    finally:
        await engine.dispose()


async def _seed(conn: AsyncConnection, consultation_id: str, reference: str) -> None:
    """One request with two events, an audited look, sealed details and a draft."""
    closed = consultation_id == CLOSED
    await conn.execute(
        insert(consultations).values(
            id=consultation_id,
            reference=reference,
            requester_id="requester-1",
            service="Family Centre Northdown",
            urgency="standard",
            indicators=[],
            status="closed" if closed else "assigned",
            contact_created=False,
            review_level=0,
            details_provided=True,
            escalations=[],
            posted_at=AT,
            closed_at=AT if closed else None,
            version=2,
            source="form",
        )
    )
    for seq, kind in ((1, "submitted"), (2, "assigned")):
        await conn.execute(
            insert(consultation_events).values(
                consultation_id=consultation_id,
                seq=seq,
                kind=kind,
                at=AT,
                actor_id="requester-1" if seq == 1 else None,
                data={},
            )
        )
    details = DetailsRepository(conn, CIPHER)
    await details.audit(
        actor_id="tm-1", consultation_id=consultation_id, action="details.view", allowed=True, at=AT
    )
    await details.save(
        consultation_id, CaseDetails("7304518", "EHM notes", "+441134960577"), by="p", at=AT
    )
    later = AT + timedelta(hours=72)
    await details.save_draft(
        Draft(consultation_id, "requester-1", "details", "asked", {"ehm": "73"}, AT, later)
    )


async def _counts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        return {
            table.name: (await conn.execute(select(func.count()).select_from(table))).scalar_one()
            for table in (consultation_events, access_audit)
        }


def _is_postgres(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"


async def test_the_append_only_tables_cannot_be_emptied(engine: AsyncEngine) -> None:
    attempts = [f"DELETE FROM {table}" for table in TABLES]
    if _is_postgres(engine):
        attempts += [f"TRUNCATE {table}" for table in TABLES]
        attempts += [f"TRUNCATE TABLE {', '.join(TABLES)}"]
        # Reaching the events through their parent must not get round the trigger either.
        attempts += ["TRUNCATE consultations CASCADE"]
    for statement in attempts:
        with pytest.raises(DBAPIError, match="append-only") as refused:
            async with engine.begin() as conn:
                await conn.execute(text(statement))
        if statement.startswith("TRUNCATE") and _is_postgres(engine):
            assert "TRUNCATE refused" in str(refused.value), statement
    assert await _counts(engine) == {"consultation_events": 4, "access_audit": 2}
    async with engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(consultations))).scalar_one()


async def test_the_retention_purge_still_works_with_the_triggers(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        purged = await DetailsRepository(conn, CIPHER).purge(
            closed_before=AT + timedelta(days=1), at=AT + timedelta(days=1)
        )
    assert purged == 1
    async with engine.connect() as conn:
        details = DetailsRepository(conn, CIPHER)
        assert await details.load(CLOSED) is None
        assert await details.draft(CLOSED, "requester-1") is None
        assert await details.load(OPEN) is not None
        assert await details.draft(OPEN, "requester-1") is not None
        fingerprints = (await conn.execute(select(case_details.c.ehm_fingerprint))).scalars()
        assert all(fingerprints)  # kept for re-referral figures
    # The audit trail of the purged request is untouched.
    assert await _counts(engine) == {"consultation_events": 4, "access_audit": 2}


def _config(sync: object) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS))
    config.attributes["connection"] = sync
    return config


async def _migrate_to(engine: AsyncEngine, direction: str, revision: str) -> None:
    step = command.downgrade if direction == "down" else command.upgrade
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: step(_config(sync), revision))


async def _truncate_triggers(engine: AsyncEngine) -> set[str]:
    if not _is_postgres(engine):
        return set()
    query = text("SELECT tgname FROM pg_trigger WHERE tgname LIKE '%\\_no\\_truncate'")
    async with engine.connect() as conn:
        return set((await conn.execute(query)).scalars())


async def test_migration_0006_downgrades_and_upgrades_cleanly(engine: AsyncEngine) -> None:
    assert (migrate.head_revision() or "") >= "0006"  # later migrations go down through it
    # flow_case_events (0012) has its own, tested in tests/integration/test_flow_cases.py
    truncate_guarded = (*TABLES, flow_case_events.name)
    expected = {f"{t}_no_truncate" for t in truncate_guarded} if _is_postgres(engine) else set()
    assert await _truncate_triggers(engine) == expected

    await _migrate_to(engine, "down", "0005")
    assert await migrate.current_revision(engine) == "0005"
    assert await _truncate_triggers(engine) == set()
    if _is_postgres(engine):
        async with engine.connect() as conn:
            functions = text("SELECT count(*) FROM pg_proc WHERE proname = 'stepup_no_truncate'")
            assert (await conn.execute(functions)).scalar_one() == 0
        # Without 0006 the gap is real: this is what the migration closes.
        async with engine.begin() as conn:
            await conn.execute(text("TRUNCATE access_audit"))
    # The row triggers of 0002/0004 are not touched by going down.
    with pytest.raises(DBAPIError, match="append-only"):
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM consultation_events"))

    await _migrate_to(engine, "up", "head")
    assert await migrate.is_up_to_date(engine)
    assert await _truncate_triggers(engine) == expected
    if _is_postgres(engine):
        with pytest.raises(DBAPIError, match="TRUNCATE refused"):
            async with engine.begin() as conn:
                await conn.execute(text("TRUNCATE consultation_events"))
    assert (await _counts(engine))["consultation_events"] == 4
