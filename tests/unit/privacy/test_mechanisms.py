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


@pytest.mark.parametrize(
    ("text", "dob"),
    [
        ("little Tegan's DOB is 2019-04-17 for the form", "2019-04-17"),
        ("DOB for the school admissions form is 7/2/18", "7/2/18"),
        ("her bday was 23 Mar so she's just turned 6", "23 Mar"),
        ("mum is 20 weeks, EDD 9 Feb", "9 Feb"),
        ("kids are Kayden Brown 4/4/15 and Storm Brown 19/9/17", "19/9/17"),
        ("Tegan's DOB 2019-04-17, Rowan's 3.8.21 for the form", "3.8.21"),
        ("her DOB is 14/06/2001 not 06/14/2001", "06/14/2001"),
        ("Storm 9 (4/10/16) was upset", "4/10/16"),
        ("mum Gemma Pyke (33, DOB 3 Mar '93)", "DOB 3 Mar '93"),
    ],
)
def test_birth_dates_by_cue_list_and_name(
    screener: Screener, priya: Author, text: str, dob: str
) -> None:
    assert found(screener, text, priya).get(dob) is T.DATE_OF_BIRTH


@pytest.mark.parametrize(
    "text",
    [
        "Core group for Kayden Brown 12/11/26 at 10:00 in the hub",
        "Consult booked 4/12/26, report due 1/12/26.",
    ],
)
def test_meeting_dates_are_not_birth_dates(screener: Screener, priya: Author, text: str) -> None:
    assert T.DATE_OF_BIRTH not in screener.screen(text, priya).types()


# Northdown's directory has Tom Okafor and Ewa Nowak; these families only share a surname.
@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("mum Joy Okafor rang the duty line again", "Joy Okafor"),
        ("consult for the Nowak fam on thurs please", "Nowak"),
        ("Tadeusz Nowak 9 was excluded on Friday", "Tadeusz Nowak"),
    ],
)
def test_a_staff_surname_does_not_protect_a_family(
    screener: Screener, priya: Author, text: str, name: str
) -> None:
    assert found(screener, text, priya).get(name) is T.NAME


@pytest.mark.parametrize(
    "text",
    [
        "Tom Okafor will chair; Mr Okafor has the papers.",
        "Ewa Nowak is on leave, Dr Nowak covers the clinic.",
    ],
)
def test_the_staff_member_and_their_title_are_kept(
    screener: Screener, priya: Author, text: str
) -> None:
    assert screener.screen(text, priya).redacted == text


def test_the_authors_surname_alone_is_not_their_family(screener: Screener) -> None:
    author = Author("Ewa Nowak", "ewa.nowak@northdown.gov.uk")
    text = "signing off, Ewa. PS Mrs Nowak is me"
    assert screener.screen(text, author).redacted == text
    out = screener.screen("mum Daria Shah disclosed DV", Author("Priya Shah", None)).redacted
    assert "Daria" not in out and "Shah" not in out


@pytest.mark.parametrize(
    "text",
    [
        "the DSL is Mrs Pemberton, very helpful",
        "HV was Mrs Threlfall until May",
    ],
)
def test_a_professional_named_after_their_role_is_kept(
    screener: Screener, priya: Author, text: str
) -> None:
    assert screener.screen(text, priya).redacted == text


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("@Tom Bell fam - mum has been discharged", "Bell"),
        ("@Callum Dunmore consult moved to Weds", "Dunmore"),
    ],
)
def test_the_word_after_an_at_mention_is_judged_on_its_own(
    screener: Screener, priya: Author, text: str, name: str
) -> None:
    result = found(screener, text, priya)
    assert result.get(name) is T.NAME
    assert not any(s.startswith(("Tom", "Callum")) for s in result)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("back from the Bell home visit, worse", "Bell"),
        ("Marsh consult moved to Friday", "Marsh"),  # Ellie Marsh is staff
    ],
)
def test_case_work_nouns_cue_a_name(
    screener: Screener, priya: Author, text: str, name: str
) -> None:
    assert found(screener, text, priya).get(name) is T.NAME


