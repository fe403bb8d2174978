"""Smaller hardening: a token must expire; slow or half-sent requests do not hold connections;
the database and development key files are private to their owner."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
from botframework.connector.auth import ChannelValidation, MicrosoftAppCredentials

from services.clock import MovableClock
from tests.reliability.keys import (
    APP_ID,
    BOT_FRAMEWORK_ISSUER,
    KeyServer,
    jwk,
    production_settings,
    rsa_key,
    token,
)
from tests.support import activities as act
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest

TUESDAY_10AM = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
KID = "northdown-small-test-key"


@pytest.fixture
def key_server() -> Iterator[KeyServer]:
    server = KeyServer([jwk("channel", KID, ["msteams"])]).start()
    yield server
    server.stop()


@pytest.fixture
async def production_bot(
    tmp_path: Path,
    connector: FakeConnector,
    key_server: KeyServer,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[BotUnderTest]:
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", key_server.metadata_url)
    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", _outbound_token)
    settings = production_settings(f"sqlite:///{tmp_path / 'small.db'}")
    running = BotUnderTest(settings, connector, clock=MovableClock(TUESDAY_10AM))
    await running.start()
    yield running
    await running.stop()


def _outbound_token(_self: MicrosoftAppCredentials, force_refresh: bool = False) -> str:
    return "outbound-test-token"


def _without_exp(service_url: str, **claims: Any) -> str:
    """A channel token signed with the Teams key, right in every way but its lifetime."""
    body = {
        "iss": BOT_FRAMEWORK_ISSUER,
        "aud": APP_ID,
        "serviceurl": service_url,
        "nbf": int(time.time()) - 60,
        "jti": uuid.uuid4().hex,
        **claims,
    }
    return jwt.encode(body, rsa_key("channel"), algorithm="RS256", headers={"kid": KID})


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({}, id="no-exp"),
        pytest.param({"exp": None}, id="exp-null"),
        pytest.param({"exp": True}, id="exp-boolean"),
    ],
)
async def test_a_signed_token_without_an_expiry_gets_401(
    production_bot: BotUnderTest, claims: dict[str, Any]
) -> None:
    url = production_bot.connector.service_url
    header = {"Authorization": "Bearer " + _without_exp(url, **claims)}
    reply = await production_bot.send(act.personal_message(url, act.PRIYA, "help"), header)
    assert reply.status == 401
    assert production_bot.connector.calls == []


async def test_the_same_token_with_an_expiry_is_accepted(production_bot: BotUnderTest) -> None:
    url = production_bot.connector.service_url
    signed = token(key="channel", kid=KID, audience=APP_ID, service_url=url)
    reply = await production_bot.send(
        act.personal_message(url, act.PRIYA, "help"), {"Authorization": "Bearer " + signed}
    )
    assert reply.status == 201
