"""From posting to the outcome: the requester's and the MAP worker's transitions.

Functions over the aggregate, to keep `consultation.py` readable; the Consultation methods of
the same names delegate here. Each checks everything first, then changes, then commits the event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from domain.checklist import Checklist, as_indicators
from domain.errors import AlreadyDone, InvalidRequest, NotAllowed, WrongState
from domain.events import Event, EventKind, require_aware, yes_no
from domain.lifecycle import (
    BEFORE_OUTCOME,
    Action,
    Outcome,
    Status,
    checked_area_team,
    describe,
    require_state,
)
from domain.roles import MAP_MANAGERS, MAP_WORKERS, Actor, id_of, require_person, require_role

if TYPE_CHECKING:
    from domain.consultation import Consultation

MAX_ID_LENGTH = 64


# --- the MAP side -----------------------------------------------------------------------------


def assign(c: Consultation, assignee_id: str, *, at: datetime, by: Actor | None = None) -> None:
    """Give the request to a MAP worker; `by` None means the system (the duty rota)."""
    require_aware(at)
    _checked_assignee(c, assignee_id)
    if c.assignee_id == assignee_id and (by is None or by.is_map_manager):
        raise AlreadyDone("This request is already assigned to them.", code="already_assigned")
    can_assign(c, by)
    event = Event(EventKind.ASSIGNED, at, id_of(by), {"assignee_id": assignee_id})
    c.assignee_id = assignee_id
    c.status = Status.ASSIGNED
    c._commit(event)


def reassign(c: Consultation, actor: Actor, to_id: str, *, at: datetime) -> None:
    """A MAP team manager hands the request to another MAP worker; the status stays."""
    require_aware(at)
    can_reassign(c, actor)
    if to_id == c.assignee_id:
        raise AlreadyDone("This request is already assigned to them.", code="already_assigned")
    _checked_assignee(c, to_id)
    data = {"from_id": str(c.assignee_id), "to_id": to_id}
    event = Event(EventKind.REASSIGNED, at, actor.person_id, data)
    c.assignee_id = to_id
    c._commit(event)


def held_by_rota(c: Consultation) -> bool:
    """Whether the request's assignee is the duty rota's choice, not a person's: nobody has
    taken it on, and its last (re)assignment was the system's (posting, or a hand-over)."""
    if c.acknowledged_at is not None:
        return False
    moves = [e for e in c.events if e.kind in (EventKind.ASSIGNED, EventKind.REASSIGNED)]
    return not moves or moves[-1].actor_id is None


def hand_over(c: Consultation, to_id: str, *, at: datetime) -> None:
    """The rota moved on (the weekly hand-over, a cover, an absence): a request the rota gave
    out and nobody has taken on goes to whoever is on duty now. The system's move, no actor."""
    require_aware(at)
    if not held_by_rota(c):
        raise WrongState("A person has taken this request on or given it to someone.")
    if to_id == c.assignee_id:
        raise AlreadyDone("This request is already with the duty manager.", code="already_assigned")
    _checked_assignee(c, to_id)
    data = {"from_id": str(c.assignee_id), "to_id": to_id, "rule": "duty_rota"}
    c.assignee_id = to_id
    c._commit(Event(EventKind.REASSIGNED, at, None, data))


def acknowledge(c: Consultation, actor: Actor, *, at: datetime) -> None:
    """A MAP worker takes the request on and becomes its assignee."""
    require_aware(at)
    if c.acknowledged_at is not None and actor.person_id == c.assignee_id:
        raise AlreadyDone("You have already acknowledged this request.", code="acknowledged")
    can_acknowledge(c, actor)
    data = {"assignee_id": actor.person_id}
    if c.assignee_id not in (None, actor.person_id):
        data["previous_assignee_id"] = str(c.assignee_id)
    event = Event(EventKind.ACKNOWLEDGED, at, actor.person_id, data)
    c.assignee_id = actor.person_id
    c.acknowledged_at = at
    c.status = Status.ACKNOWLEDGED
    c._commit(event)


def request_details(c: Consultation, actor: Actor | None, *, at: datetime) -> None:
    """Record that the requester is asked, privately, for the EHM number and contacts.

    `actor` is the assignee, or None for the system: the bot sends the ask by itself when the
    council's profile says (on submission, before anyone has taken the request on).
    """
    require_aware(at)
    can_request_details(c, actor)
    c._commit(Event(EventKind.DETAILS_REQUESTED, at, id_of(actor)))


