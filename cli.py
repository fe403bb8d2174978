"""Command line: `python app.py [serve|migrate|check-config|dev|report|screen|reseal|package]`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from aiohttp import web
from pydantic import SecretStr

from observability.logs import configure_logging
from profiles.loader import ProfileError, load_profile
from settings import ROOT, ConfigError, Settings, load_settings

log = logging.getLogger("stepup")


def main(argv: list[str] | None = None) -> int:
    """Parse the command and run it; configuration problems exit 2 with one clear line."""
    raw = sys.argv[1:] if argv is None else argv
    if raw[:1] == ["report"]:
        from reports.cli import main as report_main

        return report_main(raw[1:])
    parser = argparse.ArgumentParser(prog="python app.py", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="serve the bot (the default)")
    sub.add_parser("migrate", help="apply database migrations and exit")
    check = sub.add_parser("check-config", help="validate settings and the profile")
    check.add_argument("--profile", type=Path, help="profile to check instead of STEPUP_PROFILE")
    ask = check.add_mutually_exclusive_group()
    ask.add_argument(
        "--online",
        action="store_true",
        default=None,
        help="with Graph on, run the start-up check (token, people, roles, rota); by default "
        "it runs whenever the Graph settings are complete",
    )
    ask.add_argument(
        "--offline", dest="online", action="store_false", help="check the Graph settings only"
    )
    sub.add_parser("dev", help="serve the bot and the Agents Playground together")
    sub.add_parser("report", help="period report: CSV, PNG charts, HTML (report --help)")
    sub.add_parser("screen", help="screen JSON lines from stdin for personal data")
    sub.add_parser("reseal", help="re-encrypt stored details with the current key (rotation)")
    package = sub.add_parser("package", help="build the Teams app package (zip)")
    package.add_argument("--out", type=Path, help="zip to write (build/stepup-teams-app.zip)")
    package.add_argument(
        "--template", type=Path, metavar="DIR", help="write the Agents Toolkit appPackage/ to DIR"
    )
    args = parser.parse_args(argv)
    command = args.command or "serve"
    if command == "package":
        # Before load_settings: building a zip must not demand the bot's secrets.
        from infra.package import main as package_main

        forwarded = ["--out", str(args.out)] if args.out else []
        forwarded += ["--template", str(args.template)] if args.template else []
        return package_main(forwarded)
    try:
        settings = load_settings()
        configure_logging(settings.log_level)
        if command == "check-config":
            from profiles.report import check_config

            code = check_config(settings, args.profile, out=sys.stdout)
            return max(code, _check_graph(settings, args.profile, args.online))
        if command == "migrate":
            return asyncio.run(_migrate(settings))
        if command == "reseal":
            return asyncio.run(_reseal(settings))
        if command == "screen":
            return _screen(settings)
        if command == "dev":
            return _dev(settings)
        return _serve(settings)
    except (ConfigError, ProfileError) as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2


def _check_graph(settings: Settings, profile_path: Path | None, online: bool | None) -> int:
    """The Graph part of check-config: one line per problem, exit 1 when there is any."""
    from graph.check import check_graph
    from services.clock import SystemClock

    profile = load_profile(profile_path or settings.profile_path)
    report = asyncio.run(check_graph(settings, profile, SystemClock(), online=online))
    lines = report.lines + [f"Graph problems: {len(report.problems) or 'none'}"]
    lines += [f"  - {problem}" for problem in report.problems]
    print("\n".join(lines))
    return 1 if report.problems else 0


async def _migrate(settings: Settings) -> int:
    from storage import migrate

    await migrate.upgrade_as(settings.database_url, _secret(settings.migration_database_url))
    log.info("migrations.applied", extra={"revision": migrate.head_revision()})
    return 0


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


async def _reseal(settings: Settings) -> int:
    """Re-seal every private value with the first key of the ring, in one transaction."""
    from storage.db import create_engine
    from storage.details import reseal_all
    from storage.keys import build_cipher

    engine = create_engine(settings.database_url)
    try:
        async with engine.begin() as conn:
            changed = await reseal_all(conn, build_cipher(settings))
    finally:
        await engine.dispose()
    print(f"re-sealed {changed} row(s) with the current key")
    return 0


def _screen(settings: Settings) -> int:
    """Read {"id", "text", "author_name", "author_email"} lines; write the redactions."""
    from bot.guard import screener_for
    from graph.local_directory import staff_from_profile
    from privacy.cli import run

    profile = load_profile(settings.profile_path)
    return run(sys.stdin, sys.stdout, screener_for(profile, staff_from_profile(profile)))


def _serve(settings: Settings) -> int:
    from app import create_app
    from observability.telemetry import configure_telemetry

    load_profile(settings.profile_path)  # fail fast, before binding the port
    configure_telemetry()
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        print=None,
        access_log=None,
        # From the connection's start (aiohttp 3.14) and between requests: an idle connection,
        # or one whose headers never finish, is closed (the body has the same deadline, in
        # bot/http.py). aiohttp's own default kept them 75 s.
        keepalive_timeout=settings.http_idle_seconds,
        # After a 408 for a stalled body, how long the rest is read (so the client sees the
        # answer) before the connection is closed; aiohttp's default is 10 s.
        lingering_time=min(settings.http_idle_seconds, 10.0),
    )
    return 0


def _dev(settings: Settings) -> int:
    """Run the bot and, beside it, the Agents Playground pointed at it."""
    tool = ROOT / "node_modules" / ".bin" / "agentsplayground"
    if not tool.exists() or shutil.which("node") is None:
        print(
            "the Agents Playground is not installed: run `npm ci` (make run does)", file=sys.stderr
        )
        return 2
    endpoint = f"http://127.0.0.1:{settings.port}/api/messages"
    playground = subprocess.Popen(  # noqa: S603 - fixed local tool, no shell
        [str(tool), "-e", endpoint, "-c", "msteams", "--dt"],
        cwd=ROOT,
        env={
            **os.environ,
            "TEAMSAPPTESTER_BROWSER": "none",  # the playground's own switch; it ignores BROWSER
            "M365_AGENTS_PLAYGROUND_LOGFILE": str(ROOT / "var" / "m365agentsplayground.log"),
        },
    )
    port = os.environ.get("TEAMSAPPTESTER_PORT", "56150")
    print(f"Agents Playground: http://localhost:{port}  (bot at {endpoint})", file=sys.stderr)
    # For `make demo-as` (scripts/playground_as.py): it restarts only this process as another user.
    pidfile = Path(os.environ.get("STEPUP_PLAYGROUND_PIDFILE", ROOT / "var" / "playground.pid"))
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    pidfile.write_text(f"{playground.pid} {endpoint}\n")
    if "teams_dialogs" not in settings.model_fields_set:
        # The playground opens no Teams dialogs: the details button must then use the 1:1 chat.
        settings = settings.model_copy(update={"teams_dialogs": False})
    try:
        return _serve(settings)
    finally:
        playground.send_signal(signal.SIGTERM)
        try:
            playground.wait(timeout=10)
        except subprocess.TimeoutExpired:
            playground.kill()
