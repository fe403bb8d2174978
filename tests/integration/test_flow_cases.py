"""Flow cases in a real SQLite file and PostgreSQL (migration 0012): what the engine steps is
what is read back; a stale save, a second firing and an edited history are refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.process.engine import Case, Choices, Member, Staff, open_case, take
from domain.process.model import Flow
from profiles.loader import load_profile
from profiles.process_loader import PROCESSES, directory_of, load_flows
from services.ports import ConcurrentUpdateError
from storage import migrate
from storage.db import create_engine
from storage.flow_cases import FlowCaseRepository
from storage.tables import flow_case_events
from tests.support.dates import next_working_day_at

PROFILE = load_profile(Path(__file__).resolve().parents[2] / "profiles" / "demo.yaml")
CHOICES = Choices(directory_of(PROFILE).lists)
PRIYA = Member("id-priya", frozenset({"requester"}), "priya", "Family Centre Northgate")
DANIEL = Member("id-daniel", frozenset({"service_manager"}), "daniel")
STAFF = Staff((PRIYA, DANIEL))
OPENING = {
    "service": "Family Centre Northgate",
    "area_team": "North Area Assessment Team",
    "area_contact_recorded": "true",
}


@pytest.fixture(scope="module")
def step_down() -> Flow:
    found = load_flows(sorted(PROCESSES.glob("*.yaml")), PROFILE).flow("step_down")
    assert found is not None
    return found


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        yield engine
    finally:
        await engine.dispose()


def _opened(flow: Flow, reference: str = "SD-1", case_id: str = "c" * 32) -> Case:
    return open_case(
        flow,
        case_id=case_id,
        reference=reference,
        actor=PRIYA,
        raw=OPENING,
        choices=CHOICES,
        staff=STAFF,
        now=next_working_day_at(10),
    ).case


def _queried(flow: Flow, case: Case) -> Case:
    at = next_working_day_at(11, after=case.opened_at)
    raw = {"area_team_contacted": "true"}
    return take(
        flow, case, "query_area_team", actor=PRIYA, raw=raw, choices=CHOICES, staff=STAFF, now=at
    ).case


async def _stored_and_stepped(engine: AsyncEngine, flow: Flow) -> tuple[Case, Case]:
    """A case opened and stored, then stepped (the area team asked) and saved: both."""
    case = _opened(flow)
    moved = _queried(flow, case)
    async with engine.begin() as conn:
        repo = FlowCaseRepository(conn)
        await repo.add(case)
        await repo.save(moved, read_version=case.version, terminal=False)
    return case, moved


async def test_a_stepped_case_reads_back_as_it_was_written(
    engine: AsyncEngine, step_down: Flow
) -> None:
    case, moved = await _stored_and_stepped(engine, step_down)
    async with engine.connect() as conn:
        read = await FlowCaseRepository(conn).get(case.id)
    assert read == moved
    assert [(e.seq, e.verb, e.state) for e in read.events] == [
        (1, "record_step_down", "allocated"),
        (2, "query_area_team", "no_plan"),
    ]
    assert dict(read.events[0].values) == OPENING


async def test_a_save_from_a_stale_read_is_refused_and_writes_nothing(
    engine: AsyncEngine, step_down: Flow
) -> None:
    case, moved = await _stored_and_stepped(engine, step_down)
    with pytest.raises(ConcurrentUpdateError):
        async with engine.begin() as conn:
            await FlowCaseRepository(conn).save(
                replace(moved, state="cancelled"), read_version=case.version, terminal=True
            )
    async with engine.connect() as conn:
        read = await FlowCaseRepository(conn).get(case.id)
        events = await conn.scalar(select(func.count()).select_from(flow_case_events))
    assert read is not None and (read.state, read.version, events) == ("no_plan", 2, 2)


async def test_a_timer_is_recorded_once_and_the_case_knows_it_fired(
    engine: AsyncEngine, step_down: Flow
) -> None:
    case = _opened(step_down)
    due = next_working_day_at(10, after=case.opened_at)
    async with engine.begin() as conn:
        repo = FlowCaseRepository(conn)
        await repo.add(case)
        first = await repo.record_firing(case.id, "plan_check_reminder:1", due_at=due, at=due)
        again = await repo.record_firing(case.id, "plan_check_reminder:1", due_at=due, at=due)
    async with engine.connect() as conn:
        read = await FlowCaseRepository(conn).get(case.id)
    assert (first, again) == (True, False)
    assert read is not None and read.fired == frozenset({"plan_check_reminder:1"})


async def test_references_count_per_flow_and_year_and_only_open_cases_are_ticked(
    engine: AsyncEngine, step_down: Flow
) -> None:
    year = next_working_day_at(10).year
    async with engine.begin() as conn:
        repo = FlowCaseRepository(conn)
        refs = [await repo.next_reference("step_down", "SD", year) for _ in range(2)]
        other = await repo.next_reference("other_flow", "OF", year)
        await repo.add(_opened(step_down, refs[0], "a" * 32))
        await repo.add(_opened(step_down, refs[1], "b" * 32), terminal=True)
        open_ids = await repo.open_ids(["step_down"])
    assert refs == [f"SD-{year}-0001", f"SD-{year}-0002"]
    assert other == f"OF-{year}-0001"
    assert open_ids == ["a" * 32]


async def test_a_cases_history_cannot_be_edited_or_emptied(
    engine: AsyncEngine, step_down: Flow
) -> None:
    async with engine.begin() as conn:
        await FlowCaseRepository(conn).add(_opened(step_down))
    attempts = ["UPDATE flow_case_events SET verb = 'cancel'", "DELETE FROM flow_case_events"]
    if engine.dialect.name == "postgresql":
        attempts.append("TRUNCATE flow_case_events")
    for statement in attempts:
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(text(statement))
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(flow_case_events)) == 1
