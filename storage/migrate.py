"""Apply and inspect Alembic migrations on the async engine."""

from __future__ import annotations

from pathlib import Path

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
