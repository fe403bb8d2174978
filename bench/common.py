"""What the request and load benchmarks share: the fixed clock, fictional users, checks, numbers.

Nothing here imports the Step Up app, so a process that only runs the echo bot stays free of it
(its memory is then the SDK's alone).
"""

from __future__ import annotations

import json
import logging
import math
import os
import platform
import resource
import subprocess
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from bench.echo_bot import CARD_CONTENT_TYPE
from tests.support import activities as act
from tests.support.databases import postgres_admin_url
from tests.support.dates import duty_day_at

MESSAGES = "/api/messages"
JSON_HEADERS = {"Content-Type": "application/json"}
POST_TEXT = "Step up consultation please"  # fictional; never names a child or family
ECHO_TEXT = "hello"
# A Tuesday after today, 10:00 in London: working time, so every post gets card + checklist,
# and Tom (act.TOM) is the duty MAP team manager that week (the dev clock only moves forward).
TUESDAY_10AM = duty_day_at(act.TOM.aad_id, weekday=1, hour=10)
# The demo council's staff domain: made-up bench accounts live there like the demo people.
STAFF_DOMAIN = "northdown.gov.uk"

Check = Callable[[int, bytes], None]


class BenchError(RuntimeError):
    """A request did not do what the scenario expects; the numbers would be meaningless."""


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of `values`; NaN when there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


# --- people --------------------------------------------------------------------------------------


def bench_users(count: int) -> list[act.User]:
    """Made-up "Bench User NN" accounts (never real people), numbered from 00."""
    return [
        act.User(f"29:bench-user-{i:02d}", f"Bench User {i:02d}", f"00000000-bench-{i:012d}")
        for i in range(count)
    ]


def bench_email(user: act.User) -> str:
    """A bench user's made-up address in the demo council's domain."""
    number = user.teams_id.rsplit("-", 1)[-1]
    return f"bench.user.{number}@{STAFF_DOMAIN}"


# --- requests ------------------------------------------------------------------------------------


def encode(activities: Sequence[dict[str, Any]]) -> list[bytes]:
    """Serialise activities up front so JSON encoding on the client is not timed."""
    return [json.dumps(activity).encode() for activity in activities]


def expect_created(status: int, raw: bytes) -> None:
    """A message turn ends with 201 and no body."""
    if status != 201:
        raise BenchError(f"message answered {status}: {raw[:200]!r}")


def is_card_answer(status: int, body: Any) -> bool:
    """Whether an Action.Execute answer is a 200 with an Adaptive Card (not a refusal message)."""
    return status == 200 and isinstance(body, dict) and body.get("type") == CARD_CONTENT_TYPE


def expect_card(status: int, raw: bytes) -> None:
    """An Action.Execute ends with 200 and an Adaptive Card (not a refusal message)."""
    body = json.loads(raw) if raw else {}
    if not is_card_answer(status, body):
        raise BenchError(f"invoke answered {status}: {str(body)[:200]}")


# --- the run -------------------------------------------------------------------------------------


@contextmanager
def quiet_logging() -> Iterator[None]:
    """Root logger unconfigured and at ERROR: no message text and no access log is written."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)


@contextmanager
def sqlite_url() -> Iterator[str]:
    """A SQLite URL in a fresh temp dir, removed afterwards."""
    with TemporaryDirectory() as tmp:
        yield f"sqlite:///{Path(tmp) / 'stepup.db'}"


def machine() -> str:
    """CPU, core count, Python and the versions that matter for these numbers."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    versions = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in ("botbuilder-core", "aiohttp", "sqlalchemy", "aiosqlite", "asyncpg")
    )
    return (
        f"machine: {cpu}; nproc {len(os.sched_getaffinity(0))}; "
        f"Python {platform.python_version()} on {platform.system()} {platform.release()}\n"
        f"versions: {versions}"
    )


def peak_rss_mib() -> float:
    """Peak resident set size of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mib() -> float:
    """Current resident set size of this process (VmRSS), or the peak where /proc is missing."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return peak_rss_mib()


def git_state() -> str:
    """The commit measured, and which tracked files differed from it (paths only)."""

    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        command = ["git", "--no-optional-locks", *args]  # never takes the shared index lock
        done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
        return done.stdout if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    changed = git("status", "--porcelain", "--untracked-files=no").splitlines()
    paths = sorted(line[3:] for line in changed if line.strip())  # "XY path"
    tree = f"uncommitted changes in {', '.join(paths)}" if paths else "no uncommitted changes"
    return f"commit: {commit} ({tree})"


def database_kinds() -> list[tuple[str, str]]:
    """(kind for fresh_database, name for a table): SQLite, and PostgreSQL when configured."""
    kinds = [("sqlite", "SQLite")]
    if postgres_admin_url():
        kinds.append(("postgres", "PostgreSQL"))
    return kinds
