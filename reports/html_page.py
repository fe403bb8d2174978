"""Printable HTML pages with no external assets; every value goes through `html.escape`."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from html import escape

from reports.charts import EMPTY_PERIOD, Chart
from reports.csv_out import variant_label
from reports.figures import QuarterlyReport
from reports.suppress import Disclosure
from reports.tables import Table, report_tables

# Nothing is fetched: styles are inline and images are data: URLs.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_STYLE = """
body { font-family: "Segoe UI", Arial, sans-serif; margin: 2em; color: #1b1b1b; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
p.meta { color: #555; margin: 0.2em 0; } p.note { font-size: 0.9em; color: #444; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.92em; }
th, td { border: 1px solid #bbb; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; } th { background: #eef2f5; }
.banner { border: 2px solid #a4262c; color: #a4262c; padding: 0.4em 0.8em; font-weight: bold; }
figure { margin: 1em 0; page-break-inside: avoid; } img { max-width: 100%; height: auto; }
@media print { body { margin: 1cm; } h2 { page-break-after: avoid; }
  table { page-break-inside: avoid; } }
"""


def html_document(title: str, body: str) -> str:
    """A complete page; `body` must already be escaped HTML."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en-GB"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>\n"
        f"<body>\n{body}\n</body></html>\n"
    )


def html_table(columns: Sequence[str], rows: Sequence[Sequence[str]], keys: int = 1) -> str:
    """A table; cells after the first `keys` columns are right-aligned figures."""
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in columns)
    lines = []
    for row in rows:
        cells = "".join(
            f'<th scope="row">{escape(v)}</th>' if i < keys else f'<td class="n">{escape(v)}</td>'
            for i, v in enumerate(row)
        )
        lines.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"


def _section(table: Table) -> str:
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in table.notes)
    return (
        f'<section id="{escape(table.key)}"><h2>{escape(table.title)}</h2>'
        f"{html_table(table.columns, table.rows, table.keys)}{notes}</section>"
    )


def _figure(chart: Chart, src: str | None) -> str:
    if src is None:
        src = "data:image/png;base64," + base64.b64encode(chart.png).decode("ascii")
    return (
        f'<figure><img src="{escape(src)}" alt="{escape(chart.alt)}" width="800" height="400">'
        f"<figcaption>{escape(chart.title)}</figcaption></figure>"
    )


def report_html(
    report: QuarterlyReport,
    disclosure: Disclosure,
    council: str,
    charts: Sequence[Chart],
    chart_paths: dict[str, str] | None = None,
) -> str:
    """The report page; charts are embedded (base64) unless relative paths are given."""
    title = f"Step-up consultations: {report.period.label}"
    parts = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">{escape(council)}. Requests posted from {escape(report.period.label)}; '
        f"figures as at {escape(report.as_of.strftime('%d %b %Y %H:%M UTC'))}.</p>",
        f'<p class="meta" id="variant">Variant: {escape(variant_label(disclosure))}.</p>',
    ]
    if not disclosure.shareable:
        parts.append('<p class="banner">Exact counts: for the service managers only.</p>')
    if disclosure.note:
        parts.append(f'<p class="note" id="suppression">{escape(disclosure.note)}</p>')
    total = escape(disclosure.count(report.total))
    parts.append(f'<p class="meta" id="total">Requests: {total}</p>')
    if report.total == 0:
        # Saying so discloses nothing about anyone; "<5" everywhere would look like activity.
        parts.append(f'<p class="banner" id="empty">{escape(EMPTY_PERIOD)}</p>')
    tables = report_tables(report, disclosure)
    paths = chart_paths or {}
    for table in tables:
        parts.append(_section(table))
        for chart in charts:
            if _chart_after(chart.name) == table.key:
                parts.append(_figure(chart, paths.get(chart.name)))
    parts.append(
        '<p class="note">No family details are held in this report: it counts requests. '
        "Times are working time unless stated.</p>"
    )
    return html_document(title, "\n".join(parts))


def _chart_after(chart: str) -> str:
    return {"weekly_volumes": "weekly", "ack_distribution": "ack_distribution"}.get(
        chart, "outcomes"
    )
