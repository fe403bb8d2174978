"""Cards for the private details: the form, its confirmation, and the private view."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cards.common import card, execute, facts, plain, text
from domain.details import CaseDetails
from domain.lifecycle import Action

VERB_PROVIDE_DETAILS = "provide_details"
VERB_DETAILS_IN_CHAT = "details_in_chat"  # the channel button where dialogs do not open
VERB_CANCEL_DETAILS = "cancel_details"
VERB_VIEW_DETAILS = "view_details"
DIALOG_ID = "case_details"

_INPUTS = [
    ("ehmNumber", "EHM number", "e.g. EHM 1234567", 40, None),
    (
        "oversight",
        "Where is the management oversight recorded?",
        "e.g. EHM case notes, 12 Nov",
        200,
        None,
    ),
    ("phone", "Your best contact number", "e.g. 0113 496 0123", 30, "Tel"),
]


def details_form(
    consultation_id: str,
    reference: str,
    *,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    for_dialog: bool,
    problem: str | None = None,
) -> dict[str, Any]:
    """The form; each refused field shows its reason right under it."""
    body: list[dict[str, Any]] = [
        text(f"Case details for {reference} (private)", weight="Bolder", size="Medium"),
        text(
            "Only you, the duty manager and the MAP team see these. They are never posted "
            "in the channel.",
            isSubtle=True,
        ),
    ]
    if problem:
        body.append(text(plain(problem), color="Attention", weight="Bolder"))
    for field, label, placeholder, limit, style in _INPUTS:
        entry: dict[str, Any] = {
            "type": "Input.Text",
            "id": field,
            "label": label,
            "placeholder": placeholder,
            "maxLength": limit,
            "isRequired": True,
            "errorMessage": f"{label} is required",
        }
        if style:
            entry["style"] = style
        if values.get(field):
            entry["value"] = values[field]
        body.append(entry)
        if field in errors:
            body.append(text(plain(errors[field]), color="Attention", size="Small", spacing="None"))
    data = {"consultationId": consultation_id, "dialog": DIALOG_ID}
    if for_dialog:
        actions = [{"type": "Action.Submit", "title": "Send privately", "data": data}]
    else:
        actions = [
            execute("Send privately", VERB_PROVIDE_DETAILS, data, style="positive"),
            execute("Cancel", VERB_CANCEL_DETAILS, data),
        ]
    return card(body, actions)


def details_saved(reference: str, call_back_by: str) -> dict[str, Any]:
    """Replaces the 1:1 form once the details are stored (`call_back_by`: the request's own
    deadline)."""
    return card(
        [
            text(f"Thank you: the details for {reference} are saved privately.", weight="Bolder"),
            text(
                f"The duty manager will call you back by {call_back_by}. You can correct the "
                "details from the request card."
            ),
        ]
    )


def details_cancelled(reference: str) -> dict[str, Any]:
    """Replaces the 1:1 form when the requester cancels."""
    return card(
        [
            text(f"No details were saved for {reference}.", weight="Bolder"),
            text("You can give them later with 'Provide details privately' on the request card."),
        ]
    )


def private_details(
    consultation_id: str, reference: str, details: CaseDetails | None, earlier_referrals: int
) -> dict[str, Any]:
    """What the MAP team sees in their 1:1 chat; never sent to a channel."""
    body: list[dict[str, Any]] = [
        text(f"Case details for {reference} (private)", weight="Bolder", size="Medium")
    ]
    if details is None:
        body.append(text("The requester has not given the details yet."))
    else:
        body.append(
            facts(
                [
                    ("EHM number", plain(details.ehm_number)),
                    ("Oversight recorded", plain(details.oversight)),
                    ("Call back on", plain(details.phone_display)),
                ]
            )
        )
        if earlier_referrals:
            body.append(
                text(
                    f"Re-referral: this EHM number was on {earlier_referrals} earlier request(s).",
                    color="Warning",
                )
            )
    data = {"consultationId": consultation_id}
    actions = [
        execute("Record call-back", Action.RECORD_CALLBACK, data),
        execute("Record outcome", "open_form", {**data, "form": Action.RECORD_OUTCOME}),
    ]
    return card(body, actions)
