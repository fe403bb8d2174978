"""A local stand-in for the Bot Framework's token signing keys, and tokens signed with them.

botbuilder fetches the OpenID metadata and the JWKS with blocking `requests` calls from inside
the event loop, so the key server runs its own aiohttp loop in a thread: on the test's loop it
would wait for a loop that the fetch itself is blocking.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

import jwt
from aiohttp import web
from botframework.connector.auth import ChannelValidation, MicrosoftAppCredentials
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from services.clock import MovableClock
from settings import Mode, Settings
from tests.support import activities as act
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, local_settings

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
# The tests' own bot registration (made up), single-tenant in the demo tenant.
APP_ID = "5a0e9f3c-7d21-4b8e-a6f4-1c9d2e3b4a50"


def production_settings(database_url: str) -> Settings:
    """Production mode for the tests' bot registration: authentication on, a stand-in secret."""
    return local_settings(
        database_url,
        mode=Mode.PRODUCTION,
        app_id=APP_ID,
        app_password="not-a-real-secret",
        app_type="SingleTenant",
        app_tenant_id=act.TENANT,
    )


@cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    """One RSA key per name for the whole run (generating them is the slow part)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(name: str) -> bytes:
    """The public half of a named key, PEM-encoded."""
    return (
        rsa_key(name)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def jwk(name: str, kid: str, endorsements: list[str]) -> dict[str, Any]:
    """The JWKS entry Microsoft publishes for a signing key (with its channel endorsements)."""
    entry: dict[str, Any] = RSAAlgorithm.to_jwk(rsa_key(name).public_key(), as_dict=True)
    entry.update({"kid": kid, "use": "sig", "endorsements": endorsements})
    return entry


@dataclass
class KeyServer:
    """Serves `/.well-known/openidconfiguration` and `/keys` on a free local port."""

    keys: list[dict[str, Any]]
    delay: float = 0.0  # seconds before the metadata document is answered (a slow Microsoft)
    fetches: int = 0  # metadata documents asked for
    asked: threading.Event = field(default_factory=threading.Event)  # set on the first ask
    metadata_url: str = ""
    _thread: threading.Thread | None = field(default=None, repr=False)
    _loop: asyncio.AbstractEventLoop | None = field(default=None, repr=False)
    _stop: asyncio.Event | None = field(default=None, repr=False)

    def start(self) -> KeyServer:
        """Start serving; returns once the port is bound."""
        ready = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(ready),), daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the key server did not start")
        return self

    def stop(self) -> None:
        """Stop serving and join the thread."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)

    async def _serve(self, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        app = web.Application()
        app.router.add_get("/.well-known/openidconfiguration", self._metadata)
        app.router.add_get("/keys", self._keys)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        self.metadata_url = f"http://127.0.0.1:{port}/.well-known/openidconfiguration"
        ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()

    async def _metadata(self, request: web.Request) -> web.Response:
        self.fetches += 1
        self.asked.set()
        await asyncio.sleep(self.delay)
        base = f"http://{request.host}"
        return web.json_response(
            {
                "issuer": BOT_FRAMEWORK_ISSUER,
                "jwks_uri": f"{base}/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def _keys(self, _request: web.Request) -> web.Response:
        return web.json_response({"keys": self.keys})


def token(
    *,
    key: str,
    kid: str | None,
    audience: str | None,
    service_url: str | None,
    issuer: str = BOT_FRAMEWORK_ISSUER,
    expires_in: float = 3600,
    not_before_in: float = -60,
    algorithm: str = "RS256",
    extra: dict[str, Any] | None = None,
) -> str:
    """A Bot Framework channel token as the connector sends it, signed with a named key."""
    now = time.time()
    claims: dict[str, Any] = {
        "iss": issuer,
        "exp": int(now + expires_in),
        "nbf": int(now + not_before_in),
        "jti": uuid.uuid4().hex,
    }
    if audience is not None:
        claims["aud"] = audience
    if service_url is not None:
        claims["serviceurl"] = service_url
    claims.update(extra or {})
    headers = {"kid": kid} if kid is not None else {}
    if algorithm == "HS256":
        # The classic confusion attack: the public key used as an HMAC secret (PyJWT refuses to
        # build such a token, so it is signed by hand).
        return _hs256(claims, headers, public_pem(key))
    signing_key: Any = None if algorithm == "none" else rsa_key(key)
    return jwt.encode(claims, signing_key, algorithm=algorithm, headers=headers)


def _hs256(claims: dict[str, Any], headers: dict[str, Any], secret: bytes) -> str:
    def part(value: bytes) -> str:
        return base64.urlsafe_b64encode(value).rstrip(b"=").decode()

    head = part(json.dumps({"alg": "HS256", "typ": "JWT", **headers}).encode())
    body = part(json.dumps(claims).encode())
    signature = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{part(signature)}"


def _outbound_token(_self: MicrosoftAppCredentials, force_refresh: bool = False) -> str:
    return "outbound-test-token"


@asynccontextmanager
async def running_production_bot(
    database_url: str,
    connector: FakeConnector,
    keys: KeyServer,
    monkeypatch: Any,
    at: datetime,
) -> AsyncIterator[BotUnderTest]:
    """The app in production mode validating tokens against `keys`, on a clock stopped at `at`.

    Replies need an Entra token for the connector; there is no Entra ID here, so a stand-in.
    """
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", keys.metadata_url)
    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", _outbound_token)
    running = BotUnderTest(production_settings(database_url), connector, clock=MovableClock(at))
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
