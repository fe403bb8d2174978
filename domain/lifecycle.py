"""The lifecycle's vocabulary: states, verbs, and which states each verb may start from.

`FROM_STATES` and `TO_STATE` are the single source of the state graph: the transitions check
them, `allowed_actions` derives from them, and a test holds `domain/LIFECYCLE.md` to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from types import MappingProxyType

from domain.errors import InvalidRequest, WrongState


class Status(StrEnum):
    """Where a consultation is in its lifecycle."""

    SUBMITTED = "submitted"
    ASSIGNED = "assigned"
    ACKNOWLEDGED = "acknowledged"
    CALLED_BACK = "called_back"
    OUTCOME_RECORDED = "outcome_recorded"
    DISPUTED = "disputed"
    UNDER_REVIEW = "under_review"
    REVIEWED = "reviewed"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class Outcome(StrEnum):
    """The MAP decision against the threshold document."""

    THRESHOLD_MET = "threshold_met"
    THRESHOLD_NOT_MET = "threshold_not_met"


class Urgency(StrEnum):
    """Urgent = the child may be at imminent risk of harm; a faster response is needed."""

    STANDARD = "standard"
    URGENT = "urgent"


class Action(StrEnum):
    """A transition's verb; the value is the Consultation method's name (cards dispatch on it)."""

    ASSIGN = "assign"
    REASSIGN = "reassign"
    ACKNOWLEDGE = "acknowledge"
    REQUEST_DETAILS = "request_details"
    RECORD_DETAILS_PROVIDED = "record_details_provided"
    COMPLETE_CHECKLIST = "complete_checklist"
    RECORD_CALLBACK = "record_callback"
    RECORD_OUTCOME = "record_outcome"
    DISPUTE = "dispute"
    ASSIGN_REVIEWER = "assign_reviewer"
    REVIEW = "review"
    WITHDRAW = "withdraw"
    CLOSE = "close"
    RECORD_ESCALATION = "record_escalation"
    RECORD_SCREENING = "record_screening"
    CHANGE_SERVICE = "change_service"


# The second-level (service managers') review is the last; there is no third.
FINAL_REVIEW_LEVEL = 2
MAX_AREA_TEAM_LENGTH = 80

# Only the system (scheduler, privacy screen) does these; no person gets a button for them.
SYSTEM_ACTIONS: frozenset[Action] = frozenset({Action.RECORD_ESCALATION, Action.RECORD_SCREENING})


class EscalationLevel(IntEnum):
    """How far up a late consultation has been pushed; higher reaches more senior people."""

    NONE = 0
    DUTY_MANAGER = 1  # urgent and unacknowledged after N working minutes: remind the duty TM
    MAP_MANAGERS = 2  # still unacknowledged: every MAP team manager is told directly
    SERVICE_MANAGERS = 3  # no call-back within 24 hours: the assignee and the service managers


class EscalationKey(StrEnum):
    """A once-only escalation; the scheduler records the key before it sends anything."""

    URGENT_UNACKNOWLEDGED = "urgent_unacknowledged"
    URGENT_UNACKNOWLEDGED_MANAGERS = "urgent_unacknowledged_managers"
    EOD_UNACKNOWLEDGED = "eod_unacknowledged"
    CALLBACK_OVERDUE = "callback_overdue"


_S = Status
BEFORE_OUTCOME: frozenset[Status] = frozenset(
    {_S.SUBMITTED, _S.ASSIGNED, _S.ACKNOWLEDGED, _S.CALLED_BACK}
)
UNACKNOWLEDGED: frozenset[Status] = frozenset({_S.SUBMITTED, _S.ASSIGNED})
IN_DISPUTE: frozenset[Status] = frozenset({_S.DISPUTED, _S.UNDER_REVIEW})
DECIDED: frozenset[Status] = frozenset({_S.OUTCOME_RECORDED, _S.REVIEWED})
TERMINAL: frozenset[Status] = frozenset({_S.CLOSED, _S.WITHDRAWN})
OPEN: frozenset[Status] = frozenset(Status) - TERMINAL


@dataclass(frozen=True)
class EscalationRule:
    """How far up an escalation reaches, and while which states it still applies."""

    level: EscalationLevel
    while_in: frozenset[Status]
    urgent_only: bool = False


ESCALATIONS: Mapping[EscalationKey, EscalationRule] = MappingProxyType(
    {
        EscalationKey.URGENT_UNACKNOWLEDGED: EscalationRule(
            EscalationLevel.DUTY_MANAGER, UNACKNOWLEDGED, urgent_only=True
        ),
        EscalationKey.URGENT_UNACKNOWLEDGED_MANAGERS: EscalationRule(
            EscalationLevel.MAP_MANAGERS, UNACKNOWLEDGED, urgent_only=True
        ),
        EscalationKey.EOD_UNACKNOWLEDGED: EscalationRule(
            EscalationLevel.MAP_MANAGERS, UNACKNOWLEDGED
        ),
        # Until the call-back, which itself moves the consultation on from ACKNOWLEDGED.
        EscalationKey.CALLBACK_OVERDUE: EscalationRule(
            EscalationLevel.SERVICE_MANAGERS, UNACKNOWLEDGED | {_S.ACKNOWLEDGED}
        ),
    }
)

FROM_STATES: Mapping[Action, frozenset[Status]] = MappingProxyType(
    {
        Action.ASSIGN: frozenset({_S.SUBMITTED}),
        Action.REASSIGN: frozenset({_S.ASSIGNED, _S.ACKNOWLEDGED, _S.CALLED_BACK}),
        Action.ACKNOWLEDGE: UNACKNOWLEDGED,
        Action.REQUEST_DETAILS: frozenset({_S.ACKNOWLEDGED, _S.CALLED_BACK}),
        Action.RECORD_DETAILS_PROVIDED: BEFORE_OUTCOME,
        Action.COMPLETE_CHECKLIST: BEFORE_OUTCOME,
        Action.RECORD_CALLBACK: frozenset({_S.ACKNOWLEDGED}),
        Action.RECORD_OUTCOME: frozenset({_S.CALLED_BACK}),
        Action.DISPUTE: DECIDED,  # from REVIEWED only after a first-level review
        Action.ASSIGN_REVIEWER: IN_DISPUTE,  # from UNDER_REVIEW it replaces the reviewer
        Action.REVIEW: IN_DISPUTE,  # from DISPUTED only at level 2 (any service manager)
        Action.WITHDRAW: BEFORE_OUTCOME,
        Action.CLOSE: DECIDED,
        Action.RECORD_ESCALATION: frozenset().union(*(r.while_in for r in ESCALATIONS.values())),
        Action.RECORD_SCREENING: OPEN,
        Action.CHANGE_SERVICE: BEFORE_OUTCOME,
    }
)

# None: the verb records an event but leaves the status where it was.
TO_STATE: Mapping[Action, Status | None] = MappingProxyType(
    {
        Action.ASSIGN: _S.ASSIGNED,
        Action.REASSIGN: None,
        Action.ACKNOWLEDGE: _S.ACKNOWLEDGED,
        Action.REQUEST_DETAILS: None,
        Action.RECORD_DETAILS_PROVIDED: None,
        Action.COMPLETE_CHECKLIST: None,
        Action.RECORD_CALLBACK: _S.CALLED_BACK,
        Action.RECORD_OUTCOME: _S.OUTCOME_RECORDED,
        Action.DISPUTE: _S.DISPUTED,
        Action.ASSIGN_REVIEWER: _S.UNDER_REVIEW,
        Action.REVIEW: _S.REVIEWED,
        Action.WITHDRAW: _S.WITHDRAWN,
        Action.CLOSE: _S.CLOSED,
        Action.RECORD_ESCALATION: None,
        Action.RECORD_SCREENING: None,
        Action.CHANGE_SERVICE: None,
    }
)


def describe(value: StrEnum) -> str:
    """A state or verb in plain words, for user-facing messages."""
    return value.value.replace("_", " ")


_DOING: Mapping[Action, str] = MappingProxyType(
    {
        Action.ASSIGN: "assign it",
        Action.REASSIGN: "reassign it",
        Action.ACKNOWLEDGE: "acknowledge it",
        Action.REQUEST_DETAILS: "ask for the details",
        Action.RECORD_DETAILS_PROVIDED: "give the details",
        Action.COMPLETE_CHECKLIST: "complete the checklist",
        Action.RECORD_CALLBACK: "record the call-back",
        Action.RECORD_OUTCOME: "record the outcome",
        Action.DISPUTE: "dispute the decision",
        Action.ASSIGN_REVIEWER: "assign a reviewer",
        Action.REVIEW: "review the decision",
        Action.WITHDRAW: "withdraw it",
        Action.CLOSE: "close it",
        Action.CHANGE_SERVICE: "change its service",
    }
)
_STATE: Mapping[Status, str] = MappingProxyType(
    {
        Status.SUBMITTED: "waiting to be assigned",
        Status.ASSIGNED: "waiting for acknowledgement",
        Status.ACKNOWLEDGED: "acknowledged and waiting for the call-back",
        Status.CALLED_BACK: "called back and waiting for the outcome",
        Status.OUTCOME_RECORDED: "decided (its outcome is recorded)",
        Status.DISPUTED: "disputed and waiting for a reviewer",
        Status.UNDER_REVIEW: "under review",
        Status.REVIEWED: "reviewed",
        Status.CLOSED: "closed",
        Status.WITHDRAWN: "withdrawn",
    }
)
_NOT_YET = frozenset({Status.SUBMITTED, Status.ASSIGNED})


def require_state(status: Status, action: Action) -> None:
    """Raise WrongState unless `action` may start from `status`, saying what is needed."""
    if status in FROM_STATES[action]:
        return
    doing = _DOING.get(action, describe(action))
    message = f"You can't {doing} now: this request is {_STATE[status]}."
    if status in (Status.CLOSED, Status.WITHDRAWN):
        message += " Post a new request if the family needs another consultation."
    elif status in _NOT_YET and action in (Action.RECORD_CALLBACK, Action.RECORD_OUTCOME):
        message += " The MAP worker on duty acknowledges it first."
    raise WrongState(message)


def checked_area_team(outcome: Outcome, area_team: str | None, contact_created: bool) -> str | None:
    """Return the area team to store for `outcome`, or raise InvalidRequest."""
    team = (area_team or "").strip()
    if outcome is Outcome.THRESHOLD_MET:
        # Step up agreed: the contact goes to an area team, so there must be one.
        if not team:
            raise InvalidRequest(
                "Threshold met needs the area team the contact goes to.", code="area_team_required"
            )
        if len(team) > MAX_AREA_TEAM_LENGTH or "\n" in team:
            raise InvalidRequest("Give the area team's short name.", code="area_team_too_long")
        return team
    if team:
        raise InvalidRequest(
            "Only a threshold-met outcome has an area team.", code="area_team_unused"
        )
    if contact_created:
        raise InvalidRequest(
            "Only a threshold-met outcome creates a contact.", code="contact_unused"
        )
    return None
