"""A period report's peak memory does not grow with the requests in the period (issue 19).

One database holds two periods of the same length, the second with four times the requests of
the first, seeded by bench.seed_history shaped for the report (escalations, disputes and
reviews, families that come back: made-up values only). Both reports are built once to warm
what a report keeps for the process (compiled SQL, bank holidays, the pool's connection), then
built again under tracemalloc. Streamed, a report holds a batch of rows and its counters, so
the two peaks are alike; a report that keeps every row (as a list did) needs four times the
memory for four times the requests. Nothing is timed.

The batch is made small here so that a few thousand requests span many batches, as a year's
hundred thousand do with the real size.
"""

from __future__ import annotations

import tracemalloc
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.seed_history import seed
from reports import data
from reports.periods import Period
from reports.quarterly import build_report
from storage.db import create_engine
from storage.migrate import upgrade
from tests.reports.generate import PROFILE

N = 1_200
BATCH = 200
DAYS = 35
SPAN = timedelta(days=28)  # posted from the 4th day of the period to its 32nd
SMALL = (date(2026, 1, 5), "small")  # first day, id prefix
LARGE = (date(2026, 3, 2), "large")
AS_OF = datetime(2026, 5, 1, 12, tzinfo=UTC)
# Allowed beyond 1.5 times the small peak: the working minutes are kept by distinct value,
# and a larger period meets a few more of them (bounded by the longest wait, not the count).
SLACK = 256 * 1024


def _period(first: date) -> Period:
    return Period(first, first + timedelta(days=DAYS - 1), PROFILE.working_hours.timezone)


async def _seeded(url: str) -> AsyncEngine:
    engine = create_engine(url)
    await upgrade(engine)
    for (first, prefix), n in ((SMALL, N), (LARGE, 4 * N)):
        now = datetime.combine(first + timedelta(days=33), time(12), tzinfo=UTC)
        await seed(engine, n, now=now, prefix=prefix, span=SPAN, report=True)
    return engine


async def _peak(engine: AsyncEngine, period: Period) -> tuple[int, int]:
    """(requests counted, peak bytes allocated above the start) while building the report."""
    tracemalloc.reset_peak()
    start = tracemalloc.get_traced_memory()[0]
    report = await build_report(engine, PROFILE, period, AS_OF)
    return report.total, tracemalloc.get_traced_memory()[1] - start


async def test_a_reports_peak_memory_does_not_grow_with_its_requests(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data, "BATCH", BATCH)
    engine = await _seeded(database_url)
    small, large = _period(SMALL[0]), _period(LARGE[0])
    try:
        for period in (small, large):
            await build_report(engine, PROFILE, period, AS_OF)  # warm: not measured
        tracemalloc.start()
        try:
            (n_small, peak_small), (n_large, peak_large) = [
                await _peak(engine, p) for p in (small, large)
            ]
        finally:
            tracemalloc.stop()
    finally:
        await engine.dispose()
    assert (n_small, n_large) == (N, 4 * N)
    numbers = (
        f"peak {peak_small // 1024} KiB for {N} requests, {peak_large // 1024} KiB for {4 * N}"
    )
    print(numbers)
    assert peak_large < 1.5 * peak_small + SLACK, numbers
