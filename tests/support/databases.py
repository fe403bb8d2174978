"""Test databases: a fresh SQLite file, and a fresh PostgreSQL database when one is configured."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

POSTGRES_ENV = "STEPUP_TEST_POSTGRES_URL"
SKIP_REASON = (
    f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/test)"
)


def postgres_admin_url() -> str | None:
    """The PostgreSQL server to create test databases on, if configured."""
    return os.environ.get(POSTGRES_ENV) or None


# The kinds a test runs on (`database_url`, and fixtures with a wider scope than a test).
DATABASES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgres",
        id="postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(postgres_admin_url() is None, reason=SKIP_REASON),
        ],
    ),
]


@asynccontextmanager
async def fresh_database(kind: str, tmp_path: Path) -> AsyncIterator[str]:
    """Yield a DATABASE_URL for an empty database of `kind` ("sqlite" or "postgres")."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'stepup.db'}"
        return
    admin = postgres_admin_url()
    assert admin is not None, SKIP_REASON
    name = f"stepup_test_{uuid.uuid4().hex[:12]}"
    url = make_url(admin)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


def sqlite_bytes(database_url: str) -> bytes:
    """A SQLite database as stored on disk (the file and its write-ahead log)."""
    path = Path(database_url.removeprefix("sqlite:///"))
    return path.read_bytes() + b"".join(w.read_bytes() for w in path.parent.glob("*-wal"))
