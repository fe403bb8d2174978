"""Cost against stored history: idle scheduler tick and post latency with N past consultations.

Run: python -m bench.scaling_bench [--n 0,10000,100000]   (PostgreSQL too when
STEPUP_TEST_POSTGRES_URL is set; each database is created fresh and dropped afterwards)

For each N the database is seeded by bench.seed_history (nine in ten closed, their outbox rows
sent, older details purged), PostgreSQL is analysed as autovacuum would after a bulk load
(SQLite never is: the app does not run ANALYZE), then the real app is started on a movable clock
and measured: the first tick (it runs the hourly retention purge too), the median of the next
ticks (idle: nothing is due), and channel posts sent one after another. No family data: the
posts are the fictional request text of the other benchmarks.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import POST_TEXT, TUESDAY_10AM, database_kinds, percentile, quiet_logging
from bench.seed_history import prepare
from tests.support import activities as act
from tests.support.databases import fresh_database
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, installed_bot

TICKS = 6
POSTS = 20


@dataclass(frozen=True)
class Measured:
    """One database and N, in milliseconds."""

    first_tick: float
    idle_tick: float
    purge: float
    post_p50: float
    post_max: float
    during_tick_p50: float  # a post sent while an idle tick runs
    during_purge_p50: float  # ...while the hourly retention purge runs (it is part of a tick)


async def _post(bot: BotUnderTest, connector: FakeConnector, i: int) -> float:
    post = act.channel_post(connector.service_url, act.PRIYA, f"{POST_TEXT} ({i})")
    t0 = time.perf_counter()
    reply = await bot.send(post)
    elapsed = (time.perf_counter() - t0) * 1000
    assert reply.status == 201, reply
    connector.calls.clear()
    return elapsed


async def _posts_during(
    bot: BotUnderTest, connector: FakeConnector, work: Callable[[], Coroutine[Any, Any, object]]
) -> list[float]:
    """Each post sent just after `work` has started (and taken its first transaction)."""
    found: list[float] = []
    for i in range(POSTS):
        running = asyncio.create_task(work())
        await asyncio.sleep(0)
        found.append(await _post(bot, connector, i))
        await running
    return found


async def _measure(url: str) -> Measured:
    """The first and idle ticks, the purge, and posts alone, during a tick, during a purge."""
    connector = FakeConnector()
    await connector.start()
    try:
        # Unpaced: 20 posts one after another into one channel are more than Teams' 7 a second,
        # and this measures what stored history costs, not Teams' windows (bench/pacing_bench).
        async with installed_bot(url, connector, TUESDAY_10AM, pacing=False) as bot:
            ticker = bot.runtime.ticker
            assert ticker is not None
            ticks: list[float] = []
            for _ in range(TICKS):
                t0 = time.perf_counter()
                await ticker.run_now()
                ticks.append((time.perf_counter() - t0) * 1000)
            details = bot.runtime.details
            assert details is not None
            t0 = time.perf_counter()  # the hourly purge once the backlog is gone: steady state
            await details.purge_expired()
            purge = (time.perf_counter() - t0) * 1000
            posts = [await _post(bot, connector, i) for i in range(POSTS)]
            during_tick = await _posts_during(bot, connector, ticker.run_now)
            during_purge = await _posts_during(bot, connector, details.purge_expired)
    finally:
        await connector.close()
    return Measured(
        ticks[0],
        statistics.median(ticks[1:]),
        purge,
        percentile(posts, 50),
        max(posts),
        percentile(during_tick, 50),
        percentile(during_purge, 50),
    )


async def _run(sizes: list[int]) -> list[str]:
    lines = [
        "| database | N past consultations | first tick ms (with purge) | idle tick ms (median) "
        "| purge again ms | post p50 ms | post max ms | post during a tick p50 ms "
        "| post during the purge p50 ms | seed s |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for kind, name in database_kinds():
        for n in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                async with fresh_database(kind, Path(tmp)) as url:
                    seeded = await prepare(url, n, now=TUESDAY_10AM)
                    m = await _measure(url)
            lines.append(
                f"| {name} | {n:,} | {m.first_tick:.1f} | {m.idle_tick:.1f} | {m.purge:.1f} "
                f"| {m.post_p50:.1f} | {m.post_max:.1f} | {m.during_tick_p50:.1f} "
                f"| {m.during_purge_p50:.1f} | {seeded:.0f} |"
            )
            print(lines[-1], flush=True)
    return lines


def main(argv: list[str]) -> int:
    """Seed, measure and print one table row per database and N."""
    parser = argparse.ArgumentParser(prog="python -m bench.scaling_bench")
    parser.add_argument("--n", default="0,10000,100000", help="comma-separated history sizes")
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.n.split(",") if x.strip()]
    print("Scaling with stored history: idle tick and post latency\n")
    with quiet_logging():
        lines = asyncio.run(_run(sizes))
    print("\n" + "\n".join(lines))
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
