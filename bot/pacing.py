"""Every message the bot sends to Teams waits for its slot in the Pacer (services/pacing.py).

`PacedAdapter` is botbuilder's CloudAdapter with its outbound calls paced: sends, replies,
updates and deletes inside turns and in proactive turns (the Messenger's continue_conversation),
and new conversations (create_conversation). Invoke responses and traces are not calls to Teams
(they are the HTTP answer, or nothing) and are never paced: Teams needs the invoke answer fast.

A turn may wait up to TURN_WAIT_SECONDS in all (an invoke turn OUTBOX_WAIT_SECONDS, since its
answer waits behind its sends); the outbox sets its own patience. A slot further away than
that, or a 429 from Teams, raises `Throttled` without a call: callers that hold an outbox
message hand it back to be retried, uncounted, when the slot comes (services/deliveries.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ActivityTypes, ConversationReference, ResourceResponse
from botframework.connector.auth import BotFrameworkAuthentication
from msrest.exceptions import HttpOperationError

from services.pacing import (
    OUTBOX_WAIT_SECONDS,
    TURN_WAIT_SECONDS,
    Pacer,
    Throttled,
    conversation_key,
    pace,
    patience,
    retry_after_seconds,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

# Not calls to Teams: the invoke's HTTP answer, traces (dropped outside the Emulator), delays.
_UNPACED = frozenset({ActivityTypes.invoke_response, ActivityTypes.trace, "delay"})
# create_conversation has no conversation yet: new conversations share one key.
NEW_CONVERSATIONS = "new-conversation"


class PacedAdapter(CloudAdapter):
    """CloudAdapter whose calls to the connector keep to Teams' limits (none when pacer=None)."""

    def __init__(self, authentication: BotFrameworkAuthentication, pacer: Pacer | None) -> None:
        super().__init__(authentication)
        self.pacer = pacer
        # Told how soon a throttled send may go (the scheduler wakes the outbox then).
        self.on_throttled: Callable[[float], None] | None = None

    async def process_activity(
        self, auth_header_or_authenticate_request_result: Any, activity: Activity, logic: Any
    ) -> Any:
        wait = OUTBOX_WAIT_SECONDS if activity.type == ActivityTypes.invoke else TURN_WAIT_SECONDS
        with patience(wait):
            return await super().process_activity(
                auth_header_or_authenticate_request_result, activity, logic
            )

    async def send_activities(
        self, context: TurnContext, activities: list[Activity]
    ) -> list[ResourceResponse]:
        send = super().send_activities
        if self.pacer is None or all(a.type in _UNPACED for a in activities):
            return await send(context, activities)
        responses: list[ResourceResponse] = []
        for activity in activities:
            if activity.type in _UNPACED:
                responses.extend(await send(context, [activity]))
                continue
            conversation = _conversation_of(activity, context)
            one = [activity]
            responses.extend(await self._paced(conversation, partial(send, context, one)))
        return responses

    async def update_activity(self, context: TurnContext, activity: Activity) -> Any:
        update = super().update_activity
        conversation = _conversation_of(activity, context)
        return await self._paced(conversation, lambda: update(context, activity))

    async def delete_activity(self, context: TurnContext, reference: ConversationReference) -> Any:
        delete = super().delete_activity
        conversation = reference.conversation.id if reference.conversation else ""
        return await self._paced(conversation, lambda: delete(context, reference))

    async def create_conversation(self, bot_app_id: str, *args: Any, **kwargs: Any) -> Any:
        create = super().create_conversation
        return await self._paced(NEW_CONVERSATIONS, lambda: create(bot_app_id, *args, **kwargs))

    async def _paced(self, conversation: str, call: Callable[[], Awaitable[T]]) -> T:
        """Wait for the slot, call; a 429 blocks the conversation for its Retry-After."""
        if self.pacer is None:
            return await call()
        try:
            await pace(self.pacer, conversation)
        except Throttled as held:
            self._throttled(held.retry_in)
            raise
        try:
            return await call()
        except HttpOperationError as error:
            response = getattr(error, "response", None)
            if getattr(response, "status_code", None) != 429:
                raise
            headers = getattr(response, "headers", None) or {}
            seconds = retry_after_seconds(headers.get("Retry-After"), now=datetime.now(UTC))
            retry_in = self.pacer.block(conversation, seconds)
            log.warning(
                "connector.throttled",
                extra={"http_status": 429, "duration_ms": round(retry_in * 1000)},
            )
            self._throttled(retry_in)
            raise Throttled(retry_in, conversation_key(conversation)) from error

    def _throttled(self, retry_in: float) -> None:
        if self.on_throttled is not None:
            self.on_throttled(retry_in)


def _conversation_of(activity: Activity, context: TurnContext) -> str:
    """The conversation a call goes to (the activity's, else the turn's)."""
    conversation = activity.conversation or context.activity.conversation
    return str(conversation.id) if conversation is not None and conversation.id else ""
