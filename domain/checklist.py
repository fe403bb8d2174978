"""The requester's checklist before posting, and the Level 4 indicator rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.errors import InvalidRequest


@dataclass(frozen=True)
class Checklist:
    """What the requester confirms is recorded in their own organisation and on EHM."""

    supervision_recorded: bool
    evidence_recorded: bool
    rationale_on_ehm: bool

    @property
    def complete(self) -> bool:
        """True when every item is confirmed."""
        return self.supervision_recorded and self.evidence_recorded and self.rationale_on_ehm


def as_indicators(indicators: Sequence[str]) -> tuple[str, ...]:
    """The chosen indicators as a tuple; InvalidRequest for a bare string or a repeat."""
    # A bare string is a Sequence[str] too; iterating it would give single characters.
    if isinstance(indicators, str):
        raise InvalidRequest("Choose indicators from the list.", code="indicators_not_a_list")
    if len(set(indicators)) != len(indicators):
        raise InvalidRequest("Each indicator can be chosen once.", code="duplicate_indicator")
    return tuple(indicators)


def validate_indicators(
    indicators: Sequence[str], *, known: Sequence[str], reduces_safety_indicator: str
) -> None:
    """Raise InvalidRequest unless the indicators satisfy the threshold document's rules."""
    if reduces_safety_indicator not in known:
        # A profile that lacks its own special indicator is a configuration bug, not user input.
        raise ValueError("reduces_safety_indicator must be one of the known indicators")
    chosen = as_indicators(indicators)
    if not chosen:
        raise InvalidRequest("Choose at least one Level 4 indicator.", code="no_indicator")
    # The message never echoes the unknown value: it may be typed text, not a code.
    if any(i not in known for i in chosen):
        raise InvalidRequest("One indicator is not on the list.", code="unknown_indicator")
    if chosen == (reduces_safety_indicator,):
        raise InvalidRequest(
            "'Situation could reduce the child's safety' needs at least one other "
            "Level 4 indicator.",
            code="reduces_safety_needs_another",
        )
