"""Building blocks shared by every card: versions, verbs, safe text, mentions, times."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

CARD_VERSION = "1.5"  # Teams renders up to 1.5
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"

# Card verbs besides the lifecycle's own (domain.lifecycle.Action values).
VERB_REFRESH = "refresh"
VERB_OPEN_FORM = "open_form"
VERB_SUBMIT_REQUEST = "submit_request"
VERB_SET_COVER = "set_cover"

# Adaptive Card text is markdown and `<at>` tags mention people. Backslash escapes are not
# reliably rendered by Teams, so the few characters that build links, mentions and emphasis are
# swapped for look-alikes instead: the words stay readable and nothing can be injected.
_NEUTRAL = str.maketrans({"<": "‹", ">": "›", "[": "(", "]": ")", "*": "∗", "`": "'"})


def plain(text: str) -> str:
    """Text shown as-is: no markdown link, emphasis or `<at>` mention can be injected through it."""
    return text.translate(_NEUTRAL)


def card(
    body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    """An Adaptive Card 1.5 envelope."""
    content: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": CARD_VERSION,
        "body": body,
    }
    if actions:
        content["actions"] = actions
    content.update(extra)
    return content


def text(value: str, **style: Any) -> dict[str, Any]:
    """A wrapping TextBlock."""
    return {"type": "TextBlock", "text": value, "wrap": True, **style}


def facts(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """A FactSet."""
    return {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in pairs]}


def execute(
    title: str, verb: str, data: dict[str, Any], *, style: str | None = None
) -> dict[str, Any]:
    """An Action.Execute button (Universal Actions)."""
    action: dict[str, Any] = {"type": "Action.Execute", "title": title, "verb": verb, "data": data}
    if style:
        action["style"] = style
    return action


def mention(name: str, person_id: str) -> tuple[str, dict[str, Any]]:
    """The `<at>` text and the msteams entity that make Teams notify a person."""
    tag = f"<at>{name}</at>"
    return tag, {"type": "mention", "text": tag, "mentioned": {"id": person_id, "name": name}}


def local_time(at: datetime | None, timezone: str) -> str:
    """A moment as people in the council read it, e.g. "Mon 23 Nov 17:00"."""
    if at is None:
        return "–"
    return at.astimezone(ZoneInfo(timezone)).strftime("%a %-d %b %H:%M")
