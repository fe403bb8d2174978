"""Load burst (issue #10): 200 channel posts from 50 users within 10 s, and a card press on each.

Run: python -m bench.load_bench [--posts 200] [--users 50] [--window 10] [--press-delay 1]
     [--connector-ms 0]

Open loop: the post times are fixed in advance (seeded, the same for every bot), so a slow bot
meets the same schedule instead of being sent less work. Each post is a new top-level message in
the Step Up channel from one of the made-up "Bench User NN" requesters; once the bot's card is in
that post's thread, and no sooner than `--press-delay` after the post, Tom (the duty MAP team
manager) presses "acknowledge" on it: an Action.Execute invoke.

This process is Teams: the client and the fake Bot Connector. Each bot runs in a child process of
its own (the bare echo bot, Step Up on SQLite, Step Up on PostgreSQL when STEPUP_TEST_POSTGRES_URL
is set), so its memory and CPU are its own, as they would be in production where the connector is
far away. tests/reliability/test_load.py runs a shortened burst against Step Up in-process, with
the same driver and the same checks.

Messages are fictional and hold no family data; logging stays at ERROR so no text is written.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import TYPE_CHECKING, Any

import aiohttp
import yaml
from aiohttp import web
from aiohttp.test_utils import TestServer

from bench.common import (
    JSON_HEADERS,
    MESSAGES,
    POST_TEXT,
    TUESDAY_10AM,
    bench_email,
    bench_users,
    encode,
    git_state,
    is_card_answer,
    machine,
    percentile,
    quiet_logging,
)
from bench.echo_bot import create_echo_app
from services.pacing import CONVERSATION_WINDOWS, MARGIN_SECONDS
from tests.support import activities as act
from tests.support.fake_connector import ConnectorCall, FakeConnector

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

ROOT = Path(__file__).resolve().parent.parent

# Teams' limits, from /work/shared/teams/platform-facts.md section 5 (and ARCHITECTURE.md): Bot
# Service answers 504 when a turn takes longer than "10-15 s depending on channel", so a message
# must be answered within the lower figure; for invokes the design bar is "< 5 s" (Teams shows
# "Unable to reach app" on the card; a 2020 thread mentions 5 s for invokes).
MESSAGE_BAR_MS = 10_000.0
INVOKE_BAR_MS = 5_000.0
# The same section: all bots together may make 30 requests a second per app and tenant (the
# stored doc; a Microsoft answer quotes 50). The fake connector never throttles; we only count.
TENANT_RPS = 30

START_LEAD_S = 0.2  # every task exists before the first post is due
REPLY_MARGIN_S = 60.0  # a card not in its thread this long after Teams' limits allow counts
# as lost (slow is measured apart)
QUIET_S = 0.5  # after the last press, how long the connector must stay idle to call it settled
SETTLE_S = 10.0  # ...and the longest we wait for that beyond Teams' limits
BOT_START_S = 120.0  # a bot process must be listening by then
PORT_PREFIX = "LOAD-BOT-PORT "  # the bot process's one stdout line
RACE = "known bug: the press came while the post's turn was still storing the card's id"


# --- the schedule --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arrival:
    """One post: when (seconds after the burst starts) and by whom."""

    at_s: float
    user: act.User


@dataclass(frozen=True)
class Burst:
    """The load: `posts` posts by `users` people over `window_s`, each pressed after a delay."""

    posts: int = 200
    users: int = 50
    window_s: float = 10.0
    press_delay_s: float = 1.0  # Tom reads the card before pressing
    seed: int = 10
    connector_ms: float = 0.0  # how long the fake connector takes to answer each call

    def paced_s(self) -> float:
        """The least time Teams' limits on one channel allow for the burst's channel calls (a
        card and, after the press, its update per post): every post is in the same channel,
        whose replies count for the channel, 60 calls in any 30 s."""
        calls = 2 * self.posts
        return max((math.ceil(calls / w.limit) - 1) * w.seconds for w in CONVERSATION_WINDOWS)

    def quiet_s(self) -> float:
        """How long the connector may hear nothing while paced sends are still to come: up to
        the longest window the burst's calls fill (a full window waits for its first call to
        age out)."""
        calls = 2 * self.posts
        filled = [w.seconds + MARGIN_SECONDS for w in CONVERSATION_WINDOWS if calls > w.limit]
        return max([QUIET_S, *filled])

    def reply_wait_s(self) -> float:
        """How long a post's card may take to reach its thread before it counts as lost."""
        return self.paced_s() + REPLY_MARGIN_S

    def arrivals(self) -> list[Arrival]:
        """Post times uniform at random over the window (a Poisson process given its count, so
        posts cluster as people's do), the users dealt out evenly and shuffled; seeded."""
        rng = random.Random(self.seed)
        times = sorted(rng.uniform(0, self.window_s) for _ in range(self.posts))
        users = bench_users(self.users)
        people = [users[i % len(users)] for i in range(self.posts)]
        rng.shuffle(people)
        return [Arrival(at, user) for at, user in zip(times, people, strict=True)]


