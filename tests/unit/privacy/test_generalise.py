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
