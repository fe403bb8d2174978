"""Production mode: only a token the Bot Framework signed for this bot and this serviceUrl gets in.

The tokens are signed with our own RSA keys and validated by botbuilder's own public-cloud code
path (the one production runs); only the OpenID metadata URL it fetches the keys from points at
a local key server (`ChannelValidation.open_id_metadata_endpoint`, botbuilder's hook for it).
No network: outbound replies get a stand-in Entra token.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.reliability.flows import TUESDAY_10AM
from tests.reliability.keys import (
    APP_ID,
    KeyServer,
    jwk,
    running_production_bot,
    token,
)
from tests.support import activities as act
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest

KID = "stepup-test-key"
WEBCHAT_KID = "webchat-only-key"
OTHER_TENANT = "00000000-0000-4000-8000-000000000bad"

Header = Callable[[str], str | None]
"""Builds the Authorization header (or none) for an activity sent to `serviceUrl`."""
Bearer = Callable[[str], str]


@pytest.fixture(scope="module")
def key_server() -> Iterator[KeyServer]:
    """The Bot Framework's signing keys, as published, but ours: one for Teams, one for Web Chat."""
    server = KeyServer(
        [jwk("channel", KID, ["msteams"]), jwk("webchat", WEBCHAT_KID, ["webchat"])]
    ).start()
    yield server
    server.stop()


