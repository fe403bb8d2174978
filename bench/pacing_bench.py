"""`make bench`: a burst of Teams posts against the bot, paced and unpaced (issue 18 item 10).

Step Up runs in this process on SQLite with a fake Bot Connector that notes when each call
arrives. POSTS posts come in at 20 a second from USERS requesters; the bot answers each over
HTTP and delivers its card, checklist and details form (in the turn, or from the outbox when
Teams' limits hold it back). The table shows, for each run, the busiest conversation's calls in
any 1, 2 and 30 s (Teams allows 7, 8 and 60; a channel's threads count as the channel), the
app's busiest second (this process keeps to 30 of Teams' 50), messages lost (a thread without
its card, or an outbox message never delivered) and how long until everything was delivered.

The tests (tests/e2e/test_pacing.py) drive the same burst, smaller, through these helpers.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from sqlalchemy import select

from bench.common import bench_users, machine, quiet_logging, sqlite_url
from bench.load_bench import write_profile
from services.clock import MovableClock
from services.pacing import APP_WINDOW, CONVERSATION_WINDOWS, conversation_key
from storage.tables import escalation_outbox
from tests.support import activities as act
from tests.support.dates import next_working_day_at
from tests.support.fake_connector import Arrival, ConnectorCall, FakeConnector
from tests.support.harness import BotUnderTest, local_settings

POSTS = 100  # 5 s of posts at 20 a second
USERS = 25
RATE_PER_S = 20.0
SETTLE_S = 120.0  # everything must be delivered by then
POLL_S = 0.5
NEW_CONVERSATION = "new-conversation"  # create_conversation calls: no conversation id yet


# --- what arrived ------------------------------------------------------------------------------


def busiest(times: Sequence[float], seconds: float) -> int:
    """The most calls in any window [x, x + seconds)."""
    ordered = sorted(times)
    best, first = 0, 0
    for last, at in enumerate(ordered):
        while at - ordered[first] >= seconds:
            first += 1
        best = max(best, last - first + 1)
    return best


def by_conversation(arrivals: Sequence[Arrival]) -> dict[str, list[float]]:
    """Arrival times per conversation as Teams counts them (a channel's threads together)."""
    out: dict[str, list[float]] = defaultdict(list)
    for arrival in arrivals:
        out[conversation_key(arrival.conversation_id or NEW_CONVERSATION)].append(arrival.at)
    return out


def busiest_conversation(arrivals: Sequence[Arrival], seconds: float) -> int:
    """The most calls any one conversation had in any `seconds`."""
    return max((busiest(t, seconds) for t in by_conversation(arrivals).values()), default=0)


def over_limits(arrivals: Sequence[Arrival]) -> list[str]:
    """Every Teams limit the arrivals broke (per conversation: 7 in 1 s, 8 in 2 s, 60 in 30 s;
    the app: more than this process's share in 1 s)."""
    broken = []
    for conversation, times in by_conversation(arrivals).items():
        for window in CONVERSATION_WINDOWS[:3]:
            if (n := busiest(times, window.seconds)) > window.limit:
                broken.append(f"{conversation}: {n} calls in {window.seconds:g} s")
    if (n := busiest([a.at for a in arrivals], 1.0)) > APP_WINDOW.limit:
        broken.append(f"app: {n} calls in 1 s")
    return broken


# --- the bot and the burst ---------------------------------------------------------------------


def moving_clock(at: datetime) -> MovableClock:
    """A dev clock at `at` that moves with real time (a throttled message falls due again)."""
    clock = MovableClock()
    clock.advance(at - datetime.now(UTC))
    return clock


@asynccontextmanager
async def paced_bot(
    database_url: str, workdir: Path, connector: FakeConnector, users: int, *, pacing: bool
) -> AsyncIterator[BotUnderTest]:
    """The bot with `users` requesters, installed, on a working morning; no calls recorded."""
    profile = write_profile(workdir, bench_users(users))
    settings = local_settings(database_url, profile_path=profile, pacing=pacing, log_level="ERROR")
    bot = BotUnderTest(settings, connector, clock=moving_clock(next_working_day_at(10)))
    await bot.start()
    try:
        await bot.send(act.installation_added(connector.service_url))
        connector.calls.clear()
        connector.arrivals.clear()
        yield bot
    finally:
        await bot.stop()


@dataclass(frozen=True)
class Sent:
    """A burst as sent: the posts, each one's HTTP status and how long its answer took."""

    posts: list[dict[str, Any]]
    statuses: list[int]
    answer_ms: list[float]


async def burst(bot: BotUnderTest, posts: int, users: int, rate_per_s: float = RATE_PER_S) -> Sent:
    """`posts` channel posts over HTTP at `rate_per_s` from `users` people."""
    people = bench_users(users)
    activities = [
        act.channel_post(
            bot.connector.service_url,
            people[i % users],
            f"Requesting a step up consultation please ({i}). Northgate family centre.",
        )
        for i in range(posts)
    ]
    start = time.monotonic()

    async def post(i: int) -> tuple[int, float]:
        await asyncio.sleep(max(0.0, start + i / rate_per_s - time.monotonic()))
        t0 = time.perf_counter()
        status = (await bot.send(activities[i])).status
        return status, (time.perf_counter() - t0) * 1000

    answers = await asyncio.gather(*(post(i) for i in range(posts)))
    return Sent(activities, [a[0] for a in answers], [a[1] for a in answers])


def thread_cards(connector: FakeConnector, post: dict[str, Any]) -> list[ConnectorCall]:
    """The request cards the bot put in this post's thread."""
    thread = post["conversation"]["id"]
    return [c for c in connector.posted() if c.conversation_id == thread and c.cards]


async def pending(bot: BotUnderTest) -> int:
    """Outbox messages not yet delivered."""
    engine = bot.runtime.engine
    assert engine is not None
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(escalation_outbox.c.id).where(escalation_outbox.c.status == "pending")
        )
        return len(rows.all())


