"""CSV output: spreadsheet-safe cells, and the period report in long form."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from reports.figures import QuarterlyReport
from reports.suppress import Disclosure
from reports.tables import report_tables

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER = ["section", "item", "measure", "value"]


def neutral(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula (a leading quote makes it text)."""
    if cell.startswith(_FORMULA_START) and cell != "-":
        return "'" + cell
    return cell


def csv_text(rows: Iterable[Sequence[str]]) -> str:
    """Rows as CSV text (RFC 4180 line ends), every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutral(str(cell)) for cell in row])
    return buffer.getvalue()


def variant_label(disclosure: Disclosure) -> str:
    """Which variant a file is, in words."""
    if disclosure.shareable:
        return f"shareable (counts under {disclosure.threshold} hidden)"
    return "private to the service managers (exact counts: do not share)"


def report_rows(report: QuarterlyReport, disclosure: Disclosure, council: str) -> list[list[str]]:
    """The report in long form: section, item, measure, value."""
    period = report.period
    rows = [
        HEADER,
        ["report", "council", "", council],
        ["report", "period", "from", period.first.isoformat()],
        ["report", "period", "to", period.last.isoformat()],
        ["report", "variant", "", variant_label(disclosure)],
        ["report", "figures as at", "", report.as_of.isoformat(timespec="minutes")],
        ["report", "total requests", "", disclosure.count(report.total)],
    ]
    if disclosure.note:
        rows.append(["report", "note", "", disclosure.note])
    for table in report_tables(report, disclosure):
        for row in table.rows:
            item = " / ".join(row[: table.keys])
            for measure, value in zip(table.columns[table.keys :], row[table.keys :], strict=True):
                rows.append([table.key, item, measure, value])
    return rows


def report_csv(report: QuarterlyReport, disclosure: Disclosure, council: str) -> str:
    """The report as CSV text."""
    return csv_text(report_rows(report, disclosure, council))
