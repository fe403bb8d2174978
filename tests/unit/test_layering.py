"""graph/ is an adapter behind the services' ports: it never imports the Bot Framework edge.

docs/architecture.md: imports point down. graph/ may use services/, domain/, privacy/,
profiles/ and settings, and the libraries it wraps; anything that needs bot/ (block mode's
guard, which extends bot.guard.ChannelGuard) lives in bot/.
"""

from __future__ import annotations

import ast
from pathlib import Path

from settings import ROOT

GRAPH = ROOT / "graph"
ALLOWED = {"graph", "services", "domain", "privacy", "profiles", "settings"}
# The project's own top-level packages and modules (the rest are libraries).
PROJECT = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()} | {
    p.stem for p in ROOT.glob("*.py")
}


def imported(path: Path) -> set[str]:
    """Top-level names of every module `path` imports (relative imports count as graph)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("graph" if node.level else (node.module or "").split(".")[0])
    return names


def test_graph_imports_only_the_layers_below_it() -> None:
    modules = sorted(GRAPH.rglob("*.py"))
    assert len(modules) >= 10
    wrong = {
        str(path.relative_to(ROOT)): sorted((imported(path) & PROJECT) - ALLOWED)
        for path in modules
    }
    assert {path: names for path, names in wrong.items() if names} == {}


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "wiring.py"
    module.write_text(
        "from bot.guard import ChannelGuard\nimport storage.db\nfrom . import client\n",
        encoding="utf-8",
    )
    assert (imported(module) & PROJECT) - ALLOWED == {"bot", "storage"}
