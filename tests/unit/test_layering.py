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


# -- every folder: the imports it may make, and the known exceptions still to remove -----------

# What each top-level folder may import of the project (docs/architecture.md, "Layers"):
# app.py and cli.py compose everything; bot/ is the edge over the adapters; the adapters
# (storage/, graph/, dialogs/, reports/) implement or use the services' ports; services/,
# cards/, profiles/ and settings.py sit on the pure domain/ and privacy/.
MAY_IMPORT: dict[str, set[str]] = {
    "domain": set(),
    "privacy": set(),
    "observability": set(),
    "settings": set(),
    "scheduler": set(),
    "infra": {"settings"},
    "services": {"domain"},
    "cards": {"domain", "services"},
    "profiles": {"domain", "services", "settings"},
    "storage": {"domain", "services", "settings"},
    "graph": ALLOWED - {"graph"},
    "dialogs": {"cards", "domain", "services"},
    "reports": {"domain", "profiles", "services", "settings", "storage"},
    "bot": {
        "cards",
        "dialogs",
        "domain",
        "graph",
        "observability",
        "privacy",
        "profiles",
        "reports",
        "scheduler",
        "services",
        "settings",
        "storage",
    },
}
# Imports against the layers that exist today, each with what removing it takes (issue 15's
# thin edge). The test fails on a new one, and on one of these once it is gone, so the table
# and docs/architecture.md stay true.
KNOWN_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("dialogs", "bot"): "the details dialog sends through bot.messenger and bot.views",
    ("cards", "reports"): "the report and audit cards render reports' figures and trail",
    ("reports", "cards"): "reports/schedule.py builds the quarterly card it sends",
    ("profiles", "storage"): "check-config names the database backend (storage.db.async_url)",
}
TOP_LEVEL = sorted(MAY_IMPORT)


def _modules(name: str) -> list[Path]:
    folder = ROOT / name
    return sorted(folder.rglob("*.py")) if folder.is_dir() else [ROOT / f"{name}.py"]


def imports_of(name: str) -> set[str]:
    """The project packages any module of folder (or module) `name` imports, itself excluded;
    a relative import stays inside the package, so it names nothing else."""
    found: set[str] = set()
    for path in _modules(name):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                found.add((node.module or "").split(".")[0])
    return (found & PROJECT) - {name}


def test_every_top_level_folder_is_in_the_table() -> None:
    # app.py and cli.py compose everything; tests/, bench/ and scripts/ drive it from outside.
    assert PROJECT - {"app", "cli", "tests", "bench", "scripts"} == set(TOP_LEVEL)


def test_each_folder_imports_only_what_its_layer_allows() -> None:
    wrong = {
        (folder, name) for folder in TOP_LEVEL for name in imports_of(folder) - MAY_IMPORT[folder]
    }
    assert wrong - set(KNOWN_EXCEPTIONS) == set(), "a new import against the layers"
    assert set(KNOWN_EXCEPTIONS) - wrong == set(), "an exception is gone: drop it from the table"
