"""Package settings for the infra tests, isolated from the developer's environment and .env."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

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


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in PACKAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no developer .env is read


def package_settings(**values: Any) -> PackageSettings:
    """Settings from explicit values only."""
    return PackageSettings(_env_file=None, **values)
