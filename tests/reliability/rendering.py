"""What the bot showed: every rendered string of a card, and how input could break out of one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tests.support.fake_connector import ConnectorCall

CARD = "application/vnd.microsoft.card.adaptive"
_MENTION = re.compile(r"<at>.*?</at>", re.DOTALL)
# Markdown links and raw HTML in text Teams renders (a bare "javascript:" is only text without
# a link around it). The bot's own cards have none.
_FORBIDDEN = ("](", "<script", "<img", "<iframe", "<a ")


def rendered(node: Any) -> Iterator[str]:
    """Every string a card renders as text (TextBlock, TextRun, facts, choices, titles).

    Input values are not rendered as markdown, so a refused form may echo what was typed.
    """
    if isinstance(node, dict):
        kind = str(node.get("type") or "")
        for key, value in node.items():
            if isinstance(value, str):
                if key in ("text", "title") or (key == "value" and not kind.startswith("Input.")):
                    yield value
            else:
                yield from rendered(value)
    elif isinstance(node, list):
        for item in node:
            yield from rendered(item)


def _mentions(entities: Any) -> set[str]:
    if not isinstance(entities, list):
        return set()
    return {
        str(e.get("text")) for e in entities if isinstance(e, dict) and e.get("type") == "mention"
    }


def card_breakouts(card: dict[str, Any]) -> list[str]:
    """Rendered strings that inject markup: a link, HTML, or an `<at>` the card did not declare."""
    declared = _mentions((card.get("msteams") or {}).get("entities"))
    return _breakouts(rendered(card.get("body", [])), declared)


def call_breakouts(call: ConnectorCall) -> list[str]:
    """The same for an activity the bot sent: its text and every card attached."""
    body = call.body or {}
    found = _breakouts([call.text], _mentions(body.get("entities")))
    for card in call.cards:
        found += card_breakouts(card)
    return found


def invoke_breakouts(body: Any) -> list[str]:
    """The same for an invoke response: a replacement card or a dialog's card."""
    if not isinstance(body, dict):
        return []
    if body.get("type") == CARD and isinstance(body.get("value"), dict):
        return card_breakouts(body["value"])
    task = body.get("task")
    if isinstance(task, dict) and isinstance(task.get("value"), dict):
        content = ((task["value"].get("card") or {}).get("content")) or {}
        return card_breakouts(content) if isinstance(content, dict) else []
    if isinstance(body.get("value"), str):
        return _breakouts([body["value"]], set())
    return []


def _breakouts(texts: Any, declared: set[str]) -> list[str]:
    found = []
    for text in texts:
        lowered = text.lower()
        if any(marker in lowered for marker in _FORBIDDEN):
            found.append(text)
        elif any(tag not in declared for tag in _MENTION.findall(text)):
            found.append(text)
    return found
