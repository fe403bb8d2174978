"""Smaller hardening: a token must expire; slow or half-sent requests do not hold connections;
the database and development key files are private to their owner."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from storage.keys import build_cipher
from tests.e2e.test_request_flow import TUESDAY_10AM  # Tom's week, after today
from tests.reliability.keys import (
    APP_ID,
    BOT_FRAMEWORK_ISSUER,
    KeyServer,
    jwk,
    rsa_key,
    running_production_bot,
    token,
)
from tests.support import activities as act
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, local_settings

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
    url = f"sqlite:///{tmp_path / 'small.db'}"
    async with running_production_bot(url, connector, key_server, monkeypatch, TUESDAY_10AM) as bot:
        yield bot


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


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


async def test_the_sqlite_file_and_its_journal_are_private_to_their_owner(
    tmp_path: Path, connector: FakeConnector
) -> None:
    path = tmp_path / "var" / "stepup.db"
    bot = BotUnderTest(local_settings(f"sqlite:///{path}"), connector)
    await bot.start()
    try:
        url = connector.service_url
        assert (await bot.send(act.installation_added(url))).status == 201
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        assert {f.name: _mode(f) for f in files if f.exists()} == {f.name: 0o600 for f in files}
    finally:
        await bot.stop()
    assert _mode(path.parent) == 0o700


async def test_an_existing_sqlite_file_is_made_private(
    tmp_path: Path, connector: FakeConnector
) -> None:
    path = tmp_path / "stepup.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    bot = BotUnderTest(local_settings(f"sqlite:///{path}"), connector)
    await bot.start()
    await bot.stop()
    assert _mode(path) == 0o600


def test_the_development_key_file_is_private_to_its_owner(tmp_path: Path) -> None:
    keys = tmp_path / "var" / "dev-keys.json"
    build_cipher(local_settings("sqlite:///unused.db", encryption_keys="", hmac_key=""), keys)
    assert (_mode(keys), _mode(keys.parent)) == (0o600, 0o700)
