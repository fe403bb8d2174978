"""End-to-end harness: the real aiohttp app on a free port, driven over HTTP like Teams would."""

from __future__ import annotations

import asyncio
import base64
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from app import RUNTIME, Runtime, create_app
from services.clock import Clock, MovableClock
from settings import Mode, Settings
from storage.crypto import new_key_ring_entry
from tests.support.activities import installation_added
from tests.support.fake_connector import FakeConnector

# Fresh keys per test run: nothing sealed in one run can be opened with a key in the repo.
TEST_KEY_RING = new_key_ring_entry("test1")
TEST_HMAC_KEY = base64.urlsafe_b64encode(os.urandom(32)).decode()


def local_settings(database_url: str, **overrides: Any) -> Settings:
    """Local-mode settings for a test (ignores any developer .env file)."""
    values: dict[str, Any] = {
        "encryption_keys": TEST_KEY_RING,
        "hmac_key": TEST_HMAC_KEY,
        "mode": Mode.LOCAL,
        "database_url": database_url,
        "port": 3978,  # unused: TestServer picks a free port
        "tick_seconds": 300.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@dataclass
class Reply:
    """What the bot answered over HTTP."""

    status: int
    body: Any


@dataclass
class BotUnderTest:
    """A running bot and the fake connector it talks to."""

    settings: Settings
    connector: FakeConnector
    clock: Clock | None = None
    server: TestServer | None = None
    session: aiohttp.ClientSession | None = field(default=None, repr=False)

    async def start(self) -> BotUnderTest:
        """Start (or restart) the app on a fresh port."""
        app = create_app(self.settings, clock=self.clock)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        self.session = aiohttp.ClientSession()
        return self

    async def stop(self) -> None:
        """Shut the app down cleanly (runs every cleanup context)."""
        if self.session is not None:
            await self.session.close()
        if self.server is not None:
            await self.server.close()
        self.server = self.session = None

    async def restart(self) -> None:
        """Stop and start again on the same database."""
        await self.stop()
        await self.start()

    @property
    def runtime(self) -> Runtime:
        """The app's runtime objects (engine, stores...)."""
        assert self.server is not None
        return self.server.app[RUNTIME]

    async def wait_out_throttling(self) -> None:
        """Let every 429 block pass (Retry-After, or the default, plus jitter): in real time for
        the pacer, and on a stopped dev clock for the outbox (its retry falls due then)."""
        adapter = self.runtime.adapter
        held = adapter.pacer.held_for() if adapter is not None and adapter.pacer else 0.0
        if held > 0:
            await asyncio.sleep(held)
            if isinstance(self.clock, MovableClock):
                self.clock.advance(timedelta(seconds=held + 1))

    def url(self, path: str) -> str:
        """Absolute URL of a route on the running app."""
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}{path}"

    async def send(self, activity: dict[str, Any], headers: dict[str, str] | None = None) -> Reply:
        """POST an activity to /api/messages as Teams would."""
        return await self.raw(
            "POST",
            "/api/messages",
            json.dumps(activity),
            {"Content-Type": "application/json", **(headers or {})},
        )

    async def raw(
        self,
        method: str,
        path: str,
        data: str | bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """Any HTTP request to the app; the JSON body is parsed when there is one."""
        assert self.session is not None
        async with self.session.request(
            method, self.url(path), data=data, headers=headers or {}
        ) as response:
            raw = await response.read()
            try:
                body = json.loads(raw) if raw else None
            except json.JSONDecodeError:
                body = raw.decode(errors="replace")
            return Reply(response.status, body)


@asynccontextmanager
async def installed_bot(
    database_url: str, connector: FakeConnector, at: datetime, **overrides: Any
) -> AsyncIterator[BotUnderTest]:
    """The app on a movable clock set to `at`, installed in the demo team (no calls recorded);
    `overrides` are settings (e.g. export_delivery)."""
    running = BotUnderTest(
        local_settings(database_url, **overrides), connector, clock=MovableClock(at)
    )
    await running.start()
    try:
        await running.send(installation_added(connector.service_url))
        connector.calls.clear()  # installing sends nothing; a test sees only its own calls
        yield running
    finally:
        await running.stop()


@asynccontextmanager
async def two_instances(
    database_url: str, connector: FakeConnector, at: datetime
) -> AsyncIterator[tuple[BotUnderTest, BotUnderTest]]:
    """Two apps on one PostgreSQL database (two containers behind a load balancer), each with
    its own engine, scheduler and movable clock set to `at`; installed once, as Teams would.
    Skips on SQLite, which is for a single instance."""
    if not database_url.startswith("postgresql"):
        pytest.skip("several instances need PostgreSQL (SQLite is for a single instance)")
    first = BotUnderTest(local_settings(database_url), connector, clock=MovableClock(at))
    second = BotUnderTest(local_settings(database_url), connector, clock=MovableClock(at))
    await asyncio.gather(first.start(), second.start())
    try:
        await first.send(installation_added(connector.service_url))
        yield first, second
    finally:
        await asyncio.gather(first.stop(), second.stop())
