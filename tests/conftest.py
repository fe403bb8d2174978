"""Shared fixtures: databases of both kinds, the fake connector and the running bot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator
from pathlib import Path
from typing import Any

import pytest

from tests.support.databases import DATABASES, fresh_database
from tests.support.fake_connector import FakeConnector
from tests.support.family import hits, stored_text
from tests.support.harness import BotUnderTest, local_settings

# A test that puts family details in clear on purpose (to prove a search finds them) says so.
ALLOWS_FAMILY_DETAILS = "allows_family_details"


@pytest.fixture(params=DATABASES)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database: a SQLite file, and (when configured) a fresh PostgreSQL database.

    When the test is over (its bot stopped first: it depends on this fixture), the database
    must hold no family detail in clear; a hit fails the test at teardown.
    """
    async with fresh_database(request.param, tmp_path) as url:
        yield url
        if request.node.get_closest_marker(ALLOWS_FAMILY_DETAILS) is None:
            found = hits(await stored_text(url))
            assert not found, f"family details stored in clear: {found}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    """Fail a test whose captured log lines or output hold a family detail (a leak)."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if report.outcome != "passed" or item.get_closest_marker(ALLOWS_FAMILY_DETAILS):
        return
    # Each report carries the sections of the phases before it too: search this phase's own.
    found = hits("\n".join(text for name, text in report.sections if name.endswith(report.when)))
    if found:
        report.outcome = "failed"
        report.longrepr = f"family details in the captured log or output ({report.when}): {found}"


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
