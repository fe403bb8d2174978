"""When each escalation falls due, and who it tells: pure rules over a consultation and a time.

The scheduler asks `due_now`; the answer depends only on the consultation as stored, the council's
working calendar and timescales, and `now`. Nothing here sends or stores anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.calendar import WorkingCalendar, require_aware
from domain.consultation import Consultation
from domain.lifecycle import ESCALATIONS, EscalationKey, Urgency

__all__ = [
    "THREAD",
    "CARD",
    "Due",
    "EscalationTimescales",
    "MessageKind",
    "Notice",
    "due_now",
    "next_due",
    "notices",
    "schedule",
]

# Recipients that are not people: the request's thread (an @mention post) and its card.
THREAD = "thread"
CARD = "card"


class MessageKind(StrEnum):
    """What a notice says; the text is rendered when it is sent, from the consultation."""

    THREAD_MENTION = "thread_mention"
    CARD_UPDATE = "card_update"
    EOD_MANAGER = "eod_manager"
    URGENT_DUTY = "urgent_duty"
    URGENT_MANAGER = "urgent_manager"
    CALLBACK_ASSIGNEE = "callback_assignee"
    CALLBACK_SERVICE_MANAGER = "callback_service_manager"
    # Not escalations: what a new request must deliver, kept in the same outbox so that a
    # connector error or a crash mid-turn leaves it pending for the scheduler, never lost.
    THREAD_CARD = "thread_card"
    CHECKLIST = "checklist"
    DETAILS_ASK = "details_ask"  # the private-details form, when the ask could not be sent
    # A flow timer (domain.timer_plan): the state's owner reminded, or a role told, privately.
    TIMER_OWNER = "timer_owner"
    TIMER_ESCALATION = "timer_escalation"


@dataclass(frozen=True)
class EscalationTimescales:
    """The council's calendar and the urgent acknowledgement window (profile `timescales`)."""

    calendar: WorkingCalendar
    urgent_ack_working_minutes: int = 60

    def __post_init__(self) -> None:
        if self.urgent_ack_working_minutes < 1:
            raise ValueError("urgent_ack_working_minutes must be at least 1")


@dataclass(frozen=True, order=True)
class Due:
    """One escalation and the moment it falls due (UTC)."""

    at: datetime
    key: EscalationKey


@dataclass(frozen=True)
class Notice:
    """One message an escalation sends: a kind and a recipient (a person id, THREAD or CARD)."""

    kind: MessageKind
    recipient: str


def schedule(c: Consultation, rules: EscalationTimescales) -> tuple[Due, ...]:
    """Every escalation that still applies to `c` as it stands, recorded or not, by due time."""
    times: dict[EscalationKey, datetime | None] = {
        EscalationKey.EOD_UNACKNOWLEDGED: c.acknowledge_due,
        EscalationKey.CALLBACK_OVERDUE: c.callback_due,
    }
    if c.urgency is Urgency.URGENT:
        # Working minutes: an urgent post at 16:30 is 30 minutes late at 09:30 the next day.
        n, add = rules.urgent_ack_working_minutes, rules.calendar.add_working_minutes
        times[EscalationKey.URGENT_UNACKNOWLEDGED] = add(c.posted_at, n)
        times[EscalationKey.URGENT_UNACKNOWLEDGED_MANAGERS] = add(c.posted_at, 2 * n)
    found = [
        Due(require_aware(at), key)
        for key, at in times.items()
        if at is not None and _applies(c, key)
    ]
    return tuple(sorted(found))


def due_now(c: Consultation, rules: EscalationTimescales, now: datetime) -> tuple[Due, ...]:
    """The escalations not yet recorded whose time has come at `now` (never earlier)."""
    now = require_aware(now, "now")
    return tuple(d for d in schedule(c, rules) if d.at <= now and d.key not in c.escalations)


def next_due(c: Consultation, rules: EscalationTimescales) -> datetime | None:
    """When the earliest escalation not yet recorded falls due (may be past), or None."""
    pending = [d.at for d in schedule(c, rules) if d.key not in c.escalations]
    return min(pending, default=None)


def notices(
    c: Consultation,
    key: EscalationKey,
    *,
    map_managers: Sequence[str],
    service_managers: Sequence[str],
) -> tuple[Notice, ...]:
    """Who an escalation tells, one notice per recipient; the card always shows it."""
    plan: list[Notice] = []
    if key is EscalationKey.EOD_UNACKNOWLEDGED:
        plan.append(Notice(MessageKind.THREAD_MENTION, THREAD))
        plan += [Notice(MessageKind.EOD_MANAGER, m) for m in map_managers]
    elif key is EscalationKey.URGENT_UNACKNOWLEDGED:
        # The duty manager is the assignee; with nobody assigned, every MAP manager is told.
        duty = [c.assignee_id] if c.assignee_id else list(map_managers)
        plan += [Notice(MessageKind.URGENT_DUTY, m) for m in duty]
    elif key is EscalationKey.URGENT_UNACKNOWLEDGED_MANAGERS:
        plan += [Notice(MessageKind.URGENT_MANAGER, m) for m in map_managers if m != c.assignee_id]
    elif key is EscalationKey.CALLBACK_OVERDUE:
        if c.assignee_id:
            plan.append(Notice(MessageKind.CALLBACK_ASSIGNEE, c.assignee_id))
        plan += [Notice(MessageKind.CALLBACK_SERVICE_MANAGER, m) for m in service_managers]
    plan.append(Notice(MessageKind.CARD_UPDATE, CARD))
    # One message per recipient and key: the first (most specific) notice wins.
    unique: dict[str, Notice] = {}
    for notice in plan:
        unique.setdefault(notice.recipient, notice)
    return tuple(unique.values())


def _applies(c: Consultation, key: EscalationKey) -> bool:
    rule = ESCALATIONS[key]
    if rule.urgent_only and c.urgency is not Urgency.URGENT:
        return False
    return c.status in rule.while_in
