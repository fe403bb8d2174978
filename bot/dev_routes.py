"""Local-mode only: `POST /api/dev/clock` moves the movable clock and ticks the scheduler at once.

The composition root registers it only when dev tools are enabled; production has no such route.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any, Protocol

from aiohttp import web

from scheduler.runner import Ticker
from services.clock import Clock, MovableClock

log = logging.getLogger(__name__)

DEV_CLOCK_PATH = "/api/dev/clock"
MAX_ADVANCE_MINUTES = 366 * 24 * 60


class DevRuntime(Protocol):
    """What the route needs from the running app (resolved per request: built at start-up)."""

    @property
    def clock(self) -> Clock: ...

    @property
    def ticker(self) -> Ticker | None: ...


def add_dev_routes(app: web.Application, runtime: DevRuntime) -> None:
    """Register the dev clock route on `app`."""

    async def move_clock(request: web.Request) -> web.Response:
        return await _move_clock(request, runtime)

    app.router.add_post(DEV_CLOCK_PATH, move_clock)


async def _move_clock(request: web.Request, runtime: DevRuntime) -> web.Response:
    clock = runtime.clock
    if not isinstance(clock, MovableClock):
        return _bad("this app's clock cannot be moved", status=409)
    try:
        body = json.loads(await request.read() or b"null")
    except (web.RequestPayloadError, json.JSONDecodeError, UnicodeDecodeError):
        return _bad("the body must be JSON")
    try:
        target = _target(body, clock.now())
    except ValueError as problem:
        return _bad(str(problem))
    clock.set(target)
    log.info("dev.clock_moved")
    if runtime.ticker is not None:
        await runtime.ticker.run_now()
    return web.json_response({"now": clock.now().isoformat()})


def _target(body: Any, now: datetime) -> datetime:
    """The new time from `{"advance_minutes": N}` or `{"now": "<ISO 8601 with offset>"}`."""
    if not isinstance(body, dict) or len(body.keys() & {"advance_minutes", "now"}) != 1:
        raise ValueError('give exactly one of "advance_minutes" or "now"')
    if set(body) - {"advance_minutes", "now"}:
        raise ValueError(f"unknown fields: {sorted(set(body) - {'advance_minutes', 'now'})}")
    if "advance_minutes" in body:
        minutes = body["advance_minutes"]
        if isinstance(minutes, bool) or not isinstance(minutes, int | float):
            raise ValueError("advance_minutes must be a number")
        if not 0 <= minutes <= MAX_ADVANCE_MINUTES:
            raise ValueError(f"advance_minutes must be between 0 and {MAX_ADVANCE_MINUTES}")
        return now + timedelta(minutes=minutes)
    value = body["now"]
    if not isinstance(value, str):
        raise ValueError('"now" must be an ISO 8601 string with an offset')
    try:
        target = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError('"now" is not an ISO 8601 date and time') from None
    if target.tzinfo is None or target.utcoffset() is None:
        raise ValueError('"now" needs an offset, e.g. 2026-11-24T17:01:00+00:00')
    if target < now:
        # Sent escalations and leases assume time only moves on.
        raise ValueError("the clock only moves forward")
    return target


def _bad(reason: str, *, status: int = 400) -> web.Response:
    return web.json_response({"error": reason}, status=status)