# --- the connector -------------------------------------------------------------------------------


@dataclass
class LoadConnector(FakeConnector):
    """The fake connector, also noting when each call came and the bot's first message per thread.

    A per-thread future instead of `wait_for`: hundreds of waiters re-scanning every recorded
    call on every new call would cost the client more than the bot's own work.
    """

    cards_only: bool = False  # Step Up answers a post with a card; the echo bot with text
    delay_s: float = 0.0  # each call is answered this long after it came (Teams is far away)
    times: list[float] = field(default_factory=list)
    _first: dict[str, asyncio.Future[tuple[ConnectorCall, float]]] = field(default_factory=dict)

    async def _handle(self, request: web.Request) -> web.Response:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        return await super()._handle(request)

    async def _record(self, call: ConnectorCall) -> None:
        now = time.perf_counter()
        self.times.append(now)
        await super()._record(call)
        if call.op in ("send", "reply") and (call.cards or not self.cards_only):
            first = self._future(call.conversation_id or "")
            if not first.done():
                first.set_result((call, now))

    def _future(self, conversation_id: str) -> asyncio.Future[tuple[ConnectorCall, float]]:
        if conversation_id not in self._first:
            self._first[conversation_id] = asyncio.get_running_loop().create_future()
        return self._first[conversation_id]

    async def first_in(self, conversation_id: str, seconds: float) -> tuple[ConnectorCall, float]:
        """The bot's first message (card) in a conversation and when it came; TimeoutError."""
        async with asyncio.timeout(seconds):
            return await asyncio.shield(self._future(conversation_id))

    async def settled(self, quiet_s: float = QUIET_S, limit_s: float = SETTLE_S) -> None:
        """Wait until no call has come for `quiet_s` (sends made after a turn answered)."""
        deadline = time.perf_counter() + limit_s
        while time.perf_counter() < deadline:
            last = self.times[-1] if self.times else 0.0
            if time.perf_counter() - last >= quiet_s:
                return
            await asyncio.sleep(quiet_s / 5)

    def peak_per_second(self) -> int:
        """The most calls that came within any one second."""
        peak, first = 0, 0
        for last, at in enumerate(self.times):
            while at - self.times[first] >= 1.0:
                first += 1
            peak = max(peak, last - first + 1)
        return peak


# --- one post and its press ----------------------------------------------------------------------


