"""Start-up with Graph on: settings, credentials and permissions fail with one line to act on."""

from __future__ import annotations

from datetime import timedelta

import pytest

from graph.client import connect
from graph.directory import GraphDirectory
from graph.settings import GraphConfigError, load_graph_settings
from graph.wiring import graph_directory, start_graph
from profiles.domain_map import policy_from_profile
from services.clock import MovableClock
from tests.integration.graph.conftest import graph_profile, settings_for
from tests.support import activities as act
from tests.support import fake_graph as fg
from tests.support.dates import local_at
from tests.support.harness import local_settings

# Tuesday 10:00 of Morgan's week in the demo rota list (computed from today by fake_graph).
CLOCK = MovableClock(local_at(fg.ROTA_WEEK + timedelta(days=1), 10))


def test_graph_is_off_unless_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STEPUP_GRAPH_ENABLED", raising=False)
    assert graph_directory(local_settings("sqlite:///unused.db"), graph_profile()) is None


def test_missing_credentials_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEPUP_GRAPH_ENABLED", "true")
    with pytest.raises(GraphConfigError) as missing:
        load_graph_settings(local_settings("sqlite:///unused.db"))
    assert "STEPUP_GRAPH_CLIENT_SECRET (or MicrosoftAppPassword)" in str(missing.value)
    assert "STEPUP_GRAPH_TENANT_ID (or MicrosoftAppTenantId)" in str(missing.value)

    bot = local_settings(
        "sqlite:///unused.db",
        app_id="app",
        app_tenant_id=act.TENANT,
        app_password="bot-secret",
        insecure_local_mode=True,  # local mode with credentials must ask for it (settings.py)
    )
    filled = load_graph_settings(bot)  # the bot registration's ids and secret by default
    assert (filled.client_id, filled.tenant_id) == ("app", act.TENANT)
    assert filled.client_secret.get_secret_value() == "bot-secret"
    assert load_graph_settings(bot, auth="managed_identity").auth == "managed_identity"
    with pytest.raises(GraphConfigError, match="https"):
        load_graph_settings(bot, base_url="http://graph.example/v1.0")


@pytest.mark.parametrize(
    ("method", "path", "status", "expected"),
    [
        ("GET", "/transitiveMembers", 403, "role group map_team_manager: grant GroupMember"),
        ("GET", f"/users/{act.PRIYA.aad_id}", 403, "users: grant User.Read.All"),
        ("GET", "/items", 403, "rota list: grant Sites.Selected and a read grant"),
        ("GET", "/items", 404, "404 reading rota list: check the id in the profile"),
        ("GET", "/transitiveMembers", 401, "401): check the Graph credentials"),
        ("GET", "/transitiveMembers", 500, "(http_500): is STEPUP_GRAPH_BASE_URL reachable"),
    ],
)
async def test_a_failed_first_load_names_what_to_fix(
    fake: fg.FakeGraph,
    credential: fg.FakeCredential,
    method: str,
    path: str,
    status: int,
    expected: str,
) -> None:
    profile = graph_profile()
    if "/users/" in path:  # requesters from the profile: their details are read one by one
        groups = {k: v for k, v in profile.graph.role_groups.items() if k != "requester"}
        profile = profile.model_copy(
            update={"graph": profile.graph.model_copy(update={"role_groups": groups})}
        )
    fake.list_items[(fg.ROTA_SITE, fg.ROTA_LIST)] = fg.demo_rota_list()
    fake.fail(method, path, status)
    directory = GraphDirectory(connect(settings_for(fake, max_retries=0), credential), profile)

    with pytest.raises(GraphConfigError) as failed:
        await start_graph(directory, policy_from_profile(profile), CLOCK)
    assert expected in str(failed.value)
    assert credential.closed


async def test_refused_credentials_and_success(
    fake: fg.FakeGraph, credential: fg.FakeCredential
) -> None:
    credential.refuse = "AADSTS700016"
    directory = GraphDirectory(connect(settings_for(fake), credential), graph_profile())
    with pytest.raises(GraphConfigError, match="refused the Graph credentials.*AADSTS700016"):
        await start_graph(directory, policy_from_profile(graph_profile()), CLOCK)
    assert fake.calls == []

    fake.list_items[(fg.ROTA_SITE, fg.ROTA_LIST)] = fg.demo_rota_list()
    ok = fg.FakeCredential()
    directory = GraphDirectory(connect(settings_for(fake), ok), graph_profile())
    policy = policy_from_profile(graph_profile())
    live = await start_graph(directory, policy, CLOCK)
    assert live.policy is policy  # the services' policy now serves the Graph rota
    assert policy.rota.on_duty(CLOCK.now()).primary == fg.MORGAN.aad_id
    await directory.close()
    assert ok.closed
