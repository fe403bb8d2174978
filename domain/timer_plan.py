"""Who a flow timer tells when it fires, and where it moves the case: a pure plan (issue 15).

The tick (services/escalations.py) asks `plan` for each firing `domain.timers.due_now` finds,
records the firing and writes the plan's notices to the outbox in one transaction. The four
timers the older path still serves (`LEGACY_TIMERS`: domain.escalation's keys and texts) are
never planned here, so nobody is told twice.

Nobody unseen: a role that resolves to nobody (no reviewer named yet, a rota with a gap) is
replaced by the roles it reports to, climbing until someone is found, so a reminder that has
no owner to go to still reaches a person above.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.consultation import Consultation
from domain.escalation import CARD, MessageKind, Notice
from domain.lifecycle import EscalationKey
from domain.process.model import Flow, Timer

__all__ = ["LEGACY_TIMERS", "TimerPlan", "plan"]

# Served by domain.escalation (its keys, texts and recipients unchanged since before the flows).
LEGACY_TIMERS = frozenset(k.value for k in EscalationKey)
_MAX_CLIMB = 4

# A role key -> the person ids filling it for this case (empty when nobody does).
People = Callable[[str], tuple[str, ...]]


@dataclass(frozen=True)
class TimerPlan:
    """The notices a firing sends (one per recipient, the card last) and any state to move to."""

    notices: tuple[Notice, ...]
    move_to: str | None = None


def plan(c: Consultation, timer: Timer, flow: Flow, people: People) -> TimerPlan:
    """What `timer` does for `c` now: remind the state's owner, escalate to a role, move."""
    found: list[Notice] = []
    move_to: str | None = None
    for fire in timer.fires:
        if fire.kind == "remind_owner":
            state = flow.state(c.status.value)
            owner = state.owner if state is not None else None
            found += [Notice(MessageKind.TIMER_OWNER, p) for p in told(flow, owner, people)]
        elif fire.kind == "escalate":
            found += [
                Notice(MessageKind.TIMER_ESCALATION, p) for p in told(flow, fire.role, people)
            ]
        elif fire.kind == "move":
            move_to = fire.state
    found.append(Notice(MessageKind.CARD_UPDATE, CARD))
    # One message per recipient and firing: the first (the owner's reminder) wins.
    unique: dict[str, Notice] = {}
    for notice in found:
        unique.setdefault(notice.recipient, notice)
    return TimerPlan(tuple(unique.values()), move_to)


def told(flow: Flow, role_key: str | None, people: People) -> tuple[str, ...]:
    """The people of `role_key`, or of the roles above it when it resolves to nobody."""
    level: tuple[str, ...] = (role_key,) if role_key else ()
    for _ in range(_MAX_CLIMB):
        ids = tuple(dict.fromkeys(p for key in level for p in people(key)))
        if ids or not level:
            return ids
        level = tuple(
            above for key in level if (role := flow.role(key)) for above in role.reports_to
        )
    return ()