def test_a_colleague_before_consult_is_kept(screener: Screener, priya: Author) -> None:
    text = "Ellie consult at 2 then Tom review at 4"
    assert screener.screen(text, priya).redacted == text


@pytest.mark.parametrize(
    ("text", "initials"),
    [
        ("mum TW and dad RK both at the TAF", "TW"),
        ("Child is RK 6, stays with nan", "RK"),
        ("can someone pick up DM, 14, missing again", "DM"),
    ],
)
def test_capital_initials_with_a_family_cue(
    screener: Screener, priya: Author, text: str, initials: str
) -> None:
    assert found(screener, text, priya).get(initials) is T.NAME


def test_acronyms_with_a_number_are_kept(screener: Screener, priya: Author) -> None:
    text = "EH 3 cases, CIN 2, CP 1 this week"
    assert screener.screen(text, priya).redacted == text


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("consult pls\nRuby 12 self-harm, not eating", "Ruby"),
        ("kids summer 6 and hunter 3 at home alone", "summer"),
    ],
)
def test_a_bare_age_after_a_given_name_cues_it(
    screener: Screener, priya: Author, text: str, name: str
) -> None:
    assert found(screener, text, priya).get(name) is T.NAME


@pytest.mark.parametrize(
    "text",
    [
        "Rota: Tom Okafor\n12-14 Jan, Ellie cover",
        "Summer 10:30 slot is free, June 12 too",
    ],
)
def test_numbers_that_are_not_ages_do_not_cue(screener: Screener, priya: Author, text: str) -> None:
    assert screener.screen(text, priya).redacted == text


@pytest.mark.parametrize(
    "address",
    [
        "the flat above the florist on Kiln Street, Westbury",
        "the bungalow behind the Baptist church, Westbury",
        "the caravan next to the scrapyard at Hob Lane",
        "the house at the end of Quarry Row",
        "No. 9 on the Larkhill estate",
        "Ashgrove traveller site, pitch 12",
        "room 4 at the Anchor Inn, Westbury",
    ],
)
def test_addresses_described_by_landmark(screener: Screener, priya: Author, address: str) -> None:
    text = f"mum and the kids are now at {address} since Monday"
    start = text.index(address)
    spans = [f for f in screener.screen(text, priya).findings if f.type is T.ADDRESS]
    assert any(f.start <= start and start + len(address) <= f.end for f in spans)


@pytest.mark.parametrize(
    "text",
    [
        "TAF is in the room at Westbury Family Centre, then lunch",
        "the house rules were agreed at the Family Centre",
    ],
)
def test_meeting_places_are_not_addresses(screener: Screener, priya: Author, text: str) -> None:
    assert T.ADDRESS not in screener.screen(text, priya).types()


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("EHM-304117 is the sibling record", "EHM-304117"),
        ("police came out, incident DP-26-773190 logged", "DP-26-773190"),
        ("last one was NW-25-40813 per the DASH", "NW-25-40813"),
    ],
)
def test_case_references_by_prefix_and_shape(
    screener: Screener, priya: Author, text: str, ref: str
) -> None:
    assert found(screener, text, priya).get(ref) is T.CASE_REFERENCE


def test_a_booking_code_without_a_year_part_is_kept(screener: Screener, priya: Author) -> None:
    text = "interpreter booked, code TB-55120 for the agency"
    assert screener.screen(text, priya).redacted == text


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("Darren's mob 07700900312 but he rarely answers", "07700900312"),
        ("mums ph 07700 900 318, happy for texts", "07700 900 318"),
        ("mum Lisa DOB 3.3.91, mob +44 7700 900 417", "+44 7700 900 417"),
    ],
)
def test_family_phones_by_possessive_and_relation(
    screener: Screener, priya: Author, text: str, phone: str
) -> None:
    assert found(screener, text, priya).get(phone) is T.PHONE


