"""The private-details dialog as explicit states (see dialogs/DETAILS.md for the diagram).

The same states serve both ways in: a Teams dialog (task/fetch, task/submit) opened from the
channel card, and a form card in the 1:1 chat. The state and the typed values persist in the
database (sealed), so a restart in the middle loses nothing.
"""

from __future__ import annotations

from enum import StrEnum

DIALOG = "case_details"


class State(StrEnum):
    """Where the requester is in giving the details."""

    ASKED = "asked"  # the form was sent; nothing typed yet
    EDITING = "editing"  # a submission was refused; what was typed is kept for the next try
    SUBMITTED = "submitted"  # stored (sealed); the duty manager has them
    CANCELLED = "cancelled"  # the requester stopped; they can start again from the card
    EXPIRED = "expired"  # untouched past the time limit; opening it starts afresh


class Step(StrEnum):
    """What happened to the dialog."""

    ASK = "ask"
    OPEN = "open"
    REFUSE = "refuse"
    ACCEPT = "accept"
    CANCEL = "cancel"
    EXPIRE = "expire"


TRANSITIONS: dict[tuple[State | None, Step], State] = {
    (None, Step.ASK): State.ASKED,
    (None, Step.OPEN): State.ASKED,
    (State.ASKED, Step.OPEN): State.ASKED,
    (State.ASKED, Step.REFUSE): State.EDITING,
    (State.ASKED, Step.ACCEPT): State.SUBMITTED,
    (State.ASKED, Step.CANCEL): State.CANCELLED,
    (State.ASKED, Step.EXPIRE): State.EXPIRED,
    (State.EDITING, Step.OPEN): State.EDITING,
    (State.EDITING, Step.REFUSE): State.EDITING,
    (State.EDITING, Step.ACCEPT): State.SUBMITTED,
    (State.EDITING, Step.CANCEL): State.CANCELLED,
    (State.EDITING, Step.EXPIRE): State.EXPIRED,
    (State.SUBMITTED, Step.OPEN): State.EDITING,  # edit what was given
    (State.SUBMITTED, Step.ASK): State.SUBMITTED,
    (State.CANCELLED, Step.OPEN): State.ASKED,
    (State.CANCELLED, Step.ASK): State.ASKED,
    (State.EXPIRED, Step.OPEN): State.ASKED,
    (State.EXPIRED, Step.ASK): State.ASKED,
}


class DialogError(Exception):
    """A step that the current state does not allow (e.g. cancelling a submitted dialog)."""


def next_state(state: State | None, step: Step) -> State:
    """The state after `step`, or DialogError when the step makes no sense now."""
    try:
        return TRANSITIONS[(state, step)]
    except KeyError:
        raise DialogError(f"{step.value} is not possible when {state or 'new'}") from None


def keeps_values(state: State) -> bool:
    """Whether typed values are worth keeping in this state (only while editing)."""
    return state is State.EDITING
