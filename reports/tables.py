"""A period report as titled tables of text, exact or shareable: CSV and HTML both render these."""

from __future__ import annotations

from dataclasses import dataclass, field

from reports.figures import GROUPS, OUTCOMES, REREFERRAL_MONTHS, QuarterlyReport, Timeliness
from reports.suppress import HIDDEN, Disclosure

OUTCOME_LABELS = {
    "threshold_met": "Threshold met (step up agreed)",
    "threshold_not_met": "Threshold not met",
    "withdrawn": "Withdrawn",
    "no_outcome_yet": "No outcome yet",
}
GROUP_LABELS = {"all": "All requests", "standard": "Standard", "urgent": "Urgent"}


@dataclass(frozen=True)
class Table:
    """One titled table; the first `keys` columns name the row."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[str]]
    keys: int = 1
    notes: list[str] = field(default_factory=list)


def hours(minutes: float) -> str:
    """Working minutes as working hours, one decimal."""
    return f"{minutes / 60:.1f}"


def report_tables(report: QuarterlyReport, disclosure: Disclosure) -> list[Table]:
    """Every table of the report, with small numbers hidden when `disclosure` is shareable."""
    return [
        _requests(report, disclosure),
        _weekly(report, disclosure),
        _timeliness(report, disclosure),
        _distribution(report, disclosure),
        _outcomes(report, disclosure),
        _escalations(report, disclosure),
        _disputes(report, disclosure),
        _rereferrals(report, disclosure),
    ]


def _requests(report: QuarterlyReport, d: Disclosure) -> Table:
    services = list(report.by_service)
    cells = [[counts["standard"], counts["urgent"]] for counts in report.by_service.values()]
    cells = [[*row, sum(row)] for row in cells]
    cells.append([sum(col) for col in zip(*cells, strict=True)] if cells else [0, 0, 0])
    shown = d.grid(cells)
    names = [*services, "Total"]
    rows = [[name, *row] for name, row in zip(names, shown, strict=True)]
    return Table("requests", "Requests by service and urgency", _cols("Service"), rows)


def _cols(first: str) -> list[str]:
    return [first, "Standard", "Urgent", "Total"]


def _weekly(report: QuarterlyReport, d: Disclosure) -> Table:
    shown = d.line([count for _, count in report.weekly])
    labels = [monday.isoformat() for monday, _ in report.weekly] + ["Total"]
    rows = [[label, value] for label, value in zip(labels, shown, strict=True)]
    return Table("weekly", "Requests by week (week starting Monday)", ["Week", "Requests"], rows)


def _timeliness(report: QuarterlyReport, d: Disclosure) -> Table:
    rows = []
    for step, figures in (("Acknowledge", report.acknowledge), ("Call back", report.callback)):
        for group in GROUPS:
            rows.append([step, GROUP_LABELS[group], *_timeliness_row(figures[group], d)])
    columns = [
        "Step",
        "Group",
        "Done",
        "Median (working hours)",
        "90th percentile (working hours)",
        "Deadline applied",
        "Within deadline",
        "Late",
        "% within deadline",
    ]
    note = (
        "Times run from posting, in working time (working days and hours of the council). "
        "A deadline applies when the step was done, or when it passed while still needed."
    )
    return Table("timeliness", "Time to acknowledge and to call back", columns, rows, 2, [note])


def _timeliness_row(t: Timeliness, d: Disclosure) -> list[str]:
    within, late, due = d.line([t.within, t.due - t.within])
    return [
        d.count(t.measured),
        d.stat(t.median_minutes, t.measured, hours),
        d.stat(t.p90_minutes, t.measured, hours),
        due,
        within,
        late,
        d.pct(t.within, t.due),
    ]


def _distribution(report: QuarterlyReport, d: Disclosure) -> Table:
    shown = d.line([count for _, count in report.ack_distribution])
    labels = [label for label, _ in report.ack_distribution] + ["Total acknowledged"]
    rows = [[label, value] for label, value in zip(labels, shown, strict=True)]
    title = "Time to acknowledge (working hours)"
    return Table("ack_distribution", title, ["Time to acknowledge", "Requests"], rows)


def _outcomes(report: QuarterlyReport, d: Disclosure) -> Table:
    shown = d.line([report.outcomes[k] for k in OUTCOMES])
    labels = [OUTCOME_LABELS[k] for k in OUTCOMES] + ["Total"]
    rows = [[label, value] for label, value in zip(labels, shown, strict=True)]
    note = "The outcome as it stands, after any review."
    return Table("outcomes", "Outcomes", ["Outcome", "Requests"], rows, notes=[note])


def _escalations(report: QuarterlyReport, d: Disclosure) -> Table:
    rows = [
        [
            str(e.level),
            e.label,
            d.count(e.escalations),
            d.count(e.requests),
            d.pct(e.requests, report.total),
        ]
        for e in report.escalations
    ]
    columns = ["Level", "Who is told", "Escalations", "Requests escalated", "% of requests"]
    return Table("escalations", "Escalations by level", columns, rows)


def _disputes(report: QuarterlyReport, d: Disclosure) -> Table:
    rows = []
    for f in report.disputes:
        upheld, overturned, awaiting, disputed = d.line([f.upheld, f.overturned, f.awaiting])
        rows.append([str(f.level), disputed, upheld, overturned, awaiting])
    columns = ["Review level", "Disputes", "Upheld", "Overturned", "Awaiting review"]
    note = "Level 1: another MAP team manager reviews; level 2: the service managers."
    return Table("disputes", "Disputes and their results", columns, rows, notes=[note])


def _rereferrals(report: QuarterlyReport, d: Disclosure) -> Table:
    r = report.rereferrals
    cumulative = [r.within[m] for m in REREFERRAL_MONTHS]
    bands = [b - a for a, b in zip([0, *cumulative], cumulative, strict=False)]
    shown = d.running([*bands, r.with_family - cumulative[-1]])
    rows = [["Requests with an EHM number", d.count(r.with_family), "-"]]
    for months, value, count in zip(REREFERRAL_MONTHS, shown, cumulative, strict=True):
        rate = d.pct(count, r.with_family) if value == str(count) else HIDDEN
        rows.append([f"Within {months} months of an earlier request", value, rate])
    note = "The same family is recognised by a keyed hash of the EHM number; no number is read."
    columns = ["Re-referral", "Requests", "Rate"]
    return Table("rereferrals", "Re-referrals", columns, rows, notes=[note])
