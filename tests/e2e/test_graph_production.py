"""With the fake Graph server, production mode resolves the demo people and their roles from
groups, reads the rota from a list, hides a post on block mode and falls back to warn mode on
403 — end to end through `/api/messages`.

The bot runs with local-mode settings and Graph ENABLED: Graph mode is independent of bot auth,
and production bot auth validates Bot Framework tokens, which needs a JWKS we cannot have
offline (tests/e2e/test_production_auth.py covers that side). The credential is a fake that
hands out a fixed token; the real msgraph-sdk talks HTTP to the fake Graph.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from graph import client
from graph.directory import GraphDirectory
from graph.settings import GraphConfigError, GraphSettings
from services.clock import MovableClock
from settings import DEMO_PROFILE
from tests.e2e.test_guard import FAMILY, POST
from tests.e2e.test_request_flow import TUESDAY_10AM, _press, _texts, _thread_card
from tests.support import activities as act
from tests.support import fake_graph as fg
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, local_settings

SECRET = "graph-secret-that-must-never-be-shown"


@pytest.fixture
async def fake() -> AsyncIterator[fg.FakeGraph]:
    server = fg.FakeGraph()
    server.list_items[(fg.ROTA_SITE, fg.ROTA_LIST)] = fg.demo_rota_list()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def credential() -> fg.FakeCredential:
    return fg.FakeCredential()


@pytest.fixture
def graph_bot(
    fake: fg.FakeGraph,
    credential: fg.FakeCredential,
    database_url: str,
    connector: FakeConnector,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> BotUnderTest:
    """The bot (not started) with Graph on, the fake's groups and rota list in its profile."""
    profile: dict[str, Any] = yaml.safe_load(DEMO_PROFILE.read_text(encoding="utf-8"))
    profile["graph"] = {
        "role_groups": {
            "map_team_manager": fg.TM_GROUP,
            "map_advanced_practitioner": fg.AP_GROUP,
            "service_manager": fg.SM_GROUP,
            "requester": fg.REQ_GROUP,
        },
        "rota_list": {"site_id": fg.ROTA_SITE, "list_id": fg.ROTA_LIST},
    }
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(profile), encoding="utf-8")
    for name, value in {
        "STEPUP_GRAPH_ENABLED": "true",
        "STEPUP_GRAPH_BASE_URL": fake.base_url,
        "STEPUP_GRAPH_TENANT_ID": act.TENANT,
        "STEPUP_GRAPH_CLIENT_ID": act.BOT["id"][3:],
        "STEPUP_GRAPH_CLIENT_SECRET": SECRET,
        "STEPUP_GRAPH_RETRY_DELAY": "0",
    }.items():
        monkeypatch.setenv(name, value)

    def fake_credential(settings: GraphSettings) -> fg.FakeCredential:
        assert settings.client_secret.get_secret_value() == SECRET
        return credential

    monkeypatch.setattr(client, "make_credential", fake_credential)
    settings = local_settings(database_url, profile_path=path)
    return BotUnderTest(settings, connector, clock=MovableClock(TUESDAY_10AM))


@pytest.fixture
async def bot(graph_bot: BotUnderTest) -> AsyncIterator[BotUnderTest]:
    await graph_bot.start()
    await graph_bot.send(act.installation_added(graph_bot.connector.service_url))
    graph_bot.connector.calls.clear()
    yield graph_bot
    await graph_bot.stop()


async def test_people_roles_and_the_rota_come_from_graph(
    bot: BotUnderTest, fake: fg.FakeGraph, credential: fg.FakeCredential
) -> None:
    assert isinstance(bot.runtime.directory, GraphDirectory)
    post = act.channel_post(bot.connector.service_url, act.PRIYA, "Step up consultation please")
    assert (await bot.send(post)).status == 201

    card = _thread_card(bot.connector, post)
    shown = _texts(card.cards[0])
    # Morgan is on duty by the SharePoint list, and a MAP manager only by a nested Entra group.
    assert "<at>Morgan Lee</at>" in shown and "Tom Okafor" not in shown
    assert "Priya Shah (priya.shah@northdown.gov.uk)" in shown  # a requester by her group
    assert "Family Centre Northgate" in shown  # her service is still the profile's

    before = len(fake.calls)
    morgan = act.User(fg.MORGAN.teams_id, fg.MORGAN.name, fg.MORGAN.aad_id)
    acked = await bot.send(_press(bot, morgan, post, card, "acknowledge"))
    assert acked.body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "Acknowledged: call-back due" in _texts(bot.connector.of("update")[-1].cards[0])
    assert len(fake.calls) == before  # a card click never waits on Graph

    assert fake.of("GET", f"/sites/{fg.ROTA_SITE}/lists/{fg.ROTA_LIST}/items")
    assert {c.authorization for c in fake.calls} == {f"Bearer {fg.TOKEN}"}
    assert credential.scopes and not credential.closed
    await bot.stop()
    assert credential.closed


