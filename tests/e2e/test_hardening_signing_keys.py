"""A failed signing-key fetch is remembered, and shared: one fetch, not one per request in turn.

Tokens whose key id the bot has never seen make it fetch Microsoft's keys. When that fetch is
slow and then fails (an outage, or a flood of forged key ids), every waiting request used to
repeat it in turn, so the last one waited N times as long: real traffic queued past Teams'
15 s limit. The key endpoint here is a local aiohttp server, in a thread of its own, that
counts the metadata requests and answers slowly with a 500 (or, once healed, with keys).
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from botframework.connector.auth import ChannelValidation, MicrosoftAppCredentials

from bot import signing_keys
from tests.reliability.keys import APP_ID, jwk, production_settings, token
from tests.support import activities as act
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest

KID = "northdown-known-key"
SLOW = 1.0  # seconds the key endpoint takes to answer
REQUESTS = 8


@dataclass
class FlakyKeys:
    """The OpenID metadata and JWKS, answered after `delay`, with 500 while `failing`."""

    delay: float = SLOW
    failing: bool = True
    fetches: int = 0
    metadata_url: str = ""
    _loop: asyncio.AbstractEventLoop | None = field(default=None, repr=False)
    _stop: asyncio.Event | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> FlakyKeys:
        ready = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(ready),), daemon=True)
        self._thread.start()
        assert ready.wait(10), "the key server did not start"
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)

    async def _serve(self, ready: threading.Event) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        app = web.Application()
        app.router.add_get("/metadata", self._metadata)
        app.router.add_get("/keys", self._keys)
        runner = web.AppRunner(app, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.metadata_url = f"http://127.0.0.1:{runner.addresses[0][1]}/metadata"
        ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()

    async def _metadata(self, request: web.Request) -> web.Response:
        self.fetches += 1
        await asyncio.sleep(self.delay)
        if self.failing:
            return web.json_response({"error": "unavailable"}, status=500)
        return web.json_response({"jwks_uri": f"http://{request.host}/keys"})

    async def _keys(self, _request: web.Request) -> web.Response:
        return web.json_response({"keys": [jwk("channel", KID, ["msteams"])]})


@pytest.fixture
def flaky_keys() -> Iterator[FlakyKeys]:
    server = FlakyKeys().start()
    yield server
    server.stop()


@pytest.fixture
async def production_bot(
    tmp_path: Path,
    connector: FakeConnector,
    flaky_keys: FlakyKeys,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[BotUnderTest]:
    # A metadata URL of its own: botbuilder has no keys cached for it.
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", flaky_keys.metadata_url)
    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", _outbound_token)
    running = BotUnderTest(production_settings(f"sqlite:///{tmp_path / 'keys.db'}"), connector)
    await running.start()
    yield running
    await running.stop()


def _outbound_token(_self: MicrosoftAppCredentials, force_refresh: bool = False) -> str:
    return "outbound-test-token"


def _signed(service_url: str, kid: str) -> dict[str, str]:
    bearer = token(key="channel", kid=kid, audience=APP_ID, service_url=service_url)
    return {"Authorization": f"Bearer {bearer}"}


async def _burst(bot: BotUnderTest, kids: list[str]) -> tuple[list[int], float]:
    url = bot.connector.service_url
    started = time.perf_counter()
    replies = await asyncio.gather(
        *(
            bot.send(act.personal_message(url, act.PRIYA, f"help {i}"), _signed(url, kid))
            for i, kid in enumerate(kids)
        )
    )
    return [reply.status for reply in replies], time.perf_counter() - started


def _unknown_kids(count: int) -> list[str]:
    return [f"forged-{uuid.uuid4().hex[:8]}" for _ in range(count)]


async def test_concurrent_unknown_key_ids_share_one_failed_fetch(
    production_bot: BotUnderTest, flaky_keys: FlakyKeys
) -> None:
    statuses, elapsed = await _burst(production_bot, _unknown_kids(REQUESTS))
    assert statuses == [401] * REQUESTS
    assert flaky_keys.fetches == 1
    # One slow fetch, not REQUESTS of them in turn (which took REQUESTS * SLOW seconds).
    assert elapsed < SLOW + 1.5, f"{REQUESTS} requests took {elapsed:.1f} s"
    assert production_bot.connector.calls == []


async def test_a_failed_fetch_is_remembered_then_tried_again(
    production_bot: BotUnderTest, flaky_keys: FlakyKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(signing_keys, "NEGATIVE_RESULT_SECONDS", 2 * SLOW)
    statuses, _ = await _burst(production_bot, _unknown_kids(1))
    assert (statuses, flaky_keys.fetches) == ([401], 1)

    # Within the window: refused at once, with no fetch.
    statuses, elapsed = await _burst(production_bot, _unknown_kids(REQUESTS))
    assert statuses == [401] * REQUESTS
    assert flaky_keys.fetches == 1
    assert elapsed < SLOW / 2, f"refusing from the remembered failure took {elapsed:.2f} s"

    # After it, Microsoft has recovered: one fetch, and a genuine token gets in.
    flaky_keys.failing = False
    await asyncio.sleep(2 * SLOW)
    statuses, _ = await _burst(production_bot, [KID] * 3)
    assert statuses == [201] * 3
    assert flaky_keys.fetches == 2


async def test_a_fetch_that_hangs_is_cut_off_at_the_deadline_for_everyone(
    production_bot: BotUnderTest, flaky_keys: FlakyKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(signing_keys, "FETCH_TIMEOUT_SECONDS", 0.5)
    flaky_keys.delay = 3.0  # longer than the deadline
    statuses, elapsed = await _burst(production_bot, _unknown_kids(REQUESTS))
    assert statuses == [401] * REQUESTS
    assert flaky_keys.fetches == 1
    assert elapsed < 1.5, f"{REQUESTS} requests took {elapsed:.1f} s"
    healthz = time.perf_counter()
    assert (await production_bot.raw("GET", "/healthz")).status == 200
    assert time.perf_counter() - healthz < 0.5
