"""The Teams app package: contents, manifest fields, settings and the command entry point."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from infra.package import build_package, main
from infra.package_settings import DEMO_BOT_APP_ID
from infra.teams.manifest import MANIFEST_VERSION, SCHEMA_URL
from tests.infra.helpers import BOT_ID, package_settings


def _manifest(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("manifest.json"))


@pytest.fixture
def manifest(tmp_path: Path) -> dict[str, Any]:
    settings = package_settings(bot_app_id=BOT_ID, public_host="stepup.northdown.example")
    return _manifest(build_package(tmp_path / "app.zip", settings))


def test_zip_holds_exactly_the_manifest_and_two_icons_at_its_root(tmp_path: Path) -> None:
    path = build_package(tmp_path / "out" / "app.zip", package_settings(bot_app_id=BOT_ID))
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        assert archive.testzip() is None


def test_same_settings_give_the_same_bytes(tmp_path: Path) -> None:
    settings = package_settings(bot_app_id=BOT_ID)
    first = build_package(tmp_path / "a.zip", settings).read_bytes()
    assert build_package(tmp_path / "b.zip", settings).read_bytes() == first


def test_manifest_declares_its_schema_version(manifest: dict[str, Any]) -> None:
    assert manifest["manifestVersion"] == MANIFEST_VERSION
    assert manifest["$schema"] == SCHEMA_URL
    assert tuple(int(part) for part in MANIFEST_VERSION.split(".")) >= (1, 17)


def test_bot_is_in_team_and_personal_scope_with_commands_for_both(
    manifest: dict[str, Any],
) -> None:
    (bot,) = manifest["bots"]
    assert bot["botId"] == BOT_ID
    assert sorted(bot["scopes"]) == ["personal", "team"]
    lists = {tuple(entry["scopes"]): entry["commands"] for entry in bot["commandLists"]}
    personal = [command["title"] for command in lists[("personal",)]]
    assert personal == ["new request", "my requests", "who is on duty", "set cover", "help"]
    assert [command["title"] for command in lists[("team",)]] == ["who is on duty", "help"]


def test_rsc_permission_web_application_info_and_valid_domains(manifest: dict[str, Any]) -> None:
    assert manifest["authorization"]["permissions"]["resourceSpecific"] == [
        {"type": "Application", "name": "ChannelMessage.Read.Group"}
    ]
    assert manifest["webApplicationInfo"]["id"] == BOT_ID
    assert manifest["webApplicationInfo"]["resource"]
    assert manifest["validDomains"] == ["stepup.northdown.example"]


def test_description_explains_what_is_read_stored_and_never_stored(
    manifest: dict[str, Any],
) -> None:
    full = manifest["description"]["full"]
    for phrase in ("ChannelMessage.Read.Group", "WHAT IT READS", "WHAT IT STORES", "NEVER STORES"):
        assert phrase in full
    assert len(full) <= 4000 and len(manifest["description"]["short"]) <= 80


def test_values_come_from_the_settings(tmp_path: Path) -> None:
    settings = package_settings(
        bot_app_id=BOT_ID.upper(),
        app_name="Step Up",
        package_version="2.3.4",
        developer_name="Example Council",
        privacy_url="https://council.example/privacy",
        accent_color="#123456",
    )
    manifest = _manifest(build_package(tmp_path / "app.zip", settings))
    assert manifest["bots"][0]["botId"] == BOT_ID  # normalised to lower case
    assert manifest["name"]["short"] == "Step Up"
    assert manifest["version"] == "2.3.4"
    assert manifest["developer"]["name"] == "Example Council"
    assert manifest["developer"]["privacyUrl"] == "https://council.example/privacy"
    assert manifest["accentColor"] == "#123456"


def test_teams_app_id_is_derived_from_the_bot_id_unless_set() -> None:
    derived = package_settings(bot_app_id=BOT_ID).app_id
    assert derived == package_settings(bot_app_id=BOT_ID).app_id
    assert derived not in (BOT_ID, package_settings().app_id)
    fixed = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
    assert package_settings(bot_app_id=BOT_ID, teams_app_id=fixed).app_id == fixed


def test_local_mode_without_a_bot_id_uses_the_fake_demo_id() -> None:
    settings = package_settings()
    assert settings.is_demo and settings.bot_id == DEMO_BOT_APP_ID


def test_production_mode_needs_a_real_bot_id() -> None:
    with pytest.raises(ValidationError, match="MicrosoftAppId"):
        package_settings(mode="production")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("bot_app_id", "not-a-guid"),
        ("package_version", "1.0"),
        ("public_host", "https://stepup.example.gov.uk"),
        ("privacy_url", "http://council.example/privacy"),
        ("accent_color", "blue"),
        ("app_name", "A name far too long for Teams to show"),
    ],
)
def test_invalid_settings_are_refused(field: str, value: str) -> None:
    with pytest.raises(ValidationError):
        package_settings(**{field: value})


def test_main_writes_the_zip_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MicrosoftAppId", BOT_ID)
    monkeypatch.setenv("STEPUP_PACKAGE_VERSION", "1.2.3")
    out = tmp_path / "pkg" / "stepup.zip"
    assert main(["--out", str(out)]) == 0
    assert _manifest(out)["version"] == "1.2.3"
    assert str(out) in capsys.readouterr().out


def test_main_warns_when_it_falls_back_to_the_demo_bot_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--out", str(tmp_path / "demo.zip")]) == 0
    assert DEMO_BOT_APP_ID in capsys.readouterr().err


def test_main_reports_bad_settings_in_one_line_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STEPUP_MODE", "production")
    assert main(["--out", str(tmp_path / "x.zip")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("configuration error:") and "MicrosoftAppId" in err
    assert not (tmp_path / "x.zip").exists()