@dataclass
class Exchange:
    """A post, the bot's card in its thread, and Tom's press on it, with their timings."""

    user: act.User
    post: dict[str, Any]
    due: float  # perf_counter time the post was scheduled for
    lag_ms: float = 0.0  # how late the client actually sent it
    post_status: int = 0  # 0: no HTTP answer at all
    post_ms: float = math.nan
    post_answered: float = math.inf
    reply: ConnectorCall | None = None  # the bot's card (echo: message) in the thread
    reply_ms: float = math.nan
    press_sent: float = math.nan
    press_status: int = 0
    press_ms: float = math.nan
    press_body: Any = None
    done: float = 0.0

    @property
    def thread(self) -> str:
        """The post's thread, as the conversation id the bot replies to."""
        return str(self.post["conversation"]["id"])

    @property
    def consultation_id(self) -> str:
        """The consultation the bot's card is about ("" for the echo bot)."""
        if self.reply is None or not self.reply.cards:
            return ""
        return next(iter(consultation_ids(self.reply.cards)), "")

    @property
    def pressed_early(self) -> bool:
        """Whether Tom pressed before the post's own turn had answered."""
        return self.press_sent < self.post_answered


def consultation_ids(cards: Iterable[Any]) -> set[str]:
    """Every `consultationId` in the actions of these cards (found wherever it sits)."""
    found: set[str] = set()
    stack = list(cards)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("consultationId"), str):
                found.add(node["consultationId"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def acknowledge(service_url: str, exchange: Exchange) -> dict[str, Any]:
    """Tom's "acknowledge" press on the card the bot put in the post's thread."""
    assert exchange.reply is not None
    cid = exchange.consultation_id
    return act.card_action(
        service_url,
        act.TOM,
        "acknowledge",
        {"consultationId": cid} if cid else {},
        root_id=str(exchange.post["id"]),
        card_activity_id=exchange.reply.returned_id or "",
    )


async def sleep_until(moment: float) -> None:
    """Sleep until perf_counter reaches `moment` (at once if it has)."""
    await asyncio.sleep(max(0.0, moment - time.perf_counter()))


async def send(
    session: aiohttp.ClientSession, url: str, body: bytes, due: float
) -> tuple[int, bytes, float]:
    """POST an activity: status (0 if the connection failed), body, ms since it was due.

    Timed from the schedule, not from the send: a client that sends late because its own loop
    was busy must not hide the delay (no coordinated omission).
    """
    try:
        async with session.post(url, data=body, headers=JSON_HEADERS) as response:
            raw = await response.read()
            status = response.status
    except aiohttp.ClientError as error:
        status, raw = 0, type(error).__name__.encode()
    return status, raw, (time.perf_counter() - due) * 1000


@dataclass(frozen=True)
class Target:
    """A bot to load: where to post, and the connector it talks to."""

    url: str
    connector: LoadConnector


async def post_and_press(
    session: aiohttp.ClientSession, target: Target, burst: Burst, ex: Exchange, body: bytes
) -> None:
    """Post at the scheduled time; press as soon as the card is there and the delay is over.

    The press waits for the card, not for the post's HTTP answer: Tom sees the card in Teams
    while the post's turn may still be finishing, and that overlap is part of the load.
    """
    await sleep_until(ex.due)
    ex.lag_ms = (time.perf_counter() - ex.due) * 1000

    async def post() -> None:
        ex.post_status, _raw, ex.post_ms = await send(session, target.url, body, ex.due)
        ex.post_answered = time.perf_counter()

    async def press() -> None:
        try:
            ex.reply, seen = await target.connector.first_in(ex.thread, burst.reply_wait_s())
        except TimeoutError:
            return
        ex.reply_ms = (seen - ex.due) * 1000
        press_body = json.dumps(acknowledge(target.connector.service_url, ex)).encode()
        due = max(seen, ex.due + burst.press_delay_s)
        await sleep_until(due)
        ex.press_sent = time.perf_counter()
        ex.press_status, raw, ex.press_ms = await send(session, target.url, press_body, due)
        try:
            ex.press_body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            ex.press_body = raw[:200].decode(errors="replace")

    await asyncio.gather(post(), press())
    ex.done = time.perf_counter()


async def run_burst(target: Target, burst: Burst) -> tuple[list[Exchange], float]:
    """Every post and press of the burst against one bot; the exchanges and the wall time (s)."""
    arrivals = burst.arrivals()
    service_url = target.connector.service_url
    posts = [act.channel_post(service_url, a.user, POST_TEXT) for a in arrivals]
    bodies = encode(posts)
    # No connection limit: an open-loop client must not queue its own requests (aiohttp's
    # default pool holds 100 connections).
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        start = time.perf_counter() + START_LEAD_S
        exchanges = [
            Exchange(a.user, post, start + a.at_s) for a, post in zip(arrivals, posts, strict=True)
        ]
        await asyncio.gather(
            *(
                post_and_press(session, target, burst, ex, body)
                for ex, body in zip(exchanges, bodies, strict=True)
            )
        )
    return exchanges, max(ex.done for ex in exchanges) - start


# --- what must hold afterwards -------------------------------------------------------------------


def problem(count: int, total: int, what: str, examples: Sequence[object] = ()) -> list[str]:
    """One line when `count` > 0, e.g. "3 of 200 posts not answered 201 (e.g. 500, 500)"."""
    if count == 0:
        return []
    shown = f" (e.g. {', '.join(str(e) for e in examples[:3])})" if examples else ""
    return [f"{count} of {total} {what}{shown}"]


def check_answers(exchanges: Sequence[Exchange], reply_wait_s: float) -> list[str]:
    """Every post answered 201; every press answered 200 with an Adaptive Card."""
    n = len(exchanges)
    bad_posts = [ex.post_status for ex in exchanges if ex.post_status != 201]
    no_reply = [ex for ex in exchanges if ex.reply is None]
    bad_press = [
        ex.press_status if ex.press_status != 200 else str(ex.press_body)[:80]
        for ex in exchanges
        if ex.reply is not None and not is_card_answer(ex.press_status, ex.press_body)
    ]
    return (
        problem(len(bad_posts), n, "posts not answered 201", sorted(Counter(bad_posts)))
        + problem(
            len(no_reply), n, f"posts with no bot reply in the thread in {reply_wait_s:.0f} s"
        )
        + problem(len(bad_press), n, "presses not answered 200 with a card", bad_press)
    )


def check_threads(connector: LoadConnector, exchanges: Sequence[Exchange]) -> list[str]:
    """Exactly one bot card (echo: message) in each post's thread, and none in other threads."""
    per_thread = Counter(
        call.conversation_id
        for call in connector.posted()
        if ";messageid=" in (call.conversation_id or "")
        and (call.cards or not connector.cards_only)
    )
    threads = {ex.thread for ex in exchanges}
    wrong = [per_thread[t] for t in threads if per_thread[t] != 1]
    stray = sum(count for thread, count in per_thread.items() if thread not in threads)
    what = "card" if connector.cards_only else "message"
    return problem(len(wrong), len(threads), f"threads without exactly one bot {what}", wrong) + (
        [f"{stray} bot {what}s in threads nobody posted"] if stray else []
    )


def check_updates(
    connector: LoadConnector, exchanges: Sequence[Exchange]
) -> tuple[list[str], list[str]]:
    """Each pressed request's thread card was replaced for everyone (at least once).

    Returns (problems, known): a card left stale after a press that came while the post's own
    turn was still running is the known race (see RACE); any other stale card is a problem.
    """
    updated = {(c.conversation_id, c.activity_id) for c in connector.of("update")}
    pressed = [ex for ex in exchanges if ex.reply is not None and ex.press_status]
    stale = [
        ex for ex in pressed if (ex.thread, ex.reply.returned_id if ex.reply else "") not in updated
    ]
    early = [ex for ex in stale if ex.pressed_early]
    n = len(pressed)
    return (
        problem(len(stale) - len(early), n, "thread cards not updated after a press"),
        problem(len(early), n, f"thread cards not updated after a press ({RACE})"),
    )


async def check_database(engine: AsyncEngine, exchanges: Sequence[Exchange]) -> list[str]:
    """One consultation per post, holding its card's id; SUBMITTED, ASSIGNED, ACKNOWLEDGED once."""
    from sqlalchemy import func, select

    from domain.events import EventKind
    from storage.db import reading
    from storage.tables import consultation_events, consultations

    c, e = consultations.c, consultation_events.c
    async with reading(engine) as conn:
        rows = (await conn.execute(select(c.id, c.thread_id, c.card_activity_id))).all()
        counted = await conn.execute(
            select(e.consultation_id, e.kind, func.count()).group_by(e.consultation_id, e.kind)
        )
        events = {(row[0], row[1]): int(row[2]) for row in counted}
    n = len(exchanges)
    by_thread: dict[str, list[Any]] = {}
    for row in rows:
        by_thread.setdefault(str(row.thread_id), []).append(row)
    posts = {str(ex.post["id"]): ex for ex in exchanges}
    counts = {tid: len(by_thread.get(tid, [])) for tid in posts}
    not_one = [count for count in counts.values() if count != 1]
    found = [(by_thread[tid][0], ex) for tid, ex in posts.items() if counts[tid] == 1]
    # A post with no card was reported by check_answers; only cards that came are compared.
    carded = [(row, ex.reply, ex) for row, ex in found if ex.reply is not None]
    card_mismatch = [row.id for row, card, _ in carded if row.card_activity_id != card.returned_id]
    pressed_other = [row.id for row, _, ex in carded if ex.consultation_id != row.id]
    out = problem(len(not_one), n, "posts without exactly one consultation", not_one)
    if len(rows) != n:
        out.append(f"{len(rows)} consultations for {n} posts")
    out += problem(len(card_mismatch), n, "consultations not holding their thread card's id")
    out += problem(len(pressed_other), n, "cards whose button names another consultation")
    acknowledged = [row for row, _, ex in carded if is_card_answer(ex.press_status, ex.press_body)]
    for kind, rows_of_kind in (
        (EventKind.SUBMITTED, [row for row, _ in found]),
        (EventKind.ASSIGNED, [row for row, _ in found]),
        (EventKind.ACKNOWLEDGED, acknowledged),
    ):
        wrong = [events.get((row.id, kind.value), 0) for row in rows_of_kind]
        wrong = [count for count in wrong if count != 1]
        what = f"consultations without exactly one {kind.value} event"
        out += problem(len(wrong), len(rows_of_kind), what, wrong)
    return out


# --- one bot under the burst ---------------------------------------------------------------------


@dataclass
class BotRun:
    """What one bot did under the burst: timings, resources and every broken invariant."""

    bot: str
    post_ms: list[float]
    reply_ms: list[float]
    press_ms: list[float]
    max_lag_ms: float
    wall_s: float
    calls: int
    peak_calls_per_s: int
    problems: list[str]
    known: list[str] = field(default_factory=list)
    rss_idle_mib: float = math.nan
    rss_peak_mib: float = math.nan
    cpu_s: float = math.nan  # the bot process's CPU time over the burst (user + system)

    def over_limits(self) -> list[str]:
        """Answers slower than Teams allows (messages 10 s, invokes 5 s), slowest first."""
        slow_posts = [
            f"{v:.0f} ms" for v in sorted(self.post_ms, reverse=True) if v > MESSAGE_BAR_MS
        ]
        slow_presses = [
            f"{v:.0f} ms" for v in sorted(self.press_ms, reverse=True) if v > INVOKE_BAR_MS
        ]
        return problem(
            len(slow_posts), len(self.post_ms), "posts answered after 10 s", slow_posts
        ) + problem(
            len(slow_presses), len(self.press_ms), "presses answered after 5 s", slow_presses
        )

    def failures(self) -> list[str]:
        """Every broken invariant and every answer over Teams' limits."""
        return self.problems + self.over_limits()


async def load(
    name: str, target: Target, burst: Burst, engine: AsyncEngine | None = None
) -> BotRun:
    """The burst against a started bot, then every check; Step Up's database when `engine`."""
    exchanges, wall_s = await run_burst(target, burst)
    await target.connector.settled(burst.quiet_s(), burst.paced_s() + burst.quiet_s() + SETTLE_S)
    connector = target.connector
    run = BotRun(
        bot=name,
        post_ms=[ex.post_ms for ex in exchanges if ex.post_status],
        reply_ms=[ex.reply_ms for ex in exchanges if ex.reply is not None],
        press_ms=[ex.press_ms for ex in exchanges if ex.press_status],
        max_lag_ms=max(ex.lag_ms for ex in exchanges),
        wall_s=wall_s,
        calls=len(connector.calls),
        peak_calls_per_s=connector.peak_per_second(),
        problems=check_answers(exchanges, burst.reply_wait_s())
        + check_threads(connector, exchanges),
    )
    if engine is not None:
        problems, run.known = check_updates(connector, exchanges)
        run.problems += problems + await check_database(engine, exchanges)
    return run


def write_profile(directory: Path, users: Sequence[act.User]) -> Path:
    """The demo profile plus the bench users as requesters (the demo has only one)."""
    from settings import DEMO_PROFILE

    profile = yaml.safe_load(DEMO_PROFILE.read_text(encoding="utf-8"))
    services = [s["key"] for s in profile["services"]]
    profile["people"] += [
        {
            "key": f"bench-{i:02d}",
            "name": user.name,
            "email": bench_email(user),
            "aad_object_id": user.aad_id,
            "teams_id": user.teams_id,
            "job_title": "Family Centre Manager",
            "roles": ["requester"],
            "service": services[i % len(services)],
        }
        for i, user in enumerate(users)
    ]
    path = directory / "bench-profile.yaml"
    path.write_text(yaml.safe_dump(profile, sort_keys=False), encoding="utf-8")
    return path


def stepup_app(database_url: str, profile: Path) -> web.Application:
    """Step Up in local mode on a fixed working Tuesday 10:00 (an aiohttp Application)."""
    # Imported here, not at the top, so the echo bot's process never loads the Step Up app.
    from app import create_app
    from services.clock import MovableClock
    from tests.support.harness import local_settings

    settings = local_settings(database_url, log_level="ERROR", profile_path=profile)
    return create_app(settings, clock=MovableClock(TUESDAY_10AM))


async def install(session: aiohttp.ClientSession, url: str, connector: FakeConnector) -> None:
    """Add the bot to the demo team, as Teams does once before anyone posts."""
    body = json.dumps(act.installation_added(connector.service_url))
    async with session.post(url, data=body, headers=JSON_HEADERS) as response:
        if response.status != 201:
            raise RuntimeError(f"installation answered {response.status}")


async def burst_in_process(database_url: str, burst: Burst, workdir: Path) -> BotRun:
    """The burst against Step Up running in this process (the shortened test's way)."""
    connector = LoadConnector(cards_only=True, delay_s=burst.connector_ms / 1000)
    await connector.start()
    server = TestServer(stepup_app(database_url, write_profile(workdir, bench_users(burst.users))))
    await server.start_server()
    try:
        from app import RUNTIME

        url = f"http://127.0.0.1:{server.port}{MESSAGES}"
        async with aiohttp.ClientSession() as session:
            await install(session, url, connector)
        return await load("Step Up", Target(url, connector), burst, server.app[RUNTIME].engine)
    finally:
        await server.close()
        await connector.close()


# --- a bot in a child process --------------------------------------------------------------------


async def serve(kind: str, database_url: str, profile: Path) -> None:
    """Run one bot on a free port, say which, and stop when stdin closes (the parent's signal)."""
    app = create_echo_app() if kind == "echo" else stepup_app(database_url, profile)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    print(f"{PORT_PREFIX}{server.port}", flush=True)
    await asyncio.to_thread(sys.stdin.read)
    await server.close()


def cpu_seconds(pid: int) -> float:
    """A process's CPU time so far (user + system), from /proc; NaN where there is none.

    Unlike latency, this hardly depends on what else the machine runs, so it is the figure to
    compare between runs on a shared machine.
    """
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return math.nan
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mib(pid: int, key: str) -> float:
    """A process's VmRSS (now) or VmHWM (peak) from /proc, in MiB; NaN where there is none."""
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return math.nan
    for line in status.read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    return math.nan


@asynccontextmanager
async def bot_process(
    kind: str, database_url: str, profile: Path
) -> AsyncIterator[tuple[int, str]]:
    """A bot in a child process: its pid and its messages URL; stopped on the way out."""
    child = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bench.load_bench", f"--serve={kind}"),
        *(f"--database-url={database_url}", f"--profile={profile}"),
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        async with asyncio.timeout(BOT_START_S):
            line = (await child.stdout.readline()).decode()
        if not line.startswith(PORT_PREFIX):
            raise RuntimeError(f"the {kind} bot did not start (exit code {await child.wait()})")
        yield child.pid, f"http://127.0.0.1:{line.removeprefix(PORT_PREFIX).strip()}{MESSAGES}"
    finally:
        child.stdin.close()
        await child.wait()


BOTS = {"echo": "echo bot", "sqlite": "Step Up, SQLite", "postgres": "Step Up, PostgreSQL"}


async def burst_bot(kind: str, burst: Burst) -> BotRun:
    """One bot in its own process under the burst, with its idle and peak memory."""
    from storage.db import create_engine
    from tests.support.databases import fresh_database

    connector = LoadConnector(cards_only=kind != "echo", delay_s=burst.connector_ms / 1000)
    await connector.start()
    try:
        with TemporaryDirectory() as tmp:
            profile = write_profile(Path(tmp), bench_users(burst.users))
            async with (
                fresh_database("sqlite" if kind == "echo" else kind, Path(tmp)) as database_url,
                bot_process(kind, database_url, profile) as (pid, url),
            ):
                if kind != "echo":
                    async with aiohttp.ClientSession() as session:
                        await install(session, url, connector)
                idle, cpu = memory_mib(pid, "VmRSS"), cpu_seconds(pid)
                engine = None if kind == "echo" else create_engine(database_url)
                try:
                    run = await load(BOTS[kind], Target(url, connector), burst, engine)
                finally:
                    if engine is not None:
                        await engine.dispose()
                run.cpu_s = cpu_seconds(pid) - cpu
                run.rss_idle_mib, run.rss_peak_mib = idle, memory_mib(pid, "VmHWM")
    finally:
        await connector.close()
    return run


def kinds() -> list[str]:
    """The echo bot and SQLite always; PostgreSQL when a server is configured."""
    from tests.support.databases import postgres_admin_url

    return ["echo", "sqlite"] + (["postgres"] if postgres_admin_url() else [])


async def run_all(burst: Burst) -> list[BotRun]:
    """Every bot in turn, each in a fresh process on a fresh database, the same schedule."""
    return [await burst_bot(kind, burst) for kind in kinds()]


# --- reporting -----------------------------------------------------------------------------------


def ms(value: float) -> str:
    """Milliseconds for the table."""
    return "—" if math.isnan(value) else f"{value:.0f}"


def latency_row(bot: str, request: str, values: list[float], n: int, bar_ms: float) -> str:
    """One table row: answered count, p50/p95/p99/max, and how many broke Teams' bar."""
    peak = max(values) if values else math.nan
    bar = f"{bar_ms / 1000:.0f} s" if bar_ms else "—"
    over = str(sum(1 for v in values if v > bar_ms)) if bar_ms else "—"
    cells = [percentile(values, q) for q in (50, 95, 99)] + [peak]
    return (
        f"| {bot} | {request} | {len(values)}/{n} | {' | '.join(ms(c) for c in cells)} "
        f"| {bar} | {over} |"
    )


def report(runs: Sequence[BotRun], burst: Burst, load: tuple[float, ...]) -> str:
    """The latency table, the resources table, every problem, the machine and the commit."""
    lines = [
        f"Load burst: {burst.posts} channel posts from {burst.users} users over "
        f"{burst.window_s:g} s (open loop, seed {burst.seed}); Tom presses acknowledge on each "
        f"card once it is in its thread and >= {burst.press_delay_s:g} s after the post; the "
        f"fake connector answers each call after {burst.connector_ms:g} ms.",
        "Latency: from the scheduled send until the whole answer was read (bot in its own "
        "process; client and fake connector in this one).",
        "",
        "| bot | request | answered | p50 ms | p95 ms | p99 ms | max ms | Teams bar | over |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for run in runs:
        lines += [
            latency_row(run.bot, "channel post → 201", run.post_ms, burst.posts, MESSAGE_BAR_MS),
            latency_row(run.bot, "post → bot's reply in thread", run.reply_ms, burst.posts, 0),
            latency_row(
                run.bot, "Action.Execute → 200 + card", run.press_ms, burst.posts, INVOKE_BAR_MS
            ),
        ]
    lines += [
        "",
        "| bot | wall s | max send lag ms | connector calls | peak calls in 1 s | "
        "bot CPU s | CPU ms per post+press | RSS idle MiB | peak RSS MiB | checks |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for run in runs:
        failed = run.failures()
        checks = "FAILED" if failed else "passed" + (", known bug" if run.known else "")
        lines.append(
            f"| {run.bot} | {run.wall_s:.1f} | {ms(run.max_lag_ms)} | {run.calls} "
            f"| {run.peak_calls_per_s} | {run.cpu_s:.1f} | {ms(run.cpu_s * 1000 / burst.posts)} "
            f"| {ms(run.rss_idle_mib)} | {ms(run.rss_peak_mib)} | {checks} |"
        )
    lines.append("")
    for run in runs:
        lines += [f"{run.bot}: FAILED: {p}" for p in run.failures()]
        lines += [f"{run.bot}: {k}" for k in run.known]
    lines += [
        "checks: every post 201 within 10 s with one bot card in its thread; every press 200 "
        "with a card within 5 s; Step Up also: one consultation per post holding that card's "
        "id, SUBMITTED, ASSIGNED and ACKNOWLEDGED once each, the thread card updated.",
        f"Teams allows about {TENANT_RPS} connector calls a second per app and tenant; the fake "
        "connector never throttles, so 'peak calls in 1 s' is what real Teams would have to take.",
        "CPU and RSS: the bot's process only; CPU from the first post to the settled end; RSS "
        "idle after start-up (and installation), peak = VmHWM.",
        machine(),
        f"load average (1 min) before / after the run: {load[0]:.2f} / {os.getloadavg()[0]:.2f}",
        git_state(),
    ]
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The burst's shape; --serve runs one bot for the parent (internal)."""
    defaults = Burst()
    parser = argparse.ArgumentParser(prog="python -m bench.load_bench")
    parser.add_argument("--posts", type=int, default=defaults.posts)
    parser.add_argument("--users", type=int, default=defaults.users)
    parser.add_argument("--window", type=float, default=defaults.window_s, help="seconds")
    parser.add_argument("--press-delay", type=float, default=defaults.press_delay_s)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument(
        "--connector-ms",
        type=float,
        default=defaults.connector_ms,
        help="how long the fake connector takes to answer each call (Teams' own latency)",
    )
    parser.add_argument("--serve", choices=sorted(BOTS), help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--profile", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Every bot under the same burst, then the tables; non-zero if any check or limit failed."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    with quiet_logging():
        if args.serve:
            asyncio.run(serve(args.serve, args.database_url, args.profile))
            return 0
        burst = Burst(
            args.posts, args.users, args.window, args.press_delay, args.seed, args.connector_ms
        )
        load = os.getloadavg()  # the machine may be shared: say how busy it was
        runs = asyncio.run(run_all(burst))
    print(report(runs, burst, load))
    return 1 if any(run.failures() for run in runs) else 0


if __name__ == "__main__":
    raise SystemExit(main())
