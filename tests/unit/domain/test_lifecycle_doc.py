"""domain/LIFECYCLE.md stays true to the code, and domain/ stays free of frameworks."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from domain.lifecycle import ESCALATIONS, FROM_STATES, TO_STATE, Action, Status

DOMAIN = Path(__file__).resolve().parents[3] / "domain"
DOC = (DOMAIN / "LIFECYCLE.md").read_text(encoding="utf-8")
EDGE = re.compile(r"^\s*(\[\*\]|\w+)\s*-->\s*(\[\*\]|\w+)(?:\s*:\s*(\w+))?", re.MULTILINE)
ROW = re.compile(r"^\|\s*`(\w+)`\s*\|[^|]*\|([^|]*)\|([^|]*)\|\s*$", re.MULTILINE)
FRAMEWORKS = {"botbuilder", "aiohttp", "sqlalchemy", "msgraph", "apscheduler", "pydantic"}


def mermaid() -> str:
    """The body of the page's only Mermaid block."""
    blocks = re.findall(r"```mermaid\n(.*?)```", DOC, re.DOTALL)
    assert len(blocks) == 1
    assert blocks[0].lstrip().startswith("stateDiagram-v2")
    return str(blocks[0])


def test_the_diagram_names_every_status() -> None:
    named = {word for a, b, _ in EDGE.findall(mermaid()) for word in (a, b)}
    assert {s.name for s in Status} <= named


def test_every_diagram_edge_is_a_transition_in_the_code_and_none_is_missing() -> None:
    drawn = {(a, b, verb) for a, b, verb in EDGE.findall(mermaid()) if b != "[*]"}
    expected = {
        (source.name, target.name, action.value)
        for action, target in TO_STATE.items()
        if target is not None
        for source in FROM_STATES[action]
    }
    assert drawn == expected | {("[*]", "SUBMITTED", "submit")}


def test_the_terminal_states_end_the_diagram() -> None:
    ends = {a for a, b, _ in EDGE.findall(mermaid()) if b == "[*]"}
    assert ends == {Status.CLOSED.name, Status.WITHDRAWN.name}


def section(title: str) -> str:
    """The text under a `## title` heading, up to the next one."""
    return DOC.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_the_table_lists_every_transition_with_its_from_and_to_states() -> None:
    table = ROW.findall(section("Transitions"))
    rows = {verb: (cells_from, cells_to) for verb, cells_from, cells_to in table}
    assert set(rows) == {a.value for a in Action} | {"submit"}
    for action in Action:
        cells_from, cells_to = rows[action.value]
        assert {s.strip() for s in cells_from.split(",")} == {s.name for s in FROM_STATES[action]}
        target = TO_STATE[action]
        assert cells_to.strip() == ("unchanged" if target is None else target.name)


def test_the_escalation_table_lists_every_key_with_its_level() -> None:
    rows = re.findall(r"^\|\s*`(\w+)`\s*\|\s*(\w+) \((\d)\)", section("Escalations"), re.MULTILINE)
    levels = {key: rule.level for key, rule in ESCALATIONS.items()}
    expected = {(key.value, level.name, str(int(level))) for key, level in levels.items()}
    assert set(rows) == expected


def domain_modules() -> list[Path]:
    """Every Python module in domain/, including ones other engineers add."""
    return sorted(DOMAIN.glob("*.py"))


def imported_roots(path: Path) -> set[str]:
    """Top-level package names a module imports."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("path", domain_modules(), ids=lambda p: p.name)
def test_no_domain_module_imports_a_framework(path: Path) -> None:
    assert imported_roots(path).isdisjoint(FRAMEWORKS)


@pytest.mark.parametrize("path", domain_modules(), ids=lambda p: p.name)
def test_no_domain_module_reads_the_clock(path: Path) -> None:
    calls = {
        node.func.attr
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    assert calls.isdisjoint({"now", "utcnow", "today"})


def test_the_import_check_would_catch_a_framework_import(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("import aiohttp.web\nfrom sqlalchemy.orm import registry\n", encoding="utf-8")
    assert imported_roots(module) >= {"aiohttp", "sqlalchemy"}