def test_the_authors_own_mobile_is_kept(screener: Screener, priya: Author) -> None:
    text = "any questions ring me, mob 07700 900 111"
    assert screener.screen(text, priya).redacted == text


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("new baby T 12 days old, mum tired", "12 days old"),
        ("baby 9 weeks + dad drinking again", "9 weeks"),
        ("Kayden will be 6 wks at the review", "6 wks"),
        ("mum Gemma Pyke (33, DOB 3 Mar '93) rang", "33"),
        ("Storm Pyke 12/04/2009 (17) is NEET", "17"),
        ("Dylan DOB 2009-05-01, 17, NEET", "17"),
        ("Kayden is 7 not 6, checked with school", "6"),
    ],
)
def test_ages_by_unit_bracket_and_neighbour(
    screener: Screener, priya: Author, text: str, age: str
) -> None:
    assert found(screener, text, priya).get(age) is T.AGE


@pytest.mark.parametrize(
    "text",
    [
        "the parents group runs 6 weeks in the spring",
        "mum 20 weeks pregnant, midwife aware",
    ],
)
def test_durations_are_not_ages(screener: Screener, priya: Author, text: str) -> None:
    assert T.AGE not in screener.screen(text, priya).types()


@pytest.mark.parametrize(
    "text",
    [
        "Consent: Y\nLevel: 3\nUrgent: N",
        "Consent: Y  Level: 2  Urgent: N",
        "GCP2 mostly 3s and 4s, a 5 for hygiene",
        "have you tried Westbury Perinatal? or the Ashby crisis team",
        "rota: Ellie (01632 960117) on the 23rd",
        "dad gets out Jan, mum anxious about it",
    ],
)
def test_shapes_that_are_not_family_names(screener: Screener, priya: Author, text: str) -> None:
    assert screener.screen(text, priya).redacted == text


def test_a_child_initial_on_a_form_is_still_found(screener: Screener, priya: Author) -> None:
    assert found(screener, "Child: J (4)\nConsent: Y", priya).get("J") is T.NAME


@pytest.mark.parametrize(
    "text",
    [
        "has anyone asked Mrs Pemberton at school?",
        "invite Mr Kowalczyk from St Anne's to the TAF",
        "MARAC high, DASH high, no bail conditions",
    ],
)
def test_school_staff_saints_and_risk_levels_are_kept(
    screener: Screener, priya: Author, text: str
) -> None:
    assert screener.screen(text, priya).redacted == text


def test_a_teacher_named_with_the_school_is_kept(screener: Screener, priya: Author) -> None:
    result = found(screener, "Mrs Quayle from Westbury Primary rang", priya)
    assert "Quayle" not in " ".join(result)


def test_a_titled_parent_is_still_found(screener: Screener, priya: Author) -> None:
    assert found(screener, "spoke to Mrs Quayle, mum of Kayden", priya).get("Quayle") is T.NAME


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("kids are poppy-grace and jack, both at home", "poppy-grace"),
        ("Ella-Rose saying she wants to go home", "Ella-Rose"),
    ],
)
def test_double_barrelled_given_names(
    screener: Screener, priya: Author, text: str, name: str
) -> None:
    assert found(screener, text, priya).get(name) is T.NAME


def test_hyphenated_words_are_not_names(screener: Screener, priya: Author) -> None:
    text = "a well-being check and a follow-up, self-referral done"
    assert screener.screen(text, priya).redacted == text


def test_a_name_cued_once_is_found_where_it_recurs(screener: Screener, priya: Author) -> None:
    text = "can someone look at DW, 15, missing again. DW back home now"
    result = screener.screen(text, priya)
    assert "DW" not in result.redacted


def test_a_professional_is_not_carried_to_other_mentions(screener: Screener, priya: Author) -> None:
    text = "DSL Mrs Pemberton rang. Pemberton to send the chronology"
    assert "Pemberton" in screener.screen(text, priya).redacted.split("rang.")[0]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("update on RJ Thistlewood, strat held", "RJ Thistlewood"),
        ("spoke to mum hazel bell again today", "hazel bell"),
    ],
)
def test_surnames_and_initials_beside_a_name(
    screener: Screener, priya: Author, text: str, name: str
) -> None:
    assert found(screener, text, priya).get(name) is T.NAME


