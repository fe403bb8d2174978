"""The period summary for service managers; it can be forwarded, so small numbers are hidden."""

from __future__ import annotations

from typing import Any

from cards.common import card, facts, plain, text
from reports.charts import EMPTY_PERIOD
from reports.figures import QuarterlyReport
from reports.suppress import Disclosure, is_hidden
from reports.tables import Table, report_tables


def report_card(report: QuarterlyReport, *, council: str, threshold: int = 5) -> dict[str, Any]:
    """Headline figures of the period, always the shareable variant."""
    d = Disclosure(shareable=True, threshold=threshold)
    if report.total == 0:
        return card(
            [
                text("Step-up consultations: summary", weight="Bolder", size="Medium"),
                text(f"{plain(council)}. {report.period.label}.", isSubtle=True, spacing="None"),
                text(EMPTY_PERIOD, weight="Bolder"),
            ]
        )
    tables = {t.key: t for t in report_tables(report, d)}
    requests = tables["requests"].rows[-1]  # the Total row: standard, urgent, total
    body: list[dict[str, Any]] = [
        text("Step-up consultations: summary", weight="Bolder", size="Medium"),
        text(
            f"{plain(council)}. Requests posted from {report.period.label}.",
            isSubtle=True,
            spacing="None",
        ),
        _heading("Requests"),
        facts([("All", requests[3]), ("Standard", requests[1]), ("Urgent", requests[2])]),
        _heading("Timeliness (working time)"),
        facts(_timeliness(tables["timeliness"])),
        _heading("Outcomes"),
        facts([(row[0], row[1]) for row in tables["outcomes"].rows[:-1]]),
        _heading("Escalations (requests)"),
        facts([(f"Level {r[0]}: {r[1]}", r[3]) for r in tables["escalations"].rows]),
        _heading("Disputes"),
        facts(
            [
                (
                    f"Level {r[0]}",
                    f"{r[1]} disputed: {r[2]} upheld, {r[3]} overturned, {r[4]} awaiting",
                )
                for r in tables["disputes"].rows
            ]
        ),
        _heading("Re-referrals of the same family"),
        facts([(r[0], _rate(r[1], r[2])) for r in tables["rereferrals"].rows]),
    ]
    if d.note:
        body.append(text(d.note, size="Small", isSubtle=True, separator=True))
    return card(body)


def _heading(title: str) -> dict[str, Any]:
    return text(title, weight="Bolder", separator=True)


def _timeliness(table: Table) -> list[tuple[str, str]]:
    pairs = []
    for step, group, _done, median, _p90, _due, _within, _late, pct in table.rows:
        if group != "All requests":
            continue
        pairs.append(
            (f"{step}: median", median if is_hidden(median) or median == "-" else f"{median} h")
        )
        pairs.append((f"{step}: within deadline", pct))
    return pairs


def _rate(count: str, rate: str) -> str:
    return count if rate == "-" else f"{count} ({rate})"
