"""Request-flow benchmark: latency of a channel post and of a card press, beside a bare echo bot.

Run: python -m bench.request_bench [--n 200] [--profile]

One process runs the fake Bot Connector, the real Step Up app (SQLite in a temp dir; PostgreSQL
too when STEPUP_TEST_POSTGRES_URL is set) and a bare botbuilder echo bot, then drives each over
HTTP with 1 and 20 concurrent users. Messages are fictional and hold no family data; logging
stays unconfigured and above INFO so no message text is written anywhere.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import (
    ECHO_TEXT,
    JSON_HEADERS,
    MESSAGES,
    POST_TEXT,
    TUESDAY_10AM,
    BenchError,
    Check,
    bench_users,
    encode,
    expect_card,
    expect_created,
    git_state,
    machine,
    peak_rss_mib,
    percentile,
    quiet_logging,
    sqlite_url,
)
from bench.echo_bot import create_echo_app
from services.clock import MovableClock
from settings import Settings
from tests.support import activities as act
from tests.support.databases import fresh_database, postgres_admin_url
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, local_settings

USERS = (1, 20)
WARMUP = ((1, 10), (20, 40))  # (concurrent users, requests) before anything is recorded

PhaseHook = Callable[[str], AbstractContextManager[object]]


@dataclass(frozen=True)
class Phase:
    """The latencies of one scenario at one concurrency on one bot."""

    bot: str
    scenario: str
    users: int
    latencies_ms: tuple[float, ...]
    wall_s: float

    @property
    def n(self) -> int:
        """How many requests were timed."""
        return len(self.latencies_ms)

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile of the latencies, in ms."""
        return percentile(self.latencies_ms, q)

    @property
    def throughput(self) -> float:
        """Requests completed per second of wall time."""
        return self.n / self.wall_s if self.wall_s else 0.0


