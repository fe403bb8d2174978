"""The figures of a period report, as plain values (no presentation, no suppression)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime

from reports.periods import Period

URGENCIES = ("standard", "urgent")
GROUPS = ("all", *URGENCIES)
REREFERRAL_MONTHS = (3, 6, 12)
OUTCOMES = ("threshold_met", "threshold_not_met", "withdrawn", "no_outcome_yet")

# Time to acknowledge, in working hours: [low, high) and its label.
ACK_BINS: tuple[tuple[float, float, str], ...] = (
    (0, 1, "under 1 h"),
    (1, 2, "1 to 2 h"),
    (2, 4, "2 to 4 h"),
    (4, 8, "4 to 8 h"),
    (8, 16, "8 to 16 h"),
    (16, math.inf, "16 h or more"),
)


@dataclass(frozen=True)
class Timeliness:
    """How quickly one step was done, in working minutes, and against its deadline."""

    measured: int = 0
    """Requests where the step was done."""
    median_minutes: float | None = None
    p90_minutes: int | None = None
    due: int = 0
    """Requests whose deadline counts: done, or deadline passed while it was still needed."""
    within: int = 0
    """Of `due`, those done by their deadline."""

    @property
    def pct_within(self) -> float | None:
        """Share of `due` done in time, in percent."""
        return 100.0 * self.within / self.due if self.due else None


@dataclass(frozen=True)
class EscalationFigures:
    """Escalations recorded at one level."""

    level: int
    label: str
    escalations: int
    requests: int


@dataclass(frozen=True)
class DisputeFigures:
    """Disputes opened at one review level and what their reviews decided."""

    level: int
    disputed: int
    upheld: int
    overturned: int

    @property
    def awaiting(self) -> int:
        """Disputes not yet reviewed."""
        return max(self.disputed - self.upheld - self.overturned, 0)


@dataclass(frozen=True)
class ReReferrals:
    """Requests for a family that already had a request within N months."""

    with_family: int
    """Requests whose EHM number was given (the denominator)."""
    within: dict[int, int] = field(default_factory=dict)
    """Months -> requests with an earlier request for the same family within that many months."""

    def pct(self, months: int) -> float | None:
        """The re-referral rate within `months`, in percent."""
        return 100.0 * self.within[months] / self.with_family if self.with_family else None


@dataclass(frozen=True)
class QuarterlyReport:
    """Figures on the process for the requests posted in a period."""

    period: Period
    as_of: datetime
    total: int
    by_service: dict[str, dict[str, int]]
    """Service name -> urgency -> requests."""
    weekly: list[tuple[date, int]]
    acknowledge: dict[str, Timeliness]
    """Group ("all", "standard", "urgent") -> time to acknowledge."""
    callback: dict[str, Timeliness]
    ack_distribution: list[tuple[str, int]]
    outcomes: dict[str, int]
    escalations: list[EscalationFigures]
    disputes: list[DisputeFigures]
    rereferrals: ReReferrals
