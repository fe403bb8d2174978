"""The Bot Connector's Entra token, fetched off the event loop, within a deadline, once.

msrest signs every connector call in its credentials policy by calling the credentials'
`signed_session`, which asks MSAL for a token: a synchronous `requests` call, with no timeout,
made inside the event loop. While Entra ID (or a proxy in front of it) is slow, every request,
health check and scheduler tick waits; a proxy that accepts and never answers froze the bot.

`use_nonblocking_tokens()` swaps that policy's `send` (msrest and botframework-connector are
pinned and archived) for one that awaits the token from `OutboundTokens`:

- the fetch (`credentials.get_access_token()`, so MSAL's own cache still applies) runs in a
  worker thread, and the MSAL clients the SDK builds get a socket timeout;
- callers wait at most `TOKEN_TIMEOUT_SECONDS` and then fail the call (the outbox retries);
- concurrent callers share the one fetch in flight;
- a token whose expiry can be read (Entra's are JWTs) is served from memory and refreshed in
  the background `REFRESH_AHEAD_SECONDS` before it expires, so no call waits for a renewal.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from dataclasses import dataclass
from typing import Any

import jwt
import msal
import requests
from botframework.connector.auth import (
    AppCredentials,
    ManagedIdentityAppCredentials,
    MicrosoftAppCredentials,
    microsoft_app_credentials,
)
from msrest.exceptions import ClientRequestError
from msrest.pipeline import async_requests

log = logging.getLogger(__name__)

TOKEN_TIMEOUT_SECONDS = 10.0
# Entra tokens live an hour or more; MSAL itself renews five minutes before expiry, so asking
# four minutes before gets the new token rather than the cached old one.
REFRESH_AHEAD_SECONDS = 240.0
# A background renewal that brought back the same token is not retried sooner than this.
RETRY_REFRESH_SECONDS = 30.0


class OutboundTokenUnavailable(ClientRequestError):
    """No token for the Bot Connector in time; the call is not sent (a transport failure)."""


Key = tuple[str, str, str, str]
"""(credentials class, app id, OAuth endpoint, scope): what a token is issued for."""


@dataclass
class _Token:
    value: str | None = None
    expires_at: float = 0.0  # time.time(); 0 when unknown (then never served from memory)
    next_refresh: float = 0.0  # time.time() before which no background renewal starts
    in_flight: asyncio.Task[str | Exception] | None = None


class OutboundTokens:
    """Tokens by what they are for, on one event loop."""

    def __init__(self) -> None:
        self._tokens: dict[Key, _Token] = {}

    async def get(self, credentials: AppCredentials) -> str:
        """A valid token for `credentials`, waiting for a fetch only when none is held."""
        entry = self._tokens.setdefault(_key(credentials), _Token())
        now = time.time()
        if entry.value is not None and now < entry.expires_at - REFRESH_AHEAD_SECONDS:
            return entry.value
        if entry.value is not None and now < entry.expires_at:
            if now >= entry.next_refresh:
                entry.next_refresh = now + RETRY_REFRESH_SECONDS
                _fetch(entry, credentials)  # renew in the background; serve this one meanwhile
            return entry.value
        try:
            # Shielded: a caller that gives up must not cancel the fetch others share.
            outcome = await asyncio.wait_for(
                asyncio.shield(_fetch(entry, credentials)), TOKEN_TIMEOUT_SECONDS
            )
        except TimeoutError:
            log.warning("outbound_token.timeout", extra={"error_code": "token_timeout"})
            raise OutboundTokenUnavailable("no Bot Connector token in time") from None
        if isinstance(outcome, Exception):
            raise OutboundTokenUnavailable("no Bot Connector token") from outcome
        return outcome


def _fetch(entry: _Token, credentials: AppCredentials) -> asyncio.Task[str | Exception]:
    """The fetch in flight for this entry, started when there is none."""
    if entry.in_flight is None:
        entry.in_flight = asyncio.get_running_loop().create_task(_acquire(entry, credentials))
    return entry.in_flight


async def _acquire(entry: _Token, credentials: AppCredentials) -> str | Exception:
    """Fetch in a worker thread. A failure is returned, not raised: a background renewal that
    nobody awaits must leave no unretrieved task exception (an ERROR in the log) behind."""
    try:
        value = await asyncio.to_thread(credentials.get_access_token)
    except Exception as exc:  # noqa: BLE001 - PermissionError, requests' errors, MSAL's
        log.warning("outbound_token.failed", extra={"error_type": type(exc).__name__})
        return exc
    finally:
        entry.in_flight = None
    entry.value, entry.expires_at = value, _expiry(value)
    return value


def _key(credentials: AppCredentials) -> Key:
    return (
        type(credentials).__name__,
        str(credentials.microsoft_app_id or ""),
        str(getattr(credentials, "oauth_endpoint", "") or ""),
        str(credentials.oauth_scope or ""),
    )


def _expiry(token: str) -> float:
    """When the token expires (its `exp`), or 0 when it does not say (then MSAL decides)."""
    try:
        # Read, not verified: it is our own token from Entra, only its lifetime matters here.
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return 0.0
    exp = claims.get("exp")
    return float(exp) if isinstance(exp, int | float) else 0.0


# One per event loop: tasks must not be shared between loops (tests run many).
_per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, OutboundTokens] = (
    weakref.WeakKeyDictionary()
)


def tokens() -> OutboundTokens:
    """The running loop's token holder."""
    return _per_loop.setdefault(asyncio.get_running_loop(), OutboundTokens())


