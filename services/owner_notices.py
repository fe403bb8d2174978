"""Hand-over notices: whoever becomes a request's owner, and whoever stops being it, is told.

Issue 15: a reassignment told nobody. The notices are outbox rows written in the transaction
that changes the owner, so a connector error or a crash leaves them pending for the tick
(services/escalations.py dispatch) and the outbox's unique key stops a second copy. Ids and a
kind only: the text is rendered at send time (bot/owner_notices.py), never with family data.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from domain.consultation import Consultation
from domain.escalation import THREAD
from services.ports import UnitOfWork


class OwnerNotice(StrEnum):
    """What an owner-change notice says."""

    NEW_OWNER = "owner_new"  # private: the request is yours now (with a link to its thread)
    PREVIOUS_OWNER = "owner_previous"  # private: it is no longer yours
    THREAD_MENTION = "owner_mention"  # the thread: the new owner @mentioned


OWNER_NOTICES = frozenset(kind.value for kind in OwnerNotice)


async def enqueue_owner_change(
    uow: UnitOfWork, consultation: Consultation, previous: str | None, *, at: datetime
) -> None:
    """Tell the new assignee (privately and in the thread) and the previous one (privately).

    Call it in the transaction that changes the owner, before the save: the key names the
    version read, so each change has its own notices and a retried change no second set.
    """
    new = consultation.assignee_id
    if new is None or new == previous:
        return
    rows = [(OwnerNotice.NEW_OWNER.value, new), (OwnerNotice.THREAD_MENTION.value, THREAD)]
    if previous is not None:
        rows.append((OwnerNotice.PREVIOUS_OWNER.value, previous))
    await uow.outbox.enqueue(consultation.id, f"owner:{consultation.version}", rows, at=at)
