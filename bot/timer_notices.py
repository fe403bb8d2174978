"""Renders and sends a flow timer's private notices (domain/timer_plan.py), at send time.

Texts name the request by its reference, the state as the flow labels it and the timescale as
the flow words it; never family data. A reminder that no longer applies when it is sent (the
case moved on, the checklist came in) is dropped, not sent. Any exception is a failed
attempt, which the outbox retries with backoff.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.messenger import Messenger, NoRoute
from bot.views import ViewBuilder
from cards.common import local_time, plain
from domain import timers
from domain.calendar import Duration, WorkingCalendar
from domain.consultation import Consultation
from domain.escalation import MessageKind
from domain.process.model import Flow, Portion, Timer
from services.directory import Directory, StaffPerson
from services.ports import Placement

log = logging.getLogger(__name__)

TIMER_KINDS = frozenset({MessageKind.TIMER_OWNER.value, MessageKind.TIMER_ESCALATION.value})


class TimerNoticeSender:
    """Sends one timer notice: the checklist chase, an owner's reminder or an escalation."""

    def __init__(
        self,
        messenger: Messenger,
        directory: Directory,
        views: ViewBuilder,
        flow: Flow,
        calendar: WorkingCalendar,
        *,
        timezone: str,
        link: Callable[[Placement], str | None],
        require_sent: Callable[[str | None], None],
    ) -> None:
        self._messenger = messenger
        self._directory = directory
        self._views = views
        self._flow = flow
        self._calendar = calendar
        self._timezone = timezone
        self._link = link
        self._require_sent = require_sent

    async def deliver(
        self, kind: str, key: str, recipient: str, c: Consultation, placement: Placement
    ) -> None:
        """Send one notice; raise on any failure so that it is retried."""
        timer = self._flow.timer(key.split(":", 1)[0])
        if timer is None or not c.is_open or c.status.value not in timer.while_in:
            log.info("outbox.moot", extra={"consultation_id": c.id, "key": key})
            return
        person = await self._directory.by_id(recipient)
        if person is None:
            raise NoRoute("person")
        if timer.only_if == "checklist_missing":
            await self._chase_checklist(person, c, placement)
            return
        where = self._where(placement)
        if kind == MessageKind.TIMER_OWNER:
            text = f"Reminder: step-up request {c.reference} is waiting for you ({self._state(c)})."
        else:
            holder = await self._name(c.assignee_id)
            text = (
                f"Step-up request {c.reference} needs attention: {self._state(c)}"
                f"{self._since(timer)} (with {holder}). Please make sure it moves on."
            )
        deadline = self._deadline(c, timer, key)
        self._require_sent(await self._messenger.send_private_text(person, text + deadline + where))

    async def _chase_checklist(self, person: StaffPerson, c: Consultation, p: Placement) -> None:
        """The requester is told what is missing and gets the checklist form again."""
        if c.checklist is not None:
            return  # completed since the timer fired
        text = (
            f"Step-up request {c.reference} still has no checklist. The MAP team manager needs "
            "it for the consultation: please complete the form below (it stays private to you)."
        )
        self._require_sent(await self._messenger.send_private_text(person, text + self._where(p)))
        self._require_sent(
            await self._messenger.send_private(person, self._views.checklist_card(c))
        )

    def _state(self, c: Consultation) -> str:
        state = self._flow.state(c.status.value)
        return plain(state.label if state is not None else c.status.value).lower()

    def _since(self, timer: Timer) -> str:
        """' for 3 working days' from the timer's own window; nothing for an immediate one."""
        after = timer.after
        if isinstance(after, Portion) or after.amount == 0 or after.unit == "end_of_working_day":
            return ""
        return f" for {_words(after)}"

    def _deadline(self, c: Consultation, timer: Timer, key: str) -> str:
        """For a reminder before a deadline (a portion of another timer): when that falls due."""
        if not isinstance(timer.after, Portion):
            return ""
        due = next(
            (
                f.at
                for f in timers.schedule(
                    c, self._flow, self._calendar, stored=timers.stored_deadlines(c)
                )
                if f.timer == timer.after.of
            ),
            None,
        )
        if due is None:
            return ""
        fired = next((e.at for e in c.events if e.data.get("key") == key), None)
        tense = "was" if fired is not None and due <= fired else "is"
        return f" It {tense} due by {local_time(due, self._timezone)}."

    def _where(self, placement: Placement) -> str:
        link = self._link(placement)
        return f" Open the thread: {link}" if link else ""

    async def _name(self, person_id: str | None) -> str:
        person = await self._directory.by_id(person_id) if person_id else None
        return plain(person.name) if person is not None else "nobody yet"


def _words(d: Duration) -> str:
    unit = d.unit.replace("_", " ")
    if d.amount == 1:
        unit = unit.removesuffix("s")
    return f"{d.amount} {unit}"
