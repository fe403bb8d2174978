"""SIGKILL in the middle of a burst of posts: after a restart and Teams' redeliveries, every post
is a whole request with its card, none twice, and every checklist is delivered.

The real process (`python app.py`, local mode, SQLite) is killed while posts are in flight. Teams
redelivers a post its bot did not answer; here every post is sent again after the restart (the
answered ones too: a duplicate must change nothing). The dev clock then moves past the turn's
lease, so the scheduler takes over whatever the killed turns held.
"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text

from domain.lifecycle import Action
from storage.db import create_engine
from tests.support import activities as act
from tests.support.dates import next_working_day_at
from tests.support.fake_connector import FakeConnector
from tests.support.process import free_port, serve, wait_healthy

POSTS = 30
KILL_AFTER_CARDS = 8


async def _send(session: aiohttp.ClientSession, port: int, activity: dict[str, Any]) -> int | None:
    """The HTTP status, or None when the process died before answering (Teams would retry)."""
    try:
        async with session.post(f"http://127.0.0.1:{port}/api/messages", json=activity) as reply:
            return reply.status
    except aiohttp.ClientError:
        return None


async def _send_at(
    session: aiohttp.ClientSession, port: int, activity: dict[str, Any], delay: float
) -> int | None:
    await asyncio.sleep(delay)  # a burst over 1.5 s, so the kill finds some answered
    return await _send(session, port, activity)


async def _clock(session: aiohttp.ClientSession, port: int, body: dict[str, Any]) -> None:
    async with session.post(f"http://127.0.0.1:{port}/api/dev/clock", json=body) as reply:
        assert reply.status == 200, await reply.text()


async def _until(condition: Callable[[], Awaitable[bool]], seconds: float) -> None:
    for _ in range(int(seconds * 20)):
        if await condition():
            return
        await asyncio.sleep(0.05)


async def _stored(database_url: str) -> tuple[dict[str, Any], list[Any]]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            requests = {
                r.thread_id: r
                for r in await conn.execute(
                    text("SELECT id, thread_id, card_activity_id FROM consultations")
                )
            }
            pending = list(
                await conn.execute(
                    text(
                        "SELECT consultation_id, kind FROM escalation_outbox WHERE status != 'sent'"
                    )
                )
            )
    finally:
        await engine.dispose()
    return requests, pending


async def test_a_kill_mid_burst_loses_no_request_card_or_checklist(
    tmp_path: Path, connector: FakeConnector
) -> None:
    database_url = f"sqlite:///{tmp_path / 'stepup.db'}"
    log_path, port, url = tmp_path / "bot.log", free_port(), connector.service_url
    posts = [
        act.channel_post(url, act.PRIYA, f"Step up consultation please ({i})") for i in range(POSTS)
    ]
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        with serve(database_url, port, log_path) as process:
            await wait_healthy(session, port)
            # Ten in the morning of the next working day: computed, never overtaken by the clock.
            morning = next_working_day_at(10)
            await _clock(session, port, {"now": morning.isoformat()})
            assert await _send(session, port, act.installation_added(url)) == 201
            burst = asyncio.gather(
                *(_send_at(session, port, p, i * 0.05) for i, p in enumerate(posts))
            )

            async def cards_out() -> bool:
                return len([c for c in connector.posted() if c.cards]) >= KILL_AFTER_CARDS

            await _until(cards_out, 20)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            first = await burst
        assert None in first, "the kill came after the burst: nothing was in flight"
        answered_first = sum(1 for s in first if s == 201)

        with serve(database_url, port, log_path, STEPUP_TICK_SECONDS="1"):
            await wait_healthy(session, port)
            await _clock(session, port, {"now": (morning + timedelta(minutes=1)).isoformat()})
            again = await asyncio.gather(*(_send(session, port, p) for p in posts))
            assert all(s == 201 for s in again), again
            # Past the lease the killed turns held: the scheduler takes their messages over.
            await _clock(session, port, {"advance_minutes": 5})

            async def settled() -> bool:
                requests, pending = await _stored(database_url)
                return (
                    len(requests) == POSTS
                    and not pending
                    and all(r.card_activity_id for r in requests.values())
                )

            await _until(settled, 20)

    requests, pending = await _stored(database_url)
    assert pending == [], f"undelivered after the restart: {pending}"
    problems = []
    checklists = Counter(
        consultation
        for call in connector.posted()
        for card in call.cards
        if (consultation := _checklist_of(card)) is not None
    )
    for post in posts:
        row = requests.get(post["id"])
        if row is None:
            problems.append(f"{post['id']}: lost")
            continue
        thread = post["conversation"]["id"]
        stored_card = [
            c
            for c in connector.posted()
            if c.conversation_id == thread and c.cards and c.returned_id == row.card_activity_id
        ]
        if len(stored_card) != 1:
            problems.append(f"{post['id']}: {len(stored_card)} stored card(s)")
        if checklists[row.id] < 1:
            problems.append(f"{post['id']}: no checklist")
    assert problems == [], problems
    assert len(requests) == POSTS  # and none twice: the thread is unique
    print(f"answered before the kill: {answered_first}/{POSTS}")  # noqa: T201 - shown with -s


def _checklist_of(card: dict[str, Any]) -> str | None:
    """The consultation a private checklist card is for (its Save action), or None."""
    for action in card.get("actions") or []:
        if action.get("verb") == Action.COMPLETE_CHECKLIST:
            return str((action.get("data") or {}).get("consultationId"))
    return None
