"""Microsoft Graph settings (production directory, rota, out of office, block mode)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from settings import ConfigError, Settings

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


class GraphConfigError(ConfigError):
    """Graph cannot be used as configured; the message names what to fix, never a secret."""


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class GraphSettings(BaseSettings):
    """Every Graph setting. Ids and the secret fall back to the bot registration's."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    enabled: bool = Field(False, validation_alias=_env("STEPUP_GRAPH_ENABLED", "enabled"))
    """Ask Graph for people, roles, the rota and out of office; hide posts (block mode)."""

    auth: Literal["secret", "certificate", "managed_identity"] = Field(
        "secret", validation_alias=_env("STEPUP_GRAPH_AUTH", "auth")
    )
    """How the app proves who it is to Entra ID."""

    tenant_id: str = Field("", validation_alias=_env("STEPUP_GRAPH_TENANT_ID", "tenant_id"))
    """Entra tenant id; defaults to MicrosoftAppTenantId."""

    client_id: str = Field("", validation_alias=_env("STEPUP_GRAPH_CLIENT_ID", "client_id"))
    """App (or user-assigned managed identity) client id; defaults to MicrosoftAppId."""

    client_secret: SecretStr = Field(
        SecretStr(""), validation_alias=_env("STEPUP_GRAPH_CLIENT_SECRET", "client_secret")
    )
    """Client secret (auth=secret); defaults to MicrosoftAppPassword."""

    certificate_path: Path | None = Field(
        None, validation_alias=_env("STEPUP_GRAPH_CERTIFICATE_PATH", "certificate_path")
    )
    """PEM or PKCS12 file with the private key (auth=certificate)."""

    certificate_password: SecretStr = Field(
        SecretStr(""),
        validation_alias=_env("STEPUP_GRAPH_CERTIFICATE_PASSWORD", "certificate_password"),
    )
    """Password of the certificate file, if it has one."""

    base_url: str = Field(
        "https://graph.microsoft.com/v1.0",
        validation_alias=_env("STEPUP_GRAPH_BASE_URL", "base_url"),
    )
    """Graph endpoint; tests point it at a local fake (http is accepted for localhost only)."""

    cache_ttl_seconds: float = Field(
        900.0, gt=0, validation_alias=_env("STEPUP_GRAPH_CACHE_TTL", "cache_ttl_seconds")
    )
    """How long people, roles, the rota and out-of-office answers are served from memory."""

    timeout_seconds: float = Field(
        5.0, gt=0, le=60, validation_alias=_env("STEPUP_GRAPH_TIMEOUT", "timeout_seconds")
    )
    """Upper bound of one Graph call made while a Teams activity waits (retries included)."""

    max_retries: int = Field(
        3, ge=0, le=10, validation_alias=_env("STEPUP_GRAPH_MAX_RETRIES", "max_retries")
    )
    """Retries of 429, 503 and 504 (Retry-After is honoured)."""

    retry_delay_seconds: float = Field(
        1.0, ge=0, le=30, validation_alias=_env("STEPUP_GRAPH_RETRY_DELAY", "retry_delay_seconds")
    )
    """Base delay added to the exponential backoff when no Retry-After is given."""

    @field_validator("certificate_path", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # The Azure template always sets the variable; empty means "no certificate".
        return None if value == "" else value

    def missing(self) -> list[str]:
        """Names of the variables the chosen authentication still lacks."""
        missing: list[str] = []
        if self.auth != "managed_identity":
            if not self.tenant_id:
                missing.append("STEPUP_GRAPH_TENANT_ID (or MicrosoftAppTenantId)")
            if not self.client_id:
                missing.append("STEPUP_GRAPH_CLIENT_ID (or MicrosoftAppId)")
        if self.auth == "secret" and not self.client_secret.get_secret_value():
            missing.append("STEPUP_GRAPH_CLIENT_SECRET (or MicrosoftAppPassword)")
        if self.auth == "certificate" and self.certificate_path is None:
            missing.append("STEPUP_GRAPH_CERTIFICATE_PATH")
        return missing


def load_graph_settings(bot: Settings, **overrides: object) -> GraphSettings:
    """Read the Graph settings, fill ids from the bot registration and check they can run."""
    graph, problems = check_graph_settings(bot, **overrides)
    if problems or graph is None:
        raise GraphConfigError(
            "; ".join(problems) + " (or set STEPUP_GRAPH_ENABLED=false to read people and the "
            "rota from the profile)"
        )
    return graph


def check_graph_settings(
    bot: Settings, **overrides: object
) -> tuple[GraphSettings | None, list[str]]:
    """The settings (ids filled from the bot registration) and one line per problem.

    No problems are reported while Graph is off. Lines name variables, never their values.
    """
    try:
        graph = GraphSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        return None, [f"invalid {_variable(e['loc'])}: {e['msg']}" for e in exc.errors()]
    filled = graph.model_copy(
        update={
            "tenant_id": graph.tenant_id or bot.app_tenant_id,
            "client_id": graph.client_id or bot.app_id,
            "client_secret": graph.client_secret
            if graph.client_secret.get_secret_value()
            else bot.app_password,
        }
    )
    if not filled.enabled:
        return filled, []
    problems = [f"STEPUP_GRAPH_AUTH={filled.auth} needs {name}" for name in filled.missing()]
    url = urlsplit(filled.base_url)
    if url.scheme != "https" and not (url.scheme == "http" and url.hostname in _LOCAL_HOSTS):
        problems.append("STEPUP_GRAPH_BASE_URL must be an https:// URL")
    if filled.certificate_path is not None and filled.auth == "certificate":
        if not filled.certificate_path.is_file():
            problems.append("STEPUP_GRAPH_CERTIFICATE_PATH is not a readable file")
    return filled, problems


def _variable(loc: tuple[int | str, ...]) -> str:
    """The environment variable behind a validation error (a field name when passed in code)."""
    name = str(loc[0]) if loc else "Graph settings"
    field = GraphSettings.model_fields.get(name)
    if field is not None and isinstance(field.validation_alias, AliasChoices):
        first = field.validation_alias.choices[0]
        return first if isinstance(first, str) else name
    return name
