"""Small numbers: hidden in everything shareable (CSV, HTML, the summary card), exact in private."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cards.report_card import report_card
from profiles.domain_map import calendar_from_profile
from reports.csv_out import report_csv
from reports.data import RequestRow, Review
from reports.figures import QuarterlyReport
from reports.html_page import report_html
from reports.periods import Period
from reports.quarterly import compute_report
from reports.suppress import HIDDEN, Disclosure
from tests.reports.generate import PROFILE
from tests.support.cards import assert_valid_card

SHARE = Disclosure(shareable=True, threshold=5)
PRIVATE = Disclosure(shareable=False, threshold=5)
MONDAY = datetime(2026, 7, 6, 9, tzinfo=UTC)  # 10:00 in London
COUNT_MEASURES = {
    "Standard",
    "Urgent",
    "Total",
    "Requests",
    "Done",
    "Deadline applied",
    "Within deadline",
    "Late",
    "Escalations",
    "Requests escalated",
    "Disputes",
    "Upheld",
    "Overturned",
    "Awaiting review",
}


def test_counts_under_the_threshold_show_as_less_than_five_only_when_shared() -> None:
    assert [SHARE.count(n) for n in (0, 1, 4, 5, 12)] == ["<5", "<5", "<5", "5", "12"]
    assert [PRIVATE.count(n) for n in (0, 1, 4, 5)] == ["0", "1", "4", "5"]
    assert Disclosure(shareable=True, threshold=10).count(9) == "<10"
    assert PRIVATE.note == "" and "shown as <5" in SHARE.note


def test_percentages_and_medians_that_would_reveal_a_small_count_are_hidden() -> None:
    assert SHARE.pct(40, 50) == "80.0%"
    assert SHARE.pct(3, 50) == HIDDEN  # the part is small
    assert SHARE.pct(47, 50) == HIDDEN  # what it leaves is small
    assert SHARE.pct(4, 4) == HIDDEN  # too few to divide
    assert PRIVATE.pct(3, 50) == "6.0%" and SHARE.pct(0, 0) == "-"
    assert SHARE.stat(95.0, 4, str) == HIDDEN and SHARE.stat(95.0, 5, str) == "95.0"
    assert PRIVATE.stat(95.0, 1, str) == "95.0"


def test_a_lone_hidden_cell_beside_a_total_takes_another_with_it() -> None:
    assert SHARE.line([40, 2]) == [HIDDEN, "<5", "42"]
    assert SHARE.line([40, 0]) == [HIDDEN, "<5", "40"]  # zero is a small number too
    assert SHARE.line([1, 2, 50]) == ["<5", "<5", HIDDEN, "53"]  # 1 + 2 = 3 is small too
    assert SHARE.line([1, 5, 50]) == ["<5", HIDDEN, "50", "56"]  # 1 or 0, beside 5 or 6
    assert SHARE.line([3, 1]) == ["<5", "<5", "<5"]  # the total itself is small
    assert PRIVATE.line([40, 2]) == ["40", "2", "42"]
    table = [[124, 20, 144], [45, 6, 51], [26, 1, 27], [195, 27, 222]]
    assert SHARE.grid(table) == [
        ["124", "20", "144"],
        [HIDDEN, HIDDEN, "51"],
        [HIDDEN, "<5", "27"],
        ["195", "27", "222"],
    ]


def test_running_totals_never_differ_by_a_small_number() -> None:
    assert SHARE.running([10, 2, 8, 200]) == ["10", HIDDEN, "20"]
    assert SHARE.running([3, 5, 8, 200]) == ["<5", "8", "16"]
    assert SHARE.running([10, 0, 0, 3]) == [HIDDEN, HIDDEN, HIDDEN]  # 13 - 10 = 3
    assert SHARE.running([10, 0, 10, 200]) == ["10", HIDDEN, "20"]  # none from 3 to 6 months
    assert PRIVATE.running([10, 2, 8, 200]) == ["10", "12", "20"]


Table = list[list[int | None]]


def _lines_of(table: Table) -> list[list[tuple[int, int]]]:
    rows, cols = len(table), len(table[0])
    across = [[(i, j) for j in range(cols)] for i in range(rows)]
    return across + ([[(i, j) for i in range(rows)] for j in range(cols)] if rows > 1 else [])


def _solvable(shown: list[list[str]], table: Table, top: int) -> bool:
    """Whether the unknown cells of `table` can be filled to agree with every shown figure.

    Exhaustive with pruning: a line with one unknown decides it; a line's known parts may not
    pass its total. An "x" is tried up to `top`.
    """
    domains = {"<5": range(5), HIDDEN: range(5, top + 1)}
    lines = _lines_of(table)
    table = [row[:] for row in table]
    moved = True
    while moved:
        moved = False
        for line in lines:
            unknown = [(i, j) for i, j in line if table[i][j] is None]
            if len(unknown) != 1:
                continue
            (i, j), (ti, tj) = unknown[0], line[-1]
            parts = sum(table[a][b] or 0 for a, b in line[:-1])
            total = table[ti][tj]
            value = parts if (i, j) == (ti, tj) else (total or 0) - parts
            if value not in domains[shown[i][j]]:
                return False
            table[i][j], moved = value, True
    for line in lines:
        total = table[line[-1][0]][line[-1][1]]
        values = [table[a][b] for a, b in line[:-1]]
        known = sum(v for v in values if v is not None)
        if total is not None and (known > total or (None not in values and known != total)):
            return False
    free = [(i, j) for i, row in enumerate(table) for j, v in enumerate(row) if v is None]
    if not free:
        return True
    i, j = free[0]
    for value in domains[shown[i][j]]:
        table[i][j] = value
        if _solvable(shown, table, top):
            return True
    return False


def _assert_no_small_count_follows(cells: list[list[int]], shown: list[list[str]]) -> None:
    """Every small cell shows "<5" and could, for a reader, hold another value too."""
    hidden = {"<5", HIDDEN}
    start: Table = [[None if v in hidden else int(v) for v in row] for row in shown]
    top = max(max(row) for row in cells) + 20  # room for each "<5" to move; a reader has more
    assert _solvable(shown, [[*row] for row in cells], top)
    for i, row in enumerate(cells):
        for j, v in enumerate(row):
            if v >= 5:
                continue
            assert shown[i][j] == "<5"
            others = []
            for other in range(5):
                if other != v:
                    trial = [r[:] for r in start]
                    trial[i][j] = other
                    others.append(_solvable(shown, trial, top))
                    if others[-1]:
                        break
            assert any(others), (cells, shown, (i, j))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 12), min_size=2, max_size=5))
def test_no_small_count_can_be_worked_out_from_a_shared_line(parts: list[int]) -> None:
    row = [*parts, sum(parts)]
    _assert_no_small_count_follows([row], SHARE.grid([row]))


@settings(max_examples=150, deadline=None)
@given(
    st.integers(2, 3).flatmap(
        lambda n: st.lists(
            st.lists(st.integers(0, 12), min_size=n, max_size=n), min_size=2, max_size=3
        )
    )
)
def test_no_small_count_can_be_worked_out_from_a_shared_table(rows: list[list[int]]) -> None:
    cells = [[*r, sum(r)] for r in rows]
    cells.append([sum(c) for c in zip(*cells, strict=True)])
    _assert_no_small_count_follows(cells, SHARE.grid(cells))


def _small_report() -> QuarterlyReport:
    """Nine requests: every figure of the shared report is small."""
    period = Period(date(2026, 7, 1), date(2026, 9, 30))
    rows = []
    for n in range(9):
        posted = MONDAY + timedelta(days=n)
        rows.append(
            RequestRow(
                id=f"r{n}",
                service="Family Centre Northgate" if n < 7 else "Family Support Programme South",
                urgency="urgent" if n % 4 == 0 else "standard",
                status="closed" if n else "withdrawn",
                outcome=("threshold_met" if n % 3 else "threshold_not_met") if n else None,
                posted_at=posted,
                acknowledge_due=posted + timedelta(hours=7),
                acknowledged_at=posted + timedelta(hours=1 + n) if n else None,
                callback_due=posted + timedelta(hours=24),
                called_back_at=posted + timedelta(hours=3 + n) if n else None,
                closed_at=posted + timedelta(days=2),
                escalations=("callback_overdue",) if n == 8 else (),
                disputes=(1,) if n in (2, 3) else (),
                reviews=(Review(1, True),) if n == 2 else (),
                has_family=True,
                previous_at=posted - timedelta(days=30) if n in (4, 5) else None,
            )
        )
    as_of = datetime(2026, 10, 20, tzinfo=UTC)
    return compute_report(rows, period, as_of, calendar_from_profile(PROFILE))


def _is_count_safe(value: str) -> bool:
    return value in ("<5", HIDDEN) or (value.isdigit() and int(value) >= 5)


def test_the_shared_csv_html_and_card_show_no_count_under_five() -> None:
    report = _small_report()
    shared = list(csv.DictReader(io.StringIO(report_csv(report, SHARE, "Northdown Council"))))
    counts = [r for r in shared if r["measure"] in COUNT_MEASURES and r["section"] != "report"]
    assert counts and all(_is_count_safe(r["value"]) for r in counts), [
        r for r in counts if not _is_count_safe(r["value"])
    ]
    assert any(r["value"] == "<5" for r in counts)
    private = list(csv.DictReader(io.StringIO(report_csv(report, PRIVATE, "Northdown Council"))))
    exact = {(r["section"], r["item"], r["measure"]): r["value"] for r in private}
    assert exact[("requests", "Family Support Programme South", "Total")] == "2"
    assert exact[("disputes", "1", "Disputes")] == "2"
    page = report_html(report, SHARE, "Northdown Council", [])
    numbers = re.findall(r'<td class="n">(\d+)</td>', page)
    assert numbers and all(int(n) >= 5 for n in numbers), numbers
    assert "&lt;5" in page
    card = report_card(report, council="Northdown Council", threshold=5)
    assert_valid_card(card)
    values = [f["value"] for block in card["body"] if "facts" in block for f in block["facts"]]
    assert "<5" in values
    for value in values:
        for number in re.findall(r"(?<![\d.])\d+(?![\d.%])", value):
            assert int(number) >= 5, value
