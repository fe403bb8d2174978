"""Alembic migrations on SQLite and PostgreSQL: apply, re-apply, and match the table module."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from sqlalchemy import inspect

from storage import migrate
from storage.db import create_engine
from storage.tables import metadata


async def test_migrations_apply_once_and_are_idempotent(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        assert await migrate.current_revision(engine) is None
        assert not await migrate.is_up_to_date(engine)
        await migrate.upgrade(engine)
        await migrate.upgrade(engine)
        assert await migrate.current_revision(engine) == migrate.head_revision()
        assert await migrate.is_up_to_date(engine)
    finally:
        await engine.dispose()


async def _migrated(
    database_url: str, names_in: Callable[[Any, str], set[str]]
) -> dict[str, set[str]]:
    """Migrate a fresh database, then `names_in(inspector, table)` for every table in it."""
    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: {
                    name: names_in(inspect(sync), name) for name in inspect(sync).get_table_names()
                }
            )
    finally:
        await engine.dispose()


async def test_the_migrated_schema_has_every_table_and_column_the_code_uses(
    database_url: str,
) -> None:
    found = await _migrated(
        database_url, lambda inspector, name: {c["name"] for c in inspector.get_columns(name)}
    )
    for table in metadata.sorted_tables:
        assert table.name in found, table.name
        assert {c.name for c in table.columns} == found[table.name], table.name


async def test_the_migrated_schema_has_exactly_the_indexes_the_table_module_declares(
    database_url: str,
) -> None:
    found = await _migrated(
        database_url,
        lambda inspector, name: {
            i["name"]
            for i in inspector.get_indexes(name)
            if not i.get("duplicates_constraint")  # a UNIQUE constraint's own index
        },
    )
    for table in metadata.sorted_tables:
        declared = {index.name for index in table.indexes}
        assert declared == found[table.name], table.name


async def test_two_instances_migrating_at_once_both_succeed(database_url: str) -> None:
    engines = [create_engine(database_url), create_engine(database_url)]
    try:
        await asyncio.gather(*(migrate.upgrade(engine) for engine in engines))
        assert await migrate.is_up_to_date(engines[0])
    finally:
        for engine in engines:
            await engine.dispose()
