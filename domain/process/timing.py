"""When a flow's timers start and fall due, from a case's state history: shared by every flow.

A timer holds nothing in storage: it starts when the case last came into its `while_in` states
from outside them (or at the opening, for the opening's `start_timer` effects), it stops when
the case leaves them, and its firing is a once-only key naming the timer and the step that
started it (`taf_overdue:3`), so a timer that restarts when the case re-enters its states fires
again, once. Step up reads its history from the consultation's events (domain/timers.py); every
other flow's case records the state after each step (domain/process/engine.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.calendar import Duration, WorkingCalendar, require_aware
from domain.process.model import Flow, Portion, Timer

__all__ = ["Firing", "Start", "entered", "firing_key", "running", "timer_due"]

Start = tuple[datetime, int | None]
"""When a running timer started, and the seq of the step that started it (None: the opening)."""


@dataclass(frozen=True, order=True)
class Firing:
    """One timer, the moment it falls due (UTC) and its once-only key."""

    at: datetime
    key: str
    timer: str


def firing_key(timer: Timer, started_seq: int | None) -> str:
    """The once-only key: the bare timer key for the opening's timers, else `timer:seq`."""
    return timer.key if started_seq is None else f"{timer.key}:{started_seq}"


def entered(
    history: Iterable[tuple[datetime, str | None]], states: tuple[str, ...]
) -> tuple[datetime, int] | None:
    """When the case last came into `states` from outside them, if it is in them now.

    `history` is each step's moment and the state it left the case in (None: where it was);
    seq counts the steps from 1.
    """
    current: str | None = None
    found: tuple[datetime, int] | None = None
    for seq, (at, after) in enumerate(history, start=1):
        state = current if after is None else after
        if state in states and current not in states:
            found = (at, seq)
        current = state
    return found if current in states else None


def running(
    flow: Flow,
    state: str,
    history: Sequence[tuple[datetime, str | None]],
    opened_at: datetime,
    applies: Callable[[Timer], bool],
) -> dict[str, Start]:
    """The timers running for a case in `state` with this history: when each started.

    A timer whose states the case is not in now, or that does not `applies` to it, is not
    running; the opening's `start_timer` timers started at `opened_at`.
    """
    opened = {e.target for e in flow.opening.effects if e.kind == "start_timer"}
    starts: dict[str, Start] = {}
    for timer in flow.timers:
        if state not in timer.while_in or not applies(timer):
            continue
        if timer.key in opened and history:
            starts[timer.key] = (opened_at, None)
        elif timer.on_entry:
            came = entered(history, timer.while_in)
            if came is not None:
                starts[timer.key] = came
    return starts


def timer_due(
    timer: Timer,
    flow: Flow,
    calendar: WorkingCalendar,
    starts: Mapping[str, Start],
    stored: Mapping[str, datetime | None] | None = None,
) -> datetime | None:
    """When `timer` (running, started as `starts` says) falls due; None when it cannot.

    A portion is a share of its base timer's window, so the base must be running too. `stored`
    names deadlines a case already holds (shown on its card): they win over a recomputation.
    """
    start = starts[timer.key][0]
    if isinstance(timer.after, Portion):
        base = flow.timer(timer.after.of)
        if base is None or base.key not in starts or isinstance(base.after, Portion):
            return None  # the proofs refuse these; a base not running has no window
        base_start = starts[base.key][0]
        base_due = _window_end(base, base.after, calendar, base_start, stored or {})
        return require_aware(base_start + (base_due - base_start) * timer.after.percent / 100)
    return require_aware(_window_end(timer, timer.after, calendar, start, stored or {}))


def _window_end(
    timer: Timer,
    after: Duration,
    calendar: WorkingCalendar,
    start: datetime,
    stored: Mapping[str, datetime | None],
) -> datetime:
    kept = stored.get(timer.key)
    return kept if kept is not None else calendar.due(start, after)
