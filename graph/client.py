"""One Graph client per process: credentials chosen by settings, bounded calls, readable errors."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

import httpx
from azure.core.credentials_async import AsyncTokenCredential
from azure.core.exceptions import AzureError, ClientAuthenticationError
from kiota_abstractions.api_error import APIError
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from kiota_http.middleware.options import RetryHandlerOption
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.graph_request_adapter import options as graph_default_options
from msgraph_core import GraphClientFactory

from graph.settings import GRAPH_SCOPE, GraphConfigError, GraphSettings

log = logging.getLogger(__name__)

T = TypeVar("T")
_AADSTS = re.compile(r"AADSTS\d+")


class GraphError(Exception):
    """A Graph call failed. `code` is safe to log: http_403, timeout, unreachable, auth..."""

    def __init__(self, code: str, status: int | None = None, where: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.where = where
        """What was being read, e.g. "group map_team_manager" (ids only)."""


def make_credential(settings: GraphSettings) -> AsyncTokenCredential:
    """The azure-identity async credential the settings ask for."""
    from azure.identity.aio import (
        CertificateCredential,
        ClientSecretCredential,
        ManagedIdentityCredential,
    )

    try:
        if settings.auth == "managed_identity":
            return ManagedIdentityCredential(client_id=settings.client_id or None)
        if settings.auth == "certificate":
            assert settings.certificate_path is not None
            password = settings.certificate_password.get_secret_value() or None
            return CertificateCredential(
                settings.tenant_id,
                settings.client_id,
                certificate_path=str(settings.certificate_path),
                password=password,
            )
        return ClientSecretCredential(
            settings.tenant_id, settings.client_id, settings.client_secret.get_secret_value()
        )
    except (ValueError, OSError) as exc:
        # Bad tenant id format, unreadable certificate or wrong password: say which, not how.
        raise GraphConfigError(
            f"STEPUP_GRAPH_AUTH={settings.auth}: the credential cannot be built "
            f"({type(exc).__name__}); check the tenant id and the certificate file"
        ) from None


@dataclass
class GraphConnection:
    """The SDK client with its credential and HTTP client, closed together."""

    client: GraphServiceClient
    credential: AsyncTokenCredential
    http: httpx.AsyncClient
    transport: httpx.AsyncHTTPTransport
    settings: GraphSettings

    async def call(self, awaitable: Awaitable[T], *, seconds: float | None = None) -> T:
        """Await one Graph call within the time limit; failures become a GraphError."""
        try:
            async with asyncio.timeout(seconds or self.settings.timeout_seconds):
                return await awaitable
        except TimeoutError:
            raise GraphError("timeout") from None
        except APIError as exc:  # ODataError and any other error status
            status = exc.response_status_code
            raise GraphError(f"http_{status}", status) from None
        except ClientAuthenticationError as exc:
            raise GraphError(_aadsts(exc) or "auth", 401) from None
        except AzureError as exc:  # no token: Entra ID or the identity endpoint unreachable
            raise GraphError(f"token_{type(exc).__name__}") from None
        except httpx.HTTPError as exc:
            raise GraphError(f"unreachable_{type(exc).__name__}") from None

    async def check(self) -> None:
        """Get a token now, so wrong or missing credentials stop the start-up with one line."""
        try:
            async with asyncio.timeout(max(self.settings.timeout_seconds, 20.0)):
                await self.credential.get_token(GRAPH_SCOPE)
        except ClientAuthenticationError as exc:
            code = _aadsts(exc) or type(exc).__name__
            raise GraphConfigError(
                f"Microsoft Entra ID refused the Graph credentials (STEPUP_GRAPH_AUTH="
                f"{self.settings.auth}, {code}): check the tenant id, client id and "
                "secret or certificate, and that it has not expired"
            ) from None
        except (TimeoutError, AzureError) as exc:
            raise GraphConfigError(
                f"no Graph token ({type(exc).__name__}): is login.microsoftonline.com (or the "
                "managed identity endpoint) reachable from the app?"
            ) from None

    async def close(self) -> None:
        """Release the HTTP connections and the credential."""
        await self.http.aclose()
        await self.transport.aclose()
        await self.credential.close()


def connect(
    settings: GraphSettings, credential: AsyncTokenCredential | None = None
) -> GraphConnection:
    """A client for `settings.base_url` with bounded retries (429/503/504, Retry-After)."""
    credential = credential or make_credential(settings)
    options = {
        **graph_default_options,
        RetryHandlerOption.get_key(): RetryHandlerOption(
            delay=settings.retry_delay_seconds, max_retries=settings.max_retries
        ),
    }
    # The SDK's transport wrapper does not close the transport it wraps: keep it to close it.
    transport = httpx.AsyncHTTPTransport(http2=True)
    http = httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(30.0, connect=10.0))
    http = GraphClientFactory.create_with_default_middleware(client=http, options=options)
    provider = AzureIdentityAuthenticationProvider(credential, scopes=[GRAPH_SCOPE])
    adapter = GraphRequestAdapter(provider, client=http)
    adapter.base_url = settings.base_url.rstrip("/")
    client = GraphServiceClient(request_adapter=adapter)
    return GraphConnection(client, credential, http, transport, settings)


def _aadsts(exc: Exception) -> str | None:
    """The AADSTS error code in an Entra ID refusal (the message itself may be long)."""
    found = _AADSTS.search(str(getattr(exc, "message", "") or exc))
    return found.group(0) if found else None
