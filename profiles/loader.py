"""Load a council profile from YAML, reporting each problem with the line at fault."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml
from pydantic import ValidationError

from profiles.schema import Profile


class ProfileError(Exception):
    """The profile cannot be used; `problems` lists "line N: where: what" strings."""

    def __init__(self, path: Path, problems: Sequence[str]) -> None:
        self.path = path
        self.problems = tuple(problems)
        super().__init__(f"{path}: " + "; ".join(self.problems))


def load_profile(path: Path) -> Profile:
    """Read, parse and validate the profile at `path`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(path, [f"cannot read the file ({exc.strerror})"]) from None
    return parse_profile(text, path)


def parse_profile(text: str, path: Path = Path("<profile>")) -> Profile:
    """Validate YAML text as a profile."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        reason = getattr(exc, "problem", None) or "not valid YAML"
        raise ProfileError(path, [f"{where}{reason}"]) from None
    if not isinstance(data, dict):
        raise ProfileError(path, ["line 1: the profile must be a mapping of sections"])
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(path, validation_problems(exc, node, "profile")) from None


def validation_problems(exc: ValidationError, node: yaml.Node | None, root: str) -> list[str]:
    """Each of pydantic's errors as "line N: path: message", N the YAML line at fault."""
    problems = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        where = ".".join(str(part) for part in loc) or root
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"line {_line_of(node, loc)}: {where}: {message}")
    return problems


def _line_of(node: yaml.Node | None, loc: tuple[object, ...]) -> int:
    """The 1-based line of the deepest YAML node that `loc` reaches."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        child = _child(node, part)
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line


def _child(node: yaml.Node | None, part: object) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == str(part):
                return value
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return node.value[part]
    return None
