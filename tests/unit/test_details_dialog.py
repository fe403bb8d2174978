"""The details dialog's states, and the diagram in dialogs/DETAILS.md kept true to them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dialogs.details_dialog import TRANSITIONS, DialogError, State, Step, next_state

DOC = Path(__file__).resolve().parents[2] / "dialogs" / "DETAILS.md"


def test_a_refused_submission_keeps_editing_until_accepted() -> None:
    state = next_state(None, Step.ASK)
    state = next_state(state, Step.REFUSE)
    assert state is State.EDITING
    assert next_state(state, Step.REFUSE) is State.EDITING
    assert next_state(state, Step.ACCEPT) is State.SUBMITTED


def test_submitted_details_can_be_edited_but_not_cancelled() -> None:
    assert next_state(State.SUBMITTED, Step.OPEN) is State.EDITING
    with pytest.raises(DialogError):
        next_state(State.SUBMITTED, Step.CANCEL)


def test_expired_and_cancelled_dialogs_start_afresh() -> None:
    assert next_state(State.EDITING, Step.EXPIRE) is State.EXPIRED
    assert next_state(State.EXPIRED, Step.OPEN) is State.ASKED
    assert next_state(State.CANCELLED, Step.OPEN) is State.ASKED


def test_the_diagram_shows_every_transition_of_the_code() -> None:
    doc = DOC.read_text()
    edges = set()
    for line in doc.splitlines():
        match = re.match(r"\s*(\S+) --> (\S+) : (.+)", line)
        if match:
            steps = {s.strip().split(" ")[0] for s in match.group(3).split("/")}
            edges |= {(match.group(1), match.group(2), step) for step in steps}
    for (source, step), target in TRANSITIONS.items():
        if source is not None and source is target and step is Step.OPEN:
            continue  # self-loops on open are drawn only where they matter
        name = "[*]" if source is None else source.value
        assert (name, target.value, step.value) in edges or (
            source is None and ("[*]", target.value, step.value) in edges
        ), (name, step.value, target.value)
