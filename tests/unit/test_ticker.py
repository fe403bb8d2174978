"""The Ticker's early run (a throttled send's slot) starts outside the turn that asked for it."""

from __future__ import annotations

import asyncio

from scheduler.runner import Ticker
from services.pacing import TURN_WAIT_SECONDS, patience, patience_left


async def test_a_wake_from_inside_a_turn_does_not_inherit_the_turns_send_deadline() -> None:
    seen: list[float] = []
    woken = asyncio.Event()

    async def tick() -> None:
        return None

    async def soon() -> None:
        seen.append(patience_left())
        woken.set()

    ticker = Ticker(timezone="Europe/London", tick_seconds=300.0, tick=tick, soon=soon)
    ticker.start()
    try:
        with patience(0.0):  # a turn whose time to send has run out asks for the outbox
            ticker.wake(0.0)
        await asyncio.wait_for(woken.wait(), timeout=5)
    finally:
        await ticker.stop()
    # Inherited, the outbox would have had no patience at all and refused every paced send.
    assert seen == [TURN_WAIT_SECONDS]
