"""The consultation aggregate: a step-up request from posting to closing.

The aggregate holds the state and is the only way to change it. The rules of each use case live
beside it and its methods delegate to them: `domain.casework` (posting to outcome),
`domain.disputes` (dispute, review, close), `domain.monitoring` (escalations, screening).
Every transition checks first and changes after, so a refused call leaves no trace.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from domain import casework, disputes, monitoring
from domain.checklist import Checklist, as_indicators
from domain.errors import DomainError, InvalidRequest
from domain.events import Event, EventKind, require_aware
from domain.lifecycle import (
    TERMINAL,
    Action,
    EscalationKey,
    EscalationLevel,
    Outcome,
    Status,
    Urgency,
)
from domain.process.model import Timer
from domain.roles import REQUESTERS, Actor, require_role

__all__ = [
    "Action",
    "Consultation",
    "EscalationKey",
    "EscalationLevel",
    "Outcome",
    "Status",
    "Urgency",
]


@dataclass(eq=False)
class Consultation:
    """A step-up consultation; it changes state only through its own methods."""

    id: str
    reference: str
    requester_id: str
    service: str
    urgency: Urgency
    indicators: tuple[str, ...]
    posted_at: datetime
    status: Status = Status.SUBMITTED
    checklist: Checklist | None = None
    assignee_id: str | None = None
    decided_by: str | None = None
    reviewer_id: str | None = None
    outcome: Outcome | None = None
    area_team: str | None = None
    contact_created: bool = False
    review_level: int = 0
    acknowledge_due: datetime | None = None
    callback_due: datetime | None = None
    acknowledged_at: datetime | None = None
    called_back_at: datetime | None = None
    outcome_at: datetime | None = None
    reviewed_at: datetime | None = None
    closed_at: datetime | None = None
    escalations: frozenset[str] = frozenset()
    details_provided: bool = False
    version: int = 0
    events: list[Event] = field(default_factory=list, repr=False)
    # Not persisted as such: SQLAlchemy skips __init__ on load, so the mapper must reset it.
    new_events: list[Event] = field(default_factory=list, repr=False)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Consultation) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    @classmethod
    def submit(
        cls,
        *,
        reference: str,
        requester: Actor,
        service: str,
        urgency: Urgency,
        indicators: Sequence[str],
        checklist: Checklist | None,
        at: datetime,
        acknowledge_due: datetime | None,
        callback_due: datetime | None,
        id: str | None = None,
    ) -> Consultation:
        """Post a request; indicators, if any, must already have passed `validate_indicators`.

        A request posted in the channel has no indicators yet: `complete_checklist` adds them.
        """
        _require_times(at, acknowledge_due, callback_due)
        require_role(requester, REQUESTERS, "post a step-up request")
        _require_short(reference, "reference", 32)
        _require_short(service, "service", 120)
        chosen = as_indicators(indicators)
        consultation = cls(
            id=casework.checked_id(id) if id is not None else uuid.uuid4().hex,
            reference=reference,
            requester_id=requester.person_id,
            service=service.strip(),
            urgency=Urgency(urgency),
            indicators=chosen,
            posted_at=at,
            checklist=checklist,
            acknowledge_due=acknowledge_due,
            callback_due=callback_due,
        )
        state = "none" if checklist is None else "complete" if checklist.complete else "partial"
        data = {"reference": reference, "urgency": consultation.urgency.value, "checklist": state}
        consultation._commit(Event(EventKind.SUBMITTED, at, requester.person_id, data))
        return consultation

    # --- the MAP side (rules in domain.casework) -----------------------------------------------

    def assign(self, assignee_id: str, *, at: datetime, by: Actor | None = None) -> None:
        """Give the request to a MAP worker; `by` None means the system (the duty rota)."""
        casework.assign(self, assignee_id, at=at, by=by)

    def change_service(self, actor: Actor, key: str, name: str, *, at: datetime) -> None:
        """File the request under another service (the requester or a MAP team manager)."""
        casework.change_service(self, actor, key, name, at=at)

    def reassign(self, actor: Actor, to_id: str, *, at: datetime) -> None:
        """A MAP team manager hands the request to another MAP worker; the status stays."""
        casework.reassign(self, actor, to_id, at=at)

    def hand_over(self, to_id: str, *, at: datetime) -> None:
        """The duty rota moved on: a request it gave out, untaken, goes to who is on duty now."""
        casework.hand_over(self, to_id, at=at)

    @property
    def held_by_rota(self) -> bool:
        """Nobody has taken it on and the rota, not a person, chose its assignee."""
        return casework.held_by_rota(self)

    def acknowledge(self, actor: Actor, *, at: datetime) -> None:
        """A MAP worker takes the request on and becomes its assignee."""
        casework.acknowledge(self, actor, at=at)

    def request_details(self, actor: Actor | None, *, at: datetime) -> None:
        """Record the private ask for the EHM number and contacts; None is the bot's own ask."""
        casework.request_details(self, actor, at=at)

    def record_callback(self, actor: Actor, *, at: datetime) -> None:
        """The assignee has spoken to the requesting manager."""
        casework.record_callback(self, actor, at=at)

    def record_outcome(
        self,
        actor: Actor,
        outcome: Outcome,
        *,
        area_team: str | None = None,
        contact_created: bool = False,
        at: datetime,
    ) -> None:
        """The assignee records the threshold decision; threshold met needs the area team."""
        casework.record_outcome(
            self, actor, outcome, area_team=area_team, contact_created=contact_created, at=at
        )

    # --- the requester's side (rules in domain.casework) ----------------------------------------

    def record_details_provided(self, actor: Actor, *, at: datetime) -> None:
        """The requester sent the private details (stored elsewhere, encrypted)."""
        casework.record_details_provided(self, actor, at=at)

    def complete_checklist(
        self,
        actor: Actor,
        checklist: Checklist,
        *,
        at: datetime,
        indicators: Sequence[str] | None = None,
    ) -> None:
        """The requester confirms the checklist (and the indicators, if the post had none)."""
        casework.complete_checklist(self, actor, checklist, at=at, indicators=indicators)

    def withdraw(self, actor: Actor, *, at: datetime) -> None:
        """The requester withdraws the request before an outcome is recorded."""
        casework.withdraw(self, actor, at=at)

    # --- dispute, review, close (rules in domain.disputes) ----------------------------------------

    def dispute(self, actor: Actor, *, at: datetime) -> None:
        """The requester disagrees with the outcome (level 1) or with the review (level 2)."""
        disputes.dispute(self, actor, at=at)

    def assign_reviewer(self, reviewer: Actor, *, at: datetime, by: Actor | None = None) -> None:
        """Name the reviewer: another MAP team manager (level 1) or a service manager (level 2)."""
        disputes.assign_reviewer(self, reviewer, at=at, by=by)

    def review(
        self,
        actor: Actor,
        *,
        upheld: bool,
        outcome: Outcome | None,
        area_team: str | None = None,
        contact_created: bool = False,
        at: datetime,
    ) -> None:
        """The reviewer upholds the decision or replaces it with the other outcome."""
        disputes.review(
            self,
            actor,
            upheld=upheld,
            outcome=outcome,
            area_team=area_team,
            contact_created=contact_created,
            at=at,
        )

    def close(self, actor: Actor | None, *, at: datetime) -> None:
        """Close after an outcome or review; `actor` None is the system's auto-close."""
        disputes.close(self, actor, at=at)

    # --- the system (rules in domain.monitoring) ------------------------------------------------

    def record_escalation(
        self, key: str, *, at: datetime, data: Mapping[str, str] | None = None
    ) -> None:
        """Record a once-only escalation (an EscalationKey) before anyone is notified."""
        monitoring.record_escalation(self, key, at=at, data=data)

    def record_timer(
        self, key: str, timer: Timer, *, at: datetime, data: Mapping[str, str] | None = None
    ) -> None:
        """Record that a flow timer fired (its once-only key) before anyone is notified."""
        monitoring.record_timer(self, key, timer, at=at, data=data)

    def record_screening(
        self, result: str, *, at: datetime, data: Mapping[str, str] | None = None
    ) -> None:
        """Record that the privacy screen checked a post in this request's thread (a code)."""
        monitoring.record_screening(self, result, at=at, data=data)

    # --- queries ------------------------------------------------------------------------------

    @property
    def is_terminal(self) -> bool:
        """Closed or withdrawn: nothing more can happen."""
        return self.status in TERMINAL

    @property
    def is_open(self) -> bool:
        """Not yet closed or withdrawn."""
        return not self.is_terminal

    @property
    def escalation_level(self) -> EscalationLevel:
        """The highest escalation recorded so far."""
        return monitoring.escalation_level(self.escalations)

    def allowed_actions(self, actor: Actor) -> frozenset[str]:
        """The verbs this person may use now; cards show one button for each."""
        allowed: set[str] = set()
        for action, guard in _GUARDS.items():
            try:
                guard(self, actor)
            except DomainError:
                continue
            allowed.add(action.value)
        return frozenset(allowed)

    def refusal(self, action: Action, actor: Actor) -> DomainError | None:
        """Why this person may not use a person-facing verb now (None when they may)."""
        guard = _GUARDS.get(action)
        if guard is None:
            return None
        try:
            guard(self, actor)
        except DomainError as refused:
            return refused
        return None

    def pull_new_events(self) -> list[Event]:
        """Hand the events recorded since load to the repository, and forget them."""
        pulled, self.new_events = self.new_events, []
        return pulled

    def _commit(self, event: Event) -> None:
        """Append the event and bump the version; called once, after every check has passed."""
        self.events.append(event)
        self.new_events.append(event)
        self.version += 1


