"""Events in words for the audit trail, built from known codes only (unknown keys are left out)."""

from __future__ import annotations

from collections.abc import Callable

from domain.events import Event, EventKind
from domain.lifecycle import ESCALATIONS, EscalationKey

Namer = Callable[[str | None], str]

WHAT = {
    EventKind.SUBMITTED: "posted",
    EventKind.SCREENED: "screened",
    EventKind.ASSIGNED: "assigned",
    EventKind.REASSIGNED: "reassigned",
    EventKind.ACKNOWLEDGED: "acknowledged",
    EventKind.DETAILS_REQUESTED: "details requested",
    EventKind.DETAILS_PROVIDED: "details provided",
    EventKind.CHECKLIST_COMPLETED: "checklist confirmed",
    EventKind.CALLED_BACK: "called back",
    EventKind.OUTCOME_RECORDED: "outcome",
    EventKind.DISPUTED: "dispute",
    EventKind.REVIEW_ASSIGNED: "reviewer assigned",
    EventKind.REVIEWED: "review",
    EventKind.ESCALATED: "escalation",
    EventKind.WITHDRAWN: "withdrawal",
    EventKind.CLOSED: "closed",
    EventKind.SERVICE_CHANGED: "service changed",
}

_OUTCOMES = {"threshold_met": "threshold met", "threshold_not_met": "threshold not met"}
_ESCALATIONS = {
    EscalationKey.URGENT_UNACKNOWLEDGED: "urgent and not acknowledged in time: duty manager told",
    EscalationKey.URGENT_UNACKNOWLEDGED_MANAGERS: "urgent, still unacknowledged: MAP managers told",
    EscalationKey.EOD_UNACKNOWLEDGED: "not acknowledged by the end of the working day",
    EscalationKey.CALLBACK_OVERDUE: "no call-back by the deadline: service managers told",
}
_CLOSED_BY = {
    "requester": "the requester accepted the decision",
    "system": "closed automatically after the dispute window",
    "reviewer": "closed by the final reviewer",
}
_TYPES_ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyz_,")


def describe(event: Event, name: Namer) -> tuple[str, str]:
    """What happened, and its detail, for one event."""
    data = event.data
    kind = event.kind
    what = WHAT.get(kind, kind.value.replace("_", " "))
    if kind is EventKind.SUBMITTED:
        urgency = "urgent" if data.get("urgency") == "urgent" else "standard"
        return what, f"{data.get('reference', '')}, {urgency}, checklist {data.get('checklist')}"
    if kind is EventKind.ASSIGNED:
        how = " (duty rota)" if event.actor_id is None else ""
        return what, f"to {name(data.get('assignee_id'))}{how}"
    if kind is EventKind.REASSIGNED:
        how = " (duty rota hand-over)" if data.get("rule") == "duty_rota" else ""
        return what, f"from {name(data.get('from_id'))} to {name(data.get('to_id'))}{how}"
    if kind is EventKind.ACKNOWLEDGED:
        before = data.get("previous_assignee_id")
        return what, f"taken on (was with {name(before)})" if before else "taken on"
    if kind is EventKind.DETAILS_REQUESTED:
        return what, "EHM number, oversight and contact number asked for privately"
    if kind is EventKind.DETAILS_PROVIDED:
        return what, "given privately; not part of this record"
    if kind is EventKind.OUTCOME_RECORDED:
        contact = data.get("contact_created")
        return what, _outcome(data.get("outcome"), data.get("area_team"), contact)
    if kind is EventKind.DISPUTED:
        return what, f"review at level {data.get('review_level', '?')} asked for"
    if kind is EventKind.REVIEW_ASSIGNED:
        level = data.get("review_level", "?")
        return what, f"{name(data.get('reviewer_id'))} reviews (level {level})"
    if kind is EventKind.REVIEWED:
        verdict = "upheld" if data.get("upheld") == "yes" else "overturned"
        outcome = _OUTCOMES.get(data.get("outcome", ""), "?")
        return what, f"level {data.get('review_level', '?')}: {verdict}, now {outcome}"
    if kind is EventKind.ESCALATED:
        if data.get("timer"):
            return what, f"timer {data['timer'].replace('_', ' ')}: {data.get('fires', '')}"
        return what, _escalation(data.get("key", ""))
    if kind is EventKind.SCREENED:
        return what, _screening(data.get("result", ""), data.get("types", ""))
    if kind is EventKind.CLOSED:
        return what, _CLOSED_BY.get(data.get("closed_by", ""), "")
    return what, ""


def _outcome(outcome: str | None, area_team: str | None, contact: str | None) -> str:
    words = _OUTCOMES.get(outcome or "", "?")
    if area_team:
        words += f"; area team {area_team}"
    if outcome == "threshold_met":
        words += "; contact created" if contact == "yes" else "; contact not yet created"
    return words


def _escalation(key: str) -> str:
    try:
        escalation = EscalationKey(key)
    except ValueError:
        return "unknown escalation"
    level = int(ESCALATIONS[escalation].level)
    return f"level {level}: {_ESCALATIONS[escalation]}"


def _screening(result: str, types: str) -> str:
    # Types only ("name,phone"): anything else in the event is never shown.
    kinds = [t for t in types.split(",") if t and set(t) <= _TYPES_ALLOWED]
    found = ", ".join(t.replace("_", " ") for t in kinds) or "none"
    return f"{result.replace('_', ' ') or 'checked'}; types: {found}"
