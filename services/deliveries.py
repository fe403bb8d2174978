"""What a request must deliver to Teams, kept in the outbox until it is delivered.

Opening a request from a post enqueues its thread card and the requester's private checklist in
the same transaction, leased to the turn that opened it. The turn sends them at once and marks
them sent; a connector error (429, 5xx, timeout) hands them back to the scheduler, which retries
them with backoff (services/escalations.py dispatch), and Teams' redelivery of the post tries
the card again. A thread card update that fails is enqueued the same way. So a request never
ends without its card, and nothing is sent twice unless the process dies between a send and
marking it sent (at least once, as for escalations).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from domain.consultation import Consultation
from domain.escalation import CARD, MessageKind
from services.clock import Clock
from services.ports import OutboxMessage, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

OPENED = "opened"  # the outbox key of a new request's own messages
# Longer than any connector call (the client gives up after 100 s), so a turn that is still
# sending is never raced by the scheduler; a turn that died is taken over after it.
TURN_LEASE = timedelta(minutes=3)
_OPENING = (MessageKind.THREAD_CARD.value, MessageKind.CHECKLIST.value)


@dataclass(frozen=True)
class Claimed:
    """Messages leased to this turn, with the token that proves the lease."""

    token: str
    messages: tuple[OutboxMessage, ...] = ()

    def of(self, kind: MessageKind) -> OutboxMessage | None:
        """The leased message of this kind, if the turn holds one."""
        return next((m for m in self.messages if m.kind == kind.value), None)


NOTHING = Claimed(token="")


async def enqueue_opening(uow: UnitOfWork, consultation: Consultation, clock: Clock) -> Claimed:
    """Enqueue a posted request's thread card and private checklist, leased to this turn."""
    rows = [
        (MessageKind.THREAD_CARD.value, CARD),
        (MessageKind.CHECKLIST.value, consultation.requester_id),
    ]
    await uow.outbox.enqueue(consultation.id, OPENED, rows, at=clock.now())
    return await _claim(uow, consultation.id, _OPENING, clock)


async def enqueue_thread(uow: UnitOfWork, consultation: Consultation, clock: Clock) -> Claimed:
    """Enqueue the new thread of a request from the 1:1 form (its card starts the thread)."""
    rows = [(MessageKind.THREAD_CARD.value, CARD)]
    await uow.outbox.enqueue(consultation.id, OPENED, rows, at=clock.now())
    return await _claim(uow, consultation.id, (MessageKind.THREAD_CARD.value,), clock)


async def claim_card(uow: UnitOfWork, consultation_id: str, clock: Clock) -> Claimed:
    """Lease a request's undelivered card to this turn (a redelivered post tries it again)."""
    return await _claim(uow, consultation_id, (MessageKind.THREAD_CARD.value,), clock)


async def _claim(
    uow: UnitOfWork, consultation_id: str, kinds: tuple[str, ...], clock: Clock
) -> Claimed:
    now, token = clock.now(), uuid.uuid4().hex
    messages = await uow.outbox.claim_for(
        consultation_id, kinds, now=now, until=now + TURN_LEASE, token=token
    )
    return Claimed(token, tuple(messages))


class DeliveryLedger:
    """Marks what the turn delivered, and hands what failed to the scheduler."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def card_posted(
        self, consultation_id: str, card_activity_id: str, message: OutboxMessage
    ) -> int | None:
        """The card is in the thread: remember its id and mark it sent, together; returns the
        request's version now (a press may have moved it on since the card was rendered)."""
        async with self._uow() as uow:
            version = await uow.consultations.set_card(consultation_id, card_activity_id)
            await uow.outbox.mark_sent(message.id, at=self._clock.now())
        return version

    async def thread_started(
        self, consultation_id: str, thread_id: str, message: OutboxMessage
    ) -> int | None:
        """The card started the request's thread: store the thread (and card) id, mark sent;
        returns the request's version now."""
        async with self._uow() as uow:
            version = await uow.consultations.set_thread(consultation_id, thread_id)
            await uow.outbox.mark_sent(message.id, at=self._clock.now())
        return version

    async def sent(self, message: OutboxMessage) -> None:
        """The turn delivered the message."""
        async with self._uow() as uow:
            await uow.outbox.mark_sent(message.id, at=self._clock.now())

    async def failed(
        self, message: OutboxMessage, token: str, error: str, *, counted: bool = True
    ) -> None:
        """The turn could not deliver it: the scheduler's next tick tries (then backs off).

        Not `counted` (throttled by Teams' limits): none of its attempts is used up; this
        process's pacer holds it until its slot, when the scheduler is woken to send it.
        """
        async with self._uow() as uow:
            await uow.outbox.mark_failed(
                message.id,
                token=token,
                next_attempt_at=self._clock.now(),
                error=error,
                counted=counted,
            )
        log.warning(
            "delivery.deferred",
            extra={
                "consultation_id": message.consultation_id,
                "key": message.kind,
                "error_type": error,
            },
        )

    async def ask_later(self, consultation: Consultation) -> None:
        """The private-details form could not be sent: the scheduler sends it, once per ask."""
        async with self._uow() as uow:
            await uow.outbox.add_once(
                consultation.id,
                f"details:{consultation.version}",
                MessageKind.DETAILS_ASK.value,
                consultation.requester_id,
                at=self._clock.now(),
            )

    async def card_stale(self, consultation: Consultation) -> None:
        """The thread card could not be updated: the scheduler renders it again, once."""
        async with self._uow() as uow:
            await uow.outbox.add_once(
                consultation.id,
                f"card:{consultation.version}",
                MessageKind.CARD_UPDATE.value,
                CARD,
                at=self._clock.now(),
            )
        log.warning("card.stale", extra={"consultation_id": consultation.id})
