"""The tally reads the request columns in the order the SQL gives them, and in one pass."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from profiles.domain_map import calendar_from_profile
from reports.data import REQUEST_COLUMNS, RequestRow, Review
from reports.periods import Period
from reports.quarterly import compute_report
from reports.tally import ReportTally
from tests.reports.generate import PROFILE

PERIOD = Period(date(2026, 7, 1), date(2026, 9, 30))
AS_OF = datetime(2026, 10, 20, tzinfo=UTC)


def test_add_request_takes_the_columns_in_the_order_the_query_selects_them() -> None:
    # build_report passes each row positionally: a reordered column would shift every figure.
    names = list(inspect.signature(ReportTally.add_request).parameters)[1:]
    assert tuple(names) == REQUEST_COLUMNS


def _rows() -> Iterator[RequestRow]:
    """Requests across the period's edges, with every kind of fact (made-up ids and codes)."""
    first = datetime(2026, 6, 30, 9, tzinfo=UTC)
    for n in range(120):
        posted = first + timedelta(hours=19 * n)
        yield RequestRow(
            id=f"r{n}",
            service=("fc-northgate", "fsp-south", "fc-riverside")[n % 3],
            urgency=("standard", "urgent", "unknown")[n % 7 % 3],
            status="withdrawn" if n % 11 == 0 else "closed",
            outcome=None if n % 5 == 0 else "threshold_met",
            posted_at=posted,
            acknowledge_due=posted + timedelta(hours=8),
            acknowledged_at=posted + timedelta(minutes=37 * (n % 13)) if n % 4 else None,
            callback_due=posted + timedelta(days=1),
            called_back_at=posted + timedelta(hours=n % 30) if n % 3 else None,
            closed_at=posted + timedelta(hours=n % 40) if n % 6 else None,
            escalations=("eod_unacknowledged", "callback_overdue")[: n % 3],
            disputes=(1, 2)[: n % 3 // 2 + 1] if n % 9 == 0 else (),
            reviews=(Review(1, n % 2 == 0),) if n % 9 == 0 else (),
            has_family=n % 2 == 0,
            previous_at=posted - timedelta(days=17 * (n % 30)) if n % 4 == 0 else None,
        )


def test_compute_report_takes_any_iterable_once() -> None:
    calendar = calendar_from_profile(PROFILE)
    from_list = compute_report(list(_rows()), PERIOD, AS_OF, calendar)
    from_generator = compute_report(_rows(), PERIOD, AS_OF, calendar)  # can be read only once
    assert from_generator == from_list
    assert 0 < from_list.total < 120  # some rows fall outside the period and are left out
