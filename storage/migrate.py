"""Apply and inspect Alembic migrations on the async engine."""

from __future__ import annotations

import asyncio
import fcntl
from pathlib import Path
from typing import IO

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

_MIGRATION_LOCK = 0x5354_4550  # "STEP"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The newest revision the code ships."""
    return ScriptDirectory.from_config(_config()).get_current_head()


async def upgrade(engine: AsyncEngine) -> None:
    """Bring the database up to the newest revision (idempotent)."""
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        # SQLite can answer "database is locked" at once (without waiting) while two processes
        # open a new file; a lock file beside it puts concurrent start-ups in a queue instead.
        lock = await asyncio.to_thread(_lock_file, Path(f"{database}.migrate.lock"))
        try:
            await _upgrade(engine)
        finally:
            lock.close()
        return
    await _upgrade(engine)


def _lock_file(path: Path) -> IO[bytes]:
    handle = path.open("wb")
    fcntl.flock(handle, fcntl.LOCK_EX)  # released when the handle is closed
    return handle


async def _upgrade(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Two instances starting together must not both create the same tables.
            await connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        await connection.run_sync(lambda sync: command.upgrade(_config(sync), "head"))


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def is_up_to_date(engine: AsyncEngine) -> bool:
    """Whether every shipped migration has been applied."""
    return await current_revision(engine) == head_revision()
