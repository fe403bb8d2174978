"""A screener built once per test session from the fictional Northdown profile."""

from __future__ import annotations

import pytest

from bench.privacy_bench import load_profile
from privacy.model import Author, StaffMember, Vocabulary
from privacy.screen import Screener


@pytest.fixture(scope="session")
def profile() -> tuple[list[StaffMember], Vocabulary]:
    """The corpus's directory and vocabulary."""
    return load_profile()


@pytest.fixture(scope="session")
def screener(profile: tuple[list[StaffMember], Vocabulary]) -> Screener:
    """One screener for all the tests (construction is the expensive part)."""
    return Screener(*profile)


@pytest.fixture
def priya() -> Author:
    """An FC manager in the directory."""
    return Author("Priya Shah", "priya.shah@northdown.gov.uk")
