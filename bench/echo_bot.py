"""A bare botbuilder echo bot: the baseline the request-flow benchmark measures beside Step Up.

Same SDK, same adapter mode (auth disabled) and the same HTTP workaround as `bot/http.py`
(botbuilder 4.17.1's `CloudAdapter.process` answers 500 to invokes with a body), and nothing else:
no database, no directory, no cards beyond one small fixed card.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aiohttp import web
from botbuilder.core import Bot, MessageFactory, TurnContext, serializer_helper
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity, AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def small_card() -> dict[str, Any]:
    """The card every Action.Execute gets back."""
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.4",
        "body": [{"type": "TextBlock", "text": "Done.", "wrap": True}],
    }


class EchoBot(TeamsActivityHandler):
    """Echoes messages and answers card actions with a fixed card."""

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        """Send the message text back into the same conversation."""
        await turn_context.send_activity(MessageFactory.text(turn_context.activity.text or ""))

    async def on_adaptive_card_invoke(
        self, turn_context: TurnContext, invoke_value: AdaptiveCardInvokeValue
    ) -> AdaptiveCardInvokeResponse:
        """Answer an `adaptiveCard/action` invoke with the small card."""
        return AdaptiveCardInvokeResponse(
            status_code=200, type=CARD_CONTENT_TYPE, value=small_card()
        )


@dataclass(frozen=True)
class _AuthDisabledConfig:
    """botbuilder's configuration attribute names; MultiTenant with no id means auth off."""

    APP_ID: str = ""
    APP_PASSWORD: str = ""
    APP_TYPE: str = "MultiTenant"
    APP_TENANTID: str = ""


def create_echo_adapter() -> CloudAdapter:
    """A CloudAdapter that accepts unauthenticated requests (local use only)."""
    return CloudAdapter(ConfigurationBotFrameworkAuthentication(_AuthDisabledConfig()))


def messages_handler(adapter: CloudAdapter, bot: Bot) -> Handler:
    """`POST /api/messages`: authenticate, run the turn, write the invoke response ourselves."""

    async def handle(request: web.Request) -> web.StreamResponse:
        activity = Activity().deserialize(await request.json())
        auth = await adapter.bot_framework_authentication.authenticate_request(
            activity, request.headers.get("Authorization", "")
        )
        response = await adapter.process_activity(auth, activity, bot.on_turn)
        if response is None:
            return web.Response(status=HTTPStatus.CREATED)
        if response.body is None:
            return web.Response(status=response.status or HTTPStatus.OK)
        body = (
            response.body if isinstance(response.body, dict) else serializer_helper(response.body)
        )
        return web.json_response(body, status=response.status or HTTPStatus.OK)

    return handle


def create_echo_app() -> web.Application:
    """The echo bot as an aiohttp app with one route."""
    app = web.Application()
    app.router.add_post("/api/messages", messages_handler(create_echo_adapter(), EchoBot()))
    return app
