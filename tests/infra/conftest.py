"""Infra tests run without the developer's environment variables or .env file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.infra.helpers import PACKAGE_VARIABLES


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in PACKAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no developer .env is read