def test_a_service_acronym_before_a_surname_is_kept(screener: Screener, priya: Author) -> None:
    result = found(screener, "CIN Thistlewood review on Monday", priya)
    assert not any(s.startswith("CIN") for s in result)


@pytest.mark.parametrize(
    ("text", "school"),
    [
        ("Kayden is at Westbury St Anne's, year 2", "Westbury St Anne's"),
        ("Rose at Ashby Juniors since September", "Ashby Juniors"),
    ],
)
def test_schools_by_saint_and_juniors(
    screener: Screener, priya: Author, text: str, school: str
) -> None:
    assert found(screener, text, priya).get(school) is T.SCHOOL


def test_a_saints_name_alone_is_kept(screener: Screener, priya: Author) -> None:
    text = "the hall at St Anne's is booked for the parents group"
    assert screener.screen(text, priya).redacted == text


@pytest.mark.parametrize(
    ("text", "handle"),
    [
        ("she talks to him from tegs.pyke09 on Snapchat most nights", "tegs.pyke09"),
        ("Kayden is messaging older lads as kb_2011 via Instagram", "kb_2011"),
        ("dad posts as storm.brown.4 on TikTok about the school", "storm.brown.4"),
    ],
)
def test_handle_written_before_its_platform(
    screener: Screener, priya: Author, text: str, handle: str
) -> None:
    assert found(screener, text, priya).get(handle) is T.SOCIAL_HANDLE


@pytest.mark.parametrize(
    "url",
    ["facebook.com/tegan.pyke.311", "tiktok.com/@kayden.b12", "https://www.instagram.com/rowanx_"],
)
def test_profile_link_is_a_handle_not_a_protected_link(
    screener: Screener, priya: Author, url: str
) -> None:
    text = f"mum has been using {url} to contact the children"
    assert found(screener, text, priya).get(url) is T.SOCIAL_HANDLE


@pytest.mark.parametrize(
    "text",
    [
        "she keeps posting on TikTok late at night",
        "the guidance is on www.northdown.gov.uk and facebook.com has a report button",
        "we met at 10.30 on Teams and she showed me Snapchat settings",
    ],
)
def test_platform_talk_without_a_handle_is_kept(
    screener: Screener, priya: Author, text: str
) -> None:
    assert screener.screen(text, priya).redacted == text


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("already on a child protection plan (CP7318) so not for us", "CP7318"),
        ("school have made a referral (R3381042) this morning", "R3381042"),
        ("Kayden already has a plan, CPP-512, with the locality team", "CPP-512"),
        ("Refs: EH/2025/8812 and WMP/24/55120 for the file", "WMP/24/55120"),
        ("reported to police under NDP/23/41187 last night", "NDP/23/41187"),
        ("front door contact MASH 40917 closed NFA", "MASH 40917"),
    ],
)
def test_case_references_by_shape(screener: Screener, priya: Author, text: str, ref: str) -> None:
    assert found(screener, text, priya).get(ref) is T.CASE_REFERENCE


def test_references_listed_after_one_cue(screener: Screener, priya: Author) -> None:
    text = "Refs: EH/2025/8812 / LCS 99123 / 20018847"
    got = found(screener, text, priya)
    assert all(got.get(r) is T.CASE_REFERENCE for r in ("EH/2025/8812", "LCS 99123", "20018847"))


@pytest.mark.parametrize(
    "text",
    [
        "IT ticket INC0077412 is open, fix expected by 12",
        "the ticket for the new laptops is CHG0011823 if anyone asks",
        "traffic on the A6033 and M62 again, running late",
        "ref 450012, review on 14/05/2026 at the centre",
    ],
)
def test_codes_that_are_not_family_references(screener: Screener, priya: Author, text: str) -> None:
    got = found(screener, text, priya)
    assert not any(k in got for k in ("INC0077412", "CHG0011823", "A6033", "14/05/2026"))


