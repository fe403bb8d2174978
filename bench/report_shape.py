"""What makes a seeded history realistic for the period report (bench.seed_history --report).

Without it every request has the same service, the same step times and no outcome, dispute or
family, so the report's side queries (escalations, dispute events, families) read nothing and
its working-minute figures are one repeated value. Every value here is made up: services are
the demo council's, fingerprints are hashes of "bench-family-N" (no EHM number is involved),
actors are placeholder ids. Drawn from a seeded generator: the same N gives the same history.
"""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta
from typing import Any

from domain.events import EventKind
from domain.lifecycle import EscalationKey, Status

SERVICES = (
    "Family Centre Northgate",
    "Family Centre Riverside",
    "Family Support Programme North",
    "Family Support Programme South",
)
SERVICE_WEIGHTS = (0.45, 0.3, 0.17, 0.08)
# A flow timer recorded beside the escalations: the report must look past it.
FLOW_TIMER = "callback_reminder"
_ACTOR = "00000000-0000-4000-8000-00000000b003"
_DECIDED = (Status.CLOSED.value, Status.OUTCOME_RECORDED.value)

Rows = tuple[dict[str, Any], ...]


def fingerprint(family: int) -> str:
    """A made-up family's fingerprint: a hash of its number, shaped like the real HMAC."""
    return hashlib.sha256(f"bench-family-{family}".encode()).hexdigest()


class ReportShape:
    """Reshapes each seeded request in place and adds its escalations and events."""

    def __init__(self, n: int) -> None:
        self._rng = random.Random(19)
        # About 2.4 requests per family over the span (six in ten give an EHM number), so the
        # gaps between a family's requests fall within and beyond 3, 6 and 12 months.
        self._families = max(1, n // 4)

    def apply(self, i: int, row: dict[str, Any], details: dict[str, Any]) -> tuple[Rows, Rows]:
        """Vary `row` and `details`; return the request's extra escalation and event rows."""
        rng = self._rng
        row["service"] = rng.choices(SERVICES, SERVICE_WEIGHTS)[0]
        self._times(row)
        if row["status"] in _DECIDED:
            row["outcome"] = "threshold_met" if rng.random() < 0.6 else "threshold_not_met"
        if rng.random() < 0.6:
            details["ehm_fingerprint"] = fingerprint(rng.randrange(self._families))
        return self._escalations(row), self._events(row)

    def _times(self, row: dict[str, Any]) -> None:
        """Acknowledged within minutes to a day and a half, called back hours to days later."""
        rng = self._rng
        posted: datetime = row["posted_at"]
        if row["status"] == Status.WITHDRAWN.value and rng.random() < 0.5:
            row["acknowledged_at"] = row["called_back_at"] = None  # withdrawn before anyone saw it
            return
        acknowledged = posted + timedelta(minutes=rng.randint(5, 36 * 60))
        row["acknowledged_at"] = acknowledged
        if row["called_back_at"] is not None:
            row["called_back_at"] = acknowledged + timedelta(minutes=rng.randint(30, 72 * 60))
        if row["closed_at"] is not None:
            row["closed_at"] = max(row["closed_at"], row["called_back_at"] or acknowledged)

    def _escalations(self, row: dict[str, Any]) -> Rows:
        rng = self._rng
        keys: list[str] = []
        if row["urgency"] == "urgent" and rng.random() < 0.3:
            keys.append(EscalationKey.URGENT_UNACKNOWLEDGED.value)
            if rng.random() < 0.5:
                keys.append(EscalationKey.URGENT_UNACKNOWLEDGED_MANAGERS.value)
        if rng.random() < 0.05:
            keys.append(EscalationKey.EOD_UNACKNOWLEDGED.value)
        # The stuck ones (status acknowledged) already carry their call-back escalation.
        if row["status"] != Status.ACKNOWLEDGED.value and rng.random() < 0.04:
            keys.append(EscalationKey.CALLBACK_OVERDUE.value)
        if rng.random() < 0.03:
            keys.append(FLOW_TIMER)
        due = row["acknowledge_due"]
        return tuple(
            {"consultation_id": row["id"], "key": k, "due_at": due, "recorded_at": due}
            for k in keys
        )

    def _events(self, row: dict[str, Any]) -> Rows:
        """The submitted and acknowledged events, and a dispute and its review for a few."""
        posted: datetime = row["posted_at"]
        steps: list[tuple[EventKind, datetime, dict[str, str]]] = [
            (EventKind.SUBMITTED, posted, {})
        ]
        if row["acknowledged_at"] is not None:
            steps.append((EventKind.ACKNOWLEDGED, row["acknowledged_at"], {}))
        if row["outcome"] is not None and self._rng.random() < 0.05:
            steps.extend(self._dispute(posted + timedelta(days=3), 1))
        return tuple(
            {
                "consultation_id": row["id"],
                "seq": seq,
                "kind": kind.value,
                "at": at,
                "actor_id": _ACTOR,
                "data": data,
            }
            for seq, (kind, at, data) in enumerate(steps, start=1)
        )

    def _dispute(
        self, at: datetime, level: int
    ) -> list[tuple[EventKind, datetime, dict[str, str]]]:
        """A dispute at `level`, reviewed in most cases; an overturned first review may go on."""
        rng = self._rng
        steps = [(EventKind.DISPUTED, at, {"review_level": str(level)})]
        if rng.random() < 0.15:
            return steps  # still awaiting its review
        upheld = rng.random() < 0.7
        data = {"review_level": str(level), "upheld": "yes" if upheld else "no"}
        steps.append((EventKind.REVIEWED, at + timedelta(days=2), data))
        if level == 1 and not upheld and rng.random() < 0.4:
            steps.extend(self._dispute(at + timedelta(days=4), 2))
        return steps
