"""Evaluation sets written by independent writers: each a folder under tests/data/privacy/sets/.

A set folder holds `directory.json` (its own fictional council: staff and vocabulary, in the shape
of tests/data/privacy/northdown.json) and `messages.txt` (blocks split by a `---` line, the first
line `author: Name <email>`, family data marked `<<TYPE:text>>` and must-keep text `{{text}}`).
A `FROZEN` file marks the blind set: reported, never used to change the screen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.data.privacy.generate import parse

SETS = Path(__file__).resolve().parent.parent / "tests" / "data" / "privacy" / "sets"
_AUTHOR = re.compile(r"^author: (.+?) <(.+)>$")


@dataclass(frozen=True)
class EvaluationSet:
    """One writer's set, ready for `privacy_bench.evaluate`."""

    name: str
    folder: Path
    frozen: bool
    rows: list[dict[str, Any]]

    @property
    def directory(self) -> Path:
        """The set's own council directory and vocabulary."""
        return self.folder / "directory.json"


def read_messages(text: str, prefix: str) -> list[dict[str, Any]]:
    """The labelled rows of one messages.txt (comment lines starting with # are skipped)."""
    rows: list[dict[str, Any]] = []
    for block in re.split(r"^---$", text, flags=re.M):
        lines = [line for line in block.strip("\n").splitlines() if not line.startswith("#")]
        if not lines or not "".join(lines).strip():
            continue
        author = _AUTHOR.match(lines[0])
        if author is None:
            raise ValueError(f"{prefix}{len(rows) + 1}: first line must be 'author: Name <email>'")
        body, family, keep = parse("\n".join(lines[1:]).strip("\n"))
        rows.append(
            {
                "id": f"{prefix}{len(rows) + 1:03d}",
                "author": {"name": author.group(1), "email": author.group(2)},
                "text": body,
                "family": family,
                "keep": keep,
            }
        )
    return rows


def load_sets(root: Path = SETS) -> list[EvaluationSet]:
    """Every set folder under `root`, by name (none if the folder does not exist)."""
    found: list[EvaluationSet] = []
    for folder in sorted(p for p in root.glob("*") if (p / "messages.txt").is_file()):
        rows = read_messages((folder / "messages.txt").read_text(encoding="utf-8"), folder.name)
        found.append(EvaluationSet(folder.name, folder, (folder / "FROZEN").exists(), rows))
    return found
