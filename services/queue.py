"""The "my requests" read model: which requests a person should see in their list, and why.

A requester sees their own open requests and those posted in the last 30 days; a MAP team
manager or advanced practitioner sees the open queue (unacknowledged first, then by deadline);
a service manager sees what is overdue or escalated. Lines carry ids, a reference, the service
name, the state and deadlines: nothing about the family.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from domain.calendar import WorkingCalendar
from domain.lifecycle import OPEN, UNACKNOWLEDGED, Status, Urgency
from domain.roles import MAP_WORKERS, Role
from services.clock import Clock
from services.directory import StaffPerson

RECENT = timedelta(days=30)
MAX_LINES = 25
"""Per section: an Adaptive Card has a size limit, and a longer list is not read anyway."""


@dataclass(frozen=True)
class QueueLine:
    """One request as a list shows it."""

    id: str
    reference: str
    service: str
    status: Status
    urgency: Urgency
    requester_id: str
    assignee_id: str | None
    posted_at: datetime
    acknowledge_due: datetime | None
    callback_due: datetime | None
    escalated: bool
    channel_id: str | None
    thread_id: str | None


class QueueReader(Protocol):
    """The read queries behind the lists (each filters on indexed columns first)."""

    async def of_requester(
        self, requester_id: str, *, open_states: Sequence[Status], since: datetime, limit: int
    ) -> list[QueueLine]:
        """The requester's requests that are open or were posted since `since`."""
        ...

    async def open_queue(self, *, open_states: Sequence[Status], limit: int) -> list[QueueLine]:
        """Open requests, any requester."""
        ...

    async def overdue_or_escalated(
        self,
        now: datetime,
        *,
        unacknowledged: Sequence[Status],
        before_callback: Sequence[Status],
        open_states: Sequence[Status],
        limit: int,
    ) -> list[QueueLine]:
        """Open requests past a deadline of their state, or with an escalation recorded."""
        ...


@dataclass(frozen=True)
class Section:
    """One list for one of the person's roles."""

    title: str
    empty: str
    lines: tuple[QueueLine, ...]


def acknowledge_by(
    urgency: Urgency,
    posted_at: datetime,
    acknowledge_due: datetime | None,
    calendar: WorkingCalendar,
    urgent_minutes: int,
) -> datetime | None:
    """The acknowledgement deadline that applies: an urgent request's window of working
    minutes (or the end of the day, if that comes first); the end of the working day else."""
    if urgency is not Urgency.URGENT:
        return acknowledge_due
    urgent = calendar.add_working_minutes(posted_at, urgent_minutes)
    return min(urgent, acknowledge_due) if acknowledge_due is not None else urgent


_BEFORE_CALLBACK = tuple(sorted(UNACKNOWLEDGED | {Status.ACKNOWLEDGED}))
_OPEN = tuple(sorted(OPEN))
_UNACKNOWLEDGED = tuple(sorted(UNACKNOWLEDGED))


class QueueService:
    """Builds a person's lists from the read queries."""

    def __init__(
        self, reader: QueueReader, clock: Clock, calendar: WorkingCalendar, urgent_minutes: int
    ) -> None:
        self._reader = reader
        self._clock = clock
        self._calendar = calendar
        self._urgent_minutes = urgent_minutes

    def next_deadline(self, line: QueueLine) -> tuple[str, datetime] | None:
        """What is due next on a request, and when; None once the call-back is made."""
        if line.status in UNACKNOWLEDGED:
            due = acknowledge_by(
                line.urgency,
                line.posted_at,
                line.acknowledge_due,
                self._calendar,
                self._urgent_minutes,
            )
            return ("acknowledge by", due) if due else None
        if line.status is Status.ACKNOWLEDGED and line.callback_due is not None:
            return "call back by", line.callback_due
        return None

    async def sections(self, person: StaffPerson) -> list[Section]:
        """Every list the person's roles give them, the requester's own first."""
        now = self._clock.now()
        found: list[Section] = []
        if Role.REQUESTER in person.roles:
            mine = await self._reader.of_requester(
                person.id, open_states=_OPEN, since=now - RECENT, limit=MAX_LINES
            )
            found.append(
                Section(
                    "Your requests (open, and posted in the last 30 days)",
                    "You have no open requests and none from the last 30 days.",
                    tuple(sorted(mine, key=self._mine_order)),
                )
            )
        if person.roles & MAP_WORKERS:
            queue = await self._reader.open_queue(open_states=_OPEN, limit=MAX_LINES)
            found.append(
                Section(
                    "The queue (unacknowledged first, then by deadline)",
                    "Nothing is waiting: no open requests.",
                    tuple(sorted(queue, key=self._queue_order)),
                )
            )
        if Role.SERVICE_MANAGER in person.roles:
            late = await self._reader.overdue_or_escalated(
                now,
                unacknowledged=_UNACKNOWLEDGED,
                before_callback=_BEFORE_CALLBACK,
                open_states=_OPEN,
                limit=MAX_LINES,
            )
            found.append(
                Section(
                    "Overdue or escalated",
                    "Nothing is overdue or escalated.",
                    tuple(sorted(late, key=self._queue_order)),
                )
            )
        return found

    def _deadline_key(self, line: QueueLine) -> datetime:
        due = self.next_deadline(line)
        return due[1] if due else datetime.max.replace(tzinfo=line.posted_at.tzinfo)

    def _queue_order(self, line: QueueLine) -> tuple[bool, datetime, datetime]:
        return (line.status not in UNACKNOWLEDGED, self._deadline_key(line), line.posted_at)

    def _mine_order(self, line: QueueLine) -> tuple[bool, datetime, float]:
        # Open ones by their next deadline, then the finished ones newest first.
        return (line.status not in OPEN, self._deadline_key(line), -line.posted_at.timestamp())