# Mistyped NHS numbers (the check digit fails) announced by an NHS cue earlier in the sentence.
@pytest.mark.parametrize(
    ("text", "nhs"),
    [
        ("I must write the NHS number of the baby, it is 4011234560, on the form", "4011234560"),
        ("The NHS of the older boy is 401 123 4568 I think", "401 123 4568"),
        ("NHS no for Storm on the letter was 401-123-4569", "401-123-4569"),
    ],
)
def test_mistyped_nhs_number_announced_in_its_sentence(
    screener: Screener, priya: Author, text: str, nhs: str
) -> None:
    assert found(screener, text, priya).get(nhs) is T.NHS_NUMBER


@pytest.mark.parametrize(
    "text",
    [
        "NHS number to follow. Order 4011234561 was for the new chairs",
        "the NHS trust booked it, invoice 4011 2345 62 attached",
    ],
)
def test_unannounced_or_regrouped_ten_digits_without_checksum_are_not_nhs(
    screener: Screener, priya: Author, text: str
) -> None:
    assert T.NHS_NUMBER not in screener.screen(text, priya).types()


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("• Kayden – 11, Fellside Primary\n• Tegan – 3 m/o", "11"),
        ("• Kayden – 11, Fellside Primary\n• Tegan – 3 m/o", "3 m/o"),
        ("• Rowan – seven, Fellside Primary", "seven"),
        ("Children: Tegan Pyke (fourteen) and Rowan (9)", "fourteen"),
        ("Children: Tegan Pyke, twelve, Fellside Primary", "twelve"),
        ("two children, Kayden (4) and Rowan (18m), at nan's", "18m"),
        ("baby Storm is 5mo and feeding well", "5mo"),
        ("Children: Tegan Pyke, 9 and Rowan Pyke, newborn.", "newborn"),
        ("update on Kayden: he turned 12 last week", "12"),
        ("she sees the twins, who are three, at weekends", "three"),
    ],
)
def test_ages_in_child_entries_words_and_months(
    screener: Screener, priya: Author, text: str, age: str
) -> None:
    assert found(screener, text, priya).get(age) is T.AGE


@pytest.mark.parametrize(
    "text",
    [
        "Level 3 – 2, Level 4 – 5 this week",
        "he is one of the few who turned up on time",
        "we need two more volunteers, she is two minutes away",
        "the room is 22m long and the car park holds 40",
    ],
)
def test_counts_and_measures_are_not_ages(screener: Screener, priya: Author, text: str) -> None:
    assert T.AGE not in screener.screen(text, priya).types()


@pytest.mark.parametrize(
    ("text", "school"),
    [
        ("Tegan goes to Fellside Grammar and is doing well", "Fellside Grammar"),
        (
            "Kayden is now at Brookmoor Pupil Referral Unit three days",
            "Brookmoor Pupil Referral Unit",
        ),
        (
            "Child: Kayden Pyke\nSchool/setting: Little Acorns Westfield\nNeed: SEND",
            "Little Acorns Westfield",
        ),
        ("Nursery: Tiny Steps Ashby", "Tiny Steps Ashby"),
        (
            "is Rowan known to u? school (Little Acorns Westfield) ringing me",
            "Little Acorns Westfield",
        ),
    ],
)
def test_schools_by_grammar_pru_field_and_bracket(
    screener: Screener, priya: Author, text: str, school: str
) -> None:
    assert found(screener, text, priya).get(school) is T.SCHOOL


@pytest.mark.parametrize(
    "text",
    [
        "spelling and grammar support is on the learning hub",
        "School: closed for INSET on Friday",
        "the school (as usual) rang at 9",
    ],
)
def test_school_words_without_a_named_school_are_kept(
    screener: Screener, priya: Author, text: str
) -> None:
    assert T.SCHOOL not in screener.screen(text, priya).types()


@pytest.mark.parametrize(
    ("text", "dob"),
    [
        ("is Tegan Pyke (4 June 19) already known to you?", "4 June 19"),
        ("Siblings: Rowan (Sep 18) and the baby", "Sep 18"),
        ("the girl Storm she born the 3rd of May 2015, the boy later", "the 3rd of May 2015"),
    ],
)
def test_birth_dates_with_two_digit_years_and_spoken(
    screener: Screener, priya: Author, text: str, dob: str
) -> None:
    assert found(screener, text, priya).get(dob) is T.DATE_OF_BIRTH


