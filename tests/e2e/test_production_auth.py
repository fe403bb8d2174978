"""Production mode: no valid Bot Framework token, no turn (401, handler never runs)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.reliability.keys import production_settings
from tests.support import activities as act
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest


@pytest.fixture
async def production_bot(
    database_url: str, connector: FakeConnector
) -> AsyncIterator[BotUnderTest]:
    settings = production_settings(database_url)
    running = await BotUnderTest(settings, connector).start()
    yield running
    await running.stop()


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(None, id="no-header"),
        pytest.param("Bearer", id="bearer-without-token"),
        pytest.param("Bearer abc", id="not-a-jwt"),
        pytest.param("Bearer abc.def.ghi", id="three-parts-not-base64"),
        pytest.param("Basic dXNlcjpwYXNz", id="basic-auth"),
    ],
)
async def test_a_request_without_a_valid_token_gets_401_and_reaches_no_handler(
    production_bot: BotUnderTest, authorization: str | None
) -> None:
    url = production_bot.connector.service_url
    headers = {"Authorization": authorization} if authorization else {}
    reply = await production_bot.send(act.personal_message(url, act.PRIYA, "help"), headers)
    assert reply.status == 401
    assert reply.body == {"error": "unauthorized"}
    conversations = production_bot.runtime.conversations
    assert conversations is not None
    assert await conversations.reference(f"user:{act.PRIYA.aad_id}") is None
    assert production_bot.connector.calls == []


async def test_production_mode_has_no_dev_routes(production_bot: BotUnderTest) -> None:
    reply = await production_bot.raw(
        "POST", "/api/dev/clock", "{}", {"Content-Type": "application/json"}
    )
    assert reply.status in (404, 405)
