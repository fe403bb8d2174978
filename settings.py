"""Typed settings, read once at start-up from the environment (and a `.env` file)."""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent
DEMO_PROFILE = ROOT / "profiles" / "demo.yaml"
DEFAULT_DATABASE_URL = f"sqlite:///{ROOT / 'var' / 'stepup.db'}"


class Mode(StrEnum):
    """How the bot authenticates and where it reads the directory from."""

    LOCAL = "local"
    PRODUCTION = "production"


class ConfigError(Exception):
    """The configuration cannot run; the message names what to fix and never holds a secret."""


def _alias(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    """Every setting the service reads. Environment variable names are case-insensitive."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    mode: Mode = Field(Mode.LOCAL, validation_alias=_alias("STEPUP_MODE", "mode"))
    """`local` (no credentials, auth off, directory from the profile) or `production`. Unset,
    it is `production` as soon as a Bot Framework credential is set (see `_resolve_mode`)."""

    insecure_local_mode: bool = Field(
        False, validation_alias=_alias("STEPUP_INSECURE_LOCAL_MODE", "insecure_local_mode")
    )
    """Run local mode (authentication off) although Bot Framework credentials are set."""

    host: str = Field("127.0.0.1", validation_alias=_alias("HOST", "host"))
    """Interface to listen on; set 0.0.0.0 in a container (production mode only)."""

    port: int = Field(3978, ge=1, le=65535, validation_alias=_alias("PORT", "port"))
    """TCP port of the bot endpoint (`POST /api/messages`)."""

    database_url: str = Field(
        DEFAULT_DATABASE_URL, validation_alias=_alias("DATABASE_URL", "database_url")
    )
    """SQLAlchemy URL: `sqlite:///path.db` (default, under ./var/) or `postgresql://user@host/db`."""

    migration_database_url: SecretStr | None = Field(
        None,
        validation_alias=_alias("STEPUP_MIGRATION_DATABASE_URL", "migration_database_url"),
    )
    """PostgreSQL URL of the login that owns the tables and runs `migrate` (and migrations on
    start). Set it, and DATABASE_URL's login becomes a least-privilege member of `stepup_app`
    that cannot alter, truncate or un-trigger the audit trail (docs/deploy.md). Unset: the
    migrations run as DATABASE_URL's login."""

    teams_dialogs: bool = Field(
        True, validation_alias=_alias("STEPUP_TEAMS_DIALOGS", "teams_dialogs")
    )
    """Whether the client opens Teams dialogs (task modules). Off, "Provide details privately"
    sends the details form to the requester's 1:1 chat and says so. `app.py dev` turns it off
    for the Agents Playground, which opens no dialogs."""

    pacing: bool = Field(True, validation_alias=_alias("STEPUP_PACING", "pacing"))
    """Keep every call to Teams within its rate limits (services/pacing.py). Off only to
    measure what happens without it (bench/pacing_bench.py, the e2e pacing tests)."""

    profile_path: Path = Field(
        DEMO_PROFILE, validation_alias=_alias("STEPUP_PROFILE", "profile_path")
    )
    """Path of the council profile YAML (people, roles, rota, hours, texts)."""

    app_id: str = Field("", validation_alias=_alias("MicrosoftAppId", "app_id"))
    """Bot (Entra app) id from the Azure Bot registration. Empty only in local mode."""

    app_password: SecretStr = Field(
        SecretStr(""), validation_alias=_alias("MicrosoftAppPassword", "app_password")
    )
    """Client secret of the bot's Entra app (not needed for UserAssignedMSI)."""

    app_type: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = Field(
        "SingleTenant", validation_alias=_alias("MicrosoftAppType", "app_type")
    )
    """Bot registration type; new registrations are SingleTenant or UserAssignedMSI."""

    app_tenant_id: str = Field("", validation_alias=_alias("MicrosoftAppTenantId", "app_tenant_id"))
    """Entra tenant id of the bot registration (required for SingleTenant and MSI)."""

    encryption_keys: SecretStr = Field(
        SecretStr(""), validation_alias=_alias("STEPUP_ENCRYPTION_KEYS", "encryption_keys")
    )
    """AES-256 key ring for the EHM number and phone columns: `id:base64key,...`, current key
    first (rotation: prepend a new key, re-encrypt, then drop the old one). Required in
    production; local mode makes a development key under var/ when it is empty."""

    hmac_key: SecretStr = Field(
        SecretStr(""), validation_alias=_alias("STEPUP_HMAC_KEY", "hmac_key")
    )
    """Base64 key (32+ bytes) for the keyed hash that spots a re-referral of the same family.
    Never rotate it casually: old hashes stop matching new ones."""

    migrate_on_start: bool = Field(
        True, validation_alias=_alias("STEPUP_MIGRATE_ON_START", "migrate_on_start")
    )
    """Apply Alembic migrations when the app starts (turn off when a release job migrates)."""

    http_idle_seconds: float = Field(
        15.0, gt=0, le=300, validation_alias=_alias("STEPUP_HTTP_IDLE_SECONDS", "http_idle_seconds")
    )
    """How long a connection may sit idle, or take to send a request's headers or its body,
    before it is closed (seconds): half-sent requests must not hold connections open."""

    tick_seconds: float = Field(
        30.0, gt=0, le=300, validation_alias=_alias("STEPUP_TICK_SECONDS", "tick_seconds")
    )
    """How often the scheduler asks for due escalations (seconds)."""

    log_level: str = Field("INFO", validation_alias=_alias("LOG_LEVEL", "log_level"))
    """Root log level (DEBUG, INFO, WARNING...)."""

    export_delivery: Literal["teams", "file"] | None = Field(
        None, validation_alias=_alias("STEPUP_EXPORT_DELIVERY", "export_delivery")
    )
    """How an audit export reaches a MAP team manager: `teams` (a file consent card in their
    1:1 chat, then an upload to their OneDrive) or `file` (written under `export_dir`). Unset:
    `teams` in production, `file` in local mode (the playground cannot take uploads)."""

    export_dir: Path = Field(
        ROOT / "var" / "exports", validation_alias=_alias("STEPUP_EXPORT_DIR", "export_dir")
    )
    """Where `file` delivery writes exports (directory 0700, files 0600)."""

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql", "postgres")):
            raise ValueError("DATABASE_URL must be a sqlite:/// or postgresql:// URL")
        return value

    @model_validator(mode="after")
    def _resolve_mode(self) -> Settings:
        """Secure by default: credentials mean production; local mode only on loopback.

        Local mode turns inbound authentication off and adds the movable dev clock, so it is
        never the silent result of a forgotten STEPUP_MODE on a machine that holds a bot's
        credentials, and it never listens where anyone but this machine can reach it.
        """
        given = "mode" in self.model_fields_set
        credentials = self.credentials_set()
        if self.insecure_local_mode and given and self.mode is Mode.PRODUCTION:
            raise ValueError(
                "STEPUP_INSECURE_LOCAL_MODE=1 asks for local mode but STEPUP_MODE=production: "
                "unset one of them"
            )
        if credentials and not self.insecure_local_mode:
            if given and self.mode is Mode.LOCAL:
                raise ValueError(
                    "STEPUP_MODE=local turns authentication off, but "
                    + " and ".join(credentials)
                    + " are set: unset STEPUP_MODE for production, or set "
                    "STEPUP_INSECURE_LOCAL_MODE=1 to run local mode with them anyway"
                )
            self.mode = Mode.PRODUCTION
        if self.mode is Mode.PRODUCTION:
            missing = self.missing_credentials()
            if missing:
                why = "" if given else " (Bot Framework credentials are set)"
                raise ValueError(
                    f"production mode{why} needs " + ", ".join(missing) + " (set "
                    "STEPUP_MODE=local, without Bot Framework credentials, to run locally)"
                )
        elif not _is_loopback(self.host):
            raise ValueError(
                f"local mode has authentication off and listens on loopback only: HOST must be "
                f"127.0.0.1, ::1 or localhost, not {self.host!r} (production mode may listen "
                "on any interface)"
            )
        return self

    def credentials_set(self) -> list[str]:
        """Names of the Bot Framework credential variables that hold a value."""
        names = []
        if self.app_id:
            names.append("MicrosoftAppId")
        if self.app_password.get_secret_value():
            names.append("MicrosoftAppPassword")
        return names

    def missing_credentials(self) -> list[str]:
        """Names of the Bot Framework variables production mode still lacks."""
        missing = []
        if not self.app_id:
            missing.append("MicrosoftAppId")
        if self.app_type != "UserAssignedMSI" and not self.app_password.get_secret_value():
            missing.append("MicrosoftAppPassword")
        if self.app_type in ("SingleTenant", "UserAssignedMSI") and not self.app_tenant_id:
            missing.append("MicrosoftAppTenantId")
        if not self.encryption_keys.get_secret_value():
            missing.append("STEPUP_ENCRYPTION_KEYS")
        if not self.hmac_key.get_secret_value():
            missing.append("STEPUP_HMAC_KEY")
        return missing

    @property
    def bot_id(self) -> str:
        """The bot's Teams id ("28:" + app id); local mode has no registration, so a stand-in."""
        return f"28:{self.app_id}" if self.app_id else "28:local-step-up-bot"

    @property
    def auth_enabled(self) -> bool:
        """Whether inbound requests must carry a valid Bot Framework token."""
        return self.mode is Mode.PRODUCTION

    @property
    def exports_via_teams(self) -> bool:
        """Whether audit exports go through Teams' file consent flow (see `export_delivery`)."""
        if self.export_delivery is None:
            return self.mode is Mode.PRODUCTION
        return self.export_delivery == "teams"

    @property
    def dev_tools_enabled(self) -> bool:
        """Local-only routes (the movable clock) exist only when this is true."""
        return self.mode is Mode.LOCAL


def _is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def load_settings(**overrides: object) -> Settings:
    """Read and validate the settings, turning validation errors into one readable ConfigError."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"]) or "settings"
            problems.append(f"{where}: {error['msg']}")
        raise ConfigError("invalid settings: " + "; ".join(problems)) from None
