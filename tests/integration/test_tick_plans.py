"""The scheduler tick's queries use their indexes on a long history, on both databases.

A history of past consultations is seeded (bench.seed_history: nine in ten closed, their outbox
rows sent, older details purged), statistics are gathered (ANALYZE), then the real query
functions run once while their SQL is recorded, and each recorded statement is explained with
the same parameters. Nothing is timed: the plan itself is asserted. On PostgreSQL the claim is
also explained as a generic plan, the one a prepared statement switches to after five runs.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bench.seed_history import seed
from domain.lifecycle import ESCALATIONS, Status
from profiles.loader import load_profile
from profiles.process_loader import council_process
from storage.consultations import ConsultationRepository
from storage.crypto import FieldCipher, new_key_ring_entry
from storage.db import create_engine
from storage.details import DetailsRepository
from storage.escalation_queries import EscalationQueries
from storage.migrate import upgrade
from storage.outbox import SqlOutbox
from storage.tables import ESCALATION_STATES, OPEN_STATES
from tests.support.dates import DEMO_PROFILE

HISTORY = 6_000
NOW = datetime.now(UTC)
Run = Callable[[AsyncConnection], Awaitable[object]]


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A migrated database holding a long history, with fresh statistics."""
    engine = create_engine(database_url)
    await upgrade(engine)
    await seed(engine, HISTORY, now=NOW)
    async with engine.begin() as conn:
        await conn.exec_driver_sql("ANALYZE")
    yield engine
    await engine.dispose()


