"""APScheduler wiring: a short tick that asks the services what is due.

The database holds every deadline, so jobs are never pickled or stored: a restart loses nothing
and a second instance adds no duplicates (claims happen in the database, not here).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_RUNNING

log = logging.getLogger(__name__)

TICK_JOB_ID = "stepup-tick"
STOP_WAIT_SECONDS = 30.0
# A woken run comes this long after the moment asked for, so what became due then is due.
WAKE_LATE_SECONDS = 0.1


class Ticker:
    """Runs `tick` every `tick_seconds` on an AsyncIOScheduler with an explicit time zone."""

    def __init__(
        self,
        *,
        timezone: str,
        tick_seconds: float,
        tick: Callable[[], Awaitable[None]],
        soon: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self._tick = tick
        # What `wake` runs early (the outbox), and when the next early run is due.
        self._soon = soon
        self._wake: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
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

    def wake(self, delay: float) -> None:
        """Run `soon` in `delay` seconds (a throttled send's slot), unless a run already comes
        sooner; the regular tick carries on as before."""
        if self._soon is None or self._scheduler.state != STATE_RUNNING:
            return
        loop = asyncio.get_running_loop()
        at = loop.time() + max(0.0, delay) + WAKE_LATE_SECONDS
        if self._wake is not None and self._wake.when() <= at:
            return
        if self._wake is not None:
            self._wake.cancel()
        # A fresh context: `wake` is called from inside a turn, whose context holds that turn's
        # send deadline (services.pacing.patience). Inherited, the early run would find its
        # patience long spent and hand back every send not due that very instant: measured,
        # 2,000 throttled attempts (each loading and drawing a card) for 100 cards delivered.
        self._wake = loop.call_at(at, self._start_soon, context=contextvars.Context())

    def _start_soon(self) -> None:
        self._wake = None
        task = asyncio.get_running_loop().create_task(self._run(early=True))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run_now(self) -> None:
        """Tick immediately (the dev clock and tests use this)."""
        await self._run()

    async def _run(self, *, early: bool = False) -> None:
        self._in_flight += 1
        self._idle.clear()
        try:
            async with self._running:
                try:
                    if early and self._soon is not None:
                        await self._soon()
                    else:
                        await self._tick()
                except Exception:
                    log.exception("tick.failed")
                finally:
                    if not early:
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
        if self._wake is not None:
            self._wake.cancel()
            self._wake = None
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
