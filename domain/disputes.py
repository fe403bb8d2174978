"""After the outcome: the requester disputes (two review levels) or accepts, and it closes.

Functions over the aggregate rather than methods, to keep `consultation.py` readable; the
Consultation methods of the same names delegate here.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from domain.errors import AlreadyDone, InvalidRequest, NotAllowed, WrongState
from domain.events import Event, EventKind, require_aware, yes_no
from domain.lifecycle import (
    FINAL_REVIEW_LEVEL,
    IN_DISPUTE,
    Action,
    Outcome,
    Status,
    checked_area_team,
    require_state,
)
from domain.roles import (
    MAP_MANAGERS,
    SERVICE_MANAGERS,
    Actor,
    Role,
    id_of,
    require_person,
    require_role,
)

if TYPE_CHECKING:
    from domain.consultation import Consultation


def took_part(c: Consultation) -> frozenset[str]:
    """People who may not review: the requester, the decider and every earlier reviewer."""
    # Earlier reviewers are known only from the history, so this needs all of `events`.
    people = {e.actor_id for e in c.events if e.kind is EventKind.REVIEWED and e.actor_id}
    people.add(c.requester_id)
    if c.decided_by is not None:
        people.add(c.decided_by)
    return frozenset(people)


def _reviewer_roles(c: Consultation) -> frozenset[Role]:
    # Level 1 goes to another MAP manager; level 2 to the service managers.
    return SERVICE_MANAGERS if c.review_level >= FINAL_REVIEW_LEVEL else MAP_MANAGERS


# --- dispute ----------------------------------------------------------------------------------


def can_dispute(c: Consultation, actor: Actor) -> None:
    """Raise unless the actor may dispute now."""
    require_person(actor, c.requester_id, "the requester", "dispute the decision")
    require_state(c.status, Action.DISPUTE)
    if c.review_level >= FINAL_REVIEW_LEVEL:
        raise WrongState("The service managers' review is final.", code="review_final")


def dispute(c: Consultation, actor: Actor, *, at: datetime) -> None:
    """Open the next review level: 1 after the outcome, 2 after a first review."""
    require_aware(at)
    if c.status in IN_DISPUTE and actor.person_id == c.requester_id:
        raise AlreadyDone("This decision is already disputed.", code="disputed")
    can_dispute(c, actor)
    level = c.review_level + 1
    event = Event(EventKind.DISPUTED, at, actor.person_id, {"review_level": str(level)})
    c.review_level = level
    c.reviewer_id = None  # reviewer_id always names the reviewer of the current level
    c.status = Status.DISPUTED
    c._commit(event)


# --- reviewer ---------------------------------------------------------------------------------


def can_assign_reviewer(c: Consultation, by: Actor | None) -> None:
    """Raise unless `by` (None = the system) may name a reviewer now."""
    if by is not None:
        require_role(by, _reviewer_roles(c), "assign a reviewer at this level")
    require_state(c.status, Action.ASSIGN_REVIEWER)


def assign_reviewer(
    c: Consultation, reviewer: Actor, *, at: datetime, by: Actor | None = None
) -> None:
    """Name the reviewer of the current level; someone who took part can't be named."""
    require_aware(at)
    can_assign_reviewer(c, by)
    if reviewer.person_id == c.reviewer_id:
        raise AlreadyDone("They are already the reviewer.", code="reviewer_assigned")
    if not reviewer.has_any(_reviewer_roles(c)):
        raise InvalidRequest("They can't review at this level.", code="reviewer_role")
    if reviewer.person_id in took_part(c):
        raise InvalidRequest("Someone involved in this decision can't review it.", code="took_part")
    data = {"reviewer_id": reviewer.person_id, "review_level": str(c.review_level)}
    event = Event(EventKind.REVIEW_ASSIGNED, at, id_of(by), data)
    c.reviewer_id = reviewer.person_id
    c.status = Status.UNDER_REVIEW
    c._commit(event)


