"""The bar from the issue, on the tuning set and on the hand-written held-out set."""

from __future__ import annotations

import pytest

from bench.privacy_bench import evaluate, load_corpus
from privacy.screen import Screener

RECALL, KEEP, CLEAN = 0.98, 0.97, 0.95


@pytest.mark.parametrize("corpus", ["tuning.jsonl", "heldout.jsonl"])
def test_screen_meets_the_bar(screener: Screener, corpus: str) -> None:
    rows = load_corpus(corpus)
    metrics = evaluate(screener, rows)
    assert metrics.recall >= RECALL, f"recall {metrics.recall:.3f}"
    assert metrics.keep_rate >= KEEP, f"keep-rate {metrics.keep_rate:.3f}"
    assert metrics.clean_rate >= CLEAN, f"clean-pass {metrics.clean_rate:.3f}"


@pytest.mark.parametrize("corpus", ["tuning.jsonl", "heldout.jsonl"])
def test_corpus_shape(corpus: str) -> None:
    rows = load_corpus(corpus)
    clean = sum(not row["family"] for row in rows)
    assert clean / len(rows) >= 0.25
    for row in rows:
        for item in row["family"] + row["keep"]:
            assert 0 <= item["start"] < item["end"] <= len(row["text"])


def test_held_out_is_a_fifth_of_the_corpus() -> None:
    tuning, held = load_corpus("tuning.jsonl"), load_corpus("heldout.jsonl")
    assert len(tuning) + len(held) >= 500
    assert len(held) >= (len(tuning) + len(held)) / 5
