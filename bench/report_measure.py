"""One run of bench.report_bench, in a process of its own: `build_report` timed once.

Run: python -m bench.report_measure URL FIRST LAST AS_OF   (prints one JSON line)

It imports only the report's own path (not bench.common, which loads the Bot Framework SDK,
nor the test support). Before the clock starts the council's calendar is built once, as in the
running bot (it loads the bank-holiday tables), and the peak RSS is started again from the RSS
then (`rss_before`), so `peak_rss` is the highest the process reached while the report ran.
The report's queries, its calendar for the period and its figures are timed. CPU time is the
process's, every thread included (SQLite's driver thread does the database's work).
"""

from __future__ import annotations

import asyncio
import json
import logging
import resource
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

from profiles.domain_map import calendar_from_profile
from profiles.loader import load_profile
from reports.periods import Period
from reports.quarterly import build_report
from settings import DEMO_PROFILE
from storage.db import create_engine

ZONE = "Europe/London"


def _rss_mib(field: str = "VmRSS:") -> float:
    """A line of /proc/self/status in MiB (VmRSS now, VmHWM the peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # no /proc: the peak


def _reset_peak() -> bool:
    """Start the peak RSS (VmHWM) again from the current RSS; False where Linux cannot.

    Importing the app and loading the profile peak at about 99 MiB and fall back to 76: without
    the reset every report, a day's or a year's, would show that start-up peak.
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


async def measure(url: str, first: date, last: date, as_of: datetime) -> dict[str, Any]:
    """Build the report for `first`..`last` once; its wall and CPU seconds, RSS and rows."""
    profile = load_profile(DEMO_PROFILE)
    calendar_from_profile(profile)
    engine = create_engine(url)
    try:
        before, reset = _rss_mib(), _reset_peak()
        wall, cpu = time.perf_counter(), time.process_time()
        report = await build_report(engine, profile, Period(first, last, ZONE), as_of)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        await engine.dispose()
    peak = _rss_mib("VmHWM:")
    return {
        "wall": wall,
        "cpu": cpu,
        "rss_before": before,
        "peak_rss": peak if reset else None,  # None: only the process's peak was known
        "rows": report.total,
    }


if __name__ == "__main__":
    logging.getLogger().setLevel(logging.ERROR)  # no log line from the app's modules
    url, first, last, as_of = sys.argv[1:5]
    day, moment = date.fromisoformat, datetime.fromisoformat
    print(json.dumps(asyncio.run(measure(url, day(first), day(last), moment(as_of)))))
