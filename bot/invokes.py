"""Invoke plumbing: check the value's shape, dispatch by verb, build the HTTP 200 bodies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from typing import Any

from botbuilder.core import CardFactory, InvokeResponse, TurnContext

CARD_ACTION = "adaptiveCard/action"
TASK_FETCH = "task/fetch"
TASK_SUBMIT = "task/submit"
FILE_CONSENT = "fileConsent/invoke"  # the answer to a file consent card (bot/audit_export.py)

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MESSAGE_CONTENT_TYPE = "application/vnd.microsoft.activity.message"

CardHandler = Callable[[TurnContext, Mapping[str, Any]], Awaitable[dict[str, Any]]]
"""Handles an Action.Execute verb; returns the adaptiveCard/action response body."""


def invalid_invoke(name: str, value: Any) -> str | None:
    """Why an invoke's value cannot be handled, or None when its shape is right."""
    if not isinstance(value, dict):
        return "the invoke has no value object"
    if name == CARD_ACTION:
        action = value.get("action")
        if not isinstance(action, dict) or action.get("type") != "Action.Execute":
            return "adaptiveCard/action needs an Action.Execute action"
        if not isinstance(action.get("verb"), str):
            return "the action has no verb"
        if not isinstance(action.get("data", {}), dict):
            return "the action data must be an object"
    elif name in (TASK_FETCH, TASK_SUBMIT) and not isinstance(value.get("data", {}), dict):
        return "the dialog data must be an object"
    return None


def bad_invoke(reason: str) -> InvokeResponse:
    """A 400 for an invoke whose value is malformed."""
    return InvokeResponse(status=HTTPStatus.BAD_REQUEST, body={"error": reason})


def card_message(text: str) -> dict[str, Any]:
    """An adaptiveCard/action body that shows `text` to the person who pressed the button."""
    return {"statusCode": 200, "type": MESSAGE_CONTENT_TYPE, "value": text}


def card_replacement(card: dict[str, Any]) -> dict[str, Any]:
    """An adaptiveCard/action body that replaces the card for the person who pressed it."""
    return {"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": card}


def task_message(text: str) -> dict[str, Any]:
    """A task/fetch or task/submit body that shows a short message in the dialog."""
    return {"task": {"type": "message", "value": text}}


def task_card(title: str, card: dict[str, Any], size: str = "medium") -> dict[str, Any]:
    """A task/fetch or task/submit body that opens (or continues) a dialog with a card."""
    attachment = CardFactory.adaptive_card(card)
    return {
        "task": {
            "type": "continue",
            "value": {
                "title": title,
                "height": size,
                "width": size,
                "card": {"contentType": attachment.content_type, "content": attachment.content},
            },
        }
    }


def ok(body: dict[str, Any]) -> InvokeResponse:
    """An HTTP 200 invoke response with a JSON body."""
    return InvokeResponse(status=HTTPStatus.OK, body=body)
