"""The generated manifest against Microsoft's schema, bundled in @microsoft/app-manifest."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from infra.package import build_package
from infra.teams.manifest import MANIFEST_VERSION
from settings import ROOT
from tests.infra.helpers import BOT_ID, package_settings

VALIDATOR = ROOT / "infra" / "teams" / "validate_manifest.mjs"
SCHEMAS = ROOT / "node_modules" / "@microsoft" / "app-manifest" / "build" / "json-schemas" / "teams"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed (it runs the schema)")


def _validate(manifest: dict[str, Any], tmp_path: Path) -> tuple[int, dict[str, Any]]:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    assert NODE is not None
    done = subprocess.run(  # noqa: S603 - our own script, no shell
        [NODE, str(VALIDATOR), str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    return done.returncode, json.loads(done.stdout)


def _built(tmp_path: Path, **values: Any) -> dict[str, Any]:
    zipped = build_package(tmp_path / "app.zip", package_settings(**values))
    with zipfile.ZipFile(zipped) as archive:
        return json.loads(archive.read("manifest.json"))


def test_generated_manifest_is_valid(tmp_path: Path) -> None:
    code, result = _validate(_built(tmp_path, bot_app_id=BOT_ID), tmp_path)
    assert (code, result.get("errors"), result.get("error")) == (0, [], None)
    assert result["schema"].endswith(f"v{MANIFEST_VERSION}/MicrosoftTeams.schema.json")


def test_demo_manifest_is_valid_too(tmp_path: Path) -> None:
    code, result = _validate(_built(tmp_path), tmp_path)
    assert (code, result.get("errors")) == (0, [])


def test_validator_rejects_a_broken_manifest(tmp_path: Path) -> None:
    manifest = _built(tmp_path, bot_app_id=BOT_ID)
    del manifest["developer"]
    manifest["bots"][0]["scopes"].append("everywhere")
    code, result = _validate(manifest, tmp_path)
    assert code == 1
    assert any("developer" in error for error in result["errors"])
    assert any("/bots/0/scopes" in error for error in result["errors"])


def test_validator_refuses_a_version_without_a_bundled_schema(tmp_path: Path) -> None:
    manifest = _built(tmp_path, bot_app_id=BOT_ID)
    manifest["manifestVersion"] = "9.99"
    manifest["$schema"] = manifest["$schema"].replace(f"v{MANIFEST_VERSION}", "v9.99")
    code, result = _validate(manifest, tmp_path)
    assert code == 2 and "9.99" in result["error"]


def test_manifest_uses_the_newest_schema_the_pinned_package_bundles() -> None:
    versions = [
        tuple(int(n) for n in match.groups())
        for entry in SCHEMAS.iterdir()
        if (match := re.fullmatch(r"v(\d+)\.(\d+)", entry.name))
    ]
    newest = max(versions)
    assert MANIFEST_VERSION == f"{newest[0]}.{newest[1]}"
