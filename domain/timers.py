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
from datetime import datetime

from domain.calendar import WorkingCalendar, require_aware
from domain.consultation import Consultation
from domain.events import EventKind
from domain.lifecycle import Urgency
from domain.process.model import Flow, Timer
from domain.process.timing import Firing, Start, firing_key, running, timer_due

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


def stored_deadlines(c: Consultation) -> dict[str, datetime | None]:
    """The deadlines the consultation holds (its card shows them): `schedule`'s `stored`."""
    return {"eod_unacknowledged": c.acknowledge_due, "callback_overdue": c.callback_due}


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
        due = timer_due(timer, flow, calendar, starts, stored)
        if due is not None:
            found.append(Firing(due, firing_key(timer, starts[timer.key][1]), timer.key))
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


def _starts(c: Consultation, flow: Flow) -> dict[str, Start]:
    """Running timers: when each started, and the seq of the event that started it."""
    history = [(e.at, _ENTERS.get(e.kind)) for e in c.events]
    return running(flow, c.status.value, history, c.posted_at, lambda t: _applies(c, t))


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
