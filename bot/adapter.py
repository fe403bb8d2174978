"""Build botbuilder's CloudAdapter from our settings, with a neutral turn-error policy."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity, ActivityTypes

from bot import invokes
from settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _BotFrameworkConfig:
    """The attribute names botbuilder's configuration readers look for."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str


def create_adapter(settings: Settings) -> CloudAdapter:
    """A CloudAdapter that validates tokens in production and accepts anything in local mode."""
    if settings.auth_enabled:
        config = _BotFrameworkConfig(
            APP_ID=settings.app_id,
            APP_PASSWORD=settings.app_password.get_secret_value(),
            APP_TYPE=settings.app_type,
            APP_TENANTID=settings.app_tenant_id,
        )
    else:
        # MultiTenant with no id is botbuilder's "auth disabled" mode: local mode only.
        config = _BotFrameworkConfig(
            APP_ID="", APP_PASSWORD="", APP_TYPE="MultiTenant", APP_TENANTID=""
        )
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(config))
    adapter.on_turn_error = on_turn_error
    return adapter


async def on_turn_error(context: TurnContext, error: Exception) -> None:
    """Log a correlation id (never the text) and answer neutrally."""
    correlation = uuid.uuid4().hex[:12]
    activity = context.activity
    log.error(
        "turn.failed",
        extra={
            "correlation_id": correlation,
            "activity_type": activity.type,
            "activity_id": activity.id,
            "error_type": type(error).__name__,
        },
        exc_info=error,
    )
    apology = (
        f"Sorry, something went wrong on our side (reference {correlation}). "
        "Please try again in a minute."
    )
    try:
        if activity.type == ActivityTypes.invoke:
            # Without an invoke response botbuilder answers 501; Teams then shows a vague error.
            body = (
                invokes.card_message(apology)
                if activity.name == invokes.CARD_ACTION
                else invokes.task_message(apology)
            )
            await context.send_activity(
                Activity(type=ActivityTypes.invoke_response, value=invokes.ok(body))
            )
        elif activity.type == ActivityTypes.message:
            await context.send_activity(apology)
    except Exception:  # noqa: BLE001 - the connector may be the thing that failed
        log.warning("turn_error.reply_failed", extra={"correlation_id": correlation})
