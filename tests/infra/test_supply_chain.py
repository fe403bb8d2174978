"""The supply chain a council can audit (issue 18): floors above known-vulnerable releases, in the
declared dependencies and in both locks, and no package the code does not import."""

from __future__ import annotations

import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from settings import ROOT

# Releases with published security advisories lie below these; the token validator is PyJWT.
FLOORS = {"aiohttp": "3.14.3", "cryptography": "48.0.1", "pyjwt": "2.13"}
LOCKS = ("requirements/lock.txt", "requirements/runtime.txt")
# Imported nowhere, and it pulled 2019 alphas and stale pins in.
UNWANTED = ("botbuilder-dialogs",)


def _declared() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [Requirement(line) for line in project["dependencies"]]
    return {r.name.lower(): r for r in requirements}


def _pins(lock: str) -> dict[str, Version]:
    text = (ROOT / lock).read_text(encoding="utf-8")
    found = re.findall(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s\\]+)", text, flags=re.M)
    return {re.sub(r"\[.*\]", "", name).lower(): Version(v) for name, v in found}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_each_floor_is_declared_and_excludes_the_release_below(name: str) -> None:
    requirement = _declared()[name]
    floor = Version(FLOORS[name])
    assert requirement.specifier.contains(floor), f"{name} {requirement.specifier} refuses {floor}"
    below = Version(f"{floor.major}.{floor.minor}.{max(floor.micro - 1, 0)}")
    older = below if below < floor else Version(f"{floor.major}.{floor.minor - 1}.99")
    assert not requirement.specifier.contains(older), f"{name} still allows {older}"


@pytest.mark.parametrize("lock", LOCKS)
def test_the_locks_pin_versions_at_or_above_every_floor(lock: str) -> None:
    pins = _pins(lock)
    for name, floor in FLOORS.items():
        assert name in pins, f"{lock} does not pin {name}"
        assert pins[name] >= Version(floor), f"{lock} pins {name} {pins[name]} < {floor}"


@pytest.mark.parametrize("lock", LOCKS)
def test_no_unwanted_package_is_declared_or_locked(lock: str) -> None:
    for name in UNWANTED:
        assert name not in _declared()
        assert name not in _pins(lock), f"{lock} pins {name}"
