"""Settings: typed, validated once, production refuses to start without credentials."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.audit_export import usable_upload_url
from settings import ConfigError, Mode, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "STEPUP_ENCRYPTION_KEYS",
        "STEPUP_HMAC_KEY",
        "STEPUP_MODE",
        "MicrosoftAppId",
        "MicrosoftAppPassword",
        "MicrosoftAppType",
        "MicrosoftAppTenantId",
        "PORT",
        "DATABASE_URL",
        "STEPUP_PROFILE",
        "STEPUP_INSECURE_LOCAL_MODE",
        "HOST",
        "STEPUP_EXPORT_DELIVERY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no developer .env is read


def test_defaults_are_local_mode_on_port_3978_with_a_sqlite_file_under_var() -> None:
    settings = load_settings()
    assert settings.mode is Mode.LOCAL
    assert settings.port == 3978
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("/var/stepup.db")
    assert settings.profile_path.name == "demo.yaml"
    assert not settings.auth_enabled and settings.dev_tools_enabled


def test_environment_variables_use_the_bot_framework_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STEPUP_MODE", "production")
    monkeypatch.setenv("MicrosoftAppId", "app-1")
    monkeypatch.setenv("MicrosoftAppPassword", "secret-1")
    monkeypatch.setenv("MicrosoftAppTenantId", "tenant-1")
    monkeypatch.setenv("STEPUP_ENCRYPTION_KEYS", "k1:" + "A" * 43)
    monkeypatch.setenv("STEPUP_HMAC_KEY", "B" * 43)
    monkeypatch.setenv("PORT", "8080")
    settings = load_settings()
    assert (settings.app_id, settings.app_tenant_id, settings.port) == ("app-1", "tenant-1", 8080)
    assert settings.auth_enabled and not settings.dev_tools_enabled
    assert "secret-1" not in repr(settings)


def test_production_without_credentials_names_every_missing_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STEPUP_MODE", "production")
    with pytest.raises(ConfigError) as error:
        load_settings()
    message = str(error.value)
    for name in (
        "MicrosoftAppId",
        "MicrosoftAppPassword",
        "MicrosoftAppTenantId",
        "STEPUP_ENCRYPTION_KEYS",
        "STEPUP_HMAC_KEY",
    ):
        assert name in message


def test_a_managed_identity_needs_no_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEPUP_MODE", "production")
    monkeypatch.setenv("MicrosoftAppType", "UserAssignedMSI")
    monkeypatch.setenv("MicrosoftAppId", "msi-client-id")
    monkeypatch.setenv("MicrosoftAppTenantId", "tenant-1")
    monkeypatch.setenv("STEPUP_ENCRYPTION_KEYS", "k1:" + "A" * 43)
    monkeypatch.setenv("STEPUP_HMAC_KEY", "B" * 43)
    assert load_settings().missing_credentials() == []


def test_a_bad_setting_is_named_and_no_value_is_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "not-a-port-s3cret")
    monkeypatch.setenv("MicrosoftAppPassword", "pa55-s3cret")
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert "PORT" in str(error.value)
    assert "s3cret" not in str(error.value)


@pytest.mark.parametrize("url", ["mysql://x/y", "redis://localhost"])
def test_only_sqlite_and_postgresql_urls_are_accepted(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        load_settings()


def test_a_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PORT=4001\n")
    assert load_settings().port == 4001


def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MicrosoftAppId", "app-1")
    monkeypatch.setenv("MicrosoftAppPassword", "secret-1")
    monkeypatch.setenv("MicrosoftAppTenantId", "tenant-1")
    monkeypatch.setenv("STEPUP_ENCRYPTION_KEYS", "k1:" + "A" * 43)
    monkeypatch.setenv("STEPUP_HMAC_KEY", "B" * 43)


def test_credentials_without_a_mode_mean_production(monkeypatch: pytest.MonkeyPatch) -> None:
    _credentials(monkeypatch)
    settings = load_settings()
    assert settings.mode is Mode.PRODUCTION
    assert settings.auth_enabled and not settings.dev_tools_enabled


@pytest.mark.parametrize("variable", ["MicrosoftAppId", "MicrosoftAppPassword"])
def test_any_one_credential_without_a_mode_means_production_and_names_the_rest(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "value-1")
    with pytest.raises(ConfigError) as error:
        load_settings()
    message = str(error.value)
    assert "production mode (Bot Framework credentials are set) needs" in message
    assert "STEPUP_HMAC_KEY" in message and "value-1" not in message


def test_local_mode_with_credentials_is_refused_and_names_the_switch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _credentials(monkeypatch)
    monkeypatch.setenv("STEPUP_MODE", "local")
    with pytest.raises(ConfigError) as error:
        load_settings()
    message = str(error.value)
    assert "STEPUP_INSECURE_LOCAL_MODE=1" in message and "MicrosoftAppPassword" in message
    assert "secret-1" not in message


@pytest.mark.parametrize("mode", [None, "local"])
def test_the_insecure_switch_runs_local_mode_with_credentials(
    monkeypatch: pytest.MonkeyPatch, mode: str | None
) -> None:
    _credentials(monkeypatch)
    if mode:
        monkeypatch.setenv("STEPUP_MODE", mode)
    monkeypatch.setenv("STEPUP_INSECURE_LOCAL_MODE", "1")
    settings = load_settings()
    assert settings.mode is Mode.LOCAL and not settings.auth_enabled


def test_the_insecure_switch_contradicts_production(monkeypatch: pytest.MonkeyPatch) -> None:
    _credentials(monkeypatch)
    monkeypatch.setenv("STEPUP_MODE", "production")
    monkeypatch.setenv("STEPUP_INSECURE_LOCAL_MODE", "1")
    with pytest.raises(ConfigError, match="STEPUP_INSECURE_LOCAL_MODE"):
        load_settings()


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "", "192.0.2.10", "bot.northdown.example"])
@pytest.mark.parametrize("insecure", [False, True])
def test_local_mode_refuses_to_listen_beyond_loopback(
    monkeypatch: pytest.MonkeyPatch, host: str, insecure: bool
) -> None:
    if insecure:
        _credentials(monkeypatch)
        monkeypatch.setenv("STEPUP_INSECURE_LOCAL_MODE", "1")
    monkeypatch.setenv("HOST", host)
    with pytest.raises(ConfigError, match="HOST must be 127.0.0.1, ::1 or localhost"):
        load_settings()


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "[::1]", "localhost", "127.0.0.2"])
def test_local_mode_listens_on_loopback(monkeypatch: pytest.MonkeyPatch, host: str) -> None:
    monkeypatch.setenv("STEPUP_MODE", "local")
    monkeypatch.setenv("HOST", host)
    assert load_settings().mode is Mode.LOCAL


def test_production_may_listen_on_every_interface(monkeypatch: pytest.MonkeyPatch) -> None:
    _credentials(monkeypatch)
    monkeypatch.setenv("HOST", "0.0.0.0")
    assert load_settings().host == "0.0.0.0"


def test_audit_exports_go_through_teams_in_production_and_to_a_file_locally() -> None:
    production = load_settings(
        mode="production",
        app_id="5a0e9f3c-7d21-4b8e-a6f4-1c9d2e3b4a50",
        app_password="not-a-real-secret",
        app_tenant_id="6f1c2b7e-0d4a-4c1e-9a57-3b2f8e0d9c11",
        encryption_keys="k1:" + "A" * 43 + "=",
        hmac_key="B" * 44,
    )
    assert production.exports_via_teams
    assert not load_settings().exports_via_teams
    assert load_settings(export_delivery="teams").exports_via_teams
    with pytest.raises(ConfigError, match="export_delivery"):
        load_settings(export_delivery="e-mail")


def test_production_uploads_only_to_https_and_never_to_a_url_without_a_host() -> None:
    onedrive = {"uploadUrl": "https://northdown-my.sharepoint.com/upload?session=1"}
    plain = {"uploadUrl": "http://127.0.0.1:8080/upload/x.csv"}
    assert usable_upload_url(onedrive, https_only=True) == onedrive["uploadUrl"]
    assert usable_upload_url(plain, https_only=True) is None
    assert usable_upload_url(plain, https_only=False) == plain["uploadUrl"]
    for bad in ({"uploadUrl": "file:///etc/passwd"}, {"uploadUrl": "https://"}, {}, "x", None):
        assert usable_upload_url(bad, https_only=False) is None