# --- review -----------------------------------------------------------------------------------


def can_review(c: Consultation, actor: Actor) -> None:
    """Raise unless the actor may decide the review now."""
    require_state(c.status, Action.REVIEW)
    if c.review_level >= FINAL_REVIEW_LEVEL:
        # Either service manager may decide, assigned or not, unless they took part before.
        require_role(actor, SERVICE_MANAGERS, "decide a second-level review")
        if actor.person_id in took_part(c):
            raise NotAllowed("You took part in this decision.", code="took_part")
        return
    if c.status is Status.DISPUTED:
        raise WrongState("A reviewer must be assigned first.", code="no_reviewer")
    require_person(actor, c.reviewer_id, "the assigned reviewer", "review this decision")


def review(
    c: Consultation,
    actor: Actor,
    *,
    upheld: bool,
    outcome: Outcome | None,
    area_team: str | None = None,
    contact_created: bool = False,
    at: datetime,
) -> None:
    """Uphold the decision, or replace it with the other outcome."""
    require_aware(at)
    if c.status is Status.REVIEWED and actor.person_id == c.reviewer_id:
        raise AlreadyDone("You have already reviewed this decision.", code="reviewed")
    can_review(c, actor)
    new_outcome, team = _reviewed(c, upheld, outcome, area_team, contact_created)
    level, verdict = str(c.review_level), yes_no(upheld)
    data = {"review_level": level, "upheld": verdict, "outcome": new_outcome.value}
    event = Event(EventKind.REVIEWED, at, actor.person_id, data)
    c.outcome, c.area_team = new_outcome, team
    # A contact once created exists whatever the review says; the flag never goes back.
    c.contact_created = c.contact_created or contact_created
    c.reviewer_id = actor.person_id
    c.reviewed_at = at
    c.status = Status.REVIEWED
    c._commit(event)


def _reviewed(
    c: Consultation,
    upheld: bool,
    outcome: Outcome | None,
    area_team: str | None,
    contact_created: bool,
) -> tuple[Outcome, str | None]:
    """The outcome and area team after the review, or InvalidRequest."""
    current = c.outcome
    if current is None:  # unreachable through the transitions; guards a hand-built aggregate
        raise WrongState("There is no decision to review.", code="no_outcome")
    if upheld:
        if outcome not in (None, current) or area_team is not None or contact_created:
            raise InvalidRequest("An upheld decision keeps its outcome.", code="upheld_changed")
        return current, c.area_team
    if outcome is None or outcome is current:
        raise InvalidRequest("Overturning needs the other outcome.", code="overturn_outcome")
    return outcome, checked_area_team(outcome, area_team, contact_created)


# --- close ------------------------------------------------------------------------------------


def can_close(c: Consultation, actor: Actor | None) -> None:
    """Raise unless `actor` (None = the system's auto-close) may close now."""
    require_state(c.status, Action.CLOSE)
    if actor is None or actor.person_id == c.requester_id:
        return
    # Closing ends the right to dispute, so MAP-side people may close only a final review.
    final = c.status is Status.REVIEWED and c.review_level >= FINAL_REVIEW_LEVEL
    if not (final and actor.person_id == c.reviewer_id):
        raise NotAllowed(
            "Only the requester can close this now; it closes itself later.", code="close"
        )


def close(c: Consultation, actor: Actor | None, *, at: datetime) -> None:
    """Close after an outcome or review: the requester accepts, or the system auto-closes."""
    require_aware(at)
    if c.status is Status.CLOSED and (actor is None or actor.person_id == c.requester_id):
        raise AlreadyDone("This request is already closed.", code="closed")
    can_close(c, actor)
    if actor is None:
        closed_by = "system"
    else:
        closed_by = "requester" if actor.person_id == c.requester_id else "reviewer"
    event = Event(EventKind.CLOSED, at, id_of(actor), {"closed_by": closed_by})
    c.status = Status.CLOSED
    c.closed_at = at
    c._commit(event)
