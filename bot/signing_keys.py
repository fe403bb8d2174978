"""botbuilder fetches the Bot Framework's token signing keys without blocking the bot.

botframework-connector 4.17.1 refreshes the OpenID metadata and its keys (once a day, and at
most once an hour for an unknown key id) with two `requests.get` calls made directly inside
the event loop and with no timeout: while Microsoft's endpoint answers, or hangs, every turn,
health check and scheduler tick waits. This swaps its private `_OpenIdMetadata._refresh` (the
SDK is archived and pinned) for one that fetches in a worker thread within a deadline.

At most one fetch per metadata URL is in flight and every request that needs it shares its
outcome. A failed fetch is remembered for `NEGATIVE_RESULT_SECONDS`: until then a request that
needs the keys is refused at once instead of fetching again, so a burst of tokens with unknown
key ids (or an outage at Microsoft) costs one fetch, not one per request in turn.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests
from botframework.connector.auth import jwt_token_extractor

log = logging.getLogger(__name__)

FETCH_TIMEOUT_SECONDS = 10.0
# Long enough that a flood of forged key ids costs one fetch per window; short enough that a
# real key rotation at Microsoft is picked up within a Teams retry or two.
NEGATIVE_RESULT_SECONDS = 30.0


class SigningKeysUnavailable(Exception):
    """The signing keys could not be fetched (now, or in the last few seconds)."""


@dataclass
class _Fetches:
    """One metadata URL's fetch in flight and its last failure, on one event loop."""

    in_flight: asyncio.Task[BaseException | None] | None = None
    failed_at: float | None = None  # time.monotonic() of the last failure

    def recently_failed(self) -> bool:
        return self.failed_at is not None and (
            time.monotonic() - self.failed_at < NEGATIVE_RESULT_SECONDS
        )


# Per event loop and metadata URL: the SDK keeps its metadata objects for the life of the
# process, and a task must not be shared between loops (tests run many).
_state: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _Fetches]] = (
    weakref.WeakKeyDictionary()
)


def use_nonblocking_key_refresh(timeout: float | None = None) -> None:
    """Install the non-blocking refresh (idempotent; affects every adapter in the process).

    Without `timeout`, each refresh reads FETCH_TIMEOUT_SECONDS when it runs.
    """

    async def refresh(metadata: Any) -> None:
        await _refresh(metadata, FETCH_TIMEOUT_SECONDS if timeout is None else timeout)

    jwt_token_extractor._OpenIdMetadata._refresh = refresh


async def _refresh(metadata: Any, deadline: float) -> None:
    """Share the fetch in flight, or start one, unless the last one failed moments ago."""
    fetches = _fetches(metadata.url)
    if fetches.recently_failed():
        raise SigningKeysUnavailable("the last fetch failed moments ago")
    if fetches.in_flight is None:
        fetches.in_flight = asyncio.get_running_loop().create_task(
            _fetch(metadata, fetches, deadline)
        )
    try:
        # Shielded: a caller that gives up (client gone) must not cancel the others' fetch.
        failure = await asyncio.wait_for(asyncio.shield(fetches.in_flight), deadline)
    except TimeoutError:
        # The thread may still be waiting on the socket; later callers are refused at once.
        fetches.failed_at = time.monotonic()
        raise SigningKeysUnavailable("the fetch did not finish in time") from None
    if failure is not None:
        raise SigningKeysUnavailable("the fetch failed") from failure


def _fetches(url: str) -> _Fetches:
    per_loop = _state.setdefault(asyncio.get_running_loop(), {})
    return per_loop.setdefault(url, _Fetches())


async def _fetch(metadata: Any, fetches: _Fetches, deadline: float) -> BaseException | None:
    """Fetch and install the keys; the failure is returned, never raised, so that a fetch all
    of whose callers timed out leaves no unretrieved task exception behind."""
    try:
        keys = await asyncio.to_thread(_fetch_keys, metadata.url, deadline)
    except Exception as exc:  # noqa: BLE001 - any failure means "no keys"; callers refuse
        fetches.failed_at = time.monotonic()
        log.warning("signing_keys.fetch_failed", extra={"error_type": type(exc).__name__})
        return exc
    else:
        metadata.keys = keys
        metadata.last_updated = datetime.now()  # naive local time, as the SDK compares
        fetches.failed_at = None
        return None
    finally:
        fetches.in_flight = None


def _fetch_keys(metadata_url: str, timeout: float) -> list[dict[str, Any]]:
    """The metadata document, then the JWKS it names: what the SDK's own refresh fetches."""
    response = requests.get(metadata_url, timeout=timeout)
    response.raise_for_status()
    keys = requests.get(response.json()["jwks_uri"], timeout=timeout)
    keys.raise_for_status()
    return list(keys.json()["keys"])
