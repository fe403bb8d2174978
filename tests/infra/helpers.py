"""Shared values for the infra tests: a bot id and settings built from explicit values only."""

from __future__ import annotations

from typing import Any

from infra.package_settings import PackageSettings

PACKAGE_VARIABLES = (
    "STEPUP_MODE",
    "MicrosoftAppId",
    "STEPUP_TEAMS_APP_ID",
    "STEPUP_APP_NAME",
    "STEPUP_APP_FULL_NAME",
    "STEPUP_PUBLIC_HOST",
    "STEPUP_PACKAGE_VERSION",
    "STEPUP_DEVELOPER_NAME",
    "STEPUP_DEVELOPER_WEBSITE_URL",
    "STEPUP_PRIVACY_URL",
    "STEPUP_TERMS_URL",
    "STEPUP_ACCENT_COLOR",
)
BOT_ID = "4f6a1c2e-9b3d-4e8f-a1b2-c3d4e5f60718"


def package_settings(**values: Any) -> PackageSettings:
    """Settings from explicit values only."""
    return PackageSettings(_env_file=None, **values)
