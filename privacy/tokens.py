"""Words of a message and the small helpers the name recogniser reads them with."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate

TOKEN = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f'’-]*")


@dataclass(slots=True)
class Tok:
    """One word of the message with what the lexicon says about it."""

    start: int
    end: int
    core: str
    low: str
    possessive: bool
    name: float = 0.0


def tokenize(text: str) -> list[Tok]:
    """Words with a trailing possessive split off ("Kayden's" -> "Kayden")."""
    out: list[Tok] = []
    for m in TOKEN.finditer(text):
        word = m.group(0).rstrip("-'’")
        possessive = word.lower().endswith(("'s", "’s"))
        if possessive:
            word = word[:-2]
        if word:
            out.append(Tok(m.start(), m.start() + len(word), word, word.lower(), possessive))
    return out


def sentence_start(text: str, pos: int) -> bool:
    """True when the word at pos opens a sentence, line or bullet."""
    i = pos  # walk back over the blanks only: copying text[:pos] made every word cost O(pos)
    while i and text[i - 1] in " \t":
        i -= 1
    return not i or text[i - 1] in ".!?:;\n•*-–—(\"'>|"


def initial_pair(text: str, toks: list[Tok], i: int) -> bool:
    """Two lone letters joined by 'and' ("r and f")."""
    for j, k in ((i + 1, i + 2), (i - 1, i - 2)):
        if 0 <= k < len(toks) and toks[j].low in ("and", "&") and len(toks[k].core) == 1:
            return toks[k].core not in "aiAI"
    return False


def initial_after(toks: list[Tok], i: int) -> bool:
    """Whether the token after i is a lone capital letter."""
    return i + 1 < len(toks) and len(toks[i + 1].core) == 1 and toks[i + 1].core.isupper()


def digit_before(text: str, tok: Tok) -> bool:
    """A day number just before a month word ('3rd of May')."""
    return bool(
        re.search(r"\d(?:st|nd|rd|th)?\s*(?:of\s*)?$", text[max(0, tok.start - 8) : tok.start])
    )


class Spans:
    """Spans sorted by start with the furthest end reached so far: each question is a bisect.

    Asking every span for every word made the screen quadratic in the length of the post.
    Among the spans starting before a point, one reaches past x exactly when the furthest
    end among them does, so a prefix maximum answers overlap, containment and stabbing alike.
    """

    __slots__ = ("_reach", "_starts")

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        """Index the spans (any order, overlapping or empty ones included)."""
        ordered = sorted(spans)
        self._starts = [s for s, _ in ordered]
        self._reach = list(accumulate((e for _, e in ordered), max))

    def _furthest(self, count: int) -> int:
        """The furthest end among the first count spans (-1 when there are none)."""
        return self._reach[count - 1] if count else -1

    def overlaps(self, start: int, end: int) -> bool:
        """Whether start..end overlaps any span (some s < end and start < e)."""
        return self._furthest(bisect_left(self._starts, end)) > start

    def contains(self, start: int, end: int) -> bool:
        """Whether start..end lies wholly inside one span (some s <= start and end <= e)."""
        return self._furthest(bisect_right(self._starts, start)) >= end

    def stabs(self, pos: int) -> bool:
        """Whether pos lies inside a span (some s <= pos < e)."""
        return self._furthest(bisect_right(self._starts, pos)) > pos


def merge(text: str, toks: list[Tok]) -> list[tuple[int, int, float]]:
    """Join adjacent name tokens into one span ("Kayden Brown-Smith")."""
    out: list[tuple[int, int, float]] = []
    for tok in toks:
        if not tok.name:
            continue
        if out and re.fullmatch(r"[ -]", text[out[-1][1] : tok.start]) and not prev_poss(text, out):
            s, _, c = out[-1]
            out[-1] = (s, tok.end, max(c, tok.name))
        else:
            out.append((tok.start, tok.end, tok.name))
    return out


def prev_poss(text: str, out: list[tuple[int, int, float]]) -> bool:
    """Whether the last span found is followed by a possessive 's."""
    return text[out[-1][1] : out[-1][1] + 2] in ("'s", "’s")
