"""Mechanisms that generalise beyond the tuning text: shape, morphology and context.

Every example here is invented for the test (Northdown council, fictional families).
"""

from __future__ import annotations

import pytest

from privacy.model import Author, FindingType
from privacy.screen import Screener

T = FindingType


def found(screener: Screener, text: str, author: Author) -> dict[str, FindingType]:
    """Each redacted substring with its type."""
    result = screener.screen(text, author)
    return {text[f.start : f.end]: f.type for f in result.findings}


@pytest.mark.parametrize(
    ("text", "ni"),
    [
        ("nan's NI for the attendance allowance is QQ 31 77 20 C", "QQ 31 77 20 C"),
        ("national insurance: qq318820b, asked for the form", "qq318820b"),
        ("dad's NINo is TW 71 55 02 A and mum's is QQ 71 55 03 B", "QQ 71 55 03 B"),
        ("she read out QQ 44 10 92 D from the letter", "QQ 44 10 92 D"),
    ],
)
def test_ni_numbers_with_a_specimen_prefix(
    screener: Screener, priya: Author, text: str, ni: str
) -> None:
    assert found(screener, text, priya).get(ni) is T.NI_NUMBER


def test_ni_shaped_code_without_a_cue_is_kept(screener: Screener, priya: Author) -> None:
    text = "the training module is QQ123456A on the learning hub"
    assert screener.screen(text, priya).redacted == text


@pytest.mark.parametrize("nhs", ["9434 765 919", "9434 7659 19", "9434 765919"])
def test_nhs_numbers_in_any_grouping(screener: Screener, priya: Author, nhs: str) -> None:
    text = f"the baby's number for the HV is {nhs} thanks"
    assert found(screener, text, priya).get(nhs) is T.NHS_NUMBER
