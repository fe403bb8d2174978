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
from pathlib import Path

from bench.common import POST_TEXT, TUESDAY_10AM, percentile, quiet_logging
from bench.seed_history import prepare
from tests.support import activities as act
from tests.support.databases import fresh_database, postgres_admin_url
from tests.support.fake_connector import FakeConnector
from tests.support.harness import installed_bot

TICKS = 6
POSTS = 20


async def _measure(url: str) -> tuple[float, float, float, float, float]:
    """(first tick, idle tick median, purge again, post p50, post max) in milliseconds."""
    connector = FakeConnector()
    await connector.start()
    try:
        async with installed_bot(url, connector, TUESDAY_10AM) as bot:
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
            posts: list[float] = []
            for i in range(POSTS):
                post = act.channel_post(connector.service_url, act.PRIYA, f"{POST_TEXT} ({i})")
                t0 = time.perf_counter()
                reply = await bot.send(post)
                posts.append((time.perf_counter() - t0) * 1000)
                assert reply.status == 201, reply
                connector.calls.clear()
    finally:
        await connector.close()
    return ticks[0], statistics.median(ticks[1:]), purge, percentile(posts, 50), max(posts)


async def _run(sizes: list[int]) -> list[str]:
    kinds = ["sqlite"] + (["postgres"] if postgres_admin_url() else [])
    lines = [
        "| database | N past consultations | first tick ms (with purge) | idle tick ms (median) "
        "| purge again ms | post p50 ms | post max ms | seed s |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for kind in kinds:
        for n in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                async with fresh_database(kind, Path(tmp)) as url:
                    seeded = await prepare(url, n, now=TUESDAY_10AM)
                    first, idle, purge, p50, worst = await _measure(url)
            name = "SQLite" if kind == "sqlite" else "PostgreSQL"
            lines.append(
                f"| {name} | {n:,} | {first:.1f} | {idle:.1f} | {purge:.1f} | {p50:.1f} "
                f"| {worst:.1f} | {seeded:.0f} |"
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
