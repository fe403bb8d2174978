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


def escalation_level(escalations: frozenset[str]) -> EscalationLevel:
    """The highest level among recorded escalation keys."""
    levels = (ESCALATIONS[EscalationKey(k)].level for k in escalations)
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