@dataclass
class BeginWaits:
    """How long each SQLite `BEGIN IMMEDIATE` waited for the write lock (ms)."""

    waits_ms: list[float] = field(default_factory=list)
    _started: dict[int, float] = field(default_factory=dict)

    def attach(self, engine: AsyncEngine) -> None:
        """Time every BEGIN IMMEDIATE the engine runs from now on."""
        event.listen(engine.sync_engine, "before_cursor_execute", self._before)
        event.listen(engine.sync_engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement == "BEGIN IMMEDIATE":
            self._started[id(conn)] = time.perf_counter()

    def _after(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement == "BEGIN IMMEDIATE" and id(conn) in self._started:
            self.waits_ms.append((time.perf_counter() - self._started.pop(id(conn))) * 1000)

    def summary(self) -> str:
        """Count and p50/p99/max of the waits."""
        if not self.waits_ms:
            return "no BEGIN IMMEDIATE ran"
        waits = Phase("", "", 0, tuple(self.waits_ms), 0.0)
        return (
            f"SQLite BEGIN IMMEDIATE waits: n {waits.n}, p50 {waits.percentile(50):.1f} ms, "
            f"p99 {waits.percentile(99):.1f} ms, max {max(self.waits_ms):.1f} ms"
        )


@dataclass
class Profiles:
    """cProfile runs, one per scenario, when --profile is given."""

    runs: dict[str, cProfile.Profile] = field(default_factory=dict)
    begin_waits: BeginWaits = field(default_factory=BeginWaits)

    @contextmanager
    def phase(self, name: str) -> Iterator[cProfile.Profile]:
        """Profile the block under `name`."""
        profiler = self.runs.setdefault(name, cProfile.Profile())
        profiler.enable()
        try:
            yield profiler
        finally:
            profiler.disable()


def no_hook(_name: str) -> AbstractContextManager[object]:
    """The default phase hook: measure only."""
    return nullcontext()


# --- driving requests ---------------------------------------------------------------------------


async def timed_post(session: aiohttp.ClientSession, url: str, body: bytes, check: Check) -> float:
    """POST one activity and return ms until the whole response was read."""
    started = time.perf_counter()
    async with session.post(url, data=body, headers=JSON_HEADERS) as response:
        raw = await response.read()
    elapsed = (time.perf_counter() - started) * 1000
    check(response.status, raw)
    return elapsed


async def drive(
    session: aiohttp.ClientSession, url: str, bodies: list[bytes], users: int, check: Check
) -> tuple[list[float], float]:
    """`users` concurrent users, each sending its next request as soon as the last returned."""
    todo = iter(bodies)
    latencies: list[float] = []

    async def user() -> None:
        for body in todo:
            latencies.append(await timed_post(session, url, body, check))

    started = time.perf_counter()
    await asyncio.gather(*(user() for _ in range(users)))
    return latencies, time.perf_counter() - started


# --- Step Up -------------------------------------------------------------------------------------


def thread_cards(connector: FakeConnector) -> dict[str, tuple[str, str]]:
    """Thread conversation id -> (card activity id, consultation id), from the recorded sends."""
    found: dict[str, tuple[str, str]] = {}
    for call in connector.posted():
        if call.conversation_id and ";messageid=" in call.conversation_id and call.cards:
            consultation_id = call.cards[0]["actions"][0]["data"]["consultationId"]
            found[call.conversation_id] = (call.returned_id or "", consultation_id)
    return found


def acknowledge_presses(
    service_url: str, posts: list[dict[str, Any]], cards: dict[str, tuple[str, str]]
) -> list[dict[str, Any]]:
    """One "acknowledge" press by Tom on each post's request card."""
    presses = []
    for post in posts:
        if post["conversation"]["id"] not in cards:
            raise BenchError("a post got no request card in its thread")
        card_id, consultation_id = cards[post["conversation"]["id"]]
        presses.append(
            act.card_action(
                service_url,
                act.TOM,
                "acknowledge",
                {"consultationId": consultation_id},
                root_id=post["id"],
                card_activity_id=card_id,
            )
        )
    return presses


async def stepup_round(
    session: aiohttp.ClientSession,
    bot: BotUnderTest,
    users: int,
    n: int,
    hook: PhaseHook = no_hook,
) -> tuple[Phase, Phase]:
    """`n` posts from Priya, then Tom acknowledges each new request once."""
    connector, url = bot.connector, bot.url(MESSAGES)
    posts = [act.channel_post(connector.service_url, act.PRIYA, POST_TEXT) for _ in range(n)]
    with hook("post"):
        post_ms, post_wall = await drive(session, url, encode(posts), users, expect_created)
    presses = acknowledge_presses(connector.service_url, posts, thread_cards(connector))
    connector.calls.clear()
    with hook("acknowledge"):
        ack_ms, ack_wall = await drive(session, url, encode(presses), users, expect_card)
    if len(connector.of("update")) != n:
        raise BenchError("not every acknowledge updated the thread card")
    connector.calls.clear()
    return (
        Phase(bot.settings.database_url, "post", users, tuple(post_ms), post_wall),
        Phase(bot.settings.database_url, "acknowledge", users, tuple(ack_ms), ack_wall),
    )


def unpaced_settings(database_url: str) -> Settings:
    """Step Up's settings here: closed-loop users at machine speed send far faster than Teams
    allows (about 100 calls a second), so paced sends would wait for Teams' windows and this
    would time the waiting (and, past a held send's limit, fail as a lost card). This benchmark
    measures our own work per turn, like the echo bot's, which is unpaced too; bench/load_bench.py
    and bench/pacing_bench.py measure with pacing on."""
    return local_settings(database_url, log_level="ERROR", pacing=False)


async def bench_stepup(
    session: aiohttp.ClientSession,
    connector: FakeConnector,
    database_url: str,
    label: str,
    n: int,
    hook: PhaseHook = no_hook,
) -> list[Phase]:
    """Warm up, then every concurrency level on a freshly installed Step Up app."""
    settings = unpaced_settings(database_url)
    bot = BotUnderTest(settings, connector, clock=MovableClock(TUESDAY_10AM))
    await bot.start()
    try:
        await bot.send(act.installation_added(connector.service_url))
        for users, count in WARMUP:
            await stepup_round(session, bot, users, count)
        phases: list[Phase] = []
        for users in USERS:
            phases += await stepup_round(session, bot, users, n, hook)
    finally:
        await bot.stop()
    return [relabel(phase, label) for phase in phases]


def relabel(phase: Phase, bot: str) -> Phase:
    """The same phase under a readable bot name."""
    return Phase(bot, phase.scenario, phase.users, phase.latencies_ms, phase.wall_s)


# --- the echo bot --------------------------------------------------------------------------------


async def echo_round(
    session: aiohttp.ClientSession, url: str, service_url: str, users: int, n: int
) -> tuple[Phase, Phase]:
    """`n` channel messages echoed back, then `n` Action.Execute presses answered with a card."""
    people = bench_users(20)  # fictional requesters, one per concurrent user
    posts = [act.channel_post(service_url, people[i % len(people)], ECHO_TEXT) for i in range(n)]
    presses = [
        act.card_action(
            service_url,
            people[i % len(people)],
            "acknowledge",
            {"n": i},
            root_id=post["id"],
            card_activity_id=f"bot-activity-{i}",
        )
        for i, post in enumerate(posts)
    ]
    post_ms, post_wall = await drive(session, url, encode(posts), users, expect_created)
    ack_ms, ack_wall = await drive(session, url, encode(presses), users, expect_card)
    return (
        Phase("echo bot", "post", users, tuple(post_ms), post_wall),
        Phase("echo bot", "acknowledge", users, tuple(ack_ms), ack_wall),
    )


async def bench_echo(
    session: aiohttp.ClientSession, connector: FakeConnector, n: int
) -> list[Phase]:
    """Warm up, then every concurrency level on the bare echo bot."""
    server = TestServer(create_echo_app(), host="127.0.0.1")
    await server.start_server()
    url = f"http://127.0.0.1:{server.port}{MESSAGES}"
    try:
        for users, count in WARMUP:
            await echo_round(session, url, connector.service_url, users, count)
        connector.calls.clear()
        phases: list[Phase] = []
        for users in USERS:
            phases += await echo_round(session, url, connector.service_url, users, n)
            connector.calls.clear()
    finally:
        await server.close()
    return phases


# --- the run -------------------------------------------------------------------------------------


async def run(n: int) -> list[Phase]:
    """Echo bot, Step Up on SQLite, and Step Up on PostgreSQL when configured, in one run."""
    connector = FakeConnector()
    await connector.start()
    try:
        async with aiohttp.ClientSession() as session:
            phases = await bench_echo(session, connector, n)
            with TemporaryDirectory() as tmp:
                url = f"sqlite:///{Path(tmp) / 'stepup.db'}"
                phases += await bench_stepup(session, connector, url, "Step Up, SQLite", n)
                if postgres_admin_url():
                    async with fresh_database("postgres", Path(tmp)) as pg_url:
                        label = "Step Up, PostgreSQL"
                        phases += await bench_stepup(session, connector, pg_url, label, n)
    finally:
        await connector.close()
    return phases


async def run_profiled(n: int) -> Profiles:
    """Step Up on SQLite at 20 users, each scenario under cProfile."""
    profiles = Profiles()
    connector = FakeConnector()
    await connector.start()
    try:
        async with aiohttp.ClientSession() as session:
            with sqlite_url() as url:
                await _profile_stepup(session, connector, url, profiles, n)
    finally:
        await connector.close()
    return profiles


async def _profile_stepup(
    session: aiohttp.ClientSession,
    connector: FakeConnector,
    database_url: str,
    profiles: Profiles,
    n: int,
) -> None:
    """A warm-up round, then the profiled round at the highest concurrency."""
    settings = unpaced_settings(database_url)
    bot = BotUnderTest(settings, connector, clock=MovableClock(TUESDAY_10AM))
    await bot.start()
    try:
        await bot.send(act.installation_added(connector.service_url))
        await stepup_round(session, bot, 20, 40)
        assert bot.runtime.engine is not None
        profiles.begin_waits.attach(bot.runtime.engine)
        await stepup_round(session, bot, USERS[-1], n, profiles.phase)
    finally:
        await bot.stop()


# --- reporting -----------------------------------------------------------------------------------

SCENARIOS = {
    ("post", "echo bot"): "channel message → echo",
    ("post", ""): "channel post → request card",
    ("acknowledge", "echo bot"): "Action.Execute → card",
    ("acknowledge", ""): "Action.Execute acknowledge → updated card",
}


def scenario_name(phase: Phase) -> str:
    """What the row measured, in words."""
    key = (phase.scenario, "echo bot" if phase.bot == "echo bot" else "")
    return SCENARIOS[key]


def table(phases: list[Phase]) -> str:
    """A Markdown table, grouped so each Step Up row sits under its echo-bot baseline."""
    order = {"post": 0, "acknowledge": 1}
    rows = sorted(phases, key=lambda p: (order[p.scenario], p.users))
    lines = [
        "| bot | scenario | users | n | p50 ms | p99 ms | max ms | req/s |",
        "|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    for p in rows:
        lines.append(
            f"| {p.bot} | {scenario_name(p)} | {p.users} | {p.n} | {p.percentile(50):.1f} "
            f"| {p.percentile(99):.1f} | {max(p.latencies_ms):.1f} | {p.throughput:.0f} |"
        )
    return "\n".join(lines)


def profile_report(profiles: Profiles, limit: int = 25) -> str:
    """Top functions by own time, then by cumulative time, for each profiled scenario."""
    out = io.StringIO()
    for name, profiler in profiles.runs.items():
        out.write(f"\n=== {name} (Step Up, SQLite, {USERS[-1]} users) ===\n")
        stats = pstats.Stats(profiler, stream=out).strip_dirs()
        stats.sort_stats("tottime").print_stats(limit)
        stats.sort_stats("cumulative").print_stats(limit)
    out.write(f"\n{profiles.begin_waits.summary()} (both scenarios, {USERS[-1]} users)\n")
    return out.getvalue()


def parse_args(argv: list[str]) -> argparse.Namespace:
    """--n requests per scenario; --profile to profile Step Up instead of measuring."""
    parser = argparse.ArgumentParser(prog="python -m bench.request_bench")
    parser.add_argument("--n", type=int, default=200, help="timed requests per scenario")
    parser.add_argument("--profile", action="store_true", help="cProfile Step Up at 20 users")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Measure (or profile) and print the table, the machine and the peak RSS."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    with quiet_logging():
        if args.profile:
            print(profile_report(asyncio.run(run_profiled(args.n))))
            return 0
        started, load = time.perf_counter(), os.getloadavg()  # the machine may be shared
        phases = asyncio.run(run(args.n))
        print("Request flow: latency until the HTTP response (client and bot in one process)\n")
        print(table(phases))
        print(f"\n{machine()}")
        print(f"peak RSS of this process: {peak_rss_mib():.1f} MiB; ", end="")
        print(f"whole run {time.perf_counter() - started:.1f} s")
        print(f"load average (1 min) before / after: {load[0]:.2f} / {os.getloadavg()[0]:.2f}")
        print(git_state())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
