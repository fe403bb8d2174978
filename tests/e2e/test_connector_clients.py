"""Connector clients are made once per service URL and reused; every call still carries a token.

botbuilder's CloudAdapter makes a new msrest `ConnectorClient` for every turn and every proactive
send (with a new `requests` session and new app credentials, whose token cache starts empty).
`bot.adapter.CachingAuthentication` keeps one per (app id, service URL, audience). These tests
drive the real app over HTTP against the fake connector and watch the clients botbuilder's own
connector factory makes; in production mode the Entra token comes from a stand-in for MSAL (the
one piece that would need the network), so the bot's own credentials and token handling run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from botbuilder.core import MessageFactory
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import ChannelValidation, _connector_factory_impl
from botframework.connector.auth import microsoft_app_credentials as credentials_module

from services.clock import MovableClock
from tests.e2e.test_request_flow import TUESDAY_10AM  # Tom's week, after today
from tests.reliability.keys import APP_ID, KeyServer, jwk, production_settings, token
from tests.support import activities as act
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, installed_bot

POST = "Step up consultation please"
KID = "stepup-clients-test-key"


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[ConnectorClient]:
    """Every ConnectorClient botbuilder's connector factory makes, in order."""
    clients: list[ConnectorClient] = []

    class Recorded(ConnectorClient):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            clients.append(self)

    monkeypatch.setattr(_connector_factory_impl, "ConnectorClient", Recorded)
    return clients


async def _post_and_wait(bot: BotUnderTest, connector: FakeConnector, **headers: str) -> str:
    """A new request in the channel; waits for its card in the thread and returns the thread."""
    post = act.channel_post(connector.service_url, act.PRIYA, POST)
    thread = str(post["conversation"]["id"])
    assert (await bot.send(post, headers)).status == 201
    await connector.wait_for(lambda calls: any(c.conversation_id == thread for c in calls))
    return thread


async def test_one_client_per_service_url_reused_by_every_send(
    database_url: str, connector: FakeConnector, made: list[ConnectorClient]
) -> None:
    async with installed_bot(database_url, connector, TUESDAY_10AM) as bot:
        await _post_and_wait(bot, connector)
        await _post_and_wait(bot, connector)
        # The installation turn, then each post: the card in its thread (the turn's client), the
        # private checklist and its 1:1 chat (proactive: a turn each), all through one client.
        await connector.wait_for(lambda calls: len(calls) >= 4)
        assert len(connector.calls) >= 4
        assert [c.config.base_url for c in made] == [connector.service_url]

        other = FakeConnector()
        await other.start()
        try:
            thread = await _post_and_wait(bot, other)
            assert [c.op for c in other.calls if c.conversation_id == thread] == ["reply"]
            elsewhere = other.service_url
        finally:
            await other.close()
        assert [c.config.base_url for c in made] == [connector.service_url, elsewhere]
        assert made[0] is not made[1]


class _Entra:
    """Stands in for Entra ID behind MSAL: hands out numbered tokens; the test expires them."""

    def __init__(self) -> None:
        self.apps = 0  # MSAL applications made (one per credentials object that asked)
        self.issued = 0
        self.current: str | None = None

    def application(self, **_kwargs: Any) -> _MsalApp:
        self.apps += 1
        return _MsalApp(self)


class _MsalApp:
    """The two calls MicrosoftAppCredentials makes on msal.ConfidentialClientApplication."""

    def __init__(self, entra: _Entra) -> None:
        self._entra = entra
        self._cached: str | None = None  # like MSAL, each application has its own token cache

    def acquire_token_silent(self, _scopes: list[str], account: Any = None) -> dict[str, Any]:
        if self._cached is not None and self._cached == self._entra.current:
            return {"access_token": self._cached}
        return {}  # nothing valid in this application's cache

    def acquire_token_for_client(self, scopes: list[str]) -> dict[str, Any]:
        assert scopes == ["https://api.botframework.com/.default"]
        self._entra.issued += 1
        self._cached = self._entra.current = f"token-{self._entra.issued}"
        return {"access_token": self._cached}


@pytest.fixture
def key_server() -> Iterator[KeyServer]:
    server = KeyServer([jwk("channel", KID, ["msteams"])]).start()
    yield server
    server.stop()


@pytest.fixture
async def production_bot(
    tmp_path: Path, connector: FakeConnector, key_server: KeyServer, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[BotUnderTest, _Entra]]:
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", key_server.metadata_url)
    entra = _Entra()
    monkeypatch.setattr(credentials_module, "ConfidentialClientApplication", entra.application)
    settings = production_settings(f"sqlite:///{tmp_path / 'clients.db'}")
    running = BotUnderTest(settings, connector, clock=MovableClock(TUESDAY_10AM))
    await running.start()
    yield running, entra
    await running.stop()


def _bearer(service_url: str) -> dict[str, str]:
    signed = token(key="channel", kid=KID, audience=APP_ID, service_url=service_url)
    return {"Authorization": "Bearer " + signed}


async def test_a_reused_client_sends_a_token_with_every_call_and_a_renewed_one_after_expiry(
    production_bot: tuple[BotUnderTest, _Entra], made: list[ConnectorClient]
) -> None:
    bot, entra = production_bot
    connector, url = bot.connector, bot.connector.service_url
    assert (await bot.send(act.installation_added(url), _bearer(url))).status == 201
    await _post_and_wait(bot, connector, **_bearer(url))
    await _post_and_wait(bot, connector, **_bearer(url))
    await connector.wait_for(lambda calls: len(calls) >= 4)
    assert len(made) == 1
    # One credentials object, so one MSAL application and one token for every call (before,
    # each outbound turn made new credentials and fetched a new token).
    assert (entra.apps, entra.issued) == (1, 1)
    assert set(connector.authorizations) == {"Bearer token-1"}

    entra.current = None  # the token expired: MSAL's silent lookup finds nothing valid
    sent = len(connector.authorizations)
    await _post_and_wait(bot, connector, **_bearer(url))
    assert len(made) == 1
    assert entra.issued == 2
    assert set(connector.authorizations[sent:]) == {"Bearer token-2"}


class _Gate(FakeConnector):
    """A connector that answers no call until `width` calls are waiting at once."""

    width: int = 12
    _waiting: int = 0
    _open: asyncio.Event | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        if self._open is None:
            self._open = asyncio.Event()
        self._waiting += 1
        if self._waiting >= self.width:
            self._open.set()
        await self._open.wait()
        return await super()._handle(request)


async def test_connector_calls_are_not_held_to_a_few_threads(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Each call blocks a thread of the loop's default executor (msrest runs `requests` there).

    Python's default is min(32, cores + 4) threads, 6 on a two-core machine: the seventh call
    waited for one of the first six to come back. Here no call comes back until 12 are in
    flight, so with too few threads the sends never finish. And the client's connection pool
    keeps all 12 connections (requests keeps 10 and drops the rest with a warning each).
    """
    caplog.set_level(logging.WARNING, logger="urllib3")
    gate = _Gate()
    await gate.start()
    try:
        async with installed_bot(database_url, gate, TUESDAY_10AM) as bot:
            messenger = bot.runtime.messenger
            assert messenger is not None
            sends = [
                messenger.post_in_channel(act.STEPUP_CHANNEL, MessageFactory.text(f"note {i}"))
                for i in range(gate.width)
            ]
            async with asyncio.timeout(30):
                sent = await asyncio.gather(*sends)
        assert len(set(sent)) == gate.width
        assert [r.getMessage() for r in caplog.records if r.name.startswith("urllib3")] == []
    finally:
        await gate.close()
