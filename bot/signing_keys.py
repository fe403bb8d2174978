"""botbuilder fetches the Bot Framework's token signing keys without blocking the bot.

botframework-connector 4.17.1 refreshes the OpenID metadata and its keys (once a day, and at
most once an hour for an unknown key id) with two `requests.get` calls made directly inside
the event loop and with no timeout: while Microsoft's endpoint answers, or hangs, every turn,
health check and scheduler tick waits. This swaps its private `_OpenIdMetadata._refresh` (the
SDK is archived and pinned) for one that fetches in a worker thread with a timeout, and lets
concurrent requests that all found the keys stale share one fetch.
"""

from __future__ import annotations

import asyncio
import weakref
from datetime import datetime
from typing import Any

import requests
from botframework.connector.auth import jwt_token_extractor

FETCH_TIMEOUT_SECONDS = 10.0

# One lock per event loop and metadata URL: the SDK keeps its metadata objects for the life of
# the process, and an asyncio.Lock must not be shared between loops (tests run many).
_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def use_nonblocking_key_refresh(timeout: float = FETCH_TIMEOUT_SECONDS) -> None:
    """Install the non-blocking refresh (idempotent; affects every adapter in the process)."""

    async def refresh(metadata: Any) -> None:
        seen = metadata.last_updated
        async with _lock(metadata.url):
            if metadata.last_updated != seen:
                return  # another request refreshed while this one waited
            keys = await asyncio.to_thread(_fetch_keys, metadata.url, timeout)
            metadata.keys = keys
            metadata.last_updated = datetime.now()  # naive local time, as the SDK compares

    jwt_token_extractor._OpenIdMetadata._refresh = refresh


def _lock(url: str) -> asyncio.Lock:
    per_loop = _locks.setdefault(asyncio.get_running_loop(), {})
    return per_loop.setdefault(url, asyncio.Lock())


def _fetch_keys(metadata_url: str, timeout: float) -> list[dict[str, Any]]:
    """The metadata document, then the JWKS it names: what the SDK's own refresh fetches."""
    response = requests.get(metadata_url, timeout=timeout)
    response.raise_for_status()
    keys = requests.get(response.json()["jwks_uri"], timeout=timeout)
    keys.raise_for_status()
    return list(keys.json()["keys"])
