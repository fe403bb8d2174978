"""A request's audit trail as CSV and as a printable HTML page."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from reports.csv_out import csv_text
from reports.html_page import html_document, html_table
from reports.trail import AuditTrail

COLUMNS = ["reference", "seq", "when (local)", "at (UTC)", "what", "who", "detail"]


def _rows(trail: AuditTrail) -> list[list[str]]:
    return [
        [
            trail.reference,
            "" if e.seq is None else str(e.seq),
            trail.when(e),
            e.at.astimezone(UTC).isoformat(timespec="seconds"),
            e.what,
            e.who,
            e.detail,
        ]
        for e in trail.entries
    ]


def audit_csv(trail: AuditTrail) -> str:
    """The trail as CSV: one row per entry, oldest first."""
    return csv_text([COLUMNS, *_rows(trail)])


def audit_html(trail: AuditTrail, *, generated_at: datetime) -> str:
    """The trail as a self-contained page, to print or save as PDF."""
    title = f"Audit trail: step-up request {trail.reference}"
    rows = [[when, what, who, detail] for _, _, when, _, what, who, detail in _rows(trail)]
    body = "\n".join(
        [
            f"<h1>{escape(title)}</h1>",
            f'<p class="meta">Times in {escape(trail.timezone)}. Generated '
            f"{escape(generated_at.astimezone(UTC).strftime('%d %b %Y %H:%M UTC'))}. "
            f"{len(trail.entries)} entries, oldest first.</p>",
            html_table(["When", "What", "Who", "Detail"], rows, keys=1),
            '<p class="note">This record holds who did what and when. It holds no family '
            "details: the EHM number and contact details are kept apart, sealed.</p>",
        ]
    )
    return html_document(title, body)
