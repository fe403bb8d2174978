"""Where the bot keeps what it needs for proactive messages: installations and references."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import reading
from storage.tables import conversation_refs, installations
from storage.upsert import upsert

REFERENCE_CACHE_SECONDS = 60.0
REFERENCE_CACHE_SIZE = 10_000

# installations.team_name is String(200); Teams allows 256 characters, and the name is only shown.
TEAM_NAME_MAX = 200


@dataclass(frozen=True, slots=True)
class Installation:
    """The bot's installation in a team."""

    tenant_id: str
    team_thread_id: str
    aad_group_id: str | None
    team_name: str | None
    service_url: str
    installed_at: datetime
    removed_at: datetime | None = None


class ConversationStore:
    """Installations and serialised ConversationReferences, keyed by who or where."""

    def __init__(
        self, engine: AsyncEngine, *, cache_seconds: float = REFERENCE_CACHE_SECONDS
    ) -> None:
        self._engine = engine
        # What this process last wrote per key: every post would otherwise rewrite the same
        # channel reference, one more write transaction per turn (SQLite has one writer).
        self._written: dict[str, tuple[str, dict[str, Any]]] = {}
        # References read or written lately: each proactive send reads one (about three per
        # request), and on SQLite every read queues for the one connection. Another instance's
        # newer reference (a changed serviceUrl, rare) is seen within `cache_seconds`.
        self._cache_seconds = cache_seconds
        self._cached: dict[str, tuple[float, dict[str, Any] | None]] = {}

    async def save_reference(
        self, key: str, kind: str, reference: dict[str, Any], at: datetime
    ) -> None:
        """Insert or replace the reference stored under `key` (nothing when it is unchanged)."""
        if self._written.get(key) == (kind, reference):
            return
        values = {"key": key, "kind": kind, "reference": reference, "updated_at": at}
        for attempt in (1, 2):
            try:
                async with self._engine.begin() as conn:
                    await conn.execute(
                        upsert(
                            conn,
                            conversation_refs,
                            values,
                            index=["key"],
                            update=["kind", "reference", "updated_at"],
                        )
                    )
                break
            except DBAPIError as error:
                # A database restart under the write: an upsert is safe to repeat, once.
                if attempt == 2 or not error.connection_invalidated:
                    raise
        self._written[key] = (kind, reference)
        self._remember(key, reference)

    async def reference(self, key: str) -> dict[str, Any] | None:
        """The stored reference for `key`, if any."""
        cached = self._cached.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return copy.deepcopy(cached[1])
        async with reading(self._engine) as conn:
            row = await conn.execute(
                select(conversation_refs.c.reference).where(conversation_refs.c.key == key)
            )
            value = row.scalar_one_or_none()
        found = dict(value) if value is not None else None
        if found is not None:  # an absent reference may appear any moment: not cached
            self._remember(key, found)
        return copy.deepcopy(found)

    def _remember(self, key: str, reference: dict[str, Any]) -> None:
        if len(self._cached) >= REFERENCE_CACHE_SIZE:
            self._cached.clear()  # crude but bounded: a burst of new people refills it
        self._cached[key] = (time.monotonic() + self._cache_seconds, copy.deepcopy(reference))

    async def save_installation(self, installation: Installation) -> None:
        """Record (or refresh) the bot's installation in a team."""
        values = {
            "tenant_id": installation.tenant_id,
            "team_thread_id": installation.team_thread_id,
            "aad_group_id": installation.aad_group_id,
            "team_name": _team_name(installation.team_name),
            "service_url": installation.service_url,
            "installed_at": installation.installed_at,
            "removed_at": None,
        }
        keep = ["tenant_id", "service_url", "installed_at", "removed_at"]
        # A later event without aadGroupId must not erase the one stored at install.
        for optional in ("aad_group_id", "team_name"):
            if values[optional] is not None:
                keep.append(optional)
        async with self._engine.begin() as conn:
            await conn.execute(
                upsert(conn, installations, values, index=["team_thread_id"], update=keep)
            )

    async def mark_removed(self, team_thread_id: str, at: datetime) -> None:
        """Note that the bot was removed from a team (kept for the audit trail)."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(installations)
                .where(installations.c.team_thread_id == team_thread_id)
                .values(removed_at=at)
            )

    async def installation(self, team_thread_id: str) -> Installation | None:
        """The installation in a team, if the bot was ever installed there."""
        return await self._one(
            select(installations).where(installations.c.team_thread_id == team_thread_id)
        )

    async def any_installation(self, tenant_id: str) -> Installation | None:
        """The tenant's most recent installation still in place (its serviceUrl reaches it)."""
        return await self._one(
            select(installations)
            .where(installations.c.removed_at.is_(None))
            .where(installations.c.tenant_id == tenant_id)
            .order_by(installations.c.installed_at.desc())
            .limit(1)
        )

    async def _one(self, query: Any) -> Installation | None:
        async with reading(self._engine) as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        return Installation(
            tenant_id=row.tenant_id,
            team_thread_id=row.team_thread_id,
            aad_group_id=row.aad_group_id,
            team_name=row.team_name,
            service_url=row.service_url,
            installed_at=row.installed_at,
            removed_at=row.removed_at,
        )


def _team_name(name: str | None) -> str | None:
    return name[:TEAM_NAME_MAX] if name is not None else None