class _TimeoutSession(requests.Session):
    """A requests session whose calls time out unless told otherwise."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        return super().request(*args, **kwargs)


def _password_app(self: MicrosoftAppCredentials) -> Any:
    """The SDK's own MSAL application for a client secret, but with a socket timeout."""
    if not self.app:
        # Looked up when called, so a test's stand-in for MSAL is used as the SDK would.
        self.app = microsoft_app_credentials.ConfidentialClientApplication(
            client_id=self.microsoft_app_id,
            client_credential=self.microsoft_app_password,
            authority=self.oauth_endpoint,
            timeout=TOKEN_TIMEOUT_SECONDS,
        )
    return self.app


def _managed_identity_app(self: ManagedIdentityAppCredentials) -> Any:
    """The SDK's own MSAL client for a managed identity, but with a socket timeout."""
    if not self.app:
        self.app = msal.ManagedIdentityClient(
            self._managed_identity,
            http_client=_TimeoutSession(TOKEN_TIMEOUT_SECONDS),
            token_cache=ManagedIdentityAppCredentials.global_token_cache,
        )
    return self.app


async def _send(self: Any, request: Any, **kwargs: Any) -> Any:
    """msrest's credentials policy, with the token awaited instead of fetched in the loop."""
    session = request.context.session
    credentials = self._creds
    if isinstance(credentials, AppCredentials) and credentials._should_set_token(session):
        token = await tokens().get(credentials)
        session.headers["Authorization"] = f"Bearer {token}"
    else:
        credentials.signed_session(session)  # no token to fetch: anonymous or foreign creds
    try:
        return await self.next.send(request, **kwargs)
    except requests.RequestException as err:  # what the original policy turns it into
        raise ClientRequestError("Error occurred in request.", err) from err


def use_nonblocking_tokens() -> None:
    """Install the awaiting credentials policy and the MSAL timeouts (idempotent)."""
    async_requests.AsyncRequestsCredentialsPolicy.send = _send  # type: ignore[method-assign]
    MicrosoftAppCredentials._MicrosoftAppCredentials__get_msal_app = _password_app
    ManagedIdentityAppCredentials._ManagedIdentityAppCredentials__get_msal_app = (
        _managed_identity_app
    )
