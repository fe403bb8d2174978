"""Settings for the Teams app package (names, URLs, version), read from STEPUP_* variables."""

from __future__ import annotations

import re
import uuid

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from settings import Mode

DEMO_BOT_APP_ID = "00000000-0000-0000-0000-000000000001"
"""A clearly fake bot id for local demo packages; Teams will not reach any bot with it."""

TEAMS_APP_NAMESPACE = uuid.UUID("8d9d6a03-6a4d-45db-8604-cf85bb1d58e9")
"""Namespace of the Teams app id derived from the bot id (stable across upgrades)."""

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_DEMO_SITE = "https://www.northdown.example/step-up-bot"


def _alias(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class PackageSettings(BaseSettings):
    """What the manifest says about the app; the defaults describe the Northdown demo."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    mode: Mode = Field(Mode.LOCAL, validation_alias=_alias("STEPUP_MODE", "mode"))
    """`production` refuses to package without a real bot id."""

    bot_app_id: str = Field("", validation_alias=_alias("MicrosoftAppId", "bot_app_id"))
    """The bot's Entra app id (the Azure Bot registration's Microsoft App ID)."""

    teams_app_id: str = Field("", validation_alias=_alias("STEPUP_TEAMS_APP_ID", "teams_app_id"))
    """The Teams app id; empty derives a stable one from the bot id. Never change it later."""

    app_name: str = Field(
        "Step Up Bot", max_length=30, validation_alias=_alias("STEPUP_APP_NAME", "app_name")
    )
    """Short app name shown in Teams (30 characters at most)."""

    app_full_name: str = Field(
        "Step Up Bot: step-up consultations with the MAP duty manager",
        max_length=100,
        validation_alias=_alias("STEPUP_APP_FULL_NAME", "app_full_name"),
    )
    """Full app name (100 characters at most)."""

    public_host: str = Field(
        "stepup-bot.northdown.example",
        validation_alias=_alias("STEPUP_PUBLIC_HOST", "public_host"),
    )
    """Host name the bot is served on (no scheme, no path): goes into validDomains."""

    package_version: str = Field(
        "1.0.0", validation_alias=_alias("STEPUP_PACKAGE_VERSION", "package_version")
    )
    """App package version (x.y.z); raise it for every upload of a changed package."""

    developer_name: str = Field(
        "Northdown Council",
        max_length=32,
        validation_alias=_alias("STEPUP_DEVELOPER_NAME", "developer_name"),
    )
    """Publisher shown in Teams (32 characters at most)."""

    developer_website_url: str = Field(
        _DEMO_SITE, validation_alias=_alias("STEPUP_DEVELOPER_WEBSITE_URL", "developer_website_url")
    )
    """Support page for the app."""

    privacy_url: str = Field(
        f"{_DEMO_SITE}/privacy", validation_alias=_alias("STEPUP_PRIVACY_URL", "privacy_url")
    )
    """Privacy notice covering the bot's processing."""

    terms_url: str = Field(
        f"{_DEMO_SITE}/terms", validation_alias=_alias("STEPUP_TERMS_URL", "terms_url")
    )
    """Terms of use."""

    accent_color: str = Field(
        "#1F5C99", validation_alias=_alias("STEPUP_ACCENT_COLOR", "accent_color")
    )
    """Background of the colour icon (#rrggbb)."""

    @field_validator("bot_app_id", "teams_app_id")
    @classmethod
    def _guid_or_empty(cls, value: str) -> str:
        value = value.strip()
        if value and not _GUID.match(value):
            raise ValueError("must be a GUID like 12345678-90ab-cdef-1234-567890abcdef")
        return value.lower()

    @field_validator("public_host")
    @classmethod
    def _host_name(cls, value: str) -> str:
        value = value.strip().lower()
        if not _HOST.match(value):
            raise ValueError("must be a host name such as stepup.example.gov.uk (no https://)")
        return value

    @field_validator("package_version")
    @classmethod
    def _semver(cls, value: str) -> str:
        if not _SEMVER.match(value):
            raise ValueError("must be a version like 1.0.0")
        return value

    @field_validator("developer_website_url", "privacy_url", "terms_url")
    @classmethod
    def _https(cls, value: str) -> str:
        if not value.startswith("https://") or len(value) > 2048:
            raise ValueError("must be an https:// URL")
        return value

    @field_validator("accent_color")
    @classmethod
    def _colour(cls, value: str) -> str:
        if not re.match(r"^#[0-9a-fA-F]{6}$", value):
            raise ValueError("must be a colour like #1F5C99")
        return value

    @model_validator(mode="after")
    def _production_needs_bot_id(self) -> PackageSettings:
        if self.mode is Mode.PRODUCTION and not self.bot_app_id:
            raise ValueError("a production package needs MicrosoftAppId (the bot's app id)")
        return self

    @property
    def is_demo(self) -> bool:
        """True when no bot id is set and the fake demo id stands in."""
        return not self.bot_app_id

    @property
    def bot_id(self) -> str:
        """The bot id written into the manifest (the demo id when none is configured)."""
        return self.bot_app_id or DEMO_BOT_APP_ID

    @property
    def app_id(self) -> str:
        """The Teams app id: configured, or derived from the bot id so it never drifts."""
        return self.teams_app_id or str(uuid.uuid5(TEAMS_APP_NAMESPACE, self.bot_id))
