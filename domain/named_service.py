"""The service a free-text post names, when it names exactly one of the profile's services.

A requester may post for a service other than their own (a manager covering two family
centres, say): "Family Centre Riverside" in the post files the request there. A post naming
none, or several, is filed under the requester's own service as before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)


def service_named_in(text: str, services: Mapping[str, str]) -> str | None:
    """The key of the one service (key -> name) the text names by its name or key, or None."""
    cleaned = " ".join(_MENTION.sub(" ", text).split())
    spans: dict[str, list[tuple[int, int]]] = {}
    for key, name in services.items():
        for label in {name, key}:
            words = r"\s+".join(re.escape(word) for word in label.split())
            pattern = re.compile(rf"(?<![\w-]){words}(?![\w-])", re.IGNORECASE)
            spans.setdefault(key, []).extend(m.span() for m in pattern.finditer(cleaned))
    every = [span for found in spans.values() for span in found]
    named = {
        key
        for key, found in spans.items()
        # "Programme North" inside "Programme North East" names the longer one only.
        if any(not _inside(span, every) for span in found)
    }
    return named.pop() if len(named) == 1 else None


def _inside(span: tuple[int, int], others: list[tuple[int, int]]) -> bool:
    start, end = span
    return any(s <= start and end <= e and (s, e) != span for s, e in others)
