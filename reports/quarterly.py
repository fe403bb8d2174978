"""Period report: volumes, timeliness (working time), outcomes, escalations, disputes, re-referrals.

Every figure is about the requests *posted* in the period, whenever their later steps happened.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.calendar import WorkingCalendar
from domain.lifecycle import ESCALATIONS, EscalationLevel
from profiles.domain_map import calendar_from_profile
from profiles.schema import Profile
from reports.data import RequestRow, load_report_data
from reports.figures import (
    ACK_BINS,
    GROUPS,
    OUTCOMES,
    REREFERRAL_MONTHS,
    URGENCIES,
    DisputeFigures,
    EscalationFigures,
    QuarterlyReport,
    ReReferrals,
    Timeliness,
    median,
    percentile,
)
from reports.periods import Period, months_before
from reports.working_time import WorkingMinutes

LEVEL_LABELS = {
    EscalationLevel.DUTY_MANAGER: "Duty MAP team manager",
    EscalationLevel.MAP_MANAGERS: "All MAP team managers",
    EscalationLevel.SERVICE_MANAGERS: "Service managers",
}

Step = Callable[[RequestRow], tuple[datetime | None, datetime | None]]


async def build_report(
    engine: AsyncEngine, profile: Profile, period: Period, as_of: datetime
) -> QuarterlyReport:
    """Read the period's requests and compute the report with the council's working calendar."""
    data = await load_report_data(engine, period, as_of)
    return compute_report(data.requests, period, as_of, calendar_from_profile(profile))


def compute_report(
    rows: list[RequestRow], period: Period, as_of: datetime, calendar: WorkingCalendar
) -> QuarterlyReport:
    """The figures for `rows` (requests posted in `period`), as they stood at `as_of`."""
    rows = [r for r in rows if period.contains(r.posted_at)]
    minutes = WorkingMinutes(calendar).between  # the same figures, without a walk per call

    def ack(r: RequestRow) -> tuple[datetime | None, datetime | None]:
        return r.acknowledged_at, r.acknowledge_due

    def callback(r: RequestRow) -> tuple[datetime | None, datetime | None]:
        return r.called_back_at, r.callback_due

    ack_hours = [
        minutes(r.posted_at, r.acknowledged_at) / 60 for r in rows if r.acknowledged_at is not None
    ]
    return QuarterlyReport(
        period=period,
        as_of=as_of,
        total=len(rows),
        by_service=_by_service(rows),
        weekly=_weekly(rows, period),
        acknowledge={g: _timeliness(_group(rows, g), ack, as_of, minutes) for g in GROUPS},
        callback={g: _timeliness(_group(rows, g), callback, as_of, minutes) for g in GROUPS},
        ack_distribution=[
            (label, sum(1 for h in ack_hours if low <= h < high)) for low, high, label in ACK_BINS
        ],
        outcomes=_outcomes(rows),
        escalations=_escalations(rows),
        disputes=_disputes(rows),
        rereferrals=_rereferrals(rows, period.timezone),
    )


def _group(rows: list[RequestRow], group: str) -> list[RequestRow]:
    return rows if group == "all" else [r for r in rows if r.urgency == group]


def _by_service(rows: list[RequestRow]) -> dict[str, dict[str, int]]:
    counts = Counter((r.service, r.urgency) for r in rows)
    services = sorted({r.service for r in rows}, key=str.casefold)
    return {s: {u: counts[(s, u)] for u in URGENCIES} for s in services}


def _weekly(rows: list[RequestRow], period: Period) -> list[tuple[date, int]]:
    counts = Counter(period.week_of(r.posted_at) for r in rows)
    return [(monday, counts[monday]) for monday in period.weeks()]


def _timeliness(
    rows: Iterable[RequestRow],
    step: Step,
    as_of: datetime,
    working_minutes: Callable[[datetime, datetime], int],
) -> Timeliness:
    minutes: list[int] = []
    due = within = 0
    for r in rows:
        done_at, deadline = step(r)
        if done_at is not None:
            minutes.append(working_minutes(r.posted_at, done_at))
        if deadline is None:
            continue
        if done_at is not None:
            due += 1
            within += done_at <= deadline
        elif deadline <= as_of and not (r.closed_at is not None and r.closed_at < deadline):
            due += 1  # still needed when the deadline passed, and never done: late
    return Timeliness(len(minutes), median(minutes), percentile(minutes, 90), due, within)


def _outcomes(rows: list[RequestRow]) -> dict[str, int]:
    def outcome(r: RequestRow) -> str:
        if r.outcome is not None:
            return r.outcome
        return "withdrawn" if r.status == "withdrawn" else "no_outcome_yet"

    counts = Counter(outcome(r) for r in rows)
    return {k: counts[k] for k in OUTCOMES}


def _escalations(rows: list[RequestRow]) -> list[EscalationFigures]:
    figures = []
    for level, label in LEVEL_LABELS.items():
        keys = {k.value for k, rule in ESCALATIONS.items() if rule.level is level}
        per_request = [sum(1 for k in r.escalations if k in keys) for r in rows]
        figures.append(
            EscalationFigures(int(level), label, sum(per_request), sum(1 for n in per_request if n))
        )
    # Other keys are the flow's own timers (reminders, the checklist chase, the dispute
    # timers): recorded on the same case, not one of the three levels these figures count.
    # A report must never fail on them: it runs in the tick, before the retention purge.
    return figures


def _disputes(rows: list[RequestRow]) -> list[DisputeFigures]:
    figures = []
    for level in (1, 2):
        disputed = sum(r.disputes.count(level) for r in rows)
        reviews = [v for r in rows for v in r.reviews if v.level == level]
        upheld = sum(1 for v in reviews if v.upheld)
        figures.append(DisputeFigures(level, disputed, upheld, len(reviews) - upheld))
    return figures


def _rereferrals(rows: list[RequestRow], timezone: str) -> ReReferrals:
    known = [r for r in rows if r.has_family]
    within = {
        months: sum(
            1
            for r in known
            if r.previous_at is not None
            and r.previous_at >= months_before(r.posted_at, months, timezone)
        )
        for months in REREFERRAL_MONTHS
    }
    return ReReferrals(len(known), within)
