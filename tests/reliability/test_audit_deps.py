"""scripts/audit_deps.sh judges pip-audit's report: fixable vulnerabilities fail, nothing audited
is a visible SKIP (pip-audit alone calls that "No known vulnerabilities found"). Offline: the
reports are written here in pip-audit's JSON format; the live audit needs the network."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from settings import ROOT

SCRIPT = ROOT / "scripts" / "audit_deps.sh"

SKIPPED = {
    "name": "aiohttp",
    "skip_reason": "Dependency not found on PyPI and could not be audited",
}
CLEAN = {"name": "pyyaml", "version": "6.0.3", "vulns": []}
FIXABLE = {
    "name": "jinja2",
    "version": "3.1.2",
    "vulns": [
        {
            "id": "GHSA-h5c8-rqwp-cp95",
            "fix_versions": ["3.1.3"],
            "aliases": ["CVE-2024-22195"],
            "description": "xmlattr filter allows keys with spaces",
        }
    ],
}
UNFIXED = {
    "name": "ecdsa",
    "version": "0.19.1",
    "vulns": [{"id": "GHSA-wj6h-64fc-37mp", "fix_versions": [], "aliases": ["CVE-2024-23342"]}],
}


def judge(tmp_path: Path, dependencies: list[dict[str, Any]], **env: str) -> tuple[int, str]:
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"dependencies": dependencies, "fixes": []}))
    result = subprocess.run(
        ["bash", str(SCRIPT), "--report", str(report)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHON": sys.executable, **env},
        timeout=60,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


def test_a_vulnerability_with_a_fix_fails(tmp_path: Path) -> None:
    code, out = judge(tmp_path, [CLEAN, FIXABLE, UNFIXED])
    assert code == 1, out
    assert "VULNERABLE: jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 (CVE-2024-22195), fixed in 3.1.3" in out


def test_a_vulnerability_without_a_fix_is_listed_but_passes(tmp_path: Path) -> None:
    code, out = judge(tmp_path, [CLEAN, UNFIXED, SKIPPED])
    assert code == 0, out
    assert "known, no fix yet: ecdsa 0.19.1" in out
    assert "warning: not audited: aiohttp" in out
    assert out.strip().endswith("(1 without a fix yet, 1 not audited).")


@pytest.mark.parametrize("required", ["", "1"])
def test_nothing_audited_is_a_visible_skip_not_a_pass(tmp_path: Path, required: str) -> None:
    code, out = judge(
        tmp_path, [SKIPPED, dict(SKIPPED, name="sqlalchemy")], AUDIT_DEPS_REQUIRE_DB=required
    )
    assert code == (3 if required else 0), out
    assert out.startswith("SKIP: no vulnerability database answered for any of the 2 locked")
