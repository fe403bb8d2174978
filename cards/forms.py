"""Private forms: returned only to the person who pressed the button (user-specific views)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cards.common import (
    VERB_REFRESH,
    VERB_SET_COVER,
    VERB_SUBMIT_REQUEST,
    card,
    execute,
    plain,
    text,
)
from domain.lifecycle import Action, Outcome


def _choice_set(
    id_: str,
    label: str,
    choices: Sequence[tuple[str, str]],
    *,
    multi: bool = False,
    required: bool = True,
    error: str = "",
) -> dict[str, Any]:
    return {
        "type": "Input.ChoiceSet",
        "id": id_,
        "label": label,
        "isRequired": required,
        "errorMessage": error or f"{label} is required",
        "isMultiSelect": multi,
        "style": "expanded",
        "choices": [{"title": plain(title), "value": value} for title, value in choices],
    }


def _toggle(id_: str, title: str) -> dict[str, Any]:
    return {
        "type": "Input.Toggle",
        "id": id_,
        "title": title,
        "valueOn": "true",
        "valueOff": "false",
        "value": "false",
    }


def _cancel(consultation_id: str) -> dict[str, Any]:
    return execute("Cancel", VERB_REFRESH, {"consultationId": consultation_id})


def _notice(problem: str | None) -> list[dict[str, Any]]:
    return [text(plain(problem), color="Attention", weight="Bolder")] if problem else []


def _contact_inputs(area_teams: Sequence[str], label: str) -> list[dict[str, Any]]:
    """Where a 'threshold met' contact goes (a list, never free text) and whether it is made."""
    return [
        _choice_set("areaTeam", label, [(team, team) for team in area_teams], required=False),
        _toggle("contactCreated", "I have created the contact and transferred it"),
    ]


def outcome_form(
    consultation_id: str, reference: str, area_teams: Sequence[str], problem: str | None = None
) -> dict[str, Any]:
    """The assignee records the threshold decision after the call-back."""
    body = [
        text(f"Record the outcome of {reference}", weight="Bolder", size="Medium"),
        *_notice(problem),
        _choice_set(
            "outcome",
            "Outcome",
            [
                ("Threshold met: step up to Level 4 agreed", Outcome.THRESHOLD_MET.value),
                ("Threshold not met: Level 3 continues", Outcome.THRESHOLD_NOT_MET.value),
            ],
        ),
        *_contact_inputs(area_teams, "Area team (if threshold met)"),
        text(
            "Recording an outcome also records that you called the requester back.",
            isSubtle=True,
            size="Small",
        ),
    ]
    actions = [
        execute(
            "Record outcome",
            Action.RECORD_OUTCOME,
            {"consultationId": consultation_id},
            style="positive",
        ),
        _cancel(consultation_id),
    ]
    return card(body, actions)


def review_form(
    consultation_id: str, reference: str, area_teams: Sequence[str], problem: str | None = None
) -> dict[str, Any]:
    """The reviewer upholds or overturns a disputed decision (an overturn to 'met' names the
    area team the contact goes to, as the outcome form does)."""
    body = [
        text(f"Review the decision on {reference}", weight="Bolder", size="Medium"),
        *_notice(problem),
        _choice_set(
            "upheld",
            "Your decision",
            [
                ("Uphold the decision", "true"),
                ("Overturn it", "false"),
            ],
        ),
        _choice_set(
            "outcome",
            "New outcome (if overturned)",
            [
                ("Threshold met: step up to Level 4 agreed", Outcome.THRESHOLD_MET.value),
                ("Threshold not met: Level 3 continues", Outcome.THRESHOLD_NOT_MET.value),
            ],
            required=False,
        ),
        *_contact_inputs(area_teams, "Area team (if overturned to threshold met)"),
    ]
    actions = [
        execute(
            "Record review", Action.REVIEW, {"consultationId": consultation_id}, style="positive"
        ),
        _cancel(consultation_id),
    ]
    return card(body, actions)


def reassign_form(
    consultation_id: str,
    reference: str,
    people: Sequence[tuple[str, str]],
    problem: str | None = None,
) -> dict[str, Any]:
    """A MAP team manager hands the request to another MAP worker; people = (id, name)."""
    body = [
        text(f"Reassign {reference}", weight="Bolder", size="Medium"),
        *_notice(problem),
        _choice_set("assigneeId", "Give it to", [(name, pid) for pid, name in people]),
    ]
    actions = [
        execute("Reassign", Action.REASSIGN, {"consultationId": consultation_id}),
        _cancel(consultation_id),
    ]
    return card(body, actions)


def service_form(
    consultation_id: str,
    reference: str,
    services: Sequence[tuple[str, str]],
    current: str | None,
    problem: str | None = None,
) -> dict[str, Any]:
    """File the request under another service; `services` are (key, name), names shown."""
    choice = _choice_set("service", "File it under", [(name, key) for key, name in services])
    choice["style"] = "compact"
    if current:
        choice["value"] = current
    body = [
        text(f"Change the service of {reference}", weight="Bolder", size="Medium"),
        *_notice(problem),
        choice,
    ]
    actions = [
        execute("Change service", Action.CHANGE_SERVICE, {"consultationId": consultation_id}),
        _cancel(consultation_id),
    ]
    return card(body, actions)


def _checklist_inputs(indicators: Sequence[str], reduces_safety: str) -> list[dict[str, Any]]:
    """The Level 4 indicators (choice values are profile positions) and the three items."""
    return [
        _choice_set(
            "indicators",
            "Level 4 indicators",
            [(name, str(i)) for i, name in enumerate(indicators)],
            multi=True,
            error="Choose at least one Level 4 indicator",
        ),
        text(
            f"'{plain(reduces_safety)}' needs at least one other indicator.",
            size="Small",
            isSubtle=True,
        ),
        _toggle("supervision", "Management case supervision is recorded"),
        _toggle("evidence", "Evidence of the concerns and their impact is recorded"),
        _toggle("rationale", "All of this, with the rationale, is recorded on EHM"),
    ]


def checklist_form(
    consultation_id: str,
    reference: str,
    indicators: Sequence[str],
    reduces_safety: str,
    problem: str | None = None,
) -> dict[str, Any]:
    """The requester confirms the Level 4 indicators and the checklist, in the 1:1 chat."""
    body = [
        text(f"Complete the checklist for {reference}", weight="Bolder", size="Medium"),
        text("Never type family details here: choose from the lists.", isSubtle=True),
        *_notice(problem),
        *_checklist_inputs(indicators, reduces_safety),
    ]
    actions = [
        execute(
            "Save checklist",
            Action.COMPLETE_CHECKLIST,
            {"consultationId": consultation_id},
            style="positive",
        ),
    ]
    return card(body, actions)


def request_form(
    services: Sequence[tuple[str, str]],
    indicators: Sequence[str],
    reduces_safety: str,
    *,
    service: str | None = None,
    problem: str | None = None,
) -> dict[str, Any]:
    """The structured request: service, urgency, Level 4 indicators and the checklist.

    `services` are (key, name) pairs: people see the names, the server gets the keys.
    """
    service_choice = _choice_set("service", "Your service", [(n, k) for k, n in services])
    service_choice["style"] = "compact"
    if service:
        service_choice["value"] = service
    body = [
        text("New step-up consultation request", weight="Bolder", size="Medium"),
        text(
            "Your name and e-mail come from Teams. Never type family details or the EHM "
            "number here: I will ask for them privately.",
            isSubtle=True,
        ),
        *_notice(problem),
        service_choice,
        _toggle("urgent", "Urgent: a child may be at imminent risk of harm"),
        text(
            "If a welfare check or police involvement is needed, call the police first.",
            size="Small",
            isSubtle=True,
        ),
        *_checklist_inputs(indicators, reduces_safety),
    ]
    actions = [execute("Post request", VERB_SUBMIT_REQUEST, {}, style="positive")]
    return card(body, actions)


CONFIRMED = "confirmed"
"""The data key that says a withdrawal was confirmed on the confirmation card."""


def withdraw_confirmation(consultation_id: str, reference: str, urgent: bool) -> dict[str, Any]:
    """Asked once before a request is withdrawn: one click must not end an urgent request."""
    body = [
        text(f"Withdraw {reference}?", weight="Bolder", size="Medium"),
        text(
            "The request is closed as withdrawn and the MAP team stops working on it. "
            "This cannot be undone: you would need to post a new request.",
        ),
    ]
    if urgent:
        body.append(text("This request is marked urgent.", color="Attention", weight="Bolder"))
    data = {"consultationId": consultation_id}
    actions = [
        execute("Yes, withdraw", Action.WITHDRAW, {**data, CONFIRMED: "yes"}, style="destructive"),
        execute("Keep it", VERB_REFRESH, data),
    ]
    return card(body, actions)


def posted_notice(
    reference: str, channel: str, call_back_by: str, link: str | None = None
) -> dict[str, Any]:
    """What replaces the form once the request is in the channel (`call_back_by`: the
    request's own deadline, as the profile's timescales set it). Not a copy of the request
    card, which would go stale: a link to the thread, where the card is kept up to date."""
    actions = [{"type": "Action.OpenUrl", "title": "Open the request", "url": link}] if link else []
    return card(
        [
            text(f"Request {reference} posted in {plain(channel)}.", weight="Bolder"),
            text(
                "The MAP team manager on duty will acknowledge it and call you back by "
                f"{call_back_by}. I will ask you privately for the EHM number and your contact "
                "number. The request's thread shows where it stands."
            ),
        ],
        actions,
    )


def cover_form(
    workers: Sequence[tuple[str, str]],
    managers: Sequence[tuple[str, str]],
    today: str,
    problem: str | None = None,
) -> dict[str, Any]:
    """A MAP team manager sets cover: who, for whom, which days (people = (id, name))."""
    covered = _choice_set(
        "covered",
        "Instead of",
        [("Whoever is on duty", ""), *[(n, pid) for pid, n in managers]],
        required=False,
    )
    covered["style"] = "compact"
    covering = _choice_set("covering", "Who covers", [(n, pid) for pid, n in workers])
    covering["style"] = "compact"
    body = [
        text("Set cover on the duty rota", weight="Bolder", size="Medium"),
        *_notice(problem),
        covering,
        covered,
        {
            "type": "Input.Date",
            "id": "firstDay",
            "label": "First day",
            "isRequired": True,
            "min": today,
            "value": today,
            "errorMessage": "Choose the first day",
        },
        {
            "type": "Input.Date",
            "id": "lastDay",
            "label": "Last day",
            "isRequired": True,
            "min": today,
            "value": today,
            "errorMessage": "Choose the last day",
        },
    ]
    return card(body, [execute("Set cover", VERB_SET_COVER, {}, style="positive")])
