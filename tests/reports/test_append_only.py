"""The audit trail cannot be changed: the database refuses, and no storage code tries."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable

from domain.consultation import Consultation, Urgency
from domain.roles import Actor, Role
from services.ports import Placement
from settings import ROOT
from storage.consultations import ConsultationRepository
from storage.db import create_engine
from storage.migrate import upgrade
from storage.tables import consultation_events

AT = datetime(2026, 11, 24, 10, tzinfo=UTC)
TABLE = "consultation_events"
STORAGE = ROOT / "storage"


async def test_the_database_refuses_to_update_or_delete_an_event(database_url: str) -> None:
    c = Consultation.submit(
        reference="SU-2026-0001",
        requester=Actor.of("requester-1", Role.REQUESTER),
        service="Family Centre Northgate",
        urgency=Urgency.STANDARD,
        indicators=(),
        checklist=None,
        at=AT,
        acknowledge_due=None,
        callback_due=None,
    )
    c.assign("tm-1", at=AT)
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        async with engine.begin() as conn:
            await ConsultationRepository(conn).add(c, Placement(None, None, None, "form"))
        events = consultation_events.c
        attempts: list[Executable] = [
            update(consultation_events).values(actor_id="someone-else"),
            update(consultation_events).where(events.seq == 2).values(kind="acknowledged"),
            delete(consultation_events).where(events.seq == 2),
            delete(consultation_events),
            text(f"UPDATE {TABLE} SET data = '{{}}'"),
            text(f"DELETE FROM {TABLE}"),
        ]
        for statement in attempts:
            with pytest.raises(DBAPIError, match="append-only"):
                async with engine.begin() as conn:
                    await conn.execute(statement)
        async with engine.connect() as conn:
            rows = (await conn.execute(select(consultation_events).order_by(events.seq))).all()
            assert [(r.seq, r.kind, r.actor_id) for r in rows] == [
                (1, "submitted", "requester-1"),
                (2, "assigned", None),
            ]
            count = select(func.count()).select_from(consultation_events)
            assert (await conn.execute(count)).scalar_one() == 2
    finally:
        await engine.dispose()


_WRITE_SQL = re.compile(
    rf"\b(UPDATE\s+{TABLE}\b|DELETE\s+FROM\s+{TABLE}\b|TRUNCATE\s+(TABLE\s+)?{TABLE}\b)", re.I
)
_WRITERS = {"update", "delete", "upsert"}
_METHODS = {"update", "delete", "on_conflict_do_update"}


def _names_for_table(tree: ast.AST) -> set[str]:
    """`consultation_events` and any plain alias of it (`events = consultation_events`)."""
    names = {TABLE}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name):
            if node.value.id in names:
                names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def _mentions(node: ast.AST, names: set[str]) -> bool:
    return any(
        (isinstance(n, ast.Name) and n.id in names)
        or (isinstance(n, ast.Attribute) and n.attr == TABLE)
        for n in ast.walk(node)
    )


def event_writes(source: str) -> list[str]:
    """Places in `source` that would change or remove stored events."""
    tree = ast.parse(source)
    names = _names_for_table(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _WRITE_SQL.search(node.value):
                found.append(f"line {node.lineno}: SQL text")
        if isinstance(node, ast.JoinedStr):
            # A placeholder that names the table (f"DELETE FROM {consultation_events.name}").
            literal = "".join(
                str(v.value)
                if isinstance(v, ast.Constant)
                else TABLE
                if _mentions(v, names)
                else "?"
                for v in node.values
            )
            if _WRITE_SQL.search(literal):
                found.append(f"line {node.lineno}: SQL f-string")
        if not isinstance(node, ast.Call):
            continue
        func_ = node.func
        if isinstance(func_, ast.Name) and func_.id in _WRITERS:
            if any(_mentions(arg, names) for arg in node.args):
                found.append(f"line {node.lineno}: {func_.id}()")
        if isinstance(func_, ast.Attribute) and func_.attr in _METHODS:
            if _mentions(func_.value, names):
                found.append(f"line {node.lineno}: .{func_.attr}()")
    return found


def test_the_check_catches_every_way_of_writing_to_the_events() -> None:
    bad = [
        "update(consultation_events).values(kind='x')",
        "delete(consultation_events)",
        "consultation_events.update()",
        "tables.consultation_events.delete()",
        "events = consultation_events\nupdate(events)",
        "upsert(conn, consultation_events, {}, index=['id'], update=['kind'])",
        "insert(consultation_events).on_conflict_do_update(index_elements=['id'])",
        "conn.exec_driver_sql('update consultation_events set kind = 1')",
        "text('DELETE  FROM consultation_events WHERE id = 1')",
        "text('TRUNCATE consultation_events')",
        "text(f'DELETE FROM {consultation_events.name} WHERE seq = {n}')",
    ]
    for source in bad:
        assert event_writes(source), source
    good = [
        "insert(consultation_events)",
        "select(consultation_events).where(consultation_events.c.seq == 1)",
        "update(consultations).values(version=2)",
        "'CREATE TRIGGER t BEFORE UPDATE OR DELETE ON consultation_events'",
        "f'CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}'",
    ]
    for source in good:
        assert event_writes(source) == [], source


def test_no_code_in_storage_updates_or_deletes_events() -> None:
    files = sorted(STORAGE.rglob("*.py"))
    assert Path(STORAGE / "consultations.py") in files and len(files) > 10
    found = {
        str(path.relative_to(ROOT)): hits
        for path in files
        if (hits := event_writes(path.read_text(encoding="utf-8")))
    }
    assert found == {}
