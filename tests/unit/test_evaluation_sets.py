"""The evaluation harness itself: Wilson intervals and the writers' set format."""

from __future__ import annotations

import json

import pytest

from bench.intervals import wilson
from bench.privacy_sets import load_sets, read_messages


@pytest.mark.parametrize(
    ("hits", "trials", "low", "high"),
    [
        (60, 60, 0.9398, 1.0),  # all found: the interval still admits misses
        (0, 10, 0.0, 0.2775),
        (81, 100, 0.7222, 0.8749),
        (1, 2, 0.0945, 0.9055),
    ],
)
def test_wilson_matches_published_values(hits: int, trials: int, low: float, high: float) -> None:
    got = wilson(hits, trials)
    assert got == pytest.approx((low, high), abs=5e-4)


def test_wilson_refuses_impossible_counts_and_is_vacuous_without_trials() -> None:
    with pytest.raises(ValueError):
        wilson(3, 2)
    assert wilson(0, 0) == (0.0, 1.0)


def test_a_writers_messages_become_labelled_rows() -> None:
    text = (
        "# a comment line\n---\n"
        "author: Ann Lee <ann.lee@example.gov.uk>\n"
        "Hi {{Tom}}, <<N:Rory>> is <<AGE:5>>.\nThanks {{Ann}}\n---\n"
        "author: Bo Kim <bo.kim@example.gov.uk>\nNothing personal here.\n"
    )
    first, second = read_messages(text, "x")
    assert first["author"] == {"name": "Ann Lee", "email": "ann.lee@example.gov.uk"}
    assert first["text"] == "Hi Tom, Rory is 5.\nThanks Ann"
    assert [(f["type"], first["text"][f["start"] : f["end"]]) for f in first["family"]] == [
        ("name", "Rory"),
        ("age", "5"),
    ]
    assert [first["text"][k["start"] : k["end"]] for k in first["keep"]] == ["Tom", "Ann"]
    assert second["family"] == [] and second["id"] == "x002"


def test_a_block_without_an_author_line_is_refused() -> None:
    with pytest.raises(ValueError, match="author"):
        read_messages("Hello <<N:Rory>>\n", "x")


def test_every_stored_set_parses_and_names_its_authors_in_its_directory() -> None:
    for evaluation in load_sets():
        staff = json.loads(evaluation.directory.read_text(encoding="utf-8"))["directory"]
        emails = {person["email"].lower() for person in staff}
        assert evaluation.rows, evaluation.name
        assert {r["author"]["email"].lower() for r in evaluation.rows} <= emails
