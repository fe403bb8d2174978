"""INSERT ... ON CONFLICT DO UPDATE for both SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert


def upsert(
    conn: AsyncConnection,
    table: Table,
    values: Mapping[str, Any],
    *,
    index: Sequence[str],
    update: Sequence[str],
) -> Insert:
    """An insert that updates `update` columns when a row with the same `index` exists."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(**values)
    return stmt.on_conflict_do_update(
        index_elements=list(index),
        set_={name: stmt.excluded[name] for name in update},
    )
