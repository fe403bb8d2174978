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


# Each mechanism's invented examples: (text, the substring found, its type).
FOUND = [
    # A phone field label (Phone:, Tel, Mob, contact) names no owner; 0044 is +44.
    pytest.param(
        "Referral for the Dunmore children.\nPhone: 07700 900 614\nConcern: neglect",
        "07700 900 614",
        T.PHONE,
        id="phone-label-0",
    ),
    pytest.param(
        "nan rang in, Tel 0113 496 0871 if no answer on the other",
        "0113 496 0871",
        T.PHONE,
        id="phone-label-1",
    ),
    pytest.param(
        "Mob 07700900615 – she only has credit on weekends",
        "07700900615",
        T.PHONE,
        id="phone-label-2",
    ),
    pytest.param(
        "contact 01632 960 877 after 3pm please", "01632 960 877", T.PHONE, id="phone-label-3"
    ),
    pytest.param(
        "she is in Lithuania now, UK number 0044 7700 900616",
        "0044 7700 900616",
        T.PHONE,
        id="phone-label-4",
    ),
    pytest.param(
        "her number +447700900617 is the one that works",
        "+447700900617",
        T.PHONE,
        id="phone-label-5",
    ),
    # A case reference keeps its system's prefix, glued or spaced.
    pytest.param(
        "police have it as ref NDP 31/220417/26 from the weekend",
        "NDP 31/220417/26",
        T.CASE_REFERENCE,
        id="case-prefix-0",
    ),
    pytest.param(
        "already open on LCS 4471093 under the old address",
        "LCS 4471093",
        T.CASE_REFERENCE,
        id="case-prefix-1",
    ),
    pytest.param(
        "the youth offending ref is YOTS-550213 if you need it",
        "YOTS-550213",
        T.CASE_REFERENCE,
        id="case-prefix-2",
    ),
    pytest.param(
        "Home Office ref for her K2207461 – asylum support",
        "K2207461",
        T.CASE_REFERENCE,
        id="case-prefix-3",
    ),
    # A school after a field label or generic word, or a saint's name after a school cue.
    pytest.param(
        "School Fernbrook Primary have raised the bruising",
        "Fernbrook Primary",
        T.SCHOOL,
        id="school-cue-0",
    ),
    pytest.param(
        "Attendance is poor. School Kilnworth St Mark's C of E Primary",
        "Kilnworth St Mark's C of E Primary",
        T.SCHOOL,
        id="school-cue-1",
    ),
    pytest.param(
        "Mr Ambrose the DSL at St Wilfrid's rang this morning",
        "St Wilfrid's",
        T.SCHOOL,
        id="school-cue-2",
    ),
    pytest.param(
        "Tendai starts at St Cuthbert's after half term",
        "St Cuthbert's",
        T.SCHOOL,
        id="school-cue-3",
    ),
]


@pytest.mark.parametrize(("text", "value", "kind"), FOUND)
def test_found_by_mechanism(
    screener: Screener, priya: Author, text: str, value: str, kind: FindingType
) -> None:
    assert found(screener, text, priya).get(value) is kind


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


def test_a_saints_name_without_a_school_cue_is_kept(screener: Screener, priya: Author) -> None:
    text = "the foodbank at St Wilfrid's is open Thursday mornings"
    assert T.SCHOOL not in screener.screen(text, priya).types()
