"""The period report over a year of 100,000 requests: wall, CPU and peak RSS, per database.

Run: python -m bench.report_bench [--n 100000] [--days 365] [--runs 3]
(PostgreSQL too when STEPUP_TEST_POSTGRES_URL is set; each database is created fresh and
dropped afterwards)

Each database is seeded by bench.seed_history shaped for the report (`report=True`: four
services, varied step times, escalations, dispute and review events, families that come back;
made-up values only) over `days` before a fixed moment, PostgreSQL is analysed as autovacuum
would after a bulk load, and then each run is a fresh Python process
(`python -m bench.report_measure URL FIRST LAST AS_OF`) that builds the report for the
whole span with `build_report` and prints one JSON line (bench/report_measure.py says what it
counts). A fresh process per run keeps the seeding's memory out of the report's peak RSS. The
machine may be shared, so the load average is printed beside each run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.common import database_kinds, git_state, machine, quiet_logging
from bench.report_measure import ZONE
from bench.seed_history import prepare
from tests.support.databases import fresh_database

ROOT = Path(__file__).resolve().parent.parent
# Fixed, so that every run (and main's code against this branch's) seeds the same history.
NOW = datetime(2026, 7, 6, 12, tzinfo=UTC)
# bench.seed_history posts its last request two days before `now`.
_LAST_POSTED = timedelta(days=2)


def _period_days(days: int) -> tuple[date, date]:
    """The local days that hold every seeded request."""
    last = (NOW - _LAST_POSTED).astimezone(ZoneInfo(ZONE)).date()
    first = (NOW - _LAST_POSTED - timedelta(days=days)).astimezone(ZoneInfo(ZONE)).date()
    return first, last


def _child(url: str, first: date, last: date) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.report_measure", url]
    command += [first.isoformat(), last.isoformat(), NOW.isoformat()]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


async def _run(n: int, days: int, runs: int) -> list[str]:
    first, last = _period_days(days)
    lines = [
        "| database | run | rows | wall s | CPU s | peak RSS MiB | RSS before MiB | load (1 min) |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for kind, name in database_kinds():
        with tempfile.TemporaryDirectory() as tmp:
            async with fresh_database(kind, Path(tmp)) as url:
                seeded = await prepare(url, n, now=NOW, span=timedelta(days=days), report=True)
                print(f"{name}: seeded {n:,} requests over {days} days in {seeded:.0f} s")
                for run in range(1, runs + 1):
                    got = _child(url, first, last)
                    peak = "?" if got["peak_rss"] is None else f"{got['peak_rss']:.0f}"
                    lines.append(
                        f"| {name} | {run} | {got['rows']:,} | {got['wall']:.2f} "
                        f"| {got['cpu']:.2f} | {peak} | {got['rss_before']:.0f} "
                        f"| {os.getloadavg()[0]:.2f} |"
                    )
                    print(lines[-1], flush=True)
    return lines


def main(argv: list[str]) -> int:
    """Seed each database once, measure the report `--runs` times, print a Markdown table."""
    parser = argparse.ArgumentParser(prog="python -m bench.report_bench")
    parser.add_argument("--n", type=int, default=100_000, help="requests in the period")
    parser.add_argument("--days", type=int, default=365, help="the period's length in days")
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per database")
    args = parser.parse_args(argv)
    first, last = _period_days(args.days)
    print(f"The period report over {first} to {last}: {args.n:,} requests\n")
    print(machine())
    print(git_state())
    load = os.getloadavg()
    with quiet_logging():
        lines = asyncio.run(_run(args.n, args.days, args.runs))
    print(f"load average (1 min) before / after: {load[0]:.2f} / {os.getloadavg()[0]:.2f}")
    print("\n" + "\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
