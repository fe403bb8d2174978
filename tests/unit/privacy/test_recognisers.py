"""One behaviour per test: what each recogniser removes and what it must leave alone."""

from __future__ import annotations

import pytest

from privacy.model import Author, FindingType
from privacy.screen import Screener

T = FindingType


def redact(screener: Screener, text: str, author: Author) -> str:
    return screener.screen(text, author).redacted


@pytest.mark.parametrize(
    "text",
    [
        "Concerns for Rose, she is scared of dad.",
        "Child is Storm (6).",
        "twin girls Faith and Hope have disclosed abuse.",
        "baby River is 4 months old.",
        "Summer's NHS number is on file.",
    ],
)
def test_names_that_are_words(screener: Screener, priya: Author, text: str) -> None:
    result = screener.screen(text, priya)
    assert T.NAME in result.types()
    for name in ("Rose", "Storm", "Faith", "Hope", "River", "Summer"):
        assert name not in result.redacted


def test_the_words_themselves_are_kept(screener: Screener, priya: Author) -> None:
    text = "I hope the family keep faith with us. We will see them over the summer holidays."
    assert redact(screener, text, priya) == text


def test_lowercase_names(screener: Screener, priya: Author) -> None:
    out = redact(screener, "spoke to mum, kayden and his sister rose were at home", priya)
    assert out == "spoke to mum, [name] and his sister [name] were at home"


def test_initials(screener: Screener, priya: Author) -> None:
    assert redact(screener, "J and K (7 and 9) are the children.", priya) == (
        "[name] and [name] ([age] and [age]) are the children."
    )
    assert redact(screener, "child J told staff", priya) == "child [name] told staff"


def test_plan_letters_and_a_and_e_are_not_initials(screener: Screener, priya: Author) -> None:
    text = "Plan B is a TAF. A referral went to A&E and Option C was agreed."
    assert redact(screener, text, priya) == text


def test_possessives(screener: Screener, priya: Author) -> None:
    assert redact(screener, "Kayden's mum rang.", priya) == "[name]'s mum rang."


def test_staff_and_author_kept_family_surname_removed(screener: Screener, priya: Author) -> None:
    text = "Hi Tom, Grace Mensah agreed. Mrs Kowalska has not engaged. Priya Shah"
    assert redact(screener, text, priya) == (
        "Hi Tom, Grace Mensah agreed. Mrs [name] has not engaged. Priya Shah"
    )


def test_staff_first_name_is_family_with_a_family_cue(screener: Screener, priya: Author) -> None:
    assert redact(screener, "Hi Grace, Grace (6) is scared.", priya) == (
        "Hi Grace, [name] ([age]) is scared."
    )


def test_professional_named_by_role_is_kept(screener: Screener, priya: Author) -> None:
    for text in ("Mr X the DSL is aware.", "Mr Patel, the DSL, called.", "HV Sandra visited."):
        assert redact(screener, text, priya) == text


@pytest.mark.parametrize(
    ("number", "found"),
    [("943 476 5919", True), ("9434765919", True), ("943 476 5918", False)],
)
def test_nhs_check_digit(screener: Screener, priya: Author, number: str, found: bool) -> None:
    result = screener.screen(f"Reference {number} was given.", priya)
    assert (T.NHS_NUMBER in result.types()) is found


def test_announced_nhs_number_with_a_typo_is_still_removed(
    screener: Screener, priya: Author
) -> None:
    result = screener.screen("NHS no 943 476 5918", priya)
    assert result.types() == (T.NHS_NUMBER,)
    assert result.findings[0].confidence < 0.9


@pytest.mark.parametrize("ni", ["AB123456C", "ab 12 34 56 c", "JH 45 67 89 B"])
def test_ni_numbers(screener: Screener, priya: Author, ni: str) -> None:
    assert screener.screen(f"Dad's NI {ni}.", priya).types() == (T.NI_NUMBER,)


def test_invalid_ni_prefix_is_not_an_ni_number(screener: Screener, priya: Author) -> None:
    assert T.NI_NUMBER not in screener.screen("code GB123456A", priya).types()


@pytest.mark.parametrize("postcode", ["ND4 7QT", "nd12 9xb", "ND47QT"])
def test_postcodes(screener: Screener, priya: Author, postcode: str) -> None:
    assert screener.screen(f"They live in {postcode} now.", priya).types() == (T.POSTCODE,)


