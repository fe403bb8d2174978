"""The quarterly report against a generated quarter, on SQLite and PostgreSQL.

Expected figures are computed here from the generator's plan (its working minutes, deadlines,
families), with numpy and dateutil, never by calling the report's own functions.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from dateutil.relativedelta import relativedelta

from domain.lifecycle import ESCALATIONS, EscalationKey
from reports.csv_out import report_csv
from reports.figures import QuarterlyReport
from reports.periods import Period
from reports.quarterly import build_report
from reports.suppress import Disclosure
from storage.db import create_engine
from tests.reports.generate import (
    AS_OF,
    PROFILE,
    QUARTER_FIRST,
    QUARTER_LAST,
    ZONE,
    Truth,
    generate,
)
from tests.reports.seed import write

# 1 July and 1 October 2026, 00:00 in London (BST, UTC+1), written out by hand.
START = datetime(2026, 6, 30, 23, tzinfo=UTC)
END = datetime(2026, 9, 30, 23, tzinfo=UTC)


Quarter = tuple[list[Truth], QuarterlyReport]


async def test_the_report_matches_an_independent_computation(database_url: str) -> None:
    generated = generate()
    await write(database_url, generated)
    engine = create_engine(database_url)
    try:
        period = Period(QUARTER_FIRST, QUARTER_LAST, "Europe/London")
        report = await build_report(engine, PROFILE, period, AS_OF)
    finally:
        await engine.dispose()
    quarter = (generated.truths, report)
    check_volumes_by_service_urgency_and_week(quarter)
    for group in ("all", "standard", "urgent"):
        check_time_to_acknowledge_and_call_back_in_working_time(quarter, group)
    check_distribution_outcomes_escalations_and_disputes(quarter)
    check_re_referrals_of_the_same_family_within_3_6_and_12_months(quarter)
    check_the_csv_carries_the_same_figures_and_hides_small_ones_when_shared(quarter)


def _in_quarter(truths: list[Truth]) -> list[Truth]:
    return [t for t in truths if START <= t.posted_at < END]


def _p90(values: list[int]) -> int:
    return int(np.percentile(values, 90, method="inverted_cdf"))


def _deadline(rows: list[Truth], done: str, due: str) -> tuple[int, int]:
    """(deadline applied, within) by the rule stated in docs/reports.md."""
    applied = within = 0
    for t in rows:
        done_at, due_at = getattr(t, done), getattr(t, due)
        if done_at is not None:
            applied += 1
            within += done_at <= due_at
        elif due_at <= AS_OF and not (t.closed_at is not None and t.closed_at < due_at):
            applied += 1
    return applied, within


def check_volumes_by_service_urgency_and_week(quarter: Quarter) -> None:
    truths, report = quarter
    rows = _in_quarter(truths)
    assert 300 <= len(rows) == report.total
    expected = Counter((t.service, t.urgency) for t in rows)
    got = {(s, u): n for s, counts in report.by_service.items() for u, n in counts.items()}
    assert {k: v for k, v in got.items() if v} == dict(expected)
    mondays = Counter(
        t.posted_at.astimezone(ZONE).date() - timedelta(days=t.posted_at.astimezone(ZONE).weekday())
        for t in rows
    )
    assert report.weekly[0][0] == date(2026, 6, 29) and report.weekly[-1][0] == date(2026, 9, 28)
    assert {m: n for m, n in report.weekly if n} == dict(mondays)
    assert sum(n for _, n in report.weekly) == len(rows)


def check_time_to_acknowledge_and_call_back_in_working_time(quarter: Quarter, group: str) -> None:
    truths, report = quarter
    rows = [t for t in _in_quarter(truths) if group == "all" or t.urgency == group]
    ack = [t.ack_minutes for t in rows if t.ack_minutes is not None]
    calls = [t.callback_minutes for t in rows if t.callback_minutes is not None]
    got_ack, got_call = report.acknowledge[group], report.callback[group]
    assert got_ack.measured == len(ack) and got_call.measured == len(calls)
    assert got_ack.median_minutes == pytest.approx(float(np.median(ack)))
    assert got_ack.p90_minutes == _p90(ack)
    assert got_call.median_minutes == pytest.approx(float(np.median(calls)))
    assert got_call.p90_minutes == _p90(calls)
    assert (got_ack.due, got_ack.within) == _deadline(rows, "ack_at", "ack_due")
    assert (got_call.due, got_call.within) == _deadline(rows, "callback_at", "callback_due")
    assert 0 < got_call.within < got_call.due  # some late, some in time: the rule is exercised


def check_distribution_outcomes_escalations_and_disputes(quarter: Quarter) -> None:
    truths, report = quarter
    rows = _in_quarter(truths)
    hours = [t.ack_minutes / 60 for t in rows if t.ack_minutes is not None]
    edges = [0, 1, 2, 4, 8, 16, float("inf")]
    bins = [sum(1 for h in hours if lo <= h < hi) for lo, hi in zip(edges, edges[1:], strict=False)]
    assert [n for _, n in report.ack_distribution] == bins

    def outcome(t: Truth) -> str:
        return t.outcome or ("withdrawn" if t.withdrawn else "no_outcome_yet")

    assert report.outcomes == {
        k: Counter(outcome(t) for t in rows)[k]
        for k in ("threshold_met", "threshold_not_met", "withdrawn", "no_outcome_yet")
    }
    level = {k.value: int(rule.level) for k, rule in ESCALATIONS.items()}
    per_level = Counter(level[k] for t in rows for k in t.escalations)
    requests = Counter(lv for t in rows for lv in {level[k] for k in t.escalations})
    assert [(e.level, e.escalations, e.requests) for e in report.escalations] == [
        (lv, per_level[lv], requests[lv]) for lv in (1, 2, 3)
    ]
    assert all(report.escalations[i].escalations for i in range(3))
    assert EscalationKey.CALLBACK_OVERDUE.value in {k for t in rows for k in t.escalations}
    for figures in report.disputes:
        lv = figures.level
        reviews = [upheld for t in rows for (at, upheld) in t.reviews if at == lv]
        assert figures.disputed == sum(t.disputes.count(lv) for t in rows) > 0
        assert (figures.upheld, figures.overturned) == (sum(reviews), len(reviews) - sum(reviews))
    assert sum(f.awaiting for f in report.disputes) > 0


def check_re_referrals_of_the_same_family_within_3_6_and_12_months(quarter: Quarter) -> None:
    truths, report = quarter
    known = [t for t in _in_quarter(truths) if t.ehm is not None]
    assert report.rereferrals.with_family == len(known)
    for months in (3, 6, 12):
        count = 0
        for t in known:
            earlier = [u.posted_at for u in truths if u.ehm == t.ehm and u.posted_at < t.posted_at]
            since = t.posted_at.astimezone(ZONE) - relativedelta(months=months)
            count += bool(earlier) and max(earlier) >= since
        assert report.rereferrals.within[months] == count, months
    assert 0 < report.rereferrals.within[3] < report.rereferrals.within[12]


def check_the_csv_carries_the_same_figures_and_hides_small_ones_when_shared(
    quarter: Quarter,
) -> None:
    truths, report = quarter
    rows = _in_quarter(truths)
    small = Counter((t.service, t.urgency) for t in rows)[
        ("Family Support Programme South", "urgent")
    ]
    assert 0 < small < 5  # the generator leaves one small cell on purpose

    def cell(text: str, section: str, item: str, measure: str) -> str:
        found = [
            r["value"]
            for r in csv.DictReader(io.StringIO(text))
            if (r["section"], r["item"], r["measure"]) == (section, item, measure)
        ]
        assert len(found) == 1, (section, item, measure)
        return found[0]

    private = report_csv(report, Disclosure(shareable=False), PROFILE.council)
    shared = report_csv(report, Disclosure(shareable=True), PROFILE.council)
    key = ("requests", "Family Support Programme South", "Urgent")
    assert cell(private, *key) == str(small)
    assert cell(shared, *key) == "<5"
    assert cell(shared, "requests", "Total", "Total") == str(len(rows))
    assert cell(private, "report", "total requests", "") == str(len(rows))
    for text in (private, shared):
        for ehm in {t.ehm for t in truths if t.ehm} | {t.phone for t in truths if t.phone}:
            assert ehm not in text


def test_the_flows_own_timer_keys_are_not_escalation_levels_and_break_nothing() -> None:
    from reports.data import RequestRow
    from reports.quarterly import compute_report
    from tests.support.dates import demo_calendar

    period = Period(date(2026, 7, 1), date(2026, 9, 30), "Europe/London")
    posted = datetime(2026, 7, 7, 9, tzinfo=UTC)
    legacy = EscalationKey.EOD_UNACKNOWLEDGED.value
    timers = ("checklist_reminder_eod", "callback_reminder", "dispute_level_2")

    def row(id_: str, keys: tuple[str, ...]) -> RequestRow:
        return RequestRow(
            id_, "fc-northgate", "standard", "assigned", None, posted, escalations=keys
        )

    plain = compute_report([row("a", (legacy,))], period, END, demo_calendar())
    mixed = compute_report([row("a", (legacy, *timers))], period, END, demo_calendar())
    assert mixed.escalations == plain.escalations
    assert sum(e.escalations for e in mixed.escalations) == 1
