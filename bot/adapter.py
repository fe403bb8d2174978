"""Build botbuilder's CloudAdapter from our settings, with a neutral turn-error policy.

The adapter's authentication is wrapped so that connector clients are made once per service URL
and audience and then reused, as botbuilder's older BotFrameworkAdapter did (see
`CachingAuthentication`).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
import weakref
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)
from botframework.connector.skills import BotFrameworkClient
from requests import Session
from requests.adapters import DEFAULT_POOLSIZE, HTTPAdapter

from bot import invokes
from bot.pacing import PacedAdapter
from services.pacing import Pacer, Throttled
from settings import Settings

log = logging.getLogger(__name__)

# Service URLs are a handful per deployment (one per Teams region); in local mode they come
# unchecked from the activity, so the cache is bounded and forgets the least recently used.
MAX_CONNECTOR_CLIENTS = 64

# botbuilder's connector (msrest over `requests`) makes every HTTP call in a thread of the loop's
# default executor: min(32, cores + 4), so 6 on two cores. At Teams' latency (~0.1 s a call)
# that caps the bot at about 60 connector calls a second, below what a burst of posts needs.
CONNECTOR_THREADS = 32
_sized_loops: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()
# ...and each client's requests session then keeps as many connections as there are threads
# (requests keeps 10 per host and drops the others after use, with a warning for each).
_sized_sessions: weakref.WeakSet[Session] = weakref.WeakSet()

ClientKey = tuple[str, str, str | None]
"""(app id, service URL, audience): everything a connector client is built from."""


class CachingAuthentication(BotFrameworkAuthentication):
    """botbuilder's authentication, but each connector client is made once and then reused.

    CloudAdapter asks its ConnectorFactory for a new `ConnectorClient` on every turn and every
    proactive send, and for a new `UserTokenClient` too. Each is an msrest client whose
    configuration builds a retry policy (about 2.6 ms of CPU: a 999 x 500 list scan), a new
    `requests` session (so a new TCP/TLS connection per call) and new app credentials, whose
    MSAL application has an empty token cache: in production every outbound turn fetched a new
    Entra token. A client is fully determined by (app id, service URL, audience), so it is kept
    under that key, as the older BotFrameworkAdapter kept them.

    Tokens keep working: the credentials ask MSAL for a token on every request (the connector's
    credentials policy signs each one), and MSAL serves it from its cache until it is due for
    renewal, then fetches a new one.
    """

    def __init__(
        self, inner: BotFrameworkAuthentication, max_clients: int = MAX_CONNECTOR_CLIENTS
    ) -> None:
        self._inner = inner
        # A turn asks for the channel's audience by name, a proactive send with None: the same.
        self._default_audience = inner.get_originating_audience()
        self._max_clients = max_clients
        self._clients: OrderedDict[ClientKey, ConnectorClient] = OrderedDict()
        self._token_clients: dict[str, UserTokenClient] = {}

    @property
    def connector_clients(self) -> dict[ClientKey, ConnectorClient]:
        """The clients made so far, by (app id, service URL, audience) (a copy)."""
        return dict(self._clients)

    async def connector_client(
        self, factory: ConnectorFactory, app_id: str, service_url: str, audience: str | None
    ) -> ConnectorClient:
        """The client for this key, made with `factory` the first time it is asked for."""
        audience = audience or self._default_audience
        key = (app_id, service_url, audience)
        client = self._clients.get(key)
        if client is None:
            client = await factory.create(service_url, audience)
            client.config.session_configuration_callback = _pool_per_thread
            # Two turns may have made one each meanwhile: keep the first, use it.
            client = self._clients.setdefault(key, client)
            while len(self._clients) > self._max_clients:
                self._clients.popitem(last=False)
        self._clients.move_to_end(key)
        return client

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        result = await self._inner.authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = _CachingConnectorFactory(
                self, result.connector_factory, _app_id(result.claims_identity)
            )
        return result

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _CachingConnectorFactory(
            self, self._inner.create_connector_factory(claims_identity), _app_id(claims_identity)
        )

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        # Made for every turn, used only by OAuth prompts (we have none); one per app id.
        app_id = _app_id(claims_identity)
        client = self._token_clients.get(app_id)
        if client is None:
            client = await self._inner.create_user_token_client(claims_identity)
            client = self._token_clients.setdefault(app_id, client)
        return client

    def create_bot_framework_client(self) -> BotFrameworkClient:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self._inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)


def use_connector_threads(
    loop: asyncio.AbstractEventLoop, threads: int = CONNECTOR_THREADS
) -> None:
    """Give `loop` a default executor with `threads` threads (once per loop).

    Threads start only when calls wait for one, so an idle bot holds no more than before.
    """
    if loop in _sized_loops:
        return
    loop.set_default_executor(
        ThreadPoolExecutor(max_workers=threads, thread_name_prefix="connector")
    )
    _sized_loops.add(loop)


def _pool_per_thread(
    session: Session, _config: Any, _call_config: Any, **request_kwargs: Any
) -> dict[str, Any]:
    """msrest's session hook, run before each call: size the connection pools once."""
    if session not in _sized_sessions:
        for adapter in session.adapters.values():
            if isinstance(adapter, HTTPAdapter):  # keeps msrest's retry policy (max_retries)
                adapter.init_poolmanager(DEFAULT_POOLSIZE, CONNECTOR_THREADS)
        _sized_sessions.add(session)
    return request_kwargs


class _CachingConnectorFactory(ConnectorFactory):
    """One turn's connector factory, answering from the shared cache."""

    def __init__(self, cache: CachingAuthentication, inner: ConnectorFactory, app_id: str) -> None:
        self._cache = cache
        self._inner = inner
        self._app_id = app_id

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        return await self._cache.connector_client(self._inner, self._app_id, service_url, audience)


def _app_id(claims_identity: ClaimsIdentity) -> str:
    """The bot's app id as botbuilder's connector factory reads it (audience, else appid)."""
    claims = claims_identity.claims if claims_identity is not None else {}
    app_id = claims.get(AuthenticationConstants.AUDIENCE_CLAIM)
    if app_id is None:
        app_id = claims.get(AuthenticationConstants.APP_ID_CLAIM)
    return str(app_id or "")


@dataclass(frozen=True)
class _BotFrameworkConfig:
    """The attribute names botbuilder's configuration readers look for."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str


def create_adapter(settings: Settings) -> PacedAdapter:
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
    # Every outbound call keeps to Teams' rate limits (bot/pacing.py) unless pacing is off.
    adapter = PacedAdapter(
        CachingAuthentication(ConfigurationBotFrameworkAuthentication(config)),
        Pacer() if settings.pacing else None,
    )
    adapter.on_turn_error = on_turn_error
    return adapter


async def on_turn_error(context: TurnContext, error: Exception) -> None:
    """Log a correlation id (never the text) and answer neutrally."""
    correlation = uuid.uuid4().hex[:12]
    activity = context.activity
    ids = {
        "correlation_id": correlation,
        "activity_type": activity.type,
        "activity_id": activity.id,
        "error_type": type(error).__name__,
    }
    if isinstance(error, Throttled):
        # Teams' rate limits held a reply back longer than the turn may wait: busy, not broken
        # (what was saved is saved; a repeat is answered "already done").
        log.warning("turn.throttled", extra=ids)
        apology = "Teams is busy right now, so part of the answer could not be sent. " + (
            "Please look at the request card in a minute before trying again."
        )
    else:
        log.error("turn.failed", extra=ids, exc_info=error)
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
