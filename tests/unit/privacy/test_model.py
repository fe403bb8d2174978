"""The value types: nothing that could hold message text may show it in repr()."""

from __future__ import annotations

import dataclasses

import pytest

from privacy.model import Author, Finding, FindingType, Screening, StaffMember, Vocabulary
from privacy.screen import Screener

SECRET = "Kayden Kowalski lives at 14 Elm Road"


def test_finding_repr_has_position_not_text() -> None:
    finding = Finding(FindingType.NAME, 0, 6, 0.9)
    assert repr(finding) == "Finding(name, 0-6, 0.90)"


def test_screening_repr_hides_redacted_text(screener: Screener, priya: Author) -> None:
    result = screener.screen(SECRET, priya)
    shown = repr(result) + str(result) + "".join(repr(f) for f in result.findings)
    assert result.found
    for word in ("Kayden", "Kowalski", "Elm", "[name]", "[address]"):
        assert word not in shown


def test_types_are_sorted_and_unique() -> None:
    findings = (
        Finding(FindingType.PHONE, 10, 20, 0.9),
        Finding(FindingType.NAME, 0, 5, 0.9),
        Finding(FindingType.NAME, 30, 35, 0.9),
    )
    result = Screening("x", findings)
    assert result.types() == (FindingType.NAME, FindingType.PHONE)
    assert Screening("x", ()).found is False


def test_value_types_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Finding(FindingType.NAME, 0, 1, 1.0).start = 3  # type: ignore[misc]


def test_module_screen_caches_one_screener_per_profile(
    profile: tuple[list[StaffMember], Vocabulary],
) -> None:
    from privacy import screen as module

    staff, vocabulary = profile
    author = Author("Priya Shah", "priya.shah@northdown.gov.uk")
    first = module.screen("Mum Zofia rang.", author, staff, vocabulary)
    cached = dict(module._CACHE)
    again = module.screen("Mum Zofia rang.", author, staff, vocabulary)
    assert first == again and first.redacted == "Mum [name] rang."
    assert dict(module._CACHE) == cached
