"""`python app.py check-config` with Graph: the settings, then the start-up check, one line each.

The command runs `asyncio.run` itself, so the CLI tests are synchronous and the fake Graph runs
on its own event loop in a thread; the credential is the fake's (a fixed token).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

import cli
from graph import client
from graph.check import check_graph
from graph.settings import GraphSettings
from services.clock import MovableClock
from settings import DEMO_PROFILE, Settings
from tests.integration.graph.conftest import graph_profile
from tests.support import activities as act
from tests.support import fake_graph as fg
from tests.support.dates import local_at
from tests.support.harness import TEST_HMAC_KEY, TEST_KEY_RING

SECRET = "graph-secret-that-must-never-be-shown"
# Tuesday 10:00 of Morgan's week in the demo rota list (computed from today by fake_graph).
CLOCK = MovableClock(local_at(fg.ROTA_WEEK + timedelta(days=1), 10))
PRODUCTION = {
    "STEPUP_MODE": "production",
    "MicrosoftAppId": act.BOT["id"][3:],
    "MicrosoftAppType": "UserAssignedMSI",  # no bot secret for Graph to fall back on
    "MicrosoftAppTenantId": act.TENANT,
    "STEPUP_ENCRYPTION_KEYS": TEST_KEY_RING,
    "STEPUP_HMAC_KEY": TEST_HMAC_KEY,
    "STEPUP_GRAPH_ENABLED": "true",
    "STEPUP_GRAPH_RETRY_DELAY": "0",
    "STEPUP_GRAPH_MAX_RETRIES": "0",
}


@pytest.fixture(autouse=True)
def logging_restored() -> Iterator[None]:
    """cli.main configures logging to the (captured) stderr: undo it for the tests after."""
    root = logging.getLogger()
    names = ("aiohttp.access", "msrest", "azure", "httpx", "alembic", "apscheduler")
    saved = root.handlers[:], root.level, {n: logging.getLogger(n).level for n in names}
    yield
    root.handlers[:], level, levels = saved
    root.setLevel(level)
    for name, value in levels.items():
        logging.getLogger(name).setLevel(value)


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """Production settings with Graph on, no .env file, and the profile with role groups."""
    monkeypatch.chdir(tmp_path)
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    path = tmp_path / "profile.yaml"
    data = yaml.safe_load(DEMO_PROFILE.read_text(encoding="utf-8"))
    data["graph"] = graph_profile().graph.model_dump(mode="json")
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setenv("STEPUP_PROFILE", str(path))
    return monkeypatch


@pytest.fixture
def threaded_fake() -> Iterator[fg.FakeGraph]:
    """The fake Graph on its own loop in a thread (the CLI runs its own loop)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = fg.FakeGraph()
    server.list_items[(fg.ROTA_SITE, fg.ROTA_LIST)] = fg.demo_rota_list()
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(10)
    yield server
    asyncio.run_coroutine_threadsafe(server.close(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Exit code and what was printed; the log (stderr) must hold no traceback either."""
    code = cli.main(["check-config", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and SECRET not in err
    return code, out


def _graph_lines(output: str) -> list[str]:
    return output[output.index("Graph:") :].splitlines()


def test_missing_and_insecure_settings_are_one_line_each(
    environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    environment.setenv("STEPUP_GRAPH_BASE_URL", "http://graph.example/v1.0")
    code, output = _run(capsys)
    assert code != 0
    assert _graph_lines(output) == [
        "Graph: on, settings incomplete (not asked)",
        "Graph problems: 2",
        "  - STEPUP_GRAPH_AUTH=secret needs STEPUP_GRAPH_CLIENT_SECRET (or MicrosoftAppPassword)",
        "  - STEPUP_GRAPH_BASE_URL must be an https:// URL",
    ]
    assert "Traceback" not in output


def test_invalid_values_are_named_by_their_variable(
    environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    environment.setenv("STEPUP_GRAPH_AUTH", "password")
    environment.setenv("STEPUP_GRAPH_TIMEOUT", "600")
    environment.setenv("STEPUP_GRAPH_CLIENT_SECRET", SECRET)
    code, output = _run(capsys)
    assert code != 0
    assert _graph_lines(output)[0] == "Graph: settings invalid (not asked)"
    problems = [line for line in _graph_lines(output) if line.startswith("  - ")]
    assert problems == [
        "  - invalid STEPUP_GRAPH_AUTH: Input should be 'secret', 'certificate' or "
        "'managed_identity'",
        "  - invalid STEPUP_GRAPH_TIMEOUT: Input should be less than or equal to 60",
    ]
    assert SECRET not in output


def test_graph_off_is_said_and_passes(
    environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    environment.setenv("STEPUP_GRAPH_ENABLED", "false")
    code, output = _run(capsys)
    assert "Graph: off (people, roles and the rota come from the profile)" in output
    assert "Graph problems: none" in output
    assert code == 0

    code, output = _run(capsys, "--online")
    assert code != 0 and "--online needs STEPUP_GRAPH_ENABLED=true" in output


def test_complete_settings_run_the_start_up_check_against_graph(
    environment: pytest.MonkeyPatch,
    threaded_fake: fg.FakeGraph,
    capsys: pytest.CaptureFixture[str],
) -> None:
    environment.setenv("STEPUP_GRAPH_CLIENT_SECRET", SECRET)
    environment.setenv("STEPUP_GRAPH_BASE_URL", threaded_fake.base_url)
    credential = fg.FakeCredential()

    def fake_credential(settings: GraphSettings) -> fg.FakeCredential:
        assert settings.client_secret.get_secret_value() == SECRET
        return credential

    environment.setattr(client, "make_credential", fake_credential)

    code, output = _run(capsys, "--offline")
    assert "Graph: not asked (--offline)" in output and threaded_fake.calls == []

    code, output = _run(capsys)  # complete settings: Graph is asked by default
    lines = _graph_lines(output)
    assert "Graph token: ok" in lines
    assert any(line.startswith("Graph people with roles: 7 (requester 1,") for line in lines)
    # Read from the rota list (whoever is on duty on the real date the CLI runs).
    assert lines[-2].startswith("Graph rota: on duty now ")
    assert lines[-1] == "Graph problems: none"
    assert credential.closed

    threaded_fake.fail("GET", "/transitiveMembers", 403, times=None)
    threaded_fake.fail("GET", "/items", 404, times=None)
    code, output = _run(capsys, "--online")
    assert code != 0
    # The first group refused stops the rest (the rota names people): one line, what to grant.
    counted, problem = _graph_lines(output)[-2:]
    assert counted == "Graph problems: 1"
    assert problem.startswith("  - Graph answered 403 reading role group map_")
    assert problem.endswith(": grant GroupMember.Read.All (admin consent)")
    assert SECRET not in output and "fake Graph" not in output and "Traceback" not in output


async def test_each_rota_source_that_fails_is_its_own_line(fake: fg.FakeGraph) -> None:
    profile = graph_profile(shifts_team_id="5d1c0000-0000-4000-8000-0000000000c1")
    fake.fail("GET", "/items", 403, times=None)
    fake.fail("GET", "/schedule/shifts", 403, times=None)
    # Local mode with the registration's ids: the switch that allows it is on (see settings.py).
    settings = Settings(
        _env_file=None, app_id="app", app_tenant_id=act.TENANT, insecure_local_mode=True
    )
    overrides = {"STEPUP_GRAPH_ENABLED": "true", "STEPUP_GRAPH_CLIENT_SECRET": SECRET}
    overrides |= {"STEPUP_GRAPH_BASE_URL": fake.base_url, "STEPUP_GRAPH_MAX_RETRIES": "0"}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in overrides.items():
            patch.setenv(name, value)
        patch.setattr(client, "make_credential", lambda _settings: fg.FakeCredential())
        report = await check_graph(settings, profile, CLOCK)
    assert report.problems == [
        "Graph answered 403 reading rota list: grant Sites.Selected and a read grant on the "
        "rota site (admin consent)",
        "Graph answered 403 reading shifts: grant Schedule.Read.All (admin consent)",
    ]
    assert "Graph token: ok" in report.lines


def test_an_empty_certificate_path_is_no_certificate(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Azure template always sets STEPUP_GRAPH_CERTIFICATE_PATH; empty means none."""
    monkeypatch.setenv("STEPUP_GRAPH_CERTIFICATE_PATH", "")
    assert GraphSettings(_env_file=None).certificate_path is None
    certificate = GraphSettings(_env_file=None, auth="certificate")
    assert "STEPUP_GRAPH_CERTIFICATE_PATH" in certificate.missing()
