"""APScheduler wiring: a short tick that asks the services what is due.

The database holds every deadline, so jobs are never pickled or stored: a restart loses nothing
and a second instance adds no duplicates (claims happen in the database, not here).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

TICK_JOB_ID = "stepup-tick"
STOP_WAIT_SECONDS = 30.0


class Ticker:
    """Runs `tick` every `tick_seconds` on an AsyncIOScheduler with an explicit time zone."""

    def __init__(
        self, *, timezone: str, tick_seconds: float, tick: Callable[[], Awaitable[None]]
    ) -> None:
        self._tick = tick
        self._tick_seconds = tick_seconds
        self._last_tick: float | None = None
        # One tick at a time in this process: the dev clock's run_now must not overlap a tick.
        self._running = asyncio.Lock()
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._scheduler = AsyncIOScheduler(
            timezone=timezone,
            # A late tick should still run (APScheduler drops jobs >1 s late by default), once.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    def start(self) -> None:
        """Start ticking (call from inside the running event loop)."""
        self._scheduler.add_job(
            self._run,
            "interval",
            seconds=self._tick_seconds,
            id=TICK_JOB_ID,
            replace_existing=True,
        )
        self._scheduler.start()
        self._last_tick = time.monotonic()

    async def run_now(self) -> None:
        """Tick immediately (the dev clock and tests use this)."""
        await self._run()

    async def _run(self) -> None:
        self._in_flight += 1
        self._idle.clear()
        try:
            async with self._running:
                try:
                    await self._tick()
                except Exception:
                    log.exception("tick.failed")
                finally:
                    self._last_tick = time.monotonic()
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    def healthy(self) -> bool:
        """Running, and the last tick finished within three intervals."""
        if not self._scheduler.running or self._last_tick is None:
            return False
        return time.monotonic() - self._last_tick < 3 * self._tick_seconds + 5

    def shutdown(self) -> None:
        """Stop the scheduler without waiting for a running tick."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    async def stop(self) -> None:
        """Let a running tick finish (bounded), then stop the scheduler, before the engine closes.

        APScheduler's shutdown cancels a job still running: a tick cancelled inside a database
        call logs an ERROR from APScheduler and from the connection pool on every SIGTERM. So no
        new tick starts (pause), the one under way ends on its own, and only then the shutdown.
        """
        if self._scheduler.running:
            self._scheduler.pause()
        try:
            async with asyncio.timeout(STOP_WAIT_SECONDS):
                while True:
                    await asyncio.sleep(0)  # a tick submitted just before the pause starts now
                    if self._in_flight == 0:
                        break
                    await self._idle.wait()
        except TimeoutError:
            log.warning("tick.still_running")
        self.shutdown()
