"""Mechanisms from issue 17: field labels, shapes and descriptions written in other voices.

Every example is invented for this test (Northdown council, fictional families); none is
copied from an evaluation set.
"""

from __future__ import annotations

import pytest

from privacy.model import Author, FindingType
from privacy.screen import Screener
from tests.unit.privacy.test_mechanisms import found

T = FindingType


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        (
            "Referral for the Dunmore children.\nPhone: 07700 900 614\nConcern: neglect",
            "07700 900 614",
        ),
        ("nan rang in, Tel 0113 496 0871 if no answer on the other", "0113 496 0871"),
        ("Mob 07700900615 – she only has credit on weekends", "07700900615"),
        ("contact 01632 960 877 after 3pm please", "01632 960 877"),
        ("she is in Lithuania now, UK number 0044 7700 900616", "0044 7700 900616"),
        ("her number +447700900617 is the one that works", "+447700900617"),
    ],
)
def test_a_phone_field_label_does_not_make_the_number_the_authors(
    screener: Screener, priya: Author, text: str, phone: str
) -> None:
    assert found(screener, text, priya).get(phone) is T.PHONE


def test_the_authors_own_number_in_the_first_person_is_kept(
    screener: Screener, priya: Author
) -> None:
    text = "any questions ring me on 07700 900618"
    assert screener.screen(text, priya).redacted == text


@pytest.mark.parametrize(
    ("text", "address"),
    [
        (
            "they live in the flat above the bookmakers on Tanner Street, ND4 7QT",
            "in the flat above the bookmakers on Tanner Street",
        ),
        (
            "mum is living with her sister at 8 Rookery Close, Hollins Vale. Baby due in May",
            "with her sister at 8 Rookery Close, Hollins Vale",
        ),
        ("Address: caravan 3 behind the scrapyard\nGP: none", "caravan 3 behind the scrapyard"),
        ("address 41 Kiln Lane, Ashby Moor ND7 2LX, phone to follow", "41 Kiln Lane, Ashby Moor"),
        (
            "They live Flat 6, Mercer House, Dyer Street. Dad works nights",
            "Flat 6, Mercer House, Dyer Street",
        ),
        (
            "she's in one room in a shared house on Quarry Road after the eviction",
            "in one room in a shared house on Quarry Road",
        ),
        ("nan lives next door at No. 9. She helps", "next door at No. 9"),
    ],
)
def test_where_a_family_lives_said_as_a_clause(
    screener: Screener, priya: Author, text: str, address: str
) -> None:
    result = screener.screen(text, priya)
    spans = [(f.start, f.end) for f in result.findings if f.type is T.ADDRESS]
    start = text.index(address)
    assert any(s <= start and start + len(address) <= e for s, e in spans), result.redacted


@pytest.mark.parametrize(
    "text",
    [
        "can someone check who else lives in the flat before the visit",
        "she is in a meeting at Northgate until four, then back at base",
        "please update the address on EHM when you get a minute",
        "they are in Year 5 at the moment",
    ],
)
def test_a_residence_clause_without_a_place_is_kept(
    screener: Screener, priya: Author, text: str
) -> None:
    assert T.ADDRESS not in screener.screen(text, priya).types()


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("police have it as ref NDP 31/220417/26 from the weekend", "NDP 31/220417/26"),
        ("already open on LCS 4471093 under the old address", "LCS 4471093"),
        ("the youth offending ref is YOTS-550213 if you need it", "YOTS-550213"),
        ("Home Office ref for her K2207461 – asylum support", "K2207461"),
    ],
)
def test_a_case_reference_keeps_its_system_prefix(
    screener: Screener, priya: Author, text: str, ref: str
) -> None:
    assert found(screener, text, priya).get(ref) is T.CASE_REFERENCE
