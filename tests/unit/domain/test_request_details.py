"""`request_details`: the assignee, or the system (the bot's own ask); once per unanswered ask."""

from __future__ import annotations

import pytest

from domain.consultation import Action
from domain.errors import AlreadyDone, DomainError, WrongState
from domain.events import EventKind
from domain.roles import Actor
from tests.unit.domain.test_consultation import (
    AMIR,
    PRIYA,
    STAGES,
    TOM,
    at_stage,
    minutes,
    snapshot,
)

SYSTEM_MAY_ASK = {"submitted", "assigned", "acknowledged", "called_back"}


@pytest.mark.parametrize("stage", list(STAGES))
def test_the_system_asks_in_any_state_before_the_outcome(stage: str) -> None:
    c = at_stage(stage)
    before = snapshot(c)
    if stage in SYSTEM_MAY_ASK:
        c.request_details(None, at=minutes(500))
        assert (c.events[-1].kind, c.events[-1].actor_id) == (EventKind.DETAILS_REQUESTED, None)
        assert c.version == before["version"] + 1 and c.status == before["status"]
        return
    with pytest.raises(WrongState) as refused:
        c.request_details(None, at=minutes(500))
    assert snapshot(c) == before
    assert "ask for the details" in refused.value.message and "aad-" not in refused.value.message


@pytest.mark.parametrize("first", [TOM, None], ids=["assignee-first", "system-first"])
@pytest.mark.parametrize("again", [TOM, None], ids=["assignee-again", "system-again"])
def test_an_unanswered_ask_is_not_recorded_twice_by_anyone(
    first: Actor | None, again: Actor | None
) -> None:
    c = at_stage("acknowledged")
    c.request_details(first, at=minutes(20))
    before = snapshot(c)
    with pytest.raises(AlreadyDone) as repeated:
        c.request_details(again, at=minutes(21))
    assert repeated.value.code == "details_requested" and snapshot(c) == before
    # The assignee's card no longer offers it either.
    assert Action.REQUEST_DETAILS.value not in c.allowed_actions(TOM)


def test_once_the_details_are_given_they_can_be_asked_for_again() -> None:
    c = at_stage("acknowledged")
    c.request_details(TOM, at=minutes(20))
    c.record_details_provided(PRIYA, at=minutes(30))
    assert Action.REQUEST_DETAILS.value in c.allowed_actions(TOM)
    c.request_details(TOM, at=minutes(40))  # say, to correct a number: a new request
    kinds = [e.kind for e in c.events if e.kind.value.startswith("details")]
    assert kinds == [
        EventKind.DETAILS_REQUESTED,
        EventKind.DETAILS_PROVIDED,
        EventKind.DETAILS_REQUESTED,
    ]


def test_a_person_still_has_to_be_the_assignee_after_acknowledgement() -> None:
    for stage in ("submitted", "assigned"):
        with pytest.raises(DomainError):
            at_stage(stage).request_details(TOM, at=minutes(500))
    with pytest.raises(DomainError):
        at_stage("acknowledged").request_details(AMIR, at=minutes(500))
    with pytest.raises(DomainError):
        at_stage("acknowledged").request_details(PRIYA, at=minutes(500))
