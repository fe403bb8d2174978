"""The reads people ask for, "my requests" and a period report, use their indexes on a long history.

The same seeded history and plan helpers as the tick's (tests/integration/test_tick_plans.py):
each query is recorded while the real function runs, then explained with its parameters; the
plan is asserted, nothing is timed (issue 19).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.lifecycle import Status
from profiles.loader import load_profile
from reports.periods import Period
from reports.quarterly import build_report
from storage.queue_queries import SqlQueueReader
from storage.tables import OPEN_STATES
from tests.integration.test_tick_plans import NOW, _plan, engine
from tests.support.dates import DEMO_PROFILE

__all__ = ["engine"]  # the seeded, analysed database fixture

NEWCOMER = "0b6c1d2e-1111-4a2b-8c3d-0000000000aa"  # a requester with no history


async def _recorded(
    engine: AsyncEngine, run: Callable[[], Awaitable[object]]
) -> list[tuple[str, Any]]:
    """The SELECTs run() sends through its own connections (SQLite's pool holds one)."""
    seen: list[tuple[str, Any]] = []

    def record(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        await run()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    return seen


def _index_used(plan: list[str], dialect: str, index: str) -> bool:
    if dialect == "sqlite":
        return any(
            f"USING INDEX {index}" in step or f"USING COVERING INDEX {index}" in step
            for step in plan
        )
    return "Seq Scan consultations" not in plan and any(index in step for step in plan)


async def test_my_requests_seeks_the_requester_and_reads_in_index_order(
    engine: AsyncEngine,
) -> None:
    async def run() -> object:
        open_states = [Status(s) for s in OPEN_STATES]
        reader = SqlQueueReader(engine)
        since = NOW - timedelta(days=30)
        return await reader.of_requester(NEWCOMER, open_states=open_states, since=since, limit=20)

    statements = await _recorded(engine, run)
    [(statement, parameters)] = [s for s in statements if "requester_id" in s[0]]
    plan = await _plan(engine, statement, parameters)
    assert _index_used(plan, engine.dialect.name, "ix_consultations_requester"), plan


async def test_a_weeks_report_reads_only_that_week(engine: AsyncEngine) -> None:
    last = NOW.date() - timedelta(days=40)
    period = Period(last - timedelta(days=6), last)

    async def run() -> object:
        return await build_report(engine, load_profile(DEMO_PROFILE), period, NOW)

    statements = await _recorded(engine, run)
    # The first is the requests' own (reports.data.requests); the side queries join to it.
    [(statement, parameters), *_] = [s for s in statements if "FROM consultations" in s[0]]
    plan = await _plan(engine, statement, parameters)
    assert _index_used(plan, engine.dialect.name, "ix_consultations_posted_at"), plan
