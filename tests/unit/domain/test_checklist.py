"""The requester's checklist and the threshold document's Level 4 indicator rule."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from domain.checklist import Checklist, validate_indicators
from domain.errors import InvalidRequest

KNOWN = ("reduces_child_safety", "domestic_abuse", "neglect", "exploitation")
REDUCES_SAFETY = "reduces_child_safety"


def check(indicators: Sequence[str]) -> None:
    """Validate against the fictional profile's indicator list."""
    validate_indicators(indicators, known=KNOWN, reduces_safety_indicator=REDUCES_SAFETY)


@pytest.mark.parametrize(
    ("supervision", "evidence", "rationale"),
    [(s, e, r) for s in (True, False) for e in (True, False) for r in (True, False)],
)
def test_a_checklist_is_complete_only_when_every_item_is_confirmed(
    supervision: bool, evidence: bool, rationale: bool
) -> None:
    checklist = Checklist(supervision, evidence, rationale)
    assert checklist.complete is (supervision and evidence and rationale)


@pytest.mark.parametrize(
    "indicators",
    [("domestic_abuse",), ("neglect", "exploitation"), ("reduces_child_safety", "neglect")],
)
def test_one_or_more_known_indicators_pass(indicators: tuple[str, ...]) -> None:
    check(indicators)


@pytest.mark.parametrize(
    ("indicators", "code"),
    [
        ((), "no_indicator"),
        (["neglect", "neglect"], "duplicate_indicator"),
        (("neglect", "Child lives at 4 Elm Road"), "unknown_indicator"),
        (("reduces_child_safety",), "reduces_safety_needs_another"),
        (("reduces_child_safety", "reduces_child_safety"), "duplicate_indicator"),
        ("neglect", "indicators_not_a_list"),
    ],
)
def test_bad_indicator_choices_are_refused(indicators: Sequence[str], code: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        check(indicators)
    assert refused.value.code == code


def test_the_refusal_never_echoes_what_was_typed() -> None:
    with pytest.raises(InvalidRequest) as refused:
        check(("Child lives at 4 Elm Road",))
    assert "Elm" not in refused.value.message and "Elm" not in str(refused.value)


def test_a_profile_without_its_reduces_safety_indicator_is_a_configuration_error() -> None:
    with pytest.raises(ValueError):
        validate_indicators(("neglect",), known=("neglect",), reduces_safety_indicator="missing")
