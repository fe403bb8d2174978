"""Conversation references are read from memory for a while, and another instance's newer
reference is seen once that while is over."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.conversations import ConversationStore
from storage.db import create_engine
from storage.migrate import upgrade
from tests.support.dates import next_working_day_at

AT = next_working_day_at(10)  # computed from today, never overtaken by the clock
KEY = "user:0b6c1d2e-1111-4a2b-8c3d-000000000001"


def _reference(service_url: str) -> dict[str, Any]:
    return {"serviceUrl": service_url, "conversation": {"id": "a:chat"}, "channelId": "msteams"}


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    made = create_engine(database_url)
    await upgrade(made)
    yield made
    await made.dispose()


def _count_selects(engine: AsyncEngine) -> list[str]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "conversation_refs" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    return seen


async def test_a_reference_is_read_once_within_the_cache_time(engine: AsyncEngine) -> None:
    writer, reader = ConversationStore(engine), ConversationStore(engine)
    await writer.save_reference(KEY, "user", _reference("https://one.example/"), AT)
    selects = _count_selects(engine)
    first = await reader.reference(KEY)
    again = await reader.reference(KEY)
    assert first == again == _reference("https://one.example/")
    assert len(selects) == 1
    assert first is not again  # callers get copies: changing one never changes the cache
    assert await reader.reference("user:nobody") is None
    assert await reader.reference("user:nobody") is None
    assert len(selects) == 3  # an absent reference is asked for again (it may appear)


async def test_another_instances_newer_reference_is_seen_after_the_cache_time(
    engine: AsyncEngine,
) -> None:
    mine, other = ConversationStore(engine), ConversationStore(engine)
    quick = ConversationStore(engine, cache_seconds=0)
    await mine.save_reference(KEY, "user", _reference("https://one.example/"), AT)
    assert await quick.reference(KEY) == _reference("https://one.example/")
    await other.save_reference(KEY, "user", _reference("https://two.example/"), AT)
    assert await mine.reference(KEY) == _reference("https://one.example/")  # within 60 s
    assert await quick.reference(KEY) == _reference("https://two.example/")
