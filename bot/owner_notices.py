"""Renders and sends the owner-change notices of services/owner_notices.py, at send time.

Texts name the request by its reference and link to its thread; never family data. Any
exception is a failed attempt, which the outbox retries with backoff.
"""

from __future__ import annotations

from collections.abc import Callable

from botbuilder.core import MessageFactory
from botbuilder.schema import ChannelAccount, Mention

from bot.messenger import Messenger, NoRoute
from cards.common import mention, plain
from domain.consultation import Consultation
from services.directory import Directory, StaffPerson
from services.owner_notices import OwnerNotice
from services.ports import Placement


class OwnerNoticeSender:
    """Tells the new owner (privately and @mentioned in the thread) and the previous one."""

    def __init__(
        self,
        messenger: Messenger,
        directory: Directory,
        link: Callable[[Placement], str | None],
        require_sent: Callable[[str | None], None],
    ) -> None:
        self._messenger = messenger
        self._directory = directory
        self._link = link
        self._require_sent = require_sent

    async def deliver(
        self, kind: str, recipient: str, c: Consultation, placement: Placement
    ) -> None:
        """Send one notice; raise on any failure so that it is retried."""
        if not c.is_open:
            return  # closed or withdrawn since: nothing is anyone's to do any more
        if kind == OwnerNotice.THREAD_MENTION:
            await self._mention(c, placement)
            return
        person = await self._person(recipient)
        link = self._link(placement)
        where = f" Open the thread: {link}" if link else ""
        ref = f"Step-up request {c.reference}"
        if kind == OwnerNotice.NEW_OWNER:
            text = f"{ref} has been handed to you. Please pick it up where it stands."
        else:
            # The owner now, not at the change: a later change has its own notices anyway.
            now_with = await self._name(c.assignee_id)
            text = f"{ref} is no longer yours: it has been handed to {now_with}."
        self._require_sent(await self._messenger.send_private_text(person, text + where))

    async def _mention(self, c: Consultation, placement: Placement) -> None:
        if not (placement.channel_id and placement.thread_id):
            raise NoRoute("thread")
        owner = await self._person(c.assignee_id or "")
        mention_id = owner.teams_id or owner.id
        tag, _ = mention(plain(owner.name), mention_id)
        activity = MessageFactory.text(f"{tag}: {c.reference} is now yours to pick up.")
        activity.entities = [
            Mention(
                mentioned=ChannelAccount(id=mention_id, name=plain(owner.name)),
                text=tag,
                type="mention",
            )
        ]
        self._require_sent(
            await self._messenger.reply_in_thread(
                placement.channel_id, placement.thread_id, activity
            )
        )

    async def _person(self, person_id: str) -> StaffPerson:
        person = await self._directory.by_id(person_id)
        if person is None:
            raise NoRoute("person")
        return person

    async def _name(self, person_id: str | None) -> str:
        person = await self._directory.by_id(person_id) if person_id else None
        return plain(person.name) if person is not None else "nobody yet"