async def test_block_mode_hides_posts_and_replies_and_still_warns(
    bot: BotUnderTest, fake: fg.FakeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = bot.connector.service_url
    post = act.channel_post(url, act.PRIYA, POST)
    assert (await bot.send(post)).status == 201

    [hidden] = fake.patches()
    channel = f"/teams/{act.TEAM['aadGroupId']}/channels/{act.STEPUP_CHANNEL}/messages"
    assert hidden.path == f"{channel}/{post['id']}"  # the group GUID, not the 19: thread id
    violation = hidden.body["policyViolation"]
    assert (violation["dlpAction"], violation["verdictDetails"]) == ("blockAccess", "none")
    tip = violation["policyTip"]
    assert tip["complianceUrl"] == "https://intranet.northdown.gov.uk/information-governance/teams"
    assert {"Name", "Date of birth", "Address"} <= set(tip["matchedConditionDescriptions"])
    notices = [c.text for c in bot.connector.posted() if "contains" in c.text]
    assert len(notices) == 1 and "Larch Grove" not in notices[0]  # the redacted copy
    private = [c.text for c in bot.connector.posted() if (c.conversation_id or "").startswith("a:")]
    assert any("contained an address" in t for t in private)

    reply = act.thread_reply(url, act.TOM, post["id"], "did mum say kayden was in school?")
    await bot.send(reply)
    assert fake.patches()[-1].path == f"{channel}/{post['id']}/replies/{reply['id']}"
    for fragment in FAMILY:
        assert fragment not in str([c.body for c in fake.calls]), fragment
        assert fragment not in caplog.text, fragment
    assert "guard.hidden" in caplog.text


async def test_a_403_switches_to_warn_mode_once(
    bot: BotUnderTest, fake: fg.FakeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail("PATCH", "/messages/", 403, times=None)
    caplog.set_level(logging.INFO)
    url = bot.connector.service_url
    await bot.send(act.channel_post(url, act.PRIYA, POST))
    await bot.send(act.channel_post(url, act.PRIYA, POST.replace("Kayden", "Jayden")))

    assert len(fake.patches()) == 1  # the second post is not even tried
    switched = [r for r in caplog.records if r.getMessage() == "guard.mode"]
    said = [(getattr(r, "mode", None), getattr(r, "error_code", None)) for r in switched]
    assert said == [("warn", "graph_403_policy_violation")]
    notices = [c.text for c in bot.connector.posted() if "please delete the post" in c.text]
    assert len(notices) == 2  # both posts still warned in the thread


async def test_refused_credentials_stop_the_start_up_with_one_clear_line(
    graph_bot: BotUnderTest, credential: fg.FakeCredential
) -> None:
    credential.refuse = "AADSTS7000215"
    with pytest.raises(GraphConfigError) as refused:
        await graph_bot.start()
    await graph_bot.stop()
    message = str(refused.value)
    assert "AADSTS7000215" in message and "secret" in message
    assert SECRET not in message
    assert credential.closed


async def test_a_duty_manager_with_automatic_replies_on_hands_new_requests_to_the_deputy(
    graph_bot: BotUnderTest, fake: fg.FakeGraph
) -> None:
    fake.automatic_replies[fg.MORGAN.aad_id] = {"status": "alwaysEnabled"}
    await graph_bot.start()
    try:
        await graph_bot.send(act.installation_added(graph_bot.connector.service_url))
        post = act.channel_post(graph_bot.connector.service_url, act.PRIYA, "Step up please")
        await graph_bot.send(post)
        shown = _texts(_thread_card(graph_bot.connector, post).cards[0])
        assert "<at>Sam Reid</at>" in shown and "Morgan Lee" not in shown
    finally:
        await graph_bot.stop()
