"""Mechanisms from issue 17: field labels, shapes and descriptions written in other voices.

Every example is invented for this test (Northdown council, fictional families); none is
copied from an evaluation set.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from privacy.model import Author, FindingType, StaffMember, Vocabulary
from privacy.screen import Screener
from tests.unit.privacy.test_mechanisms import found

T = FindingType


# Each mechanism's invented examples: (text, the substring found), all of one type.
MECHANISMS: dict[str, tuple[FindingType, list[tuple[str, str]]]] = {
    # A phone field label (Phone:, Tel, Mob, contact) names no owner; 0044 is +44.
    "phone-label": (
        T.PHONE,
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
    ),
    # A case reference keeps its system's prefix, glued or spaced.
    "case-prefix": (
        T.CASE_REFERENCE,
        [
            ("police have it as ref NDP 31/220417/26 from the weekend", "NDP 31/220417/26"),
            ("already open on LCS 4471093 under the old address", "LCS 4471093"),
            ("the youth offending ref is YOTS-550213 if you need it", "YOTS-550213"),
            ("Home Office ref for her K2207461 – asylum support", "K2207461"),
        ],
    ),
    # A birth date takes its label, the next dates of its list, and a date after an age.
    "dob": (
        T.DATE_OF_BIRTH,
        [
            ("children Ayla DOB 3/8/19 and Rafe 12/1/21", "DOB 3/8/19"),
            ("Tobias Greer 2/2/15, Marnie 14th June 2018 – both at home", "14th June 2018"),
            ("grandson Alfie Dunmore 4th Oct 2016 lives with them", "4th Oct 2016"),
            ("she is 15, 2010-05-09, and missing again", "2010-05-09"),
            ("Kenzie 12, D.O.B: 09/03/2013", "D.O.B: 09/03/2013"),
        ],
    ),
    # Ages of infants and teenagers said by pronoun, word, relation or a bare unit.
    "age": (
        T.AGE,
        [
            ("the youngest Amelia is only 5 wks and not feeding", "5 wks"),
            ("then there is Ruari who is 20 months", "20 months"),
            ("baby Wren 11 days, mum exhausted", "11 days"),
            ("Tamsin is nine and Poppy is six", "nine"),
            ("Marla Kerr (mum, 22) rang again", "22"),
            ("the kids are 6 and 4 and off school", "4"),
            ("her boyfriend says she is only 16", "16"),
            ("siblings Jaxon and Leah, age 12 and 9", "age 12 and 9"),
        ],
    ),
    # A capitalised, spaced postcode shape with inward letters Royal Mail never issues.
    "postcode-shape": (
        T.POSTCODE,
        [("they are at 4 Tern Close ND6 3KM since Friday", "ND6 3KM")],
    ),
    # More platforms name a handle, also in brackets.
    "handle-platform": (
        T.SOCIAL_HANDLE,
        [
            ("he games on discord as wolfie_77 most nights", "wolfie_77"),
            ("dad keeps messaging on fb (kev.d.1990) at night", "kev.d.1990"),
        ],
    ),
    # A family introduced by its name: "fam:", "family", "surname".
    "naming-word": (
        T.NAME,
        [
            ("new consult / fam: Threlfall / mum Gemma", "Threlfall"),
            ("lead child's surname Okonjo, add the aunt as linked adult", "Okonjo"),
            ("Family is Threlfall, no relation to anyone here", "Threlfall"),
            ("Kezzie's snap is kz_2011 and she posts at night", "Kezzie"),
        ],
    ),
    # A school after a field label or generic word, or a saint's name after a school cue.
    "school-cue": (
        T.SCHOOL,
        [
            ("School Fernbrook Primary have raised the bruising", "Fernbrook Primary"),
            (
                "Attendance is poor. School Kilnworth St Mark's C of E Primary",
                "Kilnworth St Mark's C of E Primary",
            ),
            ("Mr Ambrose the DSL at St Wilfrid's rang this morning", "St Wilfrid's"),
            ("Tendai starts at St Cuthbert's after half term", "St Cuthbert's"),
        ],
    ),
}
FOUND = [
    pytest.param(text, value, kind, id=f"{tag}-{n}")
    for tag, (kind, examples) in MECHANISMS.items()
    for n, (text, value) in enumerate(examples)
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


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("school say mum Ms Ferrand was shouting at the gate", "Ferrand"),
        ("school worried about Tia Ferrand; Mrs Ferrand says all is fine", "Ferrand"),
        ("school called Ms K back about the meeting", "K"),
    ],
)
def test_a_titled_parent_with_a_family_cue_is_still_found(
    screener: Screener, priya: Author, text: str, name: str
) -> None:
    result = screener.screen(text, priya)
    at = text.rindex(name)
    assert any(f.start <= at < f.end for f in result.findings), result.redacted


# Posts that come back untouched: professionals by title at work, colleagues' lists,
# plural role acronyms, dates before a name, answers to a form field.
KEPT = [
    "Mrs Thornley at the primary says he came in without a coat again",
    "DSL there is Mr Adebayo, he has logged it",
    "can you ask Ms Carrow to join the consult on Teams",
    "Team meeting Monday: Tom, Ewa, Sam, Grace – all please",  # colleagues' first names
    "Reminder for all FSWs and APs: EHA audit due Friday",
    "Outcome recorded. Urgent: N. Level: 3.",
    "Rota: 14 Dec Tom, 15 Dec Ewa",
    "Of course Rhian, see you at 2 in the hub",  # Rhiannon Price, cut short
    "Beth and Tom did excellent work on that one",  # Bethany Clarke, cut short
]


@pytest.mark.parametrize("text", KEPT)
def test_kept_by_mechanism(screener: Screener, priya: Author, text: str) -> None:
    assert screener.screen(text, priya).redacted == text


def test_a_family_name_listed_with_a_colleagues_first_name_is_still_found(
    screener: Screener, priya: Author
) -> None:
    text = "please invite Jessica and Sam separately, they do not get on"  # Sam Reid is staff
    assert "Jessica" not in screener.screen(text, priya).redacted


def test_a_relation_word_listed_as_council_shorthand_still_cues_a_name(
    profile: tuple[list[StaffMember], Vocabulary], priya: Author
) -> None:
    staff, vocabulary = profile
    shorthand = replace(vocabulary, acronyms=(*vocabulary.acronyms, "mum", "dad"))
    text = "TAF went ok, mum grace agreed to the plan"  # Grace Mensah is staff; this grace not
    result = Screener(staff, shorthand).screen(text, priya)
    assert "grace" not in result.redacted and "mum" in result.redacted
