"""Shared fixtures: databases of both kinds, the fake connector and the running bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.databases import SKIP_REASON, fresh_database, postgres_admin_url
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, local_settings

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


@pytest.fixture(params=DATABASES)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database: a SQLite file, and (when configured) a fresh PostgreSQL database."""
    async with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    """The fake Bot Connector, listening on a free port."""
    fake = FakeConnector()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def bot(database_url: str, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    """The real app in local mode on a free port, with a fresh database."""
    running = await BotUnderTest(local_settings(database_url), connector).start()
    yield running
    await running.stop()
