"""The audit trail of a request as a private card view for a manager (who, what, when)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from cards.common import VERB_REFRESH, card, execute, facts, plain, text
from reports.trail import AuditEntry, AuditTrail

VERB_VIEW_AUDIT = "view_audit"
VERB_EXPORT_AUDIT = "export_audit"
MAX_ENTRIES = 60  # keeps the card well under Teams' size limit; the exports hold everything


def audit_button(consultation_id: str) -> dict[str, Any]:
    """The button that opens the trail (the handler checks the person's role)."""
    return execute("Audit trail", VERB_VIEW_AUDIT, {"consultationId": consultation_id})


def audit_card(trail: AuditTrail, *, exportable: bool = False) -> dict[str, Any]:
    """The trail, oldest first, with a button back to the request's own card (and, for whom
    may export it, a button that sends the whole trail as a file)."""
    shown = trail.entries[-MAX_ENTRIES:]
    body: list[dict[str, Any]] = [
        text(f"Audit trail: {plain(trail.reference)}", weight="Bolder", size="Medium"),
        text(
            f"Every step, who and when ({plain(trail.timezone)} time). Only you see this view; "
            "it holds no family details.",
            isSubtle=True,
            spacing="None",
        ),
    ]
    if len(shown) < len(trail.entries):
        skipped = len(trail.entries) - len(shown)
        body.append(text(f"The {skipped} oldest entries are in the export.", isSubtle=True))
    if shown:
        body.append(facts([(_when(trail, e), _line(e)) for e in shown]))
    else:
        body.append(text("Nothing recorded yet."))
    ids = {"consultationId": trail.consultation_id}
    actions = [execute("Back to the request", VERB_REFRESH, ids)]
    if exportable:
        actions.insert(0, execute("Export the full trail", VERB_EXPORT_AUDIT, ids))
    return card(body, actions)


def _when(trail: AuditTrail, entry: AuditEntry) -> str:
    return entry.at.astimezone(ZoneInfo(trail.timezone)).strftime("%a %-d %b %Y %H:%M")


def _line(entry: AuditEntry) -> str:
    detail = f": {plain(entry.detail)}" if entry.detail else ""
    return f"{plain(entry.what)} by {plain(entry.who)}{detail}"