async def lost(bot: BotUnderTest, posts: Sequence[dict[str, Any]]) -> int:
    """Threads without their card, plus outbox messages not delivered."""
    return sum(1 for p in posts if not thread_cards(bot.connector, p)) + await pending(bot)


async def all_delivered(
    bot: BotUnderTest, posts: Sequence[dict[str, Any]], settle_s: float = SETTLE_S
) -> float:
    """Wait until nothing is lost (or `settle_s`); the seconds waited."""
    start = time.monotonic()
    for _ in range(int(settle_s / POLL_S)):  # the outbox is in the database: polled
        if not await lost(bot, posts):
            break
        await asyncio.sleep(POLL_S)
    return time.monotonic() - start


# --- the benchmark -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One burst's numbers."""

    paced: bool
    calls: int
    per_1s: int
    per_2s: int
    per_30s: int
    app_per_s: int
    lost: int
    delivered_s: float  # from the first post until nothing was lost
    slowest_answer_ms: float


async def run(paced: bool, posts: int = POSTS, users: int = USERS) -> Run:
    """One burst against a fresh bot and database."""
    connector = FakeConnector()
    await connector.start()
    try:
        with sqlite_url() as url, TemporaryDirectory() as tmp:
            async with paced_bot(url, Path(tmp), connector, users, pacing=paced) as bot:
                start = time.monotonic()
                sent = await burst(bot, posts, users)
                await all_delivered(bot, sent.posts)
                arrivals = list(connector.arrivals)
                return Run(
                    paced=paced,
                    calls=len(arrivals),
                    per_1s=busiest_conversation(arrivals, 1.0),
                    per_2s=busiest_conversation(arrivals, 2.0),
                    per_30s=busiest_conversation(arrivals, 30.0),
                    app_per_s=busiest([a.at for a in arrivals], 1.0),
                    lost=await lost(bot, sent.posts),
                    delivered_s=max((a.at for a in arrivals), default=start) - start,
                    slowest_answer_ms=max(sent.answer_ms),
                )
    finally:
        await connector.close()


def table(runs: Sequence[Run]) -> str:
    """The runs as a Markdown table."""
    rows = [
        "| pacing | connector calls | busiest conversation: 1 s / 2 s / 30 s (Teams: 7 / 8 / 60)"
        " | app calls in busiest 1 s (ours: 30, Teams: 50) | lost | all delivered after"
        " | slowest HTTP answer |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in runs:
        rows.append(
            f"| {'on' if r.paced else 'off'} | {r.calls} | {r.per_1s} / {r.per_2s} / {r.per_30s}"
            f" | {r.app_per_s} | {r.lost} | {r.delivered_s:.1f} s | {r.slowest_answer_ms:.0f} ms |"
        )
    return "\n".join(rows)


async def run_both(posts: int, users: int) -> list[Run]:
    """Unpaced first, then paced."""
    return [await run(False, posts, users), await run(True, posts, users)]


def main(argv: list[str]) -> int:
    """Print the table; exit 1 if the paced run broke a limit or lost a message."""
    posts = int(argv[0]) if argv else POSTS
    print(f"{posts} posts at {RATE_PER_S:g} a second from {USERS} requesters; {machine()}\n")
    with quiet_logging():
        runs = asyncio.run(run_both(posts, USERS))
    print(table(runs))
    paced = runs[-1]
    ok = paced.per_1s <= 7 and paced.per_2s <= 8 and paced.per_30s <= 60 and paced.lost == 0
    ok = ok and paced.app_per_s <= APP_WINDOW.limit
    if not ok:
        print("\npaced run broke a limit or lost a message", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
