"""Value types of the personal-data screen: who is speaking, who is staff, what was found."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Author:
    """The person posting the message; their own identity is never redacted."""

    name: str
    email: str | None


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A directory entry: staff names, e-mails, work phones and roles are kept."""

    name: str
    email: str | None = None
    phones: tuple[str, ...] = ()
    role: str | None = None


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The profile's own words, which must survive the screen untouched."""

    services: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    acronyms: tuple[str, ...] = ()
    staff_email_domains: tuple[str, ...] = ()


class FindingType(StrEnum):
    """Kinds of family personal data the screen removes."""

    NAME = "name"
    DATE_OF_BIRTH = "date_of_birth"
    AGE = "age"
    ADDRESS = "address"
    POSTCODE = "postcode"
    PHONE = "phone"
    EMAIL = "email"
    NHS_NUMBER = "nhs_number"
    NI_NUMBER = "ni_number"
    CASE_REFERENCE = "case_reference"
    SCHOOL = "school"
    VEHICLE_REGISTRATION = "vehicle_registration"
    SOCIAL_HANDLE = "social_handle"


# The bracketed text that replaces each finding in the redacted message.
LABELS: dict[FindingType, str] = {
    FindingType.NAME: "[name]",
    FindingType.DATE_OF_BIRTH: "[date of birth]",
    FindingType.AGE: "[age]",
    FindingType.ADDRESS: "[address]",
    FindingType.POSTCODE: "[postcode]",
    FindingType.PHONE: "[phone]",
    FindingType.EMAIL: "[email]",
    FindingType.NHS_NUMBER: "[NHS number]",
    FindingType.NI_NUMBER: "[NI number]",
    FindingType.CASE_REFERENCE: "[EHM/case number]",
    FindingType.SCHOOL: "[school]",
    FindingType.VEHICLE_REGISTRATION: "[vehicle reg]",
    FindingType.SOCIAL_HANDLE: "[social media]",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """A span of the original text holding family data; the value itself is never stored."""

    type: FindingType
    start: int
    end: int
    confidence: float

    def __repr__(self) -> str:
        """Show position and kind only, so a logged finding cannot leak the text."""
        return f"Finding({self.type.value}, {self.start}-{self.end}, {self.confidence:.2f})"


@dataclass(frozen=True, slots=True)
class Screening:
    """The redacted message and what was removed from it."""

    redacted: str
    findings: tuple[Finding, ...]

    @property
    def found(self) -> bool:
        """True when anything was redacted."""
        return bool(self.findings)

    def types(self) -> tuple[FindingType, ...]:
        """The distinct kinds found, sorted."""
        return tuple(sorted({f.type for f in self.findings}))

    def __repr__(self) -> str:
        """Counts and kinds only: the redacted text stays out of logs."""
        kinds = ",".join(t.value for t in self.types())
        return f"Screening(findings={len(self.findings)}, types=[{kinds}])"
