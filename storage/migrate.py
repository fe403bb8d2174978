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
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.app_role import grant_app_role

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


async def upgrade(engine: AsyncEngine, app_login: URL | None = None) -> None:
    """Bring the database up to the newest revision (idempotent).

    On PostgreSQL this also grants the application role its rights, and makes `app_login` (the
    login in DATABASE_URL, when the migration runs as another one) a member of it.
    """
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        # SQLite can answer "database is locked" at once (without waiting) while two processes
        # open a new file; a lock file beside it puts concurrent start-ups in a queue instead.
        lock = await asyncio.to_thread(_lock_file, Path(f"{database}.migrate.lock"))
        try:
            await _upgrade(engine, app_login)
        finally:
            lock.close()
        return
    await _upgrade(engine, app_login)


async def upgrade_as(database_url: str, migration_database_url: str | None) -> None:
    """Migrate as the owning login when one is given, the app's login made its least member.

    Without a migration URL the app's own login migrates (and so owns the tables): the local
    SQLite default, and deployments that have not split the logins yet.
    """
    from storage.db import create_engine  # storage.db imports nothing of this module's

    if not migration_database_url:
        engine = create_engine(database_url)
        app_login = None
    else:
        engine = create_engine(migration_database_url)
        app_login = make_url(database_url)
    try:
        await upgrade(engine, app_login)
    finally:
        await engine.dispose()


def _lock_file(path: Path) -> IO[bytes]:
    handle = path.open("wb")
    fcntl.flock(handle, fcntl.LOCK_EX)  # released when the handle is closed
    return handle


async def _upgrade(engine: AsyncEngine, app_login: URL | None) -> None:
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Two instances starting together must not both create the same tables.
            await connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        await connection.run_sync(lambda sync: command.upgrade(_config(sync), "head"))
        await grant_app_role(connection, app_login)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def is_up_to_date(engine: AsyncEngine) -> bool:
    """Whether every shipped migration has been applied."""
    return await current_revision(engine) == head_revision()