def record_callback(c: Consultation, actor: Actor, *, at: datetime) -> None:
    """The assignee has spoken to the requesting manager."""
    require_aware(at)
    if c.called_back_at is not None and actor.person_id == c.assignee_id:
        raise AlreadyDone("The call-back is already recorded.", code="called_back")
    can_record_callback(c, actor)
    event = Event(EventKind.CALLED_BACK, at, actor.person_id)
    c.called_back_at = at
    c.status = Status.CALLED_BACK
    c._commit(event)


def record_outcome(
    c: Consultation,
    actor: Actor,
    outcome: Outcome,
    *,
    area_team: str | None = None,
    contact_created: bool = False,
    at: datetime,
) -> None:
    """The assignee records the threshold decision; threshold met needs the area team."""
    require_aware(at)
    repeat = c.status is Status.OUTCOME_RECORDED and c.outcome is outcome
    if repeat and actor.person_id == c.decided_by:
        raise AlreadyDone("This outcome is already recorded.", code="outcome_recorded")
    can_record_outcome(c, actor)
    team = checked_area_team(outcome, area_team, contact_created)
    data = {"outcome": outcome.value, "contact_created": yes_no(contact_created)}
    if team is not None:
        data["area_team"] = team
    event = Event(EventKind.OUTCOME_RECORDED, at, actor.person_id, data)
    c.outcome, c.area_team, c.contact_created = outcome, team, contact_created
    c.decided_by = actor.person_id
    c.outcome_at = at
    c.status = Status.OUTCOME_RECORDED
    c._commit(event)


# --- the requester's side ---------------------------------------------------------------------


def record_details_provided(c: Consultation, actor: Actor, *, at: datetime) -> None:
    """The requester sent the private details (stored elsewhere, encrypted)."""
    require_aware(at)
    can_provide_details(c, actor)
    event = Event(EventKind.DETAILS_PROVIDED, at, actor.person_id)
    c.details_provided = True
    c._commit(event)


def complete_checklist(
    c: Consultation,
    actor: Actor,
    checklist: Checklist,
    *,
    at: datetime,
    indicators: Sequence[str] | None = None,
) -> None:
    """The requester confirms the checklist; `indicators` (validated) replace any posted ones."""
    require_aware(at)
    can_complete_checklist(c, actor)
    if not checklist.complete:
        raise InvalidRequest("Every checklist item must be confirmed.", code="incomplete")
    chosen = c.indicators if indicators is None else as_indicators(indicators)
    if not chosen:
        # A channel post carries no indicators; the checklist is where they must arrive.
        raise InvalidRequest("Choose at least one Level 4 indicator.", code="no_indicator")
    event = Event(EventKind.CHECKLIST_COMPLETED, at, actor.person_id)
    c.checklist, c.indicators = checklist, chosen
    c._commit(event)


def change_service(c: Consultation, actor: Actor, key: str, name: str, *, at: datetime) -> None:
    """File the request under another of the council's services (`key`, shown as `name`).

    The service decides who reports on the request and is shown on the card; a post filed under
    the requester's default, or naming the wrong centre, is corrected here, never re-posted.
    """
    require_aware(at)
    can_change_service(c, actor)
    if name == c.service:
        raise AlreadyDone("The request is already filed under that service.", code="same_service")
    event = Event(EventKind.SERVICE_CHANGED, at, actor.person_id, {"service": checked_id(key)})
    c.service = name
    c._commit(event)


def withdraw(c: Consultation, actor: Actor, *, at: datetime) -> None:
    """The requester withdraws the request before an outcome is recorded."""
    require_aware(at)
    if c.status is Status.WITHDRAWN and actor.person_id == c.requester_id:
        raise AlreadyDone("This request is already withdrawn.", code="withdrawn")
    can_withdraw(c, actor)
    event = Event(EventKind.WITHDRAWN, at, actor.person_id)
    c.status = Status.WITHDRAWN
    c.closed_at = at
    c._commit(event)


# --- guards: role, person and state; allowed_actions runs these too ---------------------------


