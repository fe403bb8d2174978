"""What the system records while a request waits: escalations and privacy screening."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from domain.errors import AlreadyDone, InvalidRequest, WrongState
from domain.events import Event, EventKind, require_aware, require_code
from domain.lifecycle import (
    ESCALATIONS,
    Action,
    EscalationKey,
    EscalationLevel,
    Urgency,
    require_state,
)
from domain.process.model import Fire, Timer

if TYPE_CHECKING:
    from domain.consultation import Consultation


def record_escalation(
    c: Consultation, key: str, *, at: datetime, data: Mapping[str, str] | None = None
) -> None:
    """Record a once-only escalation before anyone is notified; a repeat raises AlreadyDone."""
    require_aware(at)
    try:
        escalation = EscalationKey(key)
    except ValueError:
        raise InvalidRequest("Unknown escalation.", code="unknown_escalation") from None
    if escalation.value in c.escalations:
        raise AlreadyDone("This escalation is already recorded.", code="escalated")
    rule = ESCALATIONS[escalation]
    if rule.urgent_only and c.urgency is not Urgency.URGENT:
        raise InvalidRequest("Only urgent requests have this escalation.", code="not_urgent")
    if c.status not in rule.while_in:
        # E.g. acknowledged since the job looked: nothing to escalate any more.
        raise WrongState("This escalation no longer applies.", code="escalation_moot")
    payload = _checked_extra(data, reserved=("key", "level"))
    payload |= {"key": escalation.value, "level": str(int(rule.level))}
    event = Event(EventKind.ESCALATED, at, None, payload)
    c.escalations = c.escalations | {escalation.value}
    c._commit(event)


def record_timer(
    c: Consultation, key: str, timer: Timer, *, at: datetime, data: Mapping[str, str] | None = None
) -> None:
    """Record that a flow timer fired (its once-only `key`), before anyone is told.

    The event says which timer and what it does, in codes; a repeat raises AlreadyDone and a
    case that has left the timer's states since the tick looked raises WrongState.
    """
    require_aware(at)
    if key in c.escalations:
        raise AlreadyDone("This timer has already fired.", code="escalated")
    if c.status.value not in timer.while_in:
        raise WrongState("This timer no longer applies.", code="escalation_moot")
    payload = _checked_extra(data, reserved=("key", "timer", "fires", "condition"))
    payload |= {
        "key": key,
        "timer": timer.key,
        "fires": ",".join(fire_code(f) for f in timer.fires),
        "condition": timer.only_if or "",
    }
    c.escalations = c.escalations | {key}
    c._commit(Event(EventKind.ESCALATED, at, None, payload))


def fire_code(fire: Fire) -> str:
    """A fire as a short code for the event log: remind_owner, escalate:<role>, move:<state>."""
    if fire.kind == "escalate":
        return f"escalate:{fire.role}"
    if fire.kind == "move":
        return f"move:{fire.state}"
    return "remind_owner"


def escalation_level(escalations: frozenset[str]) -> EscalationLevel:
    """The highest level among recorded escalation keys; a flow timer's key has no level."""
    legacy = {k.value for k in EscalationKey}
    levels = (ESCALATIONS[EscalationKey(k)].level for k in escalations if k in legacy)
    return max(levels, default=EscalationLevel.NONE)


def record_screening(
    c: Consultation, result: str, *, at: datetime, data: Mapping[str, str] | None = None
) -> None:
    """Record that the privacy screen checked a post in this request's thread."""
    require_aware(at)
    require_code(result, "screening result")
    require_state(c.status, Action.RECORD_SCREENING)
    payload = _checked_extra(data, reserved=("result",)) | {"result": result}
    c._commit(Event(EventKind.SCREENED, at, None, payload))


def _checked_extra(data: Mapping[str, str] | None, *, reserved: tuple[str, ...]) -> dict[str, str]:
    """Caller-supplied event data: code-like keys, none that would overwrite ours."""
    extra = dict(data or {})
    for key in extra:
        require_code(key, "event data key")
        if key in reserved:
            raise InvalidRequest("That event data key is reserved.", code="reserved_key")
    return extra
