"""A stalled Entra token fetch no longer freezes the bot (production mode).

msrest signed each connector call by asking MSAL for a token with a synchronous `requests` call
inside the event loop, with no timeout. Behind a proxy that accepts the connection and never
answers, that call held the loop: `/healthz`, a plain 401 and the scheduler all waited.

Here the real MSAL, built by botframework-connector as in production, reaches Entra ID through
`HTTPS_PROXY` pointing at a local TCP server that accepts and never answers (it hangs up after
a while, so that the code before the fix also ends). The bot's sends are proactive posts in the
channel, through the real connector client and credentials.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from botbuilder.core import MessageFactory
from botframework.connector.auth import ChannelValidation
from botframework.connector.auth import microsoft_app_credentials as credentials_module

from bot import outbound_tokens
from services.clock import MovableClock
from tests.e2e.test_request_flow import TUESDAY_10AM  # Tom's week, after today
from tests.reliability.keys import APP_ID, KeyServer, jwk, production_settings, token
from tests.support import activities as act
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest

KID = "northdown-outbound-test-key"
DEADLINE = 3.0  # the token deadline in these tests (10 s in production)
HOLD = 6.0  # how long the silent proxy keeps a connection before hanging up


class SilentProxy:
    """Accepts TCP connections, reads nothing, answers nothing; hangs up after `hold` s."""

    def __init__(self, hold: float = HOLD) -> None:
        self.hold = hold
        self.accepted = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def start(self) -> SilentProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()

    def _serve(self) -> None:
        held: list[tuple[socket.socket, float]] = []
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
                self.accepted += 1
                held.append((conn, time.monotonic()))
            except TimeoutError:
                pass
            for conn, since in [h for h in held if time.monotonic() - h[1] > self.hold]:
                conn.close()
                held.remove((conn, since))
        for conn, _ in held:
            conn.close()


@pytest.fixture
def key_server() -> Iterator[KeyServer]:
    server = KeyServer([jwk("channel", KID, ["msteams"])]).start()
    yield server
    server.stop()


@pytest.fixture
def proxy() -> Iterator[SilentProxy]:
    server = SilentProxy().start()
    yield server
    server.stop()


def _bearer(service_url: str) -> dict[str, str]:
    signed = token(key="channel", kid=KID, audience=APP_ID, service_url=service_url)
    return {"Authorization": "Bearer " + signed}


@pytest.fixture
async def production_bot(
    tmp_path: Path,
    connector: FakeConnector,
    key_server: KeyServer,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[BotUnderTest]:
    """Production mode, installed in the demo team; no outbound token fetched yet."""
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", key_server.metadata_url)
    monkeypatch.setattr(outbound_tokens, "TOKEN_TIMEOUT_SECONDS", DEADLINE)
    settings = production_settings(f"sqlite:///{tmp_path / 'tokens.db'}")
    running = BotUnderTest(settings, connector, clock=MovableClock(TUESDAY_10AM))
    await running.start()
    url = connector.service_url
    assert (await running.send(act.installation_added(url), _bearer(url))).status == 201
    yield running
    await running.stop()


def _post(bot: BotUnderTest, text: str) -> asyncio.Task[Any]:
    messenger = bot.runtime.messenger
    assert messenger is not None
    return asyncio.ensure_future(
        messenger.post_in_channel(act.STEPUP_CHANNEL, MessageFactory.text(text))
    )


def _probe(bot: BotUnderTest, proxy: SilentProxy) -> dict[str, float]:
    """In a thread of its own (so its clock runs even if the loop stands still): once MSAL is
    waiting on the proxy, how long /healthz and an unauthenticated post take to answer."""
    deadline = time.monotonic() + 5
    while not proxy.accepted and time.monotonic() < deadline:
        time.sleep(0.02)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    message = act.personal_message(bot.connector.service_url, act.PRIYA, "help")
    probes = {
        "healthz": urllib.request.Request(bot.url("/healthz")),
        "401": urllib.request.Request(
            bot.url("/api/messages"),
            data=json.dumps(message).encode(),
            headers={"Content-Type": "application/json"},
        ),
    }
    seconds: dict[str, float] = {}
    for name, request in probes.items():
        started = time.perf_counter()
        try:
            with opener.open(request, timeout=2 * HOLD) as response:
                status = response.status
        except urllib.error.HTTPError as refused:
            status = refused.code
        except TimeoutError:  # the loop stood still for longer than the proxy holds on
            seconds[name] = float("inf")
            continue
        seconds[name] = time.perf_counter() - started
        assert status == {"healthz": 200, "401": 401}[name]
    return seconds


async def test_health_and_401s_stay_fast_while_the_token_fetch_hangs(
    production_bot: BotUnderTest, proxy: SilentProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    bot = production_bot
    probe = asyncio.ensure_future(asyncio.to_thread(_probe, bot, proxy))
    await asyncio.sleep(0)  # the probe's thread is running before the sends start
    sent_at = time.perf_counter()
    sends = [_post(bot, f"note {i}") for i in range(3)]
    seconds = await probe
    stuck = [not send.done() for send in sends]
    assert seconds["healthz"] < 1.0, f"/healthz took {seconds['healthz']:.2f} s"
    assert seconds["401"] < 1.0, f"a plain 401 took {seconds['401']:.2f} s"
    assert stuck == [True] * 3, "the sends should still be waiting for their token"
    assert proxy.accepted == 1, "three sends should share one token fetch"

    # The sends give up at the deadline (the outbox would retry them), not when the proxy
    # hangs up (HOLD).
    outcomes = await asyncio.gather(*sends, return_exceptions=True)
    assert all(isinstance(o, outbound_tokens.OutboundTokenUnavailable) for o in outcomes), outcomes
    assert time.perf_counter() - sent_at < DEADLINE + 1.0 < HOLD
    assert bot.connector.calls == []


class _SlowEntra:
    """Stands in for MSAL: JWT tokens (so their expiry can be read), each taking `delay` s."""

    def __init__(self, lifetime: float, msal_window: float, delay: float) -> None:
        self.lifetime, self.msal_window, self.delay = lifetime, msal_window, delay
        self.issued = 0
        self._current: tuple[str, float] | None = None

    def application(self, **_kwargs: Any) -> _SlowEntra:
        return self

    def acquire_token_silent(self, _scopes: list[str], account: Any = None) -> dict[str, Any]:
        # Like MSAL: a cached token is served until `msal_window` before its expiry.
        if self._current and self._current[1] - time.time() > self.msal_window:
            return {"access_token": self._current[0]}
        return {}

    def acquire_token_for_client(self, scopes: list[str]) -> dict[str, Any]:
        time.sleep(self.delay)  # the network: blocking, as MSAL is
        self.issued += 1
        expires = time.time() + self.lifetime
        value = jwt.encode({"n": self.issued, "exp": int(expires)}, "k" * 32, algorithm="HS256")
        self._current = (value, expires)
        return {"access_token": value}


def _numbers(connector: FakeConnector) -> list[int]:
    """Which token (1, 2...) each connector call carried."""
    found = []
    for header in connector.authorizations:
        assert header is not None and header.startswith("Bearer ")
        claims = jwt.decode(header[7:], options={"verify_signature": False})
        found.append(int(claims["n"]))
    return found


async def test_a_token_is_renewed_ahead_of_expiry_without_making_a_send_wait(
    production_bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    entra = _SlowEntra(lifetime=8.0, msal_window=5.5, delay=0.8)
    monkeypatch.setattr(credentials_module, "ConfidentialClientApplication", entra.application)
    monkeypatch.setattr(outbound_tokens, "REFRESH_AHEAD_SECONDS", 5.0)
    bot, connector = production_bot, production_bot.connector

    await _post(bot, "first")  # no token yet: waits for one fetch
    started = time.perf_counter()
    await asyncio.gather(*(_post(bot, f"again {i}") for i in range(3)))
    assert time.perf_counter() - started < 0.5  # served from memory

    await asyncio.sleep(3.5)  # now within REFRESH_AHEAD_SECONDS of its expiry
    started = time.perf_counter()
    await _post(bot, "near expiry")
    assert time.perf_counter() - started < 0.5, "a send waited for the renewal"
    await asyncio.sleep(entra.delay + 0.3)  # the renewal, in the background
    await _post(bot, "renewed")
    assert entra.issued == 2
    assert _numbers(connector) == [1, 1, 1, 1, 1, 2]
