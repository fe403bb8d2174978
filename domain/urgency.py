"""Whether a free-text post asks for an urgent consultation.

A substring match read "not urgent" as urgent, which starts the 60-working-minute clock and
adds the police line for nothing. People write urgency many ways in a post: "URGENT", "urgent
please", "Urgent: yes" are urgent; "not urgent", "non-urgent", "Urgent: no", "Urgent: N",
"urgent - no", "no urgency" are not. The post's text is only read here, never stored or logged.
"""

from __future__ import annotations

import re

_KEYWORD = re.compile(r"\b(urgent(?:ly)?|urgency|imminent\s+risk)\b")
# A clause ends at these; ":" "-" "?" stay inside it as they separate a field from its value.
_CLAUSE = re.compile(r"[.;!,\n]+")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
# "Urgent: no", "urgent - N", "urgency = low": a separator, then the field's value.
_FIELD = re.compile(r"\s*(?:[:=?\-\u2013\u2014]\s*)+([a-z]+)\b")
_TRAILING_NO = re.compile(r"\s+(no|n)\s*$")

_NEGATORS = frozenset(
    {"not", "no", "non", "isn't", "isnt", "aren't", "arent", "never", "nothing", "without", "nor"}
)
# Words that may stand between a negator and the keyword: "not very urgent", "no immediate
# urgency", "not at imminent risk", "is not an urgent request".
_FILLERS = frozenset(
    {
        "very",
        "so",
        "too",
        "that",
        "really",
        "particularly",
        "especially",
        "currently",
        "yet",
        "an",
        "a",
        "at",
        "in",
        "of",
        "any",
        "immediate",
        "immediately",
        "considered",
        "deemed",
        "as",
    }
)
_NO_VALUES = frozenset(
    {"no", "n", "false", "none", "nope", "low", "standard", "normal", "routine", "not"}
)
_YES_VALUES = frozenset({"yes", "y", "true", "high", "urgent"})


def is_urgent(text: str) -> bool:
    """True when the post says it is urgent at least once without negating it."""
    cleaned = _MENTION.sub(" ", text).replace("\u2019", "'").lower()
    return any(_urgent_clause(clause) for clause in _CLAUSE.split(cleaned))


def _urgent_clause(clause: str) -> bool:
    for match in _KEYWORD.finditer(clause):
        keyword = match.group(1)
        if _negated_before(clause[: match.start()]):
            continue
        rest = clause[match.end() :]
        field = _FIELD.match(rest)
        value = field.group(1) if field else None
        if value in _NO_VALUES or _TRAILING_NO.fullmatch(rest):
            continue
        if keyword == "urgency":
            # "Urgency: high" says it; "some urgency", a bare "urgency", does not.
            if value in _YES_VALUES:
                return True
            continue
        return True
    return False


def _negated_before(before: str) -> bool:
    """A negator just before the keyword, with at most three filler words between."""
    words = _WORD.findall(before)
    for word in reversed(words[-4:]):
        if word in _NEGATORS:
            return True
        if word not in _FILLERS:
            return False
    return False
