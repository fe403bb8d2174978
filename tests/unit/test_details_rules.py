"""Checking the private details: one clear message per field, never the value typed."""

from __future__ import annotations

import pytest

from domain.details import CaseDetails, DetailsRules, check_details

VALID = {"ehmNumber": "EHM 7304518", "oversight": "EHM case notes", "phone": "0113 496 0577"}


def test_valid_details_are_normalised() -> None:
    check = check_details(VALID, DetailsRules())
    assert check.details == CaseDetails("7304518", "EHM case notes", "+441134960577")
    assert check.details.phone_display == "0113 496 0577"
    assert "7304518" not in repr(check.details) and "7304518" not in repr(check)


@pytest.mark.parametrize("ehm", ["7304518", "ehm 730-4518", "EHM7304518", "  730 4518 "])
def test_ehm_numbers_tolerate_prefix_spaces_and_dashes(ehm: str) -> None:
    details = check_details({**VALID, "ehmNumber": ehm}, DetailsRules()).details
    assert details is not None and details.ehm_number == "7304518"


def test_a_council_can_set_its_own_ehm_format() -> None:
    rules = DetailsRules(ehm_pattern=r"EH\d{4}", ehm_hint="EH and 4 digits")
    assert check_details({**VALID, "ehmNumber": "EH1234"}, rules).details is not None
    refused = check_details(VALID, rules)
    assert refused.errors == {"ehmNumber": "An EHM number is EH and 4 digits."}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"phone": "07700 900 12a"}, "phone"),
        ({"phone": "+1 202 555 0143"}, "phone"),
        ({"phone": "0113 496"}, "phone"),
        ({"ehmNumber": "12345"}, "ehmNumber"),
        ({"oversight": "   "}, "oversight"),
        ({"oversight": "see </script>"}, "oversight"),
        ({"ehmNumber": None}, "ehmNumber"),
    ],
)
def test_each_bad_field_gets_its_own_message_and_nothing_is_accepted(
    values: dict[str, object], field: str
) -> None:
    check = check_details({**VALID, **values}, DetailsRules())
    assert check.details is None
    assert set(check.errors) == {field}
    typed = values[field]
    if isinstance(typed, str) and typed.strip():
        assert typed.strip() not in check.errors[field]
