"""Renders and sends each outbox message through the Messenger, at send time.

Texts name the request by its reference and link to its thread; they never carry family data.
Any exception raised here is a failed attempt: the outbox retries it with backoff.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import ChannelAccount, Mention

from bot.messenger import Messenger, NoRoute
from bot.owner_notices import OwnerNoticeSender
from bot.timer_notices import TIMER_KINDS, TimerNoticeSender
from bot.views import ViewBuilder
from cards.common import local_time, mention, plain
from cards.details import details_form
from domain.calendar import WorkingCalendar
from domain.consultation import Consultation, Urgency
from domain.escalation import MessageKind
from domain.process.model import Flow
from domain.roles import Role
from services.consultations import ConsultationService
from services.directory import Directory
from services.owner_notices import OWNER_NOTICES
from services.ports import OutboxMessage, Placement

log = logging.getLogger(__name__)


class NotDelivered(Exception):
    """The Messenger got no activity id back: the send failed inside the SDK's turn pipeline."""


def thread_link(placement: Placement) -> str | None:
    """A Teams deep link to the request's thread, when it has one."""
    if not (placement.channel_id and placement.thread_id):
        return None
    return f"https://teams.microsoft.com/l/message/{placement.channel_id}/{placement.thread_id}"


class EscalationNotifier:
    """The Notifier port for Teams: private chats, the thread's @mention post, the card."""

    def __init__(
        self,
        messenger: Messenger,
        directory: Directory,
        consultations: ConsultationService,
        views: ViewBuilder,
        *,
        timezone: str,
        urgent_minutes: int,
        flow: Flow | None = None,
        calendar: WorkingCalendar | None = None,
        flow_cases: Callable[[OutboxMessage], Awaitable[None]] | None = None,
    ) -> None:
        self._flow_cases = flow_cases  # the other flows' notices (bot/flow_cases.py)
        self._messenger = messenger
        self._directory = directory
        self._consultations = consultations
        self._views = views
        self._timezone = timezone
        self._urgent_minutes = urgent_minutes
        self._owners = OwnerNoticeSender(messenger, directory, thread_link, _require_sent)
        self._timers = (
            TimerNoticeSender(
                messenger,
                directory,
                views,
                flow,
                calendar,
                timezone=timezone,
                link=thread_link,
                require_sent=_require_sent,
            )
            if flow is not None and calendar is not None
            else None
        )

    async def deliver(self, message: OutboxMessage) -> None:
        """Send one message; raise on any failure so that it is retried."""
        if message.case_id is not None:
            if self._flow_cases is None:
                raise NoRoute("flow")  # the flows are not loaded: kept pending, never dropped
            await self._flow_cases(message)
            return
        found = await self._consultations.get(message.consultation_id)
        if found is None:
            # Deleted under the retention policy: nothing left to tell anyone about.
            log.info("outbox.moot", extra={"consultation_id": message.consultation_id})
            return
        consultation, placement = found
        if message.kind in OWNER_NOTICES:
            await self._owners.deliver(message.kind, message.recipient, consultation, placement)
            return
        if message.kind in TIMER_KINDS:
            if self._timers is None:
                raise NoRoute("timer")  # no flow loaded: kept pending, never dropped
            await self._timers.deliver(
                message.kind, message.key, message.recipient, consultation, placement
            )
            return
        kind = MessageKind(message.kind)
        if kind is MessageKind.CARD_UPDATE:
            await self._views.update_thread(consultation, placement)
        elif kind is MessageKind.THREAD_CARD:
            await self._post_card(consultation, placement)
        elif kind is MessageKind.CHECKLIST:
            await self._send_checklist(consultation, message.recipient)
        elif kind is MessageKind.DETAILS_ASK:
            await self._ask_for_details(consultation, message.recipient)
        elif kind is MessageKind.THREAD_MENTION:
            await self._mention_managers(consultation, placement)
        else:
            person = await self._directory.by_id(message.recipient)
            if person is None:
                raise NoRoute("person")
            text = await self._private_text(kind, consultation, placement)
            _require_sent(await self._messenger.send_private_text(person, text))

    async def _post_card(self, c: Consultation, placement: Placement) -> None:
        """The request's card, which the turn that opened it could not post: a reply in the
        post's thread, or (a request from the 1:1 form) a new thread of its own."""
        if placement.card_activity_id is not None:
            return  # a redelivery of the post got it there first
        if not placement.channel_id:
            raise NoRoute("thread")
        card = await self._views.thread_card(c)
        if placement.thread_id is None:
            started = await self._messenger.start_thread(placement.channel_id, card)
            _require_sent(started)
            assert started is not None
            await self._consultations.remember_thread(c.id, started)
        else:
            activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
            sent = await self._messenger.reply_in_thread(
                placement.channel_id, placement.thread_id, activity
            )
            _require_sent(sent)
            assert sent is not None
            await self._consultations.remember_card(c.id, sent)
        await self._views.catch_up(c)

    async def _send_checklist(self, c: Consultation, requester_id: str) -> None:
        """The requester's private checklist, unless it no longer matters."""
        if not c.is_open or c.checklist is not None:
            return
        person = await self._directory.by_id(requester_id)
        if person is None:
            raise NoRoute("person")
        _require_sent(await self._messenger.send_private(person, self._views.checklist_card(c)))

    async def _ask_for_details(self, c: Consultation, requester_id: str) -> None:
        """The private-details form the turn could not send, unless it no longer matters."""
        if not c.is_open or c.details_provided:
            return
        person = await self._directory.by_id(requester_id)
        if person is None:
            raise NoRoute("person")
        form = details_form(c.id, c.reference, values={}, errors={}, for_dialog=False)
        _require_sent(await self._messenger.send_private(person, form))

    async def _mention_managers(self, c: Consultation, placement: Placement) -> None:
        if not (placement.channel_id and placement.thread_id):
            raise NoRoute("thread")
        managers = await self._directory.with_role(Role.MAP_TEAM_MANAGER)
        tags: list[str] = []
        entities: list[Mention] = []
        for person in managers:
            mention_id = person.teams_id or person.id
            tag, _ = mention(plain(person.name), mention_id)
            tags.append(tag)
            entities.append(
                Mention(
                    mentioned=ChannelAccount(id=mention_id, name=plain(person.name)),
                    text=tag,
                    type="mention",
                )
            )
        due = self._when(c.acknowledge_due)
        activity = MessageFactory.text(
            f"{' '.join(tags)}: {c.reference}{_urgent(c)} was not acknowledged by the end of "
            f"the working day ({due}). MAP team managers, please make sure someone picks it up."
        )
        activity.entities = entities
        _require_sent(
            await self._messenger.reply_in_thread(
                placement.channel_id, placement.thread_id, activity
            )
        )

    async def _private_text(self, kind: MessageKind, c: Consultation, placement: Placement) -> str:
        ref = f"Step-up request {c.reference}{_urgent(c)}"
        link = thread_link(placement)
        where = f" Open the thread: {link}" if link else ""
        assignee = await self._name(c.assignee_id)
        n = self._urgent_minutes
        texts = {
            MessageKind.EOD_MANAGER: (
                f"{ref} was not acknowledged by the end of the working day "
                f"({self._when(c.acknowledge_due)}). Please make sure someone picks it up."
            ),
            MessageKind.URGENT_DUTY: (
                f"Reminder: {ref} has not been acknowledged within {n} working minutes. "
                "Please acknowledge it or hand it to someone who can."
            ),
            MessageKind.URGENT_MANAGER: (
                f"{ref} is still not acknowledged after {2 * n} working minutes "
                f"(duty manager: {assignee}). Please make sure someone picks it up."
            ),
            MessageKind.CALLBACK_ASSIGNEE: (
                f"{ref} has no call-back recorded; it was due by "
                f"{self._when(c.callback_due)}. Please call the requesting manager and record "
                "the call-back."
            ),
            MessageKind.CALLBACK_SERVICE_MANAGER: (
                f"{ref} has had no call-back within the time the process allows (due "
                f"{self._when(c.callback_due)}; with {assignee})."
            ),
        }
        return texts[kind] + where

    async def _name(self, person_id: str | None) -> str:
        person = await self._directory.by_id(person_id) if person_id else None
        return plain(person.name) if person is not None else "nobody yet"

    def _when(self, at: datetime | None) -> str:
        return local_time(at, self._timezone)


def _require_sent(activity_id: str | None) -> None:
    # continue_conversation hands a failed send to the adapter's on_turn_error, which logs it and
    # returns: the Messenger then answers None instead of raising. No id means no message.
    if not activity_id:
        raise NotDelivered


def _urgent(c: Consultation) -> str:
    return " (urgent)" if c.urgency is Urgency.URGENT else ""
