"""The screen's work grows linearly with the post: counted, never timed.

Every line the privacy package executes during one screen is counted with a trace function
(generator expressions included, so a scan of every span for every word shows up). Ten times
the text may cost about ten times the lines, never the hundred times a quadratic step costs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import privacy
from bench.privacy_bench import load_corpus
from privacy.model import Author
from privacy.screen import Screener
from privacy.tokens import Spans

PACKAGE = str(Path(privacy.__file__).resolve().parent)
# Tenfold text; a little slack for the fixed per-call work and where the cut falls.
MAX_RATIO = 12


def _post(length: int) -> str:
    """A long post made of the fictional corpus messages, one after another, cut to length."""
    texts = [row["text"] for row in load_corpus("tuning.jsonl")]
    parts: list[str] = []
    size = 0
    for text in texts:
        if size >= length:
            break
        parts.append(text)
        size += len(text) + 2
    assert size >= length, "the corpus is long enough for the longest post"
    return "\n\n".join(parts)[:length]


def _repeated(unit: str, length: int) -> str:
    """One short unit over and over (the shapes that make careless scans blow up)."""
    return (unit * (length // len(unit) + 1))[:length]


def _lines(run: Callable[[], Any]) -> int:
    """How many lines of the privacy package run() executes."""
    count = 0

    def local(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return local

    def calls(frame: FrameType, event: str, arg: object) -> Any:
        return local if frame.f_code.co_filename.startswith(PACKAGE) else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        run()
    finally:
        sys.settrace(previous)
    return count


def _ratio(screener: Screener, author: Author, make: Callable[[int], str]) -> float:
    small, large = make(1_000), make(10_000)
    screener.screen(small, author)  # warm the regex and lexicon caches outside the count
    a = _lines(lambda: screener.screen(small, author))
    b = _lines(lambda: screener.screen(large, author))
    assert a > 0
    return b / a


def test_a_ten_times_longer_post_costs_about_ten_times_the_work(
    screener: Screener, priya: Author
) -> None:
    ratio = _ratio(screener, priya, _post)
    assert ratio <= MAX_RATIO, f"10k characters took {ratio:.1f}x the lines of 1k"


@pytest.mark.parametrize(
    "unit",
    ["Aa ", "Mr A the ", "07700 900123 ", "case 1234 ", "@abc ", "Kayden and Rose ", "the "],
)
def test_repetitive_posts_grow_linearly_too(screener: Screener, priya: Author, unit: str) -> None:
    ratio = _ratio(screener, priya, lambda n: _repeated(unit, n))
    assert ratio <= MAX_RATIO, f"{unit!r}: 10k characters took {ratio:.1f}x the lines of 1k"


_SPAN = st.tuples(st.integers(0, 60), st.integers(0, 12)).map(lambda p: (p[0], p[0] + p[1]))


@given(spans=st.lists(_SPAN, max_size=12), query=_SPAN)
def test_the_span_index_answers_as_asking_every_span_would(
    spans: list[tuple[int, int]], query: tuple[int, int]
) -> None:
    index = Spans(spans)
    start, end = query
    assert index.overlaps(start, end) == any(s < end and start < e for s, e in spans)
    assert index.contains(start, end) == any(s <= start and end <= e for s, e in spans)
    assert index.stabs(start) == any(s <= start < e for s, e in spans)