def test_a_month_and_day_meeting_is_not_a_birth_date(screener: Screener, priya: Author) -> None:
    text = "consult moved to Mar 26 at 10:00, room 2"
    assert screener.screen(text, priya).redacted == text


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("they have been at 12 Weaver Side for years", "12 Weaver Side"),
        ("they have been at 8 Tanyard Walk, Upper Ashby for years", "8 Tanyard Walk, Upper Ashby"),
        ("can you collect Tegan at 4 Ridge Mews, Upper Ashby?", "4 Ridge Mews, Upper Ashby"),
        ("thanks – re the family at Beacon View, booked you in", "Beacon View"),
        ("the Pyke family at Colliery Bank again, police out", "Colliery Bank"),
    ],
)
def test_addresses_with_other_street_kinds_and_two_word_towns(
    screener: Screener, priya: Author, text: str, address: str
) -> None:
    assert found(screener, text, priya).get(address) is T.ADDRESS


def test_a_team_at_a_named_place_is_not_an_address(screener: Screener, priya: Author) -> None:
    text = "the panel meets at Beacon View Library and the team at Quay Side Hub"
    assert T.ADDRESS not in screener.screen(text, priya).types()


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("List:\n1) Okafor – Tegan and brother, mum Leanne\n2) Rudd – Kayden 6", "Okafor"),
        ("Two for the list:\n1) Okafor – Holly and brother, mum Leanne", "Holly"),
        ("Outcomes:\n- Marsh (Storm Rudd, 7) – step up agreed", "Marsh"),
        ("Outcomes:\n- Leanne & Darren Pyke – SW to be allocated, worker Priya", "Darren Pyke"),
        ("re Tegan – the HV has mum's old number", "Tegan"),
        ("re Grace – the HV has a new number for mum", "Grace"),
        ("I'd rather not go through the Okafor details here.", "Okafor"),
        ("consult please. Mrs Kaur (Jaspreet, 38), 3 children", "Kaur"),
    ],
)
def test_names_by_list_entry_subject_and_case_cues(
    screener: Screener, priya: Author, text: str, name: str
) -> None:
    assert found(screener, text, priya).get(name) is T.NAME


@pytest.mark.parametrize(
    "text",
    [
        "Agenda:\n1) Budget – Priya to present\n2) Rota – see sheet",
        "re Panel – moved to Thursday",
        "re Early Help – the new form is live",
        "Cover: Priya Shah – SW for the locality this week",
        "the HV has mum's old number and dad's new one",
    ],
)
def test_list_heads_and_subjects_without_a_family_are_kept(
    screener: Screener, priya: Author, text: str
) -> None:
    assert T.NAME not in screener.screen(text, priya).types()


@pytest.mark.parametrize(
    "text",
    [
        "Ashby Crisis Service have a new duty number, 01632 960777, from Monday",
        "Mr Ferreira – his direct line is 01632 960778 if you need the school",
        "urgent safeguarding to the Front Door on 01632 960779",
    ],
)
def test_service_and_desk_lines_are_not_family_phones(
    screener: Screener, priya: Author, text: str
) -> None:
    assert T.PHONE not in screener.screen(text, priya).types()


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("mum left Ashby Recovery Project and school are worried", "Project and school"),
        ("Mum is on Pension Credit, NI QQ 12 34 56 A, and debt advice", "Pension Credit"),
        ("12/3/26 – nan phoned worried about Kayden\n14-3-26 – home visit, no answer", "14-3-26"),
    ],
)
def test_services_benefits_and_chronology_dates_are_kept(
    screener: Screener, priya: Author, text: str, kept: str
) -> None:
    result = screener.screen(text, priya)
    start = text.index(kept)
    assert not any(f.start < start + len(kept) and start < f.end for f in result.findings)
