"""Events: the append-only history of a consultation, holding ids, enums and codes only."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from domain.errors import InvalidRequest


class EventKind(StrEnum):
    """What happened to a consultation."""

    SUBMITTED = "submitted"
    ASSIGNED = "assigned"
    ACKNOWLEDGED = "acknowledged"
    DETAILS_REQUESTED = "details_requested"
    DETAILS_PROVIDED = "details_provided"
    CALLED_BACK = "called_back"
    OUTCOME_RECORDED = "outcome_recorded"
    DISPUTED = "disputed"
    REVIEW_ASSIGNED = "review_assigned"
    REVIEWED = "reviewed"
    ESCALATED = "escalated"
    REASSIGNED = "reassigned"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"
    CHECKLIST_COMPLETED = "checklist_completed"
    SCREENED = "screened"
    SERVICE_CHANGED = "service_changed"


_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")

# Values are ids, enum values and short codes; the cap stops a paragraph of free text slipping in.
MAX_VALUE_LENGTH = 200


def require_aware(at: datetime) -> None:
    """Raise ValueError for a naive datetime: every instant in the domain carries its zone."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("times must be timezone-aware")


def require_code(value: str, what: str) -> None:
    """Raise InvalidRequest unless `value` is a short snake_case code (never free text)."""
    if not isinstance(value, str) or not _CODE.fullmatch(value):
        raise InvalidRequest(f"The {what} must be a short code.", code="not_a_code")


def yes_no(flag: bool) -> str:
    """A boolean as an event data value."""
    return "yes" if flag else "no"


@dataclass(frozen=True)
class Event:
    """One step in a consultation's history: what, when, who (None = the system) and codes."""

    kind: EventKind
    at: datetime
    actor_id: str | None
    data: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        require_aware(self.at)
        for key, value in self.data.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError("event data maps strings to strings")
            if len(value) > MAX_VALUE_LENGTH or "\n" in value:
                raise ValueError("event data holds ids and codes, not free text")
        # Read-only copy: history must not change after the fact, even through an alias.
        object.__setattr__(self, "data", MappingProxyType(dict(self.data)))
