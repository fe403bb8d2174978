"""When each timer of a loaded flow falls due for a consultation: a pure evaluator (issue 15).

Nothing is stored for a timer: its start is derived from the consultation's event log (when the
case entered the timer's states from outside, or the opening for the opening's `start_timer`
effects) and its firing is the once-only key recorded in `escalations`. The key names the
timer and the event that started it (`outcome_reminder:7`), so a timer that restarts when the
case re-enters its states fires again, once; the opening's timers keep today's bare keys
(`eod_unacknowledged`...), so the history recorded before this evaluator stays valid.

The tick (services/escalations.py) fires every timer here except the four it still serves from
lifecycle.ESCALATIONS (domain.timer_plan.LEGACY_TIMERS): see docs/process.md, "Timers".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from domain.calendar import Duration, WorkingCalendar, require_aware
from domain.consultation import Consultation
from domain.events import EventKind
from domain.lifecycle import Urgency
from domain.process.model import Flow, Portion, Timer

__all__ = ["Firing", "due_now", "firing_key", "schedule", "stored_deadlines"]

# The state each event leaves the case in; events not named here leave it where it was.
_ENTERS: Mapping[EventKind, str] = {
    EventKind.SUBMITTED: "submitted",
    EventKind.ASSIGNED: "assigned",
    EventKind.ACKNOWLEDGED: "acknowledged",
    EventKind.CALLED_BACK: "called_back",
    EventKind.OUTCOME_RECORDED: "outcome_recorded",
    EventKind.DISPUTED: "disputed",
    EventKind.REVIEW_ASSIGNED: "under_review",
    EventKind.REVIEWED: "reviewed",
    EventKind.WITHDRAWN: "withdrawn",
    EventKind.CLOSED: "closed",
}


@dataclass(frozen=True, order=True)
class Firing:
    """One timer, the moment it falls due (UTC) and its once-only key."""

    at: datetime
    key: str
    timer: str


def stored_deadlines(c: Consultation) -> dict[str, datetime | None]:
    """The deadlines the consultation holds (its card shows them): `schedule`'s `stored`."""
    return {"eod_unacknowledged": c.acknowledge_due, "callback_overdue": c.callback_due}


def firing_key(timer: Timer, started_seq: int | None) -> str:
    """The once-only key: the bare timer key for the opening's timers, else `timer:seq`."""
    return timer.key if started_seq is None else f"{timer.key}:{started_seq}"


def schedule(
    c: Consultation,
    flow: Flow,
    calendar: WorkingCalendar,
    *,
    stored: Mapping[str, datetime | None] | None = None,
) -> tuple[Firing, ...]:
    """Every timer running for `c` as it stands, fired or not, by due time.

    `stored` names deadlines the consultation already holds (its card shows them, computed
    from the profile's timescales when it was posted): they win over a recomputation, so a
    profile's `callback_hours` and the definition can never disagree about one request.
    """
    starts = _starts(c, flow)
    found: list[Firing] = []
    for timer in flow.timers:
        if timer.key not in starts or not _applies(c, timer):
            continue
        due = _due(timer, flow, calendar, starts, stored or {})
        if due is not None:
            found.append(
                Firing(require_aware(due), firing_key(timer, starts[timer.key][1]), timer.key)
            )
    return tuple(sorted(found))


def due_now(
    c: Consultation,
    flow: Flow,
    calendar: WorkingCalendar,
    now: datetime,
    *,
    stored: Mapping[str, datetime | None] | None = None,
) -> tuple[Firing, ...]:
    """The timers not yet recorded whose time has come at `now` (never earlier)."""
    now = require_aware(now, "now")
    return tuple(
        f
        for f in schedule(c, flow, calendar, stored=stored)
        if f.at <= now and f.key not in c.escalations
    )


def _starts(c: Consultation, flow: Flow) -> dict[str, tuple[datetime, int | None]]:
    """Running timers: when each started, and the seq of the event that started it (None for
    the opening's). A timer whose states the case is not in now is not running."""
    opened = {e.target for e in flow.opening.effects if e.kind == "start_timer"}
    status = c.status.value
    starts: dict[str, tuple[datetime, int | None]] = {}
    for timer in flow.timers:
        if status not in timer.while_in:
            continue
        if timer.key in opened and c.events:
            starts[timer.key] = (c.posted_at, None)
        elif timer.on_entry:
            entered = _entered(c, timer.while_in)
            if entered is not None:
                starts[timer.key] = entered
    return starts


def _entered(c: Consultation, states: tuple[str, ...]) -> tuple[datetime, int] | None:
    """When the case last came into `states` from outside them (seq counts events from 1)."""
    current: str | None = None
    entered: tuple[datetime, int] | None = None
    for seq, event in enumerate(c.events, start=1):
        after = _ENTERS.get(event.kind, current)
        if after in states and current not in states:
            entered = (event.at, seq)
        current = after
    return entered if current in states else None


def _applies(c: Consultation, timer: Timer) -> bool:
    if timer.only_if is None:
        return True
    if timer.only_if == "urgent":
        return c.urgency is Urgency.URGENT
    if timer.only_if == "review_level_1":
        return c.review_level == 1
    if timer.only_if == "review_level_2":
        return c.review_level == 2  # noqa: PLR2004 - the level's own number
    if timer.only_if == "checklist_missing":
        return c.checklist is None
    raise ValueError(f"unknown condition {timer.only_if!r}")


def _due(
    timer: Timer,
    flow: Flow,
    calendar: WorkingCalendar,
    starts: Mapping[str, tuple[datetime, int | None]],
    stored: Mapping[str, datetime | None],
) -> datetime | None:
    start = starts[timer.key][0]
    if isinstance(timer.after, Portion):
        base = flow.timer(timer.after.of)
        if base is None or base.key not in starts or isinstance(base.after, Portion):
            return None  # the proofs refuse these; a base not running has no window
        base_start = starts[base.key][0]
        base_due = _window_end(base, base.after, calendar, base_start, stored)
        return base_start + (base_due - base_start) * timer.after.percent / 100
    return _window_end(timer, timer.after, calendar, start, stored)


def _window_end(
    timer: Timer,
    after: Duration,
    calendar: WorkingCalendar,
    start: datetime,
    stored: Mapping[str, datetime | None],
) -> datetime:
    kept = stored.get(timer.key)
    return kept if kept is not None else calendar.due(start, after)