def can_assign(c: Consultation, by: Actor | None) -> None:
    """Raise unless `by` (None = the system) may assign now."""
    if by is not None:
        require_role(by, MAP_MANAGERS, "assign a request")
    require_state(c.status, Action.ASSIGN)


def can_reassign(c: Consultation, actor: Actor) -> None:
    """Raise unless the actor may reassign now."""
    require_role(actor, MAP_MANAGERS, "reassign a request")
    require_state(c.status, Action.REASSIGN)


def can_acknowledge(c: Consultation, actor: Actor) -> None:
    """Raise unless the actor may acknowledge now."""
    require_role(actor, MAP_WORKERS, "acknowledge a request")
    if actor.person_id == c.requester_id:
        raise NotAllowed("You can't take on your own request.", code="own_request")
    require_state(c.status, Action.ACKNOWLEDGE)


def _require_assignee(c: Consultation, actor: Actor, doing: str) -> None:
    require_role(actor, MAP_WORKERS, doing)
    require_person(actor, c.assignee_id, "the MAP worker dealing with this request", doing)


def can_request_details(c: Consultation, actor: Actor | None) -> None:
    """Raise unless the actor (None = the system) may ask for the details now."""
    if actor is None:
        # The bot's own ask may come before the request is acknowledged (profiles that ask on
        # submission), but only while the details can still be given.
        if c.status not in BEFORE_OUTCOME:
            raise WrongState(
                f"Can't ask for the details now: this request is at '{describe(c.status)}'."
            )
    else:
        _require_assignee(c, actor, "ask for the details")
        require_state(c.status, Action.REQUEST_DETAILS)
    if awaiting_details(c):
        # Asked and not answered yet: asking again (a resent or repeated ask) adds nothing to
        # the trail, so the trail shows each real request once.
        raise AlreadyDone("The details have already been asked for.", code="details_requested")


def awaiting_details(c: Consultation) -> bool:
    """Whether the latest word on the details is a request that nothing has answered since."""
    for event in reversed(c.events):
        if event.kind is EventKind.DETAILS_PROVIDED:
            return False
        if event.kind is EventKind.DETAILS_REQUESTED:
            return True
    return False


def can_record_callback(c: Consultation, actor: Actor) -> None:
    """Raise unless the actor may record the call-back now."""
    _require_assignee(c, actor, "record the call-back")
    require_state(c.status, Action.RECORD_CALLBACK)


def can_record_outcome(c: Consultation, actor: Actor) -> None:
    """Raise unless the actor may record the outcome now."""
    _require_assignee(c, actor, "record the outcome")
    require_state(c.status, Action.RECORD_OUTCOME)


def can_provide_details(c: Consultation, actor: Actor) -> None:
    """Raise unless the actor may record that the details were sent."""
    require_person(actor, c.requester_id, "the requester", "provide the details")
    require_state(c.status, Action.RECORD_DETAILS_PROVIDED)


def can_complete_checklist(c: Consultation, actor: Actor) -> None:
    """Raise unless the actor may complete the checklist now."""
    require_person(actor, c.requester_id, "the requester", "complete the checklist")
    require_state(c.status, Action.COMPLETE_CHECKLIST)
    if c.checklist is not None and c.checklist.complete:
        raise AlreadyDone("The checklist is already complete.", code="checklist_complete")


def can_change_service(c: Consultation, actor: Actor) -> None:
    """Raise unless the actor may change the service now: the requester or a MAP team manager."""
    if actor.person_id != c.requester_id and not actor.is_map_manager:
        raise NotAllowed(
            "Only the requester or a MAP team manager can change the service.",
            code="not_this_person",
            person_id=c.requester_id,
        )
    require_state(c.status, Action.CHANGE_SERVICE)


def can_withdraw(c: Consultation, actor: Actor) -> None:
    """Raise unless the actor may withdraw now."""
    require_person(actor, c.requester_id, "the requester", "withdraw this request")
    require_state(c.status, Action.WITHDRAW)


def _checked_assignee(c: Consultation, person_id: str) -> None:
    if checked_id(person_id) == c.requester_id:
        raise InvalidRequest("The requester can't deal with their own request.", code="own_request")


def checked_id(value: str) -> str:
    """Return `value` if it looks like a person or record id, else raise InvalidRequest."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID_LENGTH:
        raise InvalidRequest("That person or record id is not valid.", code="bad_id")
    return value
