"""Field encryption at rest: AES-256-GCM with a key ring (rotation) and an HMAC fingerprint.

Tokens look like `v1:<key id>:<base64url(nonce | ciphertext+tag)>`. The key id says which key of
the ring sealed a value, so new values use the current key while old ones still open; the
associated data binds a value to its row and column, so a ciphertext copied elsewhere fails.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = "v1"
_KID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class KeyConfigError(ValueError):
    """The key configuration is unusable; the message names the problem, never a key."""


class DecryptError(Exception):
    """A sealed value could not be opened (wrong key, tampered, or moved to another row)."""


def _b64decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _b64encode(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).decode().rstrip("=")


def parse_key_ring(text: str) -> tuple[str, dict[str, bytes]]:
    """Parse "kid:base64key,kid:base64key" (current key first) into (current id, ring)."""
    ring: dict[str, bytes] = {}
    current = ""
    for part in filter(None, (p.strip() for p in text.split(","))):
        kid, _, encoded = part.partition(":")
        if not _KID.match(kid) or not encoded:
            raise KeyConfigError("each key must be written as <id>:<base64 key>")
        try:
            key = _b64decode(encoded)
        except ValueError:
            raise KeyConfigError(f"key {kid} is not base64") from None
        if len(key) != 32:
            raise KeyConfigError(f"key {kid} must be 32 bytes (AES-256)")
        if kid in ring:
            raise KeyConfigError(f"key id {kid} appears twice")
        ring[kid] = key
        current = current or kid
    if not ring:
        raise KeyConfigError("the key ring is empty")
    return current, ring


def new_key_ring_entry(kid: str) -> str:
    """A fresh `<id>:<base64 key>` entry to put first in the ring."""
    return f"{kid}:{_b64encode(os.urandom(32))}"


class FieldCipher:
    """Seals and opens short text fields; fingerprints values without revealing them."""

    def __init__(self, current: str, ring: Mapping[str, bytes], hmac_key: bytes) -> None:
        if current not in ring:
            raise KeyConfigError("the current key is not in the ring")
        if len(hmac_key) < 32:
            raise KeyConfigError("the HMAC key must be at least 32 bytes")
        self._current = current
        self._ring = {kid: AESGCM(key) for kid, key in ring.items()}
        self._hmac_key = hmac_key

    @classmethod
    def from_text(cls, key_ring: str, hmac_key: str) -> FieldCipher:
        """Build from the settings' text forms."""
        current, ring = parse_key_ring(key_ring)
        try:
            mac = _b64decode(hmac_key)
        except ValueError:
            raise KeyConfigError("the HMAC key is not base64") from None
        return cls(current, ring, mac)

    def seal(self, plaintext: str, *, context: str) -> str:
        """Encrypt `plaintext` for the row and column named by `context`."""
        nonce = os.urandom(12)
        sealed = self._ring[self._current].encrypt(nonce, plaintext.encode(), context.encode())
        return f"{_VERSION}:{self._current}:{_b64encode(nonce + sealed)}"

    def open(self, token: str, *, context: str) -> str:
        """Decrypt a token sealed for the same `context`."""
        try:
            version, kid, payload = token.split(":", 2)
            if version != _VERSION or kid not in self._ring:
                raise DecryptError("unknown key or format")
            raw = _b64decode(payload)
            return self._ring[kid].decrypt(raw[:12], raw[12:], context.encode()).decode()
        except (ValueError, InvalidTag):
            raise DecryptError("the value could not be opened") from None

    def needs_rotation(self, token: str) -> bool:
        """Whether a token was sealed with an older key than the current one."""
        return token.split(":", 2)[1:2] != [self._current]

    def rotate(self, token: str, *, context: str) -> str:
        """Re-seal a token with the current key (a no-op for current tokens)."""
        if not self.needs_rotation(token):
            return token
        return self.seal(self.open(token, context=context), context=context)

    def fingerprint(self, value: str) -> str:
        """A keyed hash (HMAC-SHA256) to match equal values without decrypting them."""
        return hmac.new(self._hmac_key, value.encode(), hashlib.sha256).hexdigest()