# Person-facing verbs and their guards (role, person, state); the system verbs have none.
_GUARDS: Mapping[Action, Callable[[Consultation, Actor], None]] = {
    Action.ASSIGN: casework.can_assign,
    Action.REASSIGN: casework.can_reassign,
    Action.ACKNOWLEDGE: casework.can_acknowledge,
    Action.REQUEST_DETAILS: casework.can_request_details,
    Action.RECORD_DETAILS_PROVIDED: casework.can_provide_details,
    Action.COMPLETE_CHECKLIST: casework.can_complete_checklist,
    Action.RECORD_CALLBACK: casework.can_record_callback,
    Action.RECORD_OUTCOME: casework.can_record_outcome,
    Action.DISPUTE: disputes.can_dispute,
    Action.ASSIGN_REVIEWER: disputes.can_assign_reviewer,
    Action.REVIEW: disputes.can_review,
    Action.WITHDRAW: casework.can_withdraw,
    Action.CLOSE: disputes.can_close,
    Action.CHANGE_SERVICE: casework.can_change_service,
}


def _require_times(at: datetime, *deadlines: datetime | None) -> None:
    require_aware(at)
    for due in deadlines:
        if due is not None:
            require_aware(due)
            if due < at:
                raise ValueError("a deadline can't be before the request was posted")


def _require_short(value: str, what: str, limit: int) -> None:
    if not isinstance(value, str) or not value.strip() or len(value) > limit or "\n" in value:
        raise InvalidRequest(f"The {what} must be one short line.", code=f"bad_{what}")