def test_addresses(screener: Screener, priya: Author) -> None:
    assert redact(screener, "Family live at 14 Elm Road, Eastfield.", priya) == (
        "Family live at [address]."
    )
    assert redact(screener, "Staying at Flat 3, Hollins Court.", priya) == "Staying at [address]."


def test_staff_email_kept_family_email_removed(screener: Screener, priya: Author) -> None:
    text = "Mum is zofia88@gmail.com; cc tom.okafor@northdown.gov.uk and ask@northdown.gov.uk"
    assert redact(screener, text, priya) == (
        "Mum is [email]; cc tom.okafor@northdown.gov.uk and ask@northdown.gov.uk"
    )


def test_council_domain_is_not_a_finding(screener: Screener, priya: Author) -> None:
    text = "See the guidance on northdown.gov.uk for the threshold document."
    assert redact(screener, text, priya) == text


def test_authors_own_phone_kept_family_phone_removed(screener: Screener, priya: Author) -> None:
    text = "Mum's mobile 07700 900123. Please call me on 07700 900555.\nPriya Shah 01632 960101"
    assert redact(screener, text, priya) == (
        "Mum's mobile [phone]. Please call me on 07700 900555.\nPriya Shah 01632 960101"
    )


def test_staff_phone_kept_anywhere(screener: Screener, priya: Author) -> None:
    text = "Tom is on 01632 960201 today."
    assert redact(screener, text, priya) == text


def test_profile_vocabulary_kept(screener: Screener, priya: Author) -> None:
    text = (
        "URGENT step up from FSP Northgate. L4 indicators: domestic abuse, neglect. "
        "MAP to advise; CSPA aware; TAF held; EHM updated."
    )
    assert redact(screener, text, priya) == text


def test_meeting_dates_kept_birth_dates_removed(screener: Screener, priya: Author) -> None:
    assert redact(screener, "TAF on 12/03/2026 at 2pm.", priya) == "TAF on 12/03/2026 at 2pm."
    assert redact(screener, "Kayden DOB 12/03/2016.", priya) == "[name] [date of birth]."
    assert redact(screener, "born 3rd April 2019", priya) == "born [date of birth]"


def test_ages_kept_durations_kept(screener: Screener, priya: Author) -> None:
    assert redact(screener, "the 7 year old is aged 7", priya) == "the [age] is [age]"
    text = "Open to Early Help for 6 months; response within 24 hours."
    assert redact(screener, text, priya) == text


@pytest.mark.parametrize(
    "ref", ["EHM 4471023", "LCS ID 998877", "police ref 47/12345/25", "Mosaic 1234567"]
)
def test_case_references(screener: Screener, priya: Author, ref: str) -> None:
    result = screener.screen(f"The {ref} is open.", priya)
    assert result.types() == (T.CASE_REFERENCE,)
    assert ref.split()[0] in result.redacted


def test_ehm_without_a_number_is_kept(screener: Screener, priya: Author) -> None:
    text = "I will send the EHM number privately."
    assert redact(screener, text, priya) == text


def test_schools(screener: Screener, priya: Author) -> None:
    assert redact(screener, "He attends Oakfield Primary School.", priya) == (
        "He attends [school]."
    )
    assert redact(screener, "goes to st marys primary", priya) == "goes to [school]"


def test_vehicle_registration(screener: Screener, priya: Author) -> None:
    assert redact(screener, "Dad drives AB12 CDE.", priya) == "Dad drives [vehicle reg]."


def test_social_handles_but_not_teams_mentions(screener: Screener, priya: Author) -> None:
    assert redact(screener, "snapchat: kayden_x07. @Tom Okafor please", priya) == (
        "snapchat: [social media]. @Tom Okafor please"
    )


def test_clean_text_is_returned_identical(screener: Screener, priya: Author) -> None:
    text = "Hi Ewa,\nrequesting a consultation — FC Northgate.\n\nThanks, Priya 🙂"
    result = screener.screen(text, priya)
    assert result.redacted is text or result.redacted == text
    assert not result.found


@pytest.mark.parametrize(
    "text",
    [
        "I know the rota changed.",
        "Neighbour called police.",
        "Family open since June.",
        "School DSL (Mr Hartley) made a referral.",
    ],
)
def test_ordinary_words_and_named_professionals_kept(
    screener: Screener, priya: Author, text: str
) -> None:
    assert redact(screener, text, priya) == text


def test_named_cue_still_finds_a_word_name(screener: Screener, priya: Author) -> None:
    assert redact(screener, "Mum's partner is called Storm.", priya) == (
        "Mum's partner is called [name]."
    )