async def _statements(engine: AsyncEngine, run: Run) -> list[tuple[str, Any]]:
    """The SQL (and parameters) run() sends, in a transaction that is rolled back."""
    seen: list[tuple[str, Any]] = []

    def record(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")):
            seen.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        async with engine.connect() as conn:
            await run(conn)
            await conn.rollback()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert seen
    return seen


def _pg_nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = [plan]
    for child in plan.get("Plans", []):
        nodes.extend(_pg_nodes(child))
    return nodes


async def _plan(engine: AsyncEngine, statement: str, parameters: Any) -> list[str]:
    """One line per step: SQLite's QUERY PLAN details, PostgreSQL's node, table and index."""
    async with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            return [row.detail for row in rows]
        raw = await conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
        return _pg_lines(raw.scalar_one())


def _pg_lines(explained: Any) -> list[str]:
    plan = (json.loads(explained) if isinstance(explained, str) else explained)[0]["Plan"]
    return [
        " ".join(str(n.get(k, "")) for k in ("Node Type", "Relation Name", "Index Name")).strip()
        for n in _pg_nodes(plan)
    ]


async def _generic_plan(engine: AsyncEngine, statement: str, parameters: Any) -> list[str]:
    """PostgreSQL's generic plan for a prepared statement (as after five executions)."""
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        pg = raw.driver_connection
        assert pg is not None
        await pg.execute("SET plan_cache_mode = force_generic_plan")
        await pg.execute(f"PREPARE tick_query AS {statement}")
        args = ", ".join(_literal(value) for value in parameters)  # EXECUTE takes no $n
        explained = await pg.fetchval(f"EXPLAIN (FORMAT JSON) EXECUTE tick_query({args})")
        await pg.execute("DEALLOCATE tick_query")
        await pg.execute("RESET plan_cache_mode")
        return _pg_lines(explained)


def _literal(value: object) -> str:
    """A parameter written out as SQL (the values here are ours: strings, numbers, times)."""
    if isinstance(value, datetime):
        return f"'{value.isoformat()}'::timestamptz"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    assert isinstance(value, int)
    return str(value)


def _cipher() -> FieldCipher:
    return FieldCipher.from_text(
        new_key_ring_entry("plans"), base64.urlsafe_b64encode(os.urandom(32)).decode()
    )


async def _candidates(conn: AsyncConnection) -> object:
    urgent_cutoff = NOW - timedelta(minutes=60)
    return await EscalationQueries(conn).candidates(
        NOW, urgent_posted_before=urgent_cutoff, limit=50
    )


async def _claim(conn: AsyncConnection) -> object:
    return await SqlOutbox(conn).claim(
        now=NOW, until=NOW + timedelta(minutes=3), token="plans", limit=20
    )


async def _purge(conn: AsyncConnection) -> object:
    repository = DetailsRepository(conn, _cipher())
    return await repository.purge(closed_before=NOW - timedelta(days=365), at=NOW)


def test_the_partial_index_holds_exactly_the_states_an_escalation_applies_in() -> None:
    states = {s.value for rule in ESCALATIONS.values() for s in rule.while_in}
    assert set(ESCALATION_STATES) == states


async def test_the_escalation_candidates_read_only_open_requests(engine: AsyncEngine) -> None:
    [(statement, parameters)] = await _statements(engine, _candidates)
    plan = await _plan(engine, statement, parameters)
    if engine.dialect.name == "sqlite":
        assert "SCAN consultations USING INDEX ix_consultations_escalation_open" in plan, plan
        assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan  # taken in index order
    else:
        assert "Seq Scan consultations" not in plan, plan
        assert any("ix_consultations_" in step for step in plan), plan


async def _timer_candidates(conn: AsyncConnection) -> object:
    return await EscalationQueries(conn).timer_candidates(NOW, limit=50)


def test_the_timer_index_holds_exactly_the_states_a_flow_timer_can_run_in() -> None:
    # The tick runs the step-up flow's timers (step down has no consultations table yet).
    flow = council_process(load_profile(DEMO_PROFILE)).flow("step_up")
    assert flow is not None
    assert {s for t in flow.timers for s in t.while_in} <= set(OPEN_STATES)
    assert set(OPEN_STATES) == {s.value for s in Status} - {"closed", "withdrawn"}


async def test_the_timer_candidates_read_only_open_requests(engine: AsyncEngine) -> None:
    [(statement, parameters)] = await _statements(engine, _timer_candidates)
    plan = await _plan(engine, statement, parameters)
    if engine.dialect.name == "sqlite":
        assert any("ix_consultations_timer_due" in step for step in plan), plan
    else:
        assert "Seq Scan consultations" not in plan, plan
        assert any("ix_consultations_" in step for step in plan), plan


async def _untaken(conn: AsyncConnection) -> object:
    flow = council_process(load_profile(DEMO_PROFILE)).flow("step_up")
    assert flow is not None and flow.handover is not None
    return await ConsultationRepository(conn).untaken(flow.handover.move_in)


async def test_the_hand_over_reads_only_open_requests(engine: AsyncEngine) -> None:
    [(statement, parameters)] = await _statements(engine, _untaken)
    plan = await _plan(engine, statement, parameters)
    if engine.dialect.name == "sqlite":  # the few open rows sought by status, then sorted
        assert "SEARCH consultations USING INDEX ix_consultations_status (status=?)" in plan, plan
    else:
        assert "Seq Scan consultations" not in plan, plan
        assert any("ix_consultations_" in step for step in plan), plan


async def test_the_outbox_claim_seeks_pending_rows(engine: AsyncEngine) -> None:
    [(statement, parameters), *_] = await _statements(engine, _claim)
    plan = await _plan(engine, statement, parameters)
    if engine.dialect.name == "sqlite":
        assert plan[0].startswith(
            "SEARCH escalation_outbox USING INDEX ix_escalation_outbox_claim (status=?"
        ), plan
        assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan
    else:
        assert "Index Scan escalation_outbox ix_escalation_outbox_claim" in plan, plan
        generic = await _generic_plan(engine, statement, parameters)
        assert "Index Scan escalation_outbox ix_escalation_outbox_claim" in generic, generic
        assert not any(step.startswith("Seq Scan") for step in generic), generic


async def test_the_retention_purge_starts_from_the_rows_not_yet_purged(
    engine: AsyncEngine,
) -> None:
    statements = await _statements(engine, _purge)
    plans = [await _plan(engine, s, p) for s, p in statements]
    details, drafts = plans
    if engine.dialect.name == "sqlite":
        assert details[0].startswith("SEARCH case_details USING INDEX ix_case_details_purged_at"), (
            details
        )
        # The drafts (a handful, they expire) are checked one by one against their request.
        assert not any(step == "SCAN consultations" for step in details + drafts), plans
    else:
        assert any("case_details ix_case_details_purged_at" in s for s in details), details
        assert "Seq Scan case_details" not in details, details


@pytest.mark.postgres
async def test_app_connections_to_postgresql_run_without_jit(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("JIT is PostgreSQL's")
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            assert (await conn.exec_driver_sql("SHOW jit")).scalar_one() == "off"
    finally:
        await engine.dispose()


async def test_the_prune_of_sent_messages_reads_only_the_expired_ones(
    engine: AsyncEngine,
) -> None:
    cutoff = NOW - timedelta(days=30)
    async with engine.begin() as conn:  # the first prune after an upgrade takes the backlog
        assert await SqlOutbox(conn).prune_sent(sent_before=cutoff) > 0
        await conn.exec_driver_sql("ANALYZE")

    async def next_hour(conn: AsyncConnection) -> object:
        return await SqlOutbox(conn).prune_sent(sent_before=cutoff + timedelta(hours=1))

    [(statement, parameters)] = await _statements(engine, next_hour)
    plan = await _plan(engine, statement, parameters)
    if engine.dialect.name == "sqlite":
        assert plan == [
            "SEARCH escalation_outbox USING INDEX ix_escalation_outbox_sent_at (sent_at<?)"
        ], plan
    else:
        assert "Seq Scan escalation_outbox" not in plan, plan
        assert any("ix_escalation_outbox_sent_at" in step for step in plan), plan
