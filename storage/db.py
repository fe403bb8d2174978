"""Database engine: one async SQLAlchemy engine for SQLite (WAL) or PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine


def async_url(database_url: str) -> URL:
    """Map a plain `sqlite:`/`postgresql:` URL onto the async driver SQLAlchemy needs."""
    url = make_url(database_url)
    if url.drivername in ("sqlite", "sqlite+pysqlite"):
        return url.set(drivername="sqlite+aiosqlite")
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        return url.set(drivername="postgresql+asyncpg")
    return url


def is_sqlite(engine: AsyncEngine) -> bool:
    """Whether the engine talks to SQLite (which locks differently from PostgreSQL)."""
    return engine.dialect.name == "sqlite"


def create_engine(database_url: str) -> AsyncEngine:
    """Create the engine; SQLite files get WAL, foreign keys and a busy timeout."""
    url = async_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            _private_file(Path(url.database))
        # SQLite has one writer at a time. Without a queue, waiting writers poll the lock and
        # some lose for seconds under load; one pooled connection makes them queue in order.
        engine = create_async_engine(
            url, connect_args={"timeout": 15}, pool_size=1, max_overflow=0, pool_timeout=30
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        # aiosqlite's own transaction handling is off so that `BEGIN IMMEDIATE` below is ours.
        event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
        return engine
    # JIT off: the tick's small queries cross jit_above_cost on a large history and then spent
    # most of their time compiling (428 of 481 ms for the escalation candidates), not working.
    return create_async_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        connect_args={"server_settings": {"jit": "off"}},
    )


def _private_file(path: Path) -> None:
    """Create the SQLite file readable by its owner only (0600), or tighten an existing one.

    SQLite creates a new file with the umask's mode (usually 0644) and gives its -wal and -shm
    files the same mode: the sealed details and the audit trail would be readable by every
    account on the machine. An empty file is a valid new database.
    """
    os.makedirs(path.parent, mode=0o700, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        for existing in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            if existing.exists() and existing.stat().st_mode & 0o077:
                existing.chmod(0o600)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself so every write transaction takes the lock up front.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


READ_ONLY = "stepup_read_only"


def _sqlite_begin_immediate(connection: Any) -> None:
    # BEGIN IMMEDIATE takes the write lock at the start, so two writers never deadlock on upgrade
    # from a read lock, and a claim (read-then-write) is atomic across processes. Reads marked
    # read-only take a plain BEGIN: in WAL mode they neither wait for nor block a writer.
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@asynccontextmanager
async def reading(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for reads only (on SQLite it does not queue behind writers)."""
    async with engine.connect() as conn:
        yield await conn.execution_options(**{READ_ONLY: True})
