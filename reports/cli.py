"""`python app.py report --from 2026-07-01 --to 2026-09-30 [--out DIR] [--private]`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from profiles.loader import ProfileError, load_profile
from reports.periods import Period
from reports.quarterly import build_report
from reports.suppress import Disclosure
from reports.writer import Written, write_report
from services.clock import SystemClock
from settings import ROOT, ConfigError, Settings, load_settings

DEFAULT_OUT = ROOT / "var" / "reports"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-07-01") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python app.py report",
        description="Report on the requests posted in a period: CSV, PNG charts and HTML.",
    )
    parser.add_argument("--from", dest="first", type=_day, required=True, help="first day")
    parser.add_argument("--to", dest="last", type=_day, required=True, help="last day (included)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"folder ({DEFAULT_OUT})")
    parser.add_argument(
        "--private",
        action="store_true",
        help="exact counts, for the service managers only (default: small numbers hidden)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Write the report; 2 for bad arguments or configuration, 0 when written."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed the reason (or the help)
        return exc.code if isinstance(exc.code, int) else 2
    if args.last < args.first:
        print("error: --to is before --from", file=sys.stderr)
        return 2
    try:
        settings = load_settings()
        written = asyncio.run(_run(settings, args.first, args.last, args.out, args.private))
    except (ConfigError, ProfileError) as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if written is None:
        print("error: the database is not migrated: run `python app.py migrate`", file=sys.stderr)
        return 2
    for path in (written.csv, written.html, *written.charts):
        print(path)
    return 0


async def _run(
    settings: Settings, first: date, last: date, out: Path, private: bool
) -> Written | None:
    from storage import migrate
    from storage.db import create_engine

    profile = load_profile(settings.profile_path)
    period = Period(first, last, profile.working_hours.timezone)
    engine = create_engine(settings.database_url)
    try:
        if not await migrate.is_up_to_date(engine):
            return None
        report = await build_report(engine, profile, period, SystemClock().now())
    finally:
        await engine.dispose()
    disclosure = Disclosure(shareable=not private, threshold=profile.small_number_threshold)
    return write_report(out, report, disclosure, profile.council)