@pytest.fixture
async def production_bot(
    tmp_path: Path,
    connector: FakeConnector,
    key_server: KeyServer,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[BotUnderTest]:
    url = f"sqlite:///{tmp_path / 'auth.db'}"
    async with running_production_bot(url, connector, key_server, monkeypatch, TUESDAY_10AM) as bot:
        yield bot


def bearer(**overrides: Any) -> Bearer:
    """A Bearer header for a token signed by the Teams key, with some claims changed."""

    def build(service_url: str) -> str:
        claims: dict[str, Any] = {
            "key": "channel",
            "kid": KID,
            "audience": APP_ID,
            "service_url": service_url,
        }
        claims.update(overrides)
        return "Bearer " + token(**claims)

    return build


def literal(value: str | None) -> Header:
    return lambda _service_url: value


REFUSED = [
    pytest.param(literal(None), id="no-header"),
    pytest.param(literal(""), id="empty-header"),
    pytest.param(literal("Bearer"), id="bearer-without-token"),
    pytest.param(literal("Bearer not-a-jwt"), id="malformed-token"),
    pytest.param(literal("Bearer a.b.c"), id="three-parts-not-base64"),
    pytest.param(literal("Basic dXNlcjpwYXNz"), id="basic-auth"),
    pytest.param(lambda url: bearer()(url).replace("Bearer", "bearer"), id="lowercase-scheme"),
    pytest.param(lambda url: bearer()(url) + " extra", id="trailing-garbage"),
    pytest.param(bearer(expires_in=-600), id="expired"),
    pytest.param(bearer(not_before_in=900, expires_in=3600), id="not-yet-valid"),
    pytest.param(bearer(audience="11111111-2222-3333-4444-555555555555"), id="other-audience"),
    pytest.param(bearer(audience=None), id="no-audience"),
    pytest.param(bearer(issuer="https://login.example.net"), id="other-issuer"),
    pytest.param(bearer(key="attacker"), id="unknown-key-same-kid"),
    pytest.param(bearer(key="attacker", kid="attacker-key"), id="unknown-kid"),
    pytest.param(bearer(kid=None), id="no-kid"),
    pytest.param(bearer(key="webchat", kid=WEBCHAT_KID), id="key-not-endorsed-for-teams"),
    pytest.param(bearer(algorithm="none"), id="unsigned-alg-none"),
    pytest.param(bearer(algorithm="HS256"), id="hmac-with-the-public-key"),
    pytest.param(
        bearer(service_url="https://smba.trafficmanager.net/emea/"), id="other-serviceurl"
    ),
    pytest.param(bearer(service_url=None), id="no-serviceurl-claim"),
    pytest.param(
        bearer(extra={"ver": "2.0", "azp": "99999999-0000-0000-0000-000000000000"}),
        id="skill-token-from-another-bot",
    ),
]


@pytest.mark.parametrize("header", REFUSED)
async def test_a_request_without_a_valid_token_gets_401_and_reaches_no_handler(
    production_bot: BotUnderTest, header: Header, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    url = production_bot.connector.service_url
    value = header(url)
    headers = {"Authorization": value} if value is not None else {}
    reply = await production_bot.send(act.personal_message(url, act.PRIYA, "help"), headers)
    assert (reply.status, reply.body) == (401, {"error": "unauthorized"})
    assert production_bot.connector.calls == []
    conversations = production_bot.runtime.conversations
    assert conversations is not None
    assert await conversations.reference(f"user:{act.PRIYA.aad_id}") is None
    events = [record.getMessage() for record in caplog.records]
    assert "auth.rejected" in events
    assert "personal.command" not in events and "turn.failed" not in events


async def test_a_valid_token_is_accepted_and_the_turn_runs(production_bot: BotUnderTest) -> None:
    """The harness itself is right: the same key, claims and path let a real request in."""
    url = production_bot.connector.service_url
    reply = await production_bot.send(
        act.personal_message(url, act.PRIYA, "help"), {"Authorization": bearer()(url)}
    )
    assert reply.status == 201
    conversations = production_bot.runtime.conversations
    assert conversations is not None
    assert await conversations.reference(f"user:{act.PRIYA.aad_id}") is not None
    assert [c.op for c in production_bot.connector.calls] == ["reply"]


async def test_a_token_is_bound_to_the_service_url_it_was_issued_for(
    production_bot: BotUnderTest,
) -> None:
    """A captured token replayed with another serviceUrl (where replies would go) is refused."""
    url = production_bot.connector.service_url
    captured = bearer()(url)
    activity = act.personal_message("https://attacker.example.net/", act.PRIYA, "help")
    reply = await production_bot.send(activity, {"Authorization": captured})
    assert reply.status == 401
    assert production_bot.connector.calls == []


def _elsewhere(service_url: str) -> list[tuple[str, dict[str, Any]]]:
    other_team = act.channel_post(
        service_url, act.PRIYA, "Step up please", channel="19:another-team-channel@thread.tacv2"
    )
    other_team["channelData"]["team"] = {"id": "19:another-team@thread.tacv2"}
    other_team["channelData"]["teamsTeamId"] = "19:another-team@thread.tacv2"
    return [
        (
            "other-channel",
            act.channel_post(service_url, act.PRIYA, "Step up please", channel=act.OTHER_CHANNEL),
        ),
        (
            "other-tenant",
            act.channel_post(service_url, act.PRIYA, "Step up please", tenant=OTHER_TENANT),
        ),
        ("other-team", other_team),
    ]


async def test_posts_from_another_tenant_team_or_channel_are_ignored_in_production(
    production_bot: BotUnderTest,
) -> None:
    url = production_bot.connector.service_url
    for name, activity in _elsewhere(url):
        reply = await production_bot.send(activity, {"Authorization": bearer()(url)})
        assert reply.status == 201, name
    assert production_bot.connector.calls == []
    engine = production_bot.runtime.engine
    assert engine is not None
    async with engine.connect() as conn:
        count = (await conn.execute(text("SELECT count(*) FROM consultations"))).scalar()
        references = (await conn.execute(text("SELECT count(*) FROM conversation_refs"))).scalar()
    assert (count, references) == (0, 0)


async def test_a_card_action_or_dialog_from_another_tenant_changes_nothing(
    production_bot: BotUnderTest,
) -> None:
    bot, url = production_bot, production_bot.connector.service_url
    auth = {"Authorization": bearer()(url)}
    assert (await bot.send(act.installation_added(url), auth)).status == 201
    post = act.channel_post(url, act.PRIYA, "Step up please")
    assert (await bot.send(post, auth)).status == 201
    card = next(
        c for c in bot.connector.posted() if c.conversation_id == post["conversation"]["id"]
    )
    consultation_id = card.cards[0]["actions"][0]["data"]["consultationId"]
    press = act.card_action(
        url,
        act.TOM,
        "acknowledge",
        {"consultationId": consultation_id},
        root_id=post["id"],
        card_activity_id=card.returned_id or "",
    )
    press["conversation"]["tenantId"] = OTHER_TENANT
    press["channelData"]["tenant"] = {"id": OTHER_TENANT}
    before = len(bot.connector.calls)
    reply = await bot.send(press, auth)
    assert reply.status == 200
    assert reply.body["type"] == "application/vnd.microsoft.activity.message"
    dialog = act.task_fetch(
        url,
        act.PRIYA,
        {"dialog": "case_details", "consultationId": consultation_id},
        root_id=post["id"],
    )
    dialog["channelData"]["tenant"] = {"id": OTHER_TENANT}
    opened = await bot.send(dialog, auth)
    assert opened.status == 200 and opened.body["task"]["type"] == "message"
    assert bot.connector.calls[before:] == []
    service = bot.runtime.consultations
    assert service is not None
    found = await service.get(consultation_id)
    assert found is not None and found[0].version == 2


@pytest.fixture
async def slow_keys_bot(
    tmp_path: Path, connector: FakeConnector, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[BotUnderTest, KeyServer]]:
    """A production bot whose signing keys take SLOW_KEYS seconds to fetch (a fresh key URL,
    so botbuilder has no cached keys for it)."""
    server = KeyServer([jwk("channel", KID, ["msteams"])], delay=SLOW_KEYS).start()
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    try:
        async with running_production_bot(url, connector, server, monkeypatch, TUESDAY_10AM) as bot:
            yield bot, server
    finally:
        server.stop()


SLOW_KEYS = 2.0


async def test_fetching_the_signing_keys_neither_blocks_the_bot_nor_repeats(
    slow_keys_bot: tuple[BotUnderTest, KeyServer],
) -> None:
    """botbuilder fetched the keys with a blocking call inside the event loop: while Microsoft
    answered, nothing else ran (no other request, no health check, no tick). Now the loop keeps
    running meanwhile, and five requests that all find the keys missing share one fetch."""
    bot, server = slow_keys_bot
    url = bot.connector.service_url
    header = {"Authorization": bearer()(url)}
    gaps: list[float] = []

    async def heartbeat() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.05)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    beat = asyncio.create_task(heartbeat())
    try:
        replies = await asyncio.gather(
            *(bot.send(act.personal_message(url, act.PRIYA, f"help {i}"), header) for i in range(5))
        )
    finally:
        beat.cancel()
    assert [r.status for r in replies] == [201] * 5
    assert server.fetches == 1
    assert max(gaps) < SLOW_KEYS / 2, f"the event loop stood still for {max(gaps):.2f} s"
