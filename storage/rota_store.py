"""Covers set in the bot, and once-only announcements."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.rota import Cover
from storage.db import reading
from storage.tables import announcements, rota_covers

# A claimed announcement that was never marked sent (a crash, a failed send) is retried after this.
ANNOUNCEMENT_LEASE = timedelta(minutes=5)


class CoverRepository:
    """Covers read inside the caller's transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def covers(self, ending_after: datetime) -> list[Cover]:
        """Covers that are still running or to come."""
        query = select(rota_covers).where(rota_covers.c.ends_at > ending_after)
        rows = await self._conn.execute(query.order_by(rota_covers.c.id))
        return [Cover(r.covering, r.covered, r.starts_at, r.ends_at) for r in rows]


class RotaStore:
    """Reads and writes covers; claims announcements so each is posted once."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add_cover(self, cover: Cover, *, set_by: str, at: datetime) -> None:
        """Keep a cover (the row itself is the audit record of who set it and when)."""
        async with self._engine.begin() as conn:
            await conn.execute(
                insert(rota_covers).values(
                    covering=cover.covering,
                    covered=cover.covered,
                    starts_at=cover.start,
                    ends_at=cover.end,
                    set_by=set_by,
                    set_at=at,
                )
            )

    async def covers(self, ending_after: datetime) -> list[Cover]:
        """Covers that are still running or to come."""
        async with reading(self._engine) as conn:
            rows = await conn.execute(
                select(rota_covers)
                .where(rota_covers.c.ends_at > ending_after)
                .order_by(rota_covers.c.id)
            )
            return [Cover(r.covering, r.covered, r.starts_at, r.ends_at) for r in rows]

    async def claim(self, key: str, at: datetime) -> bool:
        """True for the one caller that may post this announcement now."""
        async with self._engine.begin() as conn:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            first = await conn.execute(
                dialect.insert(announcements)
                .values(key=key, claimed_at=at)
                .on_conflict_do_nothing(index_elements=["key"])
            )
            if first.rowcount:
                return True
            result = await conn.execute(
                update(announcements)
                .where(announcements.c.key == key)
                .where(announcements.c.sent_at.is_(None))
                .where(announcements.c.claimed_at < at - ANNOUNCEMENT_LEASE)
                .values(claimed_at=at)
            )
            return bool(result.rowcount)

    async def sent(self, key: str, at: datetime) -> None:
        """The announcement went out."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(announcements).where(announcements.c.key == key).values(sent_at=at)
            )
