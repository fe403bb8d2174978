"""The playground's how-to stays true: every screenshot docs/playground.md shows is a real PNG in
docs/img/ (and none is left unshown), and `make demo-as USER=…` makes that person the current user
with everyone else still in the list (scripts/playground_as.py)."""

from __future__ import annotations

import importlib.util
import re
from types import ModuleType

import pytest

from settings import ROOT

DOCS = ROOT / "docs"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _script() -> ModuleType:
    path = ROOT / "scripts" / "playground_as.py"
    spec = importlib.util.spec_from_file_location("playground_as", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_screenshot_the_playground_page_shows_exists_and_every_one_is_shown() -> None:
    page = (DOCS / "playground.md").read_text(encoding="utf-8")
    shown = set(re.findall(r"!\[[^\]]*\]\((img/[^)]+\.png)\)", page))
    assert len(shown) >= 6  # post, card, checklist, acknowledge, details, outcome at least
    for relative in shown:
        path = DOCS / relative
        assert path.is_file(), f"{relative} is shown but missing"
        head = path.read_bytes()[:24]
        assert head.startswith(PNG_SIGNATURE), f"{relative} is not a PNG"
        width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
        assert width >= 400 and height >= 300, f"{relative} is {width}x{height}"
    kept = {f"img/{p.name}" for p in (DOCS / "img").glob("playground-*.png")}
    assert kept == shown, f"not shown: {sorted(kept - shown)}"


@pytest.mark.parametrize("user", ["tom", "Ewa", "grace"])
def test_demo_as_makes_the_person_current_and_keeps_everyone_else(user: str) -> None:
    script = _script()
    original = script.yaml.safe_load(script.CONFIG.read_text())
    everyone = {p["aadObjectId"] for p in [original["currentUser"], *original["users"]]}
    config = script.config_as(user)
    assert str(config["currentUser"]["givenName"]).lower() == user.lower()
    others = {p["aadObjectId"] for p in config["users"]}
    assert config["currentUser"]["aadObjectId"] not in others
    assert others | {config["currentUser"]["aadObjectId"]} == everyone  # Priya among them


def test_demo_as_an_unknown_person_says_whom_to_choose() -> None:
    with pytest.raises(SystemExit) as refused:
        _script().config_as("mallory")
    assert "no demo person 'mallory'" in str(refused.value) and "tom" in str(refused.value)
