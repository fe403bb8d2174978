"""The private case details: EHM number, where oversight is recorded, best contact number.

Validation is pure and returns one message per field, so a form can show each message next to
its field. Messages never repeat what was typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import phonenumbers

FIELDS = ("ehmNumber", "oversight", "phone")
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!]")
_SEPARATORS = re.compile(r"[\s\-./]")


@dataclass(frozen=True)
class DetailsRules:
    """What the council accepts (the EHM format comes from the profile)."""

    ehm_pattern: str = r"(?:EHM)?\d{6,10}"
    ehm_hint: str = "6 to 10 digits, optionally starting EHM"
    oversight_max: int = 200


@dataclass(frozen=True)
class CaseDetails:
    """Validated details: the EHM number normalised, the phone in E.164."""

    ehm_number: str
    oversight: str
    phone: str

    def __repr__(self) -> str:
        return "CaseDetails(<redacted>)"

    @property
    def phone_display(self) -> str:
        """The phone as a UK reader dials it."""
        parsed = phonenumbers.parse(self.phone, "GB")
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


@dataclass(frozen=True)
class DetailsCheck:
    """Either details, or a message per field that needs fixing."""

    details: CaseDetails | None
    errors: Mapping[str, str]

    def __repr__(self) -> str:
        return f"DetailsCheck(valid={self.details is not None}, fields={sorted(self.errors)})"


def check_details(values: Mapping[str, object], rules: DetailsRules) -> DetailsCheck:
    """Validate a submitted form; nothing is half-accepted."""
    errors: dict[str, str] = {}
    ehm = _ehm(values.get("ehmNumber"), rules, errors)
    oversight = _oversight(values.get("oversight"), rules, errors)
    phone = _phone(values.get("phone"), errors)
    if errors or ehm is None or oversight is None or phone is None:
        return DetailsCheck(None, errors)
    return DetailsCheck(CaseDetails(ehm, oversight, phone), {})


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _ehm(value: object, rules: DetailsRules, errors: dict[str, str]) -> str | None:
    raw = _text(value)
    if not raw:
        errors["ehmNumber"] = "Enter the EHM number."
        return None
    if len(raw) > 40:
        errors["ehmNumber"] = "That is too long for an EHM number."
        return None
    compact = _SEPARATORS.sub("", raw).upper()
    if not re.fullmatch(rules.ehm_pattern, compact):
        errors["ehmNumber"] = f"An EHM number is {rules.ehm_hint}."
        return None
    return compact.removeprefix("EHM")


def _oversight(value: object, rules: DetailsRules, errors: dict[str, str]) -> str | None:
    raw = _text(value)
    if not raw:
        errors["oversight"] = "Say where the management oversight is recorded."
        return None
    if len(raw) > rules.oversight_max:
        errors["oversight"] = f"Keep it under {rules.oversight_max} characters."
        return None
    if _TAG.search(raw):
        errors["oversight"] = "Please use plain text, without HTML."
        return None
    return " ".join(raw.split())


def _phone(value: object, errors: dict[str, str]) -> str | None:
    raw = _text(value)
    if not raw:
        errors["phone"] = "Enter your best contact number."
        return None
    if len(raw) > 30 or re.search(r"[A-Za-z]", raw):
        errors["phone"] = "A phone number has digits only (spaces and + are fine)."
        return None
    try:
        parsed = phonenumbers.parse(raw, "GB")
    except phonenumbers.NumberParseException:
        errors["phone"] = "That is not a phone number."
        return None
    if parsed.country_code != 44:  # +44 also covers the Crown Dependencies' mobile ranges
        errors["phone"] = "Give a UK number: the MAP team calls UK numbers only."
        return None
    if not (phonenumbers.is_valid_number(parsed) or _drama_number(parsed)):
        errors["phone"] = "That is not a valid UK phone number."
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


# Ofcom keeps these for drama: UK-shaped, allocated to nobody. libphonenumber refuses the two
# that are not inside a real area's range (01632 960xxx, 07700 900xxx); the form accepts them,
# so a newcomer can type the demo's own numbers. A real requester gains nothing by typing one:
# the check is there to catch a mistyped shape, and a drama number is the right shape.
_DRAMA_RANGES = ("1632960", "7700900")


def _drama_number(parsed: phonenumbers.PhoneNumber) -> bool:
    national = str(parsed.national_number)
    return len(national) == 10 and national.startswith(_DRAMA_RANGES)
