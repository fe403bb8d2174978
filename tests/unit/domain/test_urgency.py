"""Urgency read from a free-text post: negations are not urgent."""

from __future__ import annotations

import pytest

from domain.urgency import is_urgent

URGENT = [
    "URGENT step up consultation please",
    "urgent please",
    "Urgent: yes",
    "Urgent: Y",
    "Urgency: high",
    "Step up please, urgent",
    "Child at imminent risk of harm, need a consultation",
    "Needs seeing urgently please",
    "<at>Step Up Bot</at> urgent consultation needed",
    "No, this is urgent",
    "Not sure about the level. Urgent please",
]
NOT_URGENT = [
    "Step up consultation please",
    "Not urgent - step up consultation please",
    "not urgent",
    "This is not an urgent request",
    "Not very urgent",
    "non-urgent step up",
    "Non urgent, consultation please",
    "Urgent: no",
    "Urgent: No.",
    "Urgent: N",
    "urgent - no",
    "urgent \u2013 no",
    "Urgent? no",
    "Urgent = false",
    "Urgency: low",
    "Urgency: standard",
    "no urgency, call back when you can",
    "no immediate urgency",
    "There is some urgency",
    "It isn\u2019t urgent",
    "No imminent risk, step up consultation",
    "not at imminent risk",
    "nothing urgent",
    "Urgent no",
]


@pytest.mark.parametrize("text", URGENT)
def test_urgent_posts(text: str) -> None:
    assert is_urgent(text)


@pytest.mark.parametrize("text", NOT_URGENT)
def test_negated_or_absent_urgency_is_standard(text: str) -> None:
    assert not is_urgent(text)
