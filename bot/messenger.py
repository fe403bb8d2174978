"""Proactive messages: 1:1 chats and channel threads, from references stored in the database."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)

from observability import metrics
from services.clock import Clock
from services.directory import StaffPerson
from storage.conversations import ConversationStore

log = logging.getLogger(__name__)


def user_key(aad_id: str) -> str:
    """The conversation-reference key of a person's 1:1 chat with the bot."""
    return f"user:{aad_id}"


def channel_key(channel_id: str) -> str:
    """The conversation-reference key of a channel (new threads are posted there)."""
    return f"channel:{channel_id}"


class NoRoute(Exception):
    """The bot has no way to reach this person or thread yet (never installed / never met)."""


class Messenger:
    """Sends and updates messages outside the turn that caused them."""

    def __init__(
        self,
        adapter: CloudAdapter,
        conversations: ConversationStore,
        clock: Clock,
        *,
        bot_id: str,
        app_id: str,
        tenant_id: str,
    ) -> None:
        self._adapter = adapter
        self._conversations = conversations
        self._clock = clock
        self._bot_id = bot_id
        self._app_id = app_id
        self._tenant_id = tenant_id
        # One lock per person whose chat is being looked up or created (gone when unused).
        self._chat_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    async def send_private(self, person: StaffPerson, card: dict[str, Any]) -> str | None:
        """Send a card to a person's 1:1 chat, creating the chat if the bot never had one."""
        reference = await self._user_reference(person)
        return await self._send(
            reference, MessageFactory.attachment(CardFactory.adaptive_card(card))
        )

    async def send_private_attachment(
        self, person: StaffPerson, attachment: Attachment
    ) -> str | None:
        """Send any attachment (a file consent card, say) to a person's 1:1 chat."""
        reference = await self._user_reference(person)
        return await self._send(reference, MessageFactory.attachment(attachment))

    async def send_private_text(self, person: StaffPerson, text: str) -> str | None:
        """Send a short text to a person's 1:1 chat."""
        reference = await self._user_reference(person)
        return await self._send(reference, MessageFactory.text(text))

    async def update_in_thread(
        self, channel_id: str, thread_id: str, activity_id: str, card: dict[str, Any]
    ) -> None:
        """Replace the bot's card in a channel thread, for everyone."""
        reference = await self._thread_reference(channel_id, thread_id)
        updated = MessageFactory.attachment(CardFactory.adaptive_card(card))
        updated.id = activity_id

        async def update(context: TurnContext) -> None:
            await context.update_activity(updated)

        await self._run(reference, update)

    async def start_thread(self, channel_id: str, card: dict[str, Any]) -> str | None:
        """Post a card as a new thread in a channel; its id is the thread's root message id."""
        attachment = CardFactory.adaptive_card(card)
        return await self.post_in_channel(channel_id, MessageFactory.attachment(attachment))

    async def post_in_channel(self, channel_id: str, activity: Activity) -> str | None:
        """Post a message as a new thread in a channel."""
        return await self._send(await self._channel_reference(channel_id), activity)

    async def reply_in_thread(
        self, channel_id: str, thread_id: str, activity: Activity
    ) -> str | None:
        """Post a reply in a channel thread."""
        return await self._send(await self._thread_reference(channel_id, thread_id), activity)

    async def _send(self, reference: ConversationReference, activity: Activity) -> str | None:
        sent: list[str | None] = []

        async def send(context: TurnContext) -> None:
            response = await context.send_activity(activity)
            sent.append(response.id if response else None)

        await self._run(reference, send)
        return sent[0] if sent else None

    async def _run(
        self, reference: ConversationReference, work: Callable[[TurnContext], Awaitable[None]]
    ) -> None:
        """Run `work` in the conversation; a failure is raised here, not swallowed.

        The adapter would hand a callback's exception to its turn-error handler and return
        normally, so a failed proactive send would look like a success to the caller.
        """
        failures: list[BaseException] = []

        async def guarded(context: TurnContext) -> None:
            try:
                await work(context)
            except Exception as exc:  # noqa: BLE001 - re-raised below, outside the adapter
                failures.append(exc)

        await self._adapter.continue_conversation(reference, guarded, self._app_id)
        if failures:
            metrics.current().send_errors.add(1, {"error_type": type(failures[0]).__name__})
            raise failures[0]

    async def _thread_reference(self, channel_id: str, thread_id: str) -> ConversationReference:
        reference = await self._channel_reference(channel_id)
        reference.conversation.id = f"{channel_id};messageid={thread_id}"
        return reference

    async def _channel_reference(self, channel_id: str) -> ConversationReference:
        """The channel's stored reference, or one built from the team installation."""
        stored = await self._conversations.reference(channel_key(channel_id))
        if stored is not None:
            return ConversationReference().deserialize(stored)
        installation = await self._conversations.any_installation(self._tenant_id)
        if installation is None:
            raise NoRoute("installation")
        return ConversationReference(
            channel_id="msteams",
            service_url=installation.service_url,
            bot=ChannelAccount(id=self._bot_id),
            conversation=ConversationAccount(
                id=channel_id,
                is_group=True,
                conversation_type="channel",
                tenant_id=installation.tenant_id,
            ),
        )

    async def _user_reference(self, person: StaffPerson) -> ConversationReference:
        stored = await self._conversations.reference(user_key(person.id))
        if stored is not None:
            return ConversationReference().deserialize(stored)
        # Create-or-reuse under the person's lock: a second turn for the same person would
        # otherwise create a second chat before the first one was stored (one per process).
        lock = self._chat_locks.get(person.id)
        if lock is None:
            lock = self._chat_locks[person.id] = asyncio.Lock()
        async with lock:
            stored = await self._conversations.reference(user_key(person.id))
            if stored is not None:
                return ConversationReference().deserialize(stored)
            return await self._create_personal_chat(person)

    async def _create_personal_chat(self, person: StaffPerson) -> ConversationReference:
        """Start a 1:1 chat from the team installation (the app is installed where they are)."""
        if not person.teams_id:
            raise NoRoute("person")
        service_url = await self._any_service_url()
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=self._bot_id),
            members=[ChannelAccount(id=person.teams_id, aad_object_id=person.id)],
            tenant_id=self._tenant_id,
            channel_data={"tenant": {"id": self._tenant_id}},
        )
        created: list[ConversationReference] = []

        async def remember(context: TurnContext) -> None:
            created.append(TurnContext.get_conversation_reference(context.activity))

        # create_conversation raises on a connector error (it calls the connector itself).
        await self._adapter.create_conversation(
            self._app_id, remember, parameters, channel_id="msteams", service_url=service_url
        )
        if not created:
            raise NoRoute("chat not created")
        reference = created[0]
        reference.user = ChannelAccount(id=person.teams_id, aad_object_id=person.id)
        await self._conversations.save_reference(
            user_key(person.id), "user", reference.serialize(), self._clock.now()
        )
        log.info("chat.created")
        return reference

    async def _any_service_url(self) -> str:
        installation = await self._conversations.any_installation(self._tenant_id)
        if installation is None:
            raise NoRoute("installation")
        return installation.service_url
